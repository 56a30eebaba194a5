package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.AsyncCache;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Review of issue 9 (e519d9e): the answer caches take an answer's lifetime from Caffeine's bookkeeping, which is done
 * by a completion handler of the cached future. Until that handler runs, the entry has Caffeine's "forever" of a
 * pending future, and a read returns the answer whatever its age: dependents registered after Caffeine's (every
 * decision that shares the query, and what the callers of {@code decideAsync} chained to them) run before it, on
 * the same thread, for as long as they take. {@code cached()} (and so every decision composed from the cache) must
 * never return an answer past its TTL, whatever Caffeine has recorded yet.
 */
final class AnswerWindowTest {

    private static ListLookups lookups() {
        return new ListLookups(List.of(new InetSocketAddress("127.0.0.1", 53)), Duration.ofSeconds(1),
                Duration.ZERO, Duration.ofHours(1), 100, 10, Runnable::run);
    }

    @SuppressWarnings("unchecked")
    private static <V> AsyncCache<QueryKey, V> cache(ListLookups l, String field) throws Exception {
        var f = ListLookups.class.getDeclaredField(field);
        f.setAccessible(true);
        return (AsyncCache<QueryKey, V>) f.get(l);
    }

    private static RawAnswer answerMadeAt(long made, long ttlSeconds) throws Exception {
        var c = RawAnswer.class.getDeclaredConstructor(long[].class, boolean.class, String.class, long.class,
                long.class);
        c.setAccessible(true);
        return c.newInstance(new long[] {0x7f000002L}, false, "", ttlSeconds, made);
    }

    private static QueryKey key() {
        return QueryKey.ip4("bl.test", 0xC0000201L);
    }

    @Test
    void an_answer_past_its_ttl_is_not_returned_before_the_cache_has_recorded_its_completion() throws Exception {
        ListLookups l = lookups();
        AsyncCache<QueryKey, RawAnswer> addresses = cache(l, "addresses");
        CompletableFuture<RawAnswer> pending = new CompletableFuture<>();
        addresses.put(key(), pending); // Caffeine's completion handler is registered now
        AtomicReference<RawAnswer> seen = new AtomicReference<>();
        AtomicReference<RawAnswer> seenAgain = new AtomicReference<>();
        // a dependent registered later runs first, before Caffeine has recorded the answer's lifetime
        pending.thenRun(() -> {
            seen.set(l.cached(key()));
            seenAgain.set(l.cached(key()));
        });

        // an answer with a 1 s TTL, made an hour ago (held up, say, behind a slow caller's callback)
        pending.complete(answerMadeAt(System.nanoTime() - Duration.ofHours(1).toNanos(), 1));

        assertThat(seen.get()).as("an answer an hour past its TTL").isNull();
        assertThat(seenAgain.get()).isNull();
        assertThat(l.cached(key())).as("once Caffeine has recorded it").isNull();
    }

    @Test
    void a_txt_answer_past_its_ttl_is_not_returned_either() throws Exception {
        ListLookups l = lookups();
        AsyncCache<QueryKey, ListLookups.Txt> texts = cache(l, "texts");
        CompletableFuture<ListLookups.Txt> pending = new CompletableFuture<>();
        texts.put(key(), pending);
        AtomicReference<ListLookups.Txt> seen = new AtomicReference<>();
        pending.thenRun(() -> seen.set(l.cachedTxt(key())));

        pending.complete(new ListLookups.Txt("Listed", 1, System.nanoTime() - Duration.ofHours(1).toNanos()));

        assertThat(seen.get()).as("a TXT answer an hour past its TTL").isNull();
    }
}

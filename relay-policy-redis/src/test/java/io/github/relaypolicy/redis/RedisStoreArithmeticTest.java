package io.github.relaypolicy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.spi.RateLimitBucket;
import io.github.relaypolicy.core.spi.RateLimitOutcome;
import io.github.relaypolicy.core.spi.RateLimitStore;
import io.github.relaypolicy.testsupport.RedisServer;
import io.github.relaypolicy.testsupport.RequiresRedis;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The store's answers against the arithmetic of {@link RateLimitBucket}'s javadoc, on the real redis-server. Time is
 * the engine's {@code now}, a manual clock here; it starts at the real time and only moves forward, by minutes,
 * while every interval is at least a minute, so that Redis's own expiry (real time) never removes a cell before the
 * manual clock reaches its TAT.
 */
@RequiresRedis
final class RedisStoreArithmeticTest {

    private static final long MINUTE = 60_000;

    private static RedisServer server;
    private static RedisProbe probe;
    private static RateLimitStore store;

    private long now;
    private String prefix;

    @BeforeAll
    static void start() throws Exception {
        server = RedisServer.start();
        probe = new RedisProbe(server);
        store = new RedisRateLimitStoreProvider().open(URI.create(server.uri()), Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
        }
        if (probe != null) {
            probe.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void clock(TestInfo test) {
        now = System.currentTimeMillis();
        prefix = "relay-policy:test:" + test.getTestMethod().orElseThrow().getName() + ":";
    }

    private RateLimitBucket cell(String name, long interval, int burst) {
        return new RateLimitBucket(prefix + name, interval, burst);
    }

    private static RateLimitOutcome acquire(List<RateLimitBucket> guards, List<RateLimitBucket> buckets, long now,
            boolean dryRun) throws Exception {
        return store.acquire(guards, buckets, now, dryRun).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private RateLimitOutcome take(RateLimitBucket... buckets) throws Exception {
        return acquire(List.of(), List.of(buckets), now, false);
    }

    private static long tat(RateLimitBucket b) {
        String v = probe.redis().get(b.key());
        return v == null ? -1 : Long.parseLong(v);
    }

    @Test
    void burst_events_fit_at_once_then_one_per_interval() throws Exception {
        RateLimitBucket b = cell("user", MINUTE, 3); // 3/3m

        assertThat(take(b)).isEqualTo(new RateLimitOutcome(-1, List.of(2L)));
        assertThat(take(b)).isEqualTo(new RateLimitOutcome(-1, List.of(1L)));
        assertThat(take(b)).isEqualTo(new RateLimitOutcome(-1, List.of(0L)));
        assertThat(take(b)).as("full").isEqualTo(new RateLimitOutcome(0, List.of(0L)));
        assertThat(tat(b)).as("TAT = now + 3 intervals; the refusal took nothing").isEqualTo(now + 3 * MINUTE);

        now += MINUTE - 1;
        assertThat(take(b)).as("1 ms before one interval has passed").isEqualTo(new RateLimitOutcome(0, List.of(0L)));
        now += 1;
        assertThat(take(b)).as("one interval later: one more").isEqualTo(new RateLimitOutcome(-1, List.of(0L)));
        assertThat(tat(b)).isEqualTo(now + 3 * MINUTE);
    }

    @Test
    void remaining_is_how_many_would_fit_now_rounded_down() throws Exception {
        RateLimitBucket b = cell("client", MINUTE, 5);
        for (int i = 0; i < 5; i++) {
            take(b);
        }
        // TAT = t0 + 5 min; at t0 + 2.5 min: (5 min - 2.5 min) / 1 min = 2 (2.5 rounded down)
        now += 5 * MINUTE / 2;
        assertThat(acquire(List.of(), List.of(b), now, true)).isEqualTo(new RateLimitOutcome(-1, List.of(2L)));
        assertThat(take(b)).isEqualTo(new RateLimitOutcome(-1, List.of(1L)));
        assertThat(take(b)).isEqualTo(new RateLimitOutcome(-1, List.of(0L)));
        assertThat(take(b)).isEqualTo(new RateLimitOutcome(0, List.of(0L)));
    }

    @Test
    void an_idle_cell_expires_when_its_tat_is_reached_so_redis_memory_stays_bounded() throws Exception {
        RateLimitBucket b = cell("sender", 10 * MINUTE, 100);

        take(b);
        take(b);

        // PX = TAT - now = 2 intervals, counted by Redis from the script's run (real time)
        assertThat(probe.redis().pttl(b.key())).isBetween(20 * MINUTE - 10_000, 20 * MINUTE);
        assertThat(tat(b)).isEqualTo(now + 20 * MINUTE);
    }

    @Test
    void an_interval_of_one_millisecond_expires_in_redis_at_once() throws Exception {
        // the real clock passes the TAT within milliseconds: Redis forgets the cell, as the javadoc allows
        RateLimitBucket b = cell("fast", 1, 1);
        long realNow = System.currentTimeMillis();

        assertThat(acquire(List.of(), List.of(b), realNow, false)).isEqualTo(new RateLimitOutcome(-1, List.of(0L)));

        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (probe.redis().exists(b.key()) > 0 && System.nanoTime() - until < 0) {
            Thread.sleep(5);
        }
        assertThat(probe.redis().exists(b.key())).isZero();
    }

    @Test
    void a_dry_run_reports_and_changes_nothing() throws Exception {
        RateLimitBucket used = cell("used", MINUTE, 4);
        RateLimitBucket fresh = cell("fresh", MINUTE, 4);
        take(used);
        long before = tat(used);
        long ttl = probe.redis().pttl(used.key());

        RateLimitOutcome dry = acquire(List.of(), List.of(used, fresh), now, true);

        assertThat(dry).as("remaining now, nothing taken").isEqualTo(new RateLimitOutcome(-1, List.of(3L, 4L)));
        assertThat(tat(used)).isEqualTo(before);
        assertThat(probe.redis().pttl(used.key())).isBetween(ttl - 5_000, ttl);
        assertThat(probe.redis().exists(fresh.key())).as("a dry run creates no cell").isZero();
        assertThat(take(used)).isEqualTo(new RateLimitOutcome(-1, List.of(2L)));
    }

    @Test
    void a_dry_run_of_a_full_bucket_reports_the_refusal() throws Exception {
        RateLimitBucket b = cell("b", MINUTE, 1);
        take(b);

        assertThat(acquire(List.of(), List.of(b), now, true)).isEqualTo(new RateLimitOutcome(0, List.of(0L)));
    }

    @Test
    void a_full_guard_refuses_and_no_bucket_takes_anything() throws Exception {
        RateLimitBucket guard = cell("refusals", MINUTE, 2);
        RateLimitBucket b = cell("user", MINUTE, 10);
        take(guard);
        take(guard); // the client collected two refusals: the guard is full
        long guardTat = tat(guard);

        RateLimitOutcome o = acquire(List.of(guard), List.of(b), now, false);

        assertThat(o).as("refused by guard 0; the bucket's remaining is untouched")
                .isEqualTo(new RateLimitOutcome(0, List.of(10L)));
        assertThat(probe.redis().exists(b.key())).isZero();
        assertThat(tat(guard)).as("guards are only read").isEqualTo(guardTat);
    }

    @Test
    void a_guard_with_room_is_only_read() throws Exception {
        RateLimitBucket guard = cell("refusals", MINUTE, 2);
        RateLimitBucket b = cell("user", MINUTE, 10);
        take(guard);
        long guardTat = tat(guard);

        assertThat(acquire(List.of(guard), List.of(b), now, false)).isEqualTo(new RateLimitOutcome(-1, List.of(9L)));
        assertThat(tat(guard)).isEqualTo(guardTat);
        assertThat(acquire(List.of(cell("never-used", MINUTE, 1)), List.of(b), now, false))
                .isEqualTo(new RateLimitOutcome(-1, List.of(8L)));
        assertThat(probe.redis().exists(prefix + "never-used")).isZero();
    }

    @Test
    void buckets_take_all_or_none_and_the_refused_index_counts_guards_first() throws Exception {
        RateLimitBucket guard = cell("refusals", MINUTE, 5);
        RateLimitBucket roomy = cell("user", MINUTE, 10);
        RateLimitBucket full = cell("client", MINUTE, 1);
        take(full);

        RateLimitOutcome o = acquire(List.of(guard), List.of(roomy, full), now, false);

        assertThat(o).as("index 2: guard 0, bucket 1, bucket 2").isEqualTo(new RateLimitOutcome(2, List.of(10L, 0L)));
        assertThat(probe.redis().exists(roomy.key())).as("none taken").isZero();
        assertThat(acquire(List.of(guard), List.of(roomy, full), now + MINUTE, false))
                .isEqualTo(new RateLimitOutcome(-1, List.of(9L, 0L)));
    }

    @Test
    void the_first_full_cell_is_the_one_named() throws Exception {
        RateLimitBucket a = cell("a", MINUTE, 1);
        RateLimitBucket b = cell("b", MINUTE, 1);
        take(a);
        take(b);

        assertThat(acquire(List.of(), List.of(a, b), now, false)).isEqualTo(new RateLimitOutcome(0, List.of(0L, 0L)));
        assertThat(acquire(List.of(), List.of(b, a), now, false)).isEqualTo(new RateLimitOutcome(0, List.of(0L, 0L)));
    }

    @Test
    void release_gives_one_event_back_and_forgets_a_cell_that_is_back_to_empty() throws Exception {
        RateLimitBucket b = cell("user", MINUTE, 3);
        take(b);
        take(b);
        take(b);

        store.release(List.of(b), now).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(tat(b)).isEqualTo(now + 2 * MINUTE);
        assertThat(probe.redis().pttl(b.key())).isBetween(2 * MINUTE - 10_000, 2 * MINUTE);
        assertThat(take(b)).as("the event given back fits again").isEqualTo(new RateLimitOutcome(-1, List.of(0L)));

        store.release(List.of(b), now).toCompletableFuture().get(10, TimeUnit.SECONDS);
        store.release(List.of(b), now).toCompletableFuture().get(10, TimeUnit.SECONDS);
        store.release(List.of(b), now).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(probe.redis().exists(b.key())).as("TAT back at now: forgotten").isZero();
        store.release(List.of(b), now).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(probe.redis().exists(b.key())).as("releasing an empty cell creates none").isZero();
        assertThat(take(b)).isEqualTo(new RateLimitOutcome(-1, List.of(2L)));
    }

    @Test
    void release_of_a_cell_whose_tat_has_passed_forgets_it() throws Exception {
        RateLimitBucket b = cell("user", 10 * MINUTE, 3);
        take(b); // TAT = now + 10 min, kept by Redis for 10 min of real time

        store.release(List.of(b), now + 5 * MINUTE).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(probe.redis().exists(b.key())).isZero();
    }

    @Test
    void no_cells_need_no_redis() {
        assertThat(store.acquire(List.of(), List.of(), now, false).toCompletableFuture())
                .isCompletedWithValue(new RateLimitOutcome(-1, List.of()));
        assertThat(store.release(List.of(), now).toCompletableFuture()).isCompletedWithValue(null);
    }

    @Test
    void a_cell_more_than_full_reports_zero_remaining() throws Exception {
        // the limit was lowered (burst 10 -> 2) while the cell held 10 events: remaining is 0, not negative
        RateLimitBucket wide = cell("user", MINUTE, 10);
        for (int i = 0; i < 10; i++) {
            take(wide);
        }
        RateLimitBucket narrow = cell("user", MINUTE, 2);

        assertThat(take(narrow)).isEqualTo(new RateLimitOutcome(0, List.of(0L)));
    }

    @Test
    void describe_names_the_server_and_database() {
        assertThat(store.describe()).isEqualTo("redis://127.0.0.1:" + server.port() + "/0");
    }
}

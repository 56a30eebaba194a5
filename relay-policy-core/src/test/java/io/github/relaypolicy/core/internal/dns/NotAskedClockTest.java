package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review of issue 9, defect 3: an answer made because the list was not asked must have no time left in any cache,
 * whatever {@link System#nanoTime()} reads. Its "made at" is 0, so the time left was {@code 0 - (now - 0) = -now}:
 * never kept only while the clock reads a positive value. {@code System.nanoTime()}'s origin is arbitrary ("perhaps in
 * the future, so values may be negative"), and with a negative reading the not-asked answer, and every outcome
 * derived from it, was kept for up to -now nanoseconds: decisions deferred long after the limit was left.
 */
final class NotAskedClockTest {

    private static ListLookups lookups() {
        return new ListLookups(List.of(new InetSocketAddress("127.0.0.1", 53)), Duration.ofSeconds(1),
                Duration.ofSeconds(10), Duration.ofHours(1), 100, 10, Runnable::run);
    }

    @Test
    void a_not_asked_answer_has_no_time_left_whatever_the_clock_reads() {
        ListLookups l = lookups();
        for (int why : new int[] {ListAnswer.QUERY_LIMIT, ListAnswer.WAITING_LIMIT, ListAnswer.NO_SOCKET}) {
            RawAnswer raw = RawAnswer.notAsked(why);
            for (long now : new long[] {Long.MIN_VALUE / 2, -3_600_000_000_000L, -1, 0, 1, 3_600_000_000_000L,
                Long.MAX_VALUE / 2}) {
                assertThat(l.remaining(raw, now)).as("time left at nanoTime %d", now).isLessThanOrEqualTo(0);
            }
        }
    }

    @Test
    void an_answer_is_kept_for_its_ttl_from_when_it_was_made_whatever_the_clock_reads() {
        ListLookups l = lookups();
        long made = -3_600_000_000_000L; // a negative reading of the clock
        RawAnswer raw = rawAt(made);
        assertThat(l.remaining(raw, made + 1_000_000_000L)).isEqualTo(Duration.ofSeconds(299).toNanos());
    }

    private static RawAnswer rawAt(long made) {
        try {
            var c = RawAnswer.class.getDeclaredConstructor(long[].class, boolean.class, String.class,
                    long.class, long.class);
            c.setAccessible(true);
            return c.newInstance(new long[] {0x7f000002L}, false, "", 300L, made);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}

package io.github.relaypolicy.core.internal.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Review of the local table: a new identity inserted by racing threads while its bucket changes. */
final class CountersReviewTest {

    /**
     * Two threads whose clocks differ by a little (one read the engine's clock a moment later) insert the same new
     * identity into a full bucket: the later one sees a drained slot, the earlier one only the coldest, so they take
     * different slots. Before the review only the one in the LATER slot checked for the other (the slots before its
     * own), so when the one in the EARLIER slot inserted second, after the other's check, both kept their cells and
     * one event went to a cell nobody reads. That interleaving was found by reading the code; this test never caught
     * it (its window is a few nanoseconds): it checks the outcome of the race, not that the window is closed.
     */
    @Test
    void first_events_at_slightly_different_times_are_counted_in_one_cell() throws Exception {
        int rounds = 200_000;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        int lost = 0;
        int played = 0;
        AtomicInteger go = new AtomicInteger();
        long[] others = new long[8];
        for (int k = 0; k < 8; k++) {
            others[k] = 0x2222_0000_0000_0000L + k * 0x1_0000_0001L + 1;
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(1);
        for (int round = 0; round < rounds && System.nanoTime() < deadline; round++) {
            Counters c = new Counters(8);
            // fill the bucket: slot of others[k] gets TAT 60 + 10 k, except one that gets TAT 50 (the coldest)
            for (int k = 0; k < 8; k++) {
                c.take(others[k], k == 5 ? 50 : 60 + 10 * k, 1, 0);
            }
            long target = 0x7777_0000_0000_0000L + round * 0x1_0000_0001L + 0x10_0000; // its tag is none of the others'
            int spinA = random.nextInt(64);
            int spinB = random.nextInt(64);
            int r = round;
            Thread a = new Thread(() -> {
                while (go.get() != r + 1) {
                    Thread.onSpinWait();
                }
                for (int s = 0; s < spinA; s++) {
                    Thread.onSpinWait();
                }
                c.take(target, 1000, 100, 40); // nothing drained yet: the coldest
            });
            Thread b = new Thread(() -> {
                while (go.get() != r + 1) {
                    Thread.onSpinWait();
                }
                for (int s = 0; s < spinB; s++) {
                    Thread.onSpinWait();
                }
                c.take(target, 1000, 100, 75); // the cell of TAT 60 has drained: that one
            });
            a.start();
            b.start();
            go.set(r + 1);
            a.join(5000);
            b.join(5000);
            played++;
            if (c.remaining(target, 1000, 100, 75) != 98) {
                lost++;
            }
        }
        System.out.printf("rounds %d, lost %d%n", played, lost);
        assertThat(lost).as("rounds where an event was counted in a cell nobody reads").isZero();
    }

    /**
     * docs/policy-file.md: "the most that can pass in one window of length PERIOD is 2xCOUNT-1". A client that asks
     * as often as it can every millisecond, after a quiet period, through limits whose period is or is not a
     * multiple of the count.
     */
    @Test
    void no_window_of_one_period_lets_more_than_twice_the_count_less_one_through() {
        int[][] limits = {{5, 1000}, {3, 1000}, {7, 10_000}, {1, 1000}, {1000, 1000}};
        for (int[] l : limits) {
            int count = l[0];
            long period = l[1];
            long interval = (period + count - 1) / count; // LimitSpec.intervalMillis
            Counters c = new Counters(8);
            long h = 0x0123_4567_89ab_cdefL;
            int horizon = (int) (4 * period);
            int[] passed = new int[horizon];
            for (int t = 0; t < horizon; t++) {
                while (passed[t] <= 2 * count && c.take(h, interval, count, t + 5 * period)) {
                    passed[t]++;
                }
            }
            int most = 0;
            for (int start = 0; start + period <= horizon; start++) {
                int n = 0;
                for (int t = start; t < start + period; t++) {
                    n += passed[t];
                }
                most = Math.max(most, n);
            }
            assertThat(most).as("%d/%dms", count, period).isEqualTo(2 * count - 1);
        }
    }
}

package io.github.relaypolicy.core.internal.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/** Review of the local table: a new identity inserted by racing threads while its bucket changes. */
final class CountersReviewTest {

    /**
     * Two threads whose clocks differ by a little (one read the engine's clock a moment later) insert the same new
     * identity into a full bucket: the later one sees a drained slot, the earlier one only the coldest, so they take
     * different slots; the one in the later slot yields only if it sees the other at its check.
     */
    @Disabled("Finding (review of issue 11): Counters.take's 'duplicated' check only looks at slots BEFORE the one"
            + " it took. Interleaving: B (now 75) scans the bucket and picks drained slot 0; A (now 40) scans, picks"
            + " the coldest slot 5, CASes it and checks slots 0..4: nothing yet, returns true; B then CASes slot 0"
            + " and checks no slot before 0: returns true. The identity now has two cells; every later find() uses"
            + " slot 0, so A's event is counted in a cell nobody reads (one count lost per such race; here about"
            + " 1 round in 1400). Not fixed: an exact fix needs new identities of one bucket to be inserted one at"
            + " a time (e.g. a per-bucket insert flag: the hot path for a known identity stays lock-free) or"
            + " every take to check the whole bucket and merge, which still over-admits transiently.")
    @Test
    void first_events_at_slightly_different_times_are_counted_in_one_cell() throws Exception {
        int rounds = 200_000;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
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
            long target = 0x7777_0000_0000_0000L + round * 0x1_0000_0001L + 3;
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
}

package io.github.relaypolicy.core.internal.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The GCRA arithmetic of the local table, its bound, and what it forgets first. */
final class CountersTest {

    @Test
    void a_cell_lets_the_burst_through_then_one_per_interval_and_gives_back() {
        Counters c = new Counters(1000);
        long h = 0x1234_5678_9abc_def0L;
        assertThat(c.remaining(h, 100, 3, 0)).isEqualTo(3);
        assertThat(c.take(h, 100, 3, 0)).isTrue();
        assertThat(c.take(h, 100, 3, 0)).isTrue();
        assertThat(c.remaining(h, 100, 3, 0)).isEqualTo(1);
        assertThat(c.take(h, 100, 3, 0)).isTrue();
        assertThat(c.take(h, 100, 3, 0)).isFalse();
        assertThat(c.fits(h, 100, 3, 99)).isFalse();
        assertThat(c.fits(h, 100, 3, 100)).isTrue();
        assertThat(c.remaining(h, 100, 3, 150)).isEqualTo(1);
        c.giveBack(h, 100, 150);
        assertThat(c.remaining(h, 100, 3, 150)).isEqualTo(2);
        assertThat(c.remaining(h, 100, 3, 300)).isEqualTo(3);
        c.giveBack(h, 100, 1000); // drained: forgotten
        assertThat(c.live(1000)).isZero();
    }

    @Test
    void the_table_never_holds_more_than_its_capacity_and_forgets_the_coldest_first() {
        Counters c = new Counters(1000);
        assertThat(c.capacity()).isEqualTo(1000);
        assertThat(c.bytes()).isEqualTo(16 + 8 * 1000);
        long hot = 42;
        for (int i = 0; i < 10; i++) {
            c.take(hot, 1000, 10, 0);
        }
        assertThat(c.take(hot, 1000, 10, 0)).isFalse();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 1_000_000; i++) { // an attacker rotating through a million identities, one event each
            c.take(random.nextLong(), 1000, 10, 0);
        }
        assertThat(c.live(0)).isLessThanOrEqualTo(1000);
        assertThat(c.evictions()).isGreaterThan(900_000);
        // the used-up identity is the hottest of its bucket: it was never the one forgotten
        assertThat(c.take(hot, 1000, 10, 0)).isFalse();
    }
}

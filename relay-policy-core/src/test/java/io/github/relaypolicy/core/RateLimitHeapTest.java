package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An attacker rotating through three million client addresses and senders cannot grow the heap: the engine's
 * counters are one fixed table (a million identities, 8 MB), and the run completes in a 48 MB heap.
 */
final class RateLimitHeapTest {

    @Test
    void three_million_identities_fit_in_a_small_heap() throws Exception {
        ChildJvm child = ChildJvm.run(RateLimitHeapChild.class, "48m", 180, "3000000");
        Map<String, String> results = child.results();
        assertThat(results).as(child.log()).containsEntry("done", "yes");
        assertThat(Long.parseLong(results.get("accepted"))).isEqualTo(1_500_000);
        assertThat(Long.parseLong(results.get("refused"))).isEqualTo(1_500_000);
        assertThat(Long.parseLong(results.get("used"))).as("heap in use after GC").isLessThan(40L << 20);
    }
}

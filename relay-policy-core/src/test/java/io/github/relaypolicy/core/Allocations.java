package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;

/**
 * Bytes allocated by decisions, read from the JVM's per-thread counter: the least of 30 rounds, so that a round
 * the JIT or a GC disturbed does not count. For tests that compare two engines on the same requests (no JMH, no
 * time).
 */
final class Allocations {

    private Allocations() {
    }

    /**
     * The least bytes this thread allocated over one round of {@code engine.decide} on every request, each of
     * which must be accepted.
     */
    static long leastBytes(com.sun.management.ThreadMXBean mx, RelayEngine engine, RelayRequest[] requests) {
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 30; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            int accepted = 0;
            for (RelayRequest r : requests) {
                if (engine.decide(r).verdict() == Verdict.ACCEPT) {
                    accepted++;
                }
            }
            best = Math.min(best, mx.getCurrentThreadAllocatedBytes() - before);
            assertThat(accepted).isEqualTo(requests.length);
        }
        return best;
    }
}

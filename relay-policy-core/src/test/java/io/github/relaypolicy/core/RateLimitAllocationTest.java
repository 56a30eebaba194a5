package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.internal.ManualClock;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * decide() with two local limits and identities already seen allocates nothing more than decide() without limits,
 * once warmed (the requests are made before measuring: a mail server makes one per RCPT, that allocation is its own).
 * Outside JMH the decision object itself may not be scalar-replaced (40 bytes here, with or without limits), so the
 * test compares the two engines rather than expect zero. A bound on bytes, not a timing.
 */
final class RateLimitAllocationTest {

    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static RelayRequest[] requests() {
        RelayRequest[] requests = new RelayRequest[4096];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = RelayRequest.builder().client("203.0.113." + (i % 4)).authenticatedUser("user" + (i % 4))
                    .sender("<user" + (i % 4) + "@example.org>").recipient("<r" + i + "@example.com>").build();
        }
        return requests;
    }

    /** The fewest bytes this thread allocated deciding every request once, over several rounds. */
    private static long leastBytes(RelayEngine engine, RelayRequest[] requests) {
        long best = Long.MAX_VALUE;
        int accepted = 0;
        for (int round = 0; round < 40; round++) {
            long before = MX.getCurrentThreadAllocatedBytes();
            for (RelayRequest r : requests) {
                if (engine.decide(r).verdict() == Verdict.ACCEPT) {
                    accepted++;
                }
            }
            best = Math.min(best, MX.getCurrentThreadAllocatedBytes() - before);
        }
        assertThat(accepted).isEqualTo(40 * requests.length);
        return best;
    }

    @Test
    void decide_with_two_local_limits_allocates_no_more_than_without_them() {
        if (!MX.isThreadAllocatedMemorySupported()) {
            return;
        }
        MX.setThreadAllocatedMemoryEnabled(true);
        ManualClock clock = new ManualClock();
        RelayRequest[] requests = requests();
        RelayEngine plain = EngineTestHooks.timeSource(RelayEngine.builder().localDomains("example.org")
                .permitAuthenticated(true), clock).build();
        RelayEngine limited = EngineTestHooks.timeSource(RelayEngine.builder().localDomains("example.org")
                .permitAuthenticated(true).recipientRateLimit("user:1000000000/30d", "client:1000000000/30d"),
                clock).build();
        long without = leastBytes(plain, requests);
        long with = leastBytes(limited, requests);
        without = Math.min(without, leastBytes(plain, requests));
        // a few hundred bytes of slack for the measurement itself, far below one byte a decision
        assertThat(with).as("bytes of %d decisions with limits (without: %d)", requests.length, without)
                .isLessThan(without + 512);
    }
}

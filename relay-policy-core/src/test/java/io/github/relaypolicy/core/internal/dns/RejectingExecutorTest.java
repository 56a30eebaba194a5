package io.github.relaypolicy.core.internal.dns;

import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.listed;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.EngineTestHooks;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.core.internal.ManualClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code RelayEngine.Builder.executor(Executor)} says "a list whose answer cannot be handed over
 * counts as failing to answer". A host executor that rejects for a moment (a bounded pool under a burst, AbortPolicy)
 * must cost the decisions of that moment only: once it accepts again, a listed client must be refused again.
 */
final class RejectingExecutorTest {

    private static final String QUERY = "10.2.0.192.bl.test.";

    @RegisterExtension
    final FakeDns dns = new FakeDns();

    private static RelayRequest request() {
        return RelayRequest.of("192.0.2.10", "<a@example.net>", "<user@example.org>");
    }

    @Test
    void a_moment_of_rejection_does_not_poison_the_client_for_good() throws Exception {
        dns.zone().put(QUERY, listed("Listed"));
        AtomicBoolean rejecting = new AtomicBoolean(true);
        Executor host = r -> {
            if (rejecting.get()) {
                throw new RejectedExecutionException("host pool saturated");
            }
            Thread t = new Thread(r, "host");
            t.setDaemon(true);
            t.start();
        };
        ManualClock clock = new ManualClock();
        RelayEngine engine = EngineTestHooks.timeSource(RelayEngine.builder().localDomains("example.org")
                .dnsServers(dns.server().address()).dnsTimeout(Duration.ofSeconds(2)).dnsbl("bl.test").executor(host),
                clock).build();

        // 1. while the host rejects: the answer arrives but cannot be handed over; at the deadline the list counts
        //    as failing to answer (DEFER by default): a temporary failure, as documented
        CompletableFuture<Decision> first = engine.decideAsync(request()).toCompletableFuture();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (dns.server().queries(QUERY) == 0 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        Thread.sleep(300); // the answer has come back by now (loopback)
        clock.advance(Duration.ofSeconds(2));
        assertThat(first.get(5, TimeUnit.SECONDS).verdict()).isEqualTo(Verdict.TEMPFAIL);

        // 2. the host accepts again, and the 10 s a failure is cached have passed
        rejecting.set(false);
        clock.advance(Duration.ofSeconds(30));

        CompletableFuture<Decision> second = engine.decideAsync(request()).toCompletableFuture();
        Thread.sleep(1000); // real time for the query to go and come back; the clock stands still
        assertThat(second).as("the listed client is looked up again and refused, without waiting for a deadline")
                .isDone();
        assertThat(second.get().verdict()).isEqualTo(Verdict.REJECT);
    }
}

package io.github.relaypolicy.core.internal.dns;

import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.gated;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.listed;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.silence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.EngineTestHooks;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.core.internal.ManualClock;
import io.github.relaypolicy.core.internal.dns.FakeDnsServer.Behaviour;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RelayEngine.Builder#executor(Executor)}: DNS answers complete on the host's executor, and so do the stages a
 * caller chains to {@code decideAsync}, a decision ended by the lists' deadline included; a direct executor works for
 * {@code decide} and {@code decideAsync}; without one, the engine's own threads do the work as before.
 */
final class EngineExecutorTest {

    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final String QUERY = "10.2.0.192.bl.test.";

    private final Map<String, Behaviour> zone = new ConcurrentHashMap<>();
    private FakeDnsServer server;
    private ExecutorService host;

    @BeforeEach
    void start() throws Exception {
        server = FakeDnsServer.start(zone::get);
        AtomicInteger n = new AtomicInteger();
        host = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "host-pool-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        host.shutdownNow();
    }

    private static RelayRequest request() {
        return RelayRequest.of("192.0.2.10", "<a@example.net>", "<user@example.org>");
    }

    private RelayEngine.Builder policy(Duration deadline) {
        return RelayEngine.builder().localDomains("example.org").dnsServers(server.address()).dnsTimeout(deadline)
                .dnsbl("bl.test");
    }

    /** The decision and the name of the thread that ran the stage chained to it, once the gate opens. */
    private static Object[] decideThenOpen(RelayEngine engine, CompletableFuture<Void> gate) throws Exception {
        CompletableFuture<Object[]> seen = engine.decideAsync(request()).toCompletableFuture()
                .thenApply(d -> new Object[] {d, Thread.currentThread().getName()});
        assertThat(seen).as("waits for the gated answer").isNotDone();
        gate.complete(null);
        return seen.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void assertRefused(Decision d) {
        assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(d.reply().code()).isEqualTo(554);
        assertThat(d.reply().text()).isEqualTo(
                "Service unavailable; client [192.0.2.10] blocked using bl.test; Listed");
    }

    @Test
    void stages_chained_to_decide_async_run_on_the_given_executor() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        zone.put(QUERY, gated(gate, listed("Listed")));
        RelayEngine engine = policy(Duration.ofSeconds(5)).executor(host).build();

        Object[] seen = decideThenOpen(engine, gate);

        assertRefused((Decision) seen[0]);
        assertThat((String) seen[1]).startsWith("host-pool-");
    }

    @Test
    void a_decision_ended_by_the_deadline_completes_on_the_given_executor_too() throws Exception {
        zone.put(QUERY, silence());
        ManualClock clock = new ManualClock();
        RelayEngine engine = EngineTestHooks.timeSource(policy(Duration.ofSeconds(5)).executor(host), clock).build();
        CompletableFuture<Object[]> seen = engine.decideAsync(request()).toCompletableFuture()
                .thenApply(d -> new Object[] {d, Thread.currentThread().getName()});
        assertThat(seen).isNotDone();

        clock.advance(Duration.ofSeconds(5)); // the deadline, at once: the server never answers

        Object[] done = seen.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
        Decision d = (Decision) done[0];
        assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(d.reply().toString()).isEqualTo("451 4.7.1 Service unavailable; client [192.0.2.10] could not be"
                + " checked against bl.test, try again later");
        assertThat((String) done[1]).as("not the thread that advanced the clock").startsWith("host-pool-");
    }

    @Test
    void a_direct_executor_works_for_decide_and_decide_async() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        zone.put(QUERY, gated(gate, listed("Listed")));
        RelayEngine engine = policy(Duration.ofSeconds(5)).executor(Runnable::run).build();

        Object[] seen = assertTimeoutPreemptively(BOUND, () -> decideThenOpen(engine, gate));
        assertRefused((Decision) seen[0]);

        zone.put("11.2.0.192.bl.test.", listed("Listed"));
        Decision sync = assertTimeoutPreemptively(BOUND, () -> engine.decide(
                RelayRequest.of("192.0.2.11", "<a@example.net>", "<user@example.org>")));
        assertThat(sync.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(sync.reply().text()).isEqualTo(
                "Service unavailable; client [192.0.2.11] blocked using bl.test; Listed");
        assertThat(server.queries("11.2.0.192.bl.test.")).as("A and TXT asked").isEqualTo(2);
    }

    @Test
    void decide_from_the_threads_of_the_given_executor_gets_its_answers() throws Exception {
        zone.put(QUERY, listed("Listed"));
        RelayEngine engine = policy(Duration.ofSeconds(5)).executor(host).build();

        Decision d = host.submit(() -> engine.decide(request())).get(BOUND.toMillis(), TimeUnit.MILLISECONDS);

        assertRefused(d);
    }

    @Test
    void without_an_executor_the_engine_s_own_threads_complete_the_answers() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        zone.put(QUERY, gated(gate, listed("Listed")));
        RelayEngine engine = policy(Duration.ofSeconds(5)).build();

        Object[] seen = decideThenOpen(engine, gate);

        assertRefused((Decision) seen[0]);
        assertThat((String) seen[1]).startsWith("relay-policy-dns-");
    }

    @Test
    void a_null_executor_is_refused_naming_the_parameter() {
        assertThatThrownBy(() -> RelayEngine.builder().executor(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("executor");
    }
}

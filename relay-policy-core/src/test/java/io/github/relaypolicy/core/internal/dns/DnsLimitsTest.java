package io.github.relaypolicy.core.internal.dns;

import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.gated;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.listed;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.nxdomain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.DnsFailure;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.core.internal.dns.FakeDnsServer.Behaviour;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * Issue 9, defect 3, in-process: the limits of DNS queries in flight ({@code dnsMaxInFlight}) and of decisions
 * waiting for answers. At a limit a decision that needs DNS gets its list's failure answer at once, with the
 * reason in its trace, and that refusal to ask is not cached: the next decision asks. A server whose answers are
 * held back by the test keeps queries in flight for as long as it needs.
 */
final class DnsLimitsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String SLOW_CLIENT = "192.0.2.10";
    private static final String SLOW_QUERY = "10.2.0.192.bl.test.";
    private static final String LISTED_CLIENT = "192.0.2.11";
    private static final String LISTED_QUERY = "11.2.0.192.bl.test.";

    private final Map<String, Behaviour> zone = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> gate = new CompletableFuture<>();
    private FakeDnsServer server;

    @BeforeEach
    void start() throws Exception {
        zone.put(SLOW_QUERY, gated(gate, nxdomain()));
        zone.put(LISTED_QUERY, listed("Listed by test"));
        server = FakeDnsServer.start(zone::get);
    }

    @AfterEach
    void stop() throws Exception {
        gate.complete(null);
        server.close();
    }

    private RelayEngine.Builder policy() {
        return RelayEngine.builder().localDomains("example.org").dnsServers(server.address()).dnsTimeout(TIMEOUT)
                .dnsbl("bl.test").dnsMaxInFlight(1);
    }

    private static RelayRequest client(String address) {
        return RelayRequest.of(address, "<a@example.net>", "<user@example.org>");
    }

    private static Decision now(CompletableFuture<Decision> f) {
        assertThat(f).as("completed at once").isDone();
        return f.join();
    }

    private static Decision within(CompletableFuture<Decision> f) throws Exception {
        return f.get(TIMEOUT.toMillis() + 5000, TimeUnit.MILLISECONDS);
    }

    private static TraceStep step(Decision d, String rule) {
        return d.trace().stream().filter(s -> s.rule().equals(rule)).findFirst().orElseThrow();
    }

    @Test
    void at_the_limit_of_queries_in_flight_a_decision_defers_at_once_says_why_and_the_next_one_asks() throws Exception {
        try (RelayEngine engine = policy().build()) {
            CompletableFuture<Decision> slow = engine.decideAsync(client(SLOW_CLIENT)).toCompletableFuture();
            assertThat(slow).isNotDone(); // its query holds the one place

            Decision refused = now(engine.decideAsync(client(LISTED_CLIENT)).toCompletableFuture());

            assertThat(refused.verdict()).isEqualTo(Verdict.TEMPFAIL);
            assertThat(refused.rule()).isEqualTo("dnsbl_unavailable");
            assertThat(refused.reply()).hasToString("451 4.7.1 Service unavailable; client [" + LISTED_CLIENT
                    + "] could not be checked against bl.test, try again later");
            assertThat(step(refused, "dnsbl:bl.test").outcome()).isEqualTo(TraceStep.Outcome.SKIP);
            assertThat(step(refused, "dnsbl:bl.test").detail()).isEqualTo("no usable answer for " + LISTED_QUERY
                    + " (not asked: the local limit of DNS queries in flight (dns_max_in_flight) was reached);"
                    + " its failures defer");
            assertThat(step(refused, "dnsbl_unavailable").detail()).isEqualTo("score 0, but dnsbl bl.test was not"
                    + " asked: the local limit of DNS queries in flight (dns_max_in_flight) was reached, and it"
                    + " could reach the threshold 1; deferred");
            assertThat(server.queries(LISTED_QUERY)).isZero();
            // the synchronous path takes the same answer, at once
            assertThat(engine.decide(client(LISTED_CLIENT)).reply()).isEqualTo(refused.reply());

            gate.complete(null);
            Decision answered = within(slow);
            assertThat(answered.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(answered.rule()).isEqualTo("mydestination");

            // The refusal to ask was not cached as the list's failure: now there is room, the list is asked.
            Decision listed = engine.decide(client(LISTED_CLIENT));
            assertThat(listed.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(listed.reply()).hasToString("554 5.7.1 Service unavailable; client [" + LISTED_CLIENT
                    + "] blocked using bl.test; Listed by test");
            assertThat(server.queries(LISTED_QUERY, Type.A)).isEqualTo(1);
        }
    }

    @Test
    void at_the_limit_a_list_whose_failures_are_ignored_is_ignored_at_once() throws Exception {
        try (RelayEngine engine = policy().dnsFailure("bl.test", DnsFailure.IGNORE).build()) {
            CompletableFuture<Decision> slow = engine.decideAsync(client(SLOW_CLIENT)).toCompletableFuture();

            Decision accepted = now(engine.decideAsync(client(LISTED_CLIENT)).toCompletableFuture());

            assertThat(accepted.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(accepted.rule()).isEqualTo("mydestination");
            assertThat(step(accepted, "dnsbl:bl.test").detail()).isEqualTo("no usable answer for " + LISTED_QUERY
                    + " (not asked: the local limit of DNS queries in flight (dns_max_in_flight) was reached);"
                    + " ignored");
            gate.complete(null);
            assertThat(within(slow).verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(engine.decide(client(LISTED_CLIENT)).verdict()).isEqualTo(Verdict.REJECT);
        }
    }

    @Test
    void decisions_sharing_a_query_wait_up_to_four_per_query_in_flight_and_the_next_defers_at_once()
            throws Exception {
        try (RelayEngine engine = policy().build()) {
            List<CompletableFuture<Decision>> waiting = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                waiting.add(engine.decideAsync(client(SLOW_CLIENT)).toCompletableFuture());
            }
            assertThat(waiting).noneMatch(CompletableFuture::isDone);

            Decision fifth = now(engine.decideAsync(client(SLOW_CLIENT)).toCompletableFuture());

            assertThat(fifth.reply()).hasToString("451 4.7.1 Service unavailable; client [" + SLOW_CLIENT
                    + "] could not be checked against bl.test, try again later");
            assertThat(step(fifth, "dnsbl:bl.test").detail()).isEqualTo("no usable answer for " + SLOW_QUERY
                    + " (not asked: the local limit of decisions waiting for DNS answers was reached);"
                    + " its failures defer");
            gate.complete(null);
            for (CompletableFuture<Decision> f : waiting) {
                assertThat(within(f).verdict()).isEqualTo(Verdict.ACCEPT);
            }
            assertThat(server.queries(SLOW_QUERY, Type.A)).isEqualTo(1); // one query, shared
            assertThat(now(engine.decideAsync(client(SLOW_CLIENT)).toCompletableFuture()).verdict())
                    .isEqualTo(Verdict.ACCEPT); // from the cache
        }
    }

    @Test
    void the_limit_must_be_from_1_to_a_million() {
        assertThatThrownBy(() -> RelayEngine.builder().dnsMaxInFlight(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dnsMaxInFlight 0 must be from 1 to 1000000");
        assertThatThrownBy(() -> RelayEngine.builder().dnsMaxInFlight(1_000_001))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dnsMaxInFlight 1000001 must be from 1 to 1000000");
    }
}

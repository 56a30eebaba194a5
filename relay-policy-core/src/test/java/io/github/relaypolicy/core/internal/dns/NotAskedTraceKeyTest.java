package io.github.relaypolicy.core.internal.dns;

import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.silence;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.core.internal.dns.FakeDnsServer.Behaviour;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A Spamhaus DQS zone's key must appear masked in traces, which are logged and shown
 * (the trace steps and the other details already mask it). The detail of a deferral because a list was not asked (the
 * limit of queries in flight, of waiting decisions, no socket) prints the zone unmasked.
 */
final class NotAskedTraceKeyTest {

    private static final String KEY = "abcdefghij0123456789";
    private static final String ZONE = KEY + ".zen.dq.spamhaus.net";

    @Test
    void a_not_asked_deferral_masks_the_zone_key_in_the_trace() throws Exception {
        FakeDnsServer server = FakeDnsServer.start(name -> (Behaviour) silence());
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").dnsServers(server.address())
                .dnsTimeout(Duration.ofSeconds(2)).dnsMaxInFlight(1).dnsbl(ZONE).build()) {
            // the one query allowed in flight: the server stays silent
            CompletionStage<Decision> first = engine.decideAsync(
                    RelayRequest.of("192.0.2.10", "<a@example.net>", "<user@example.org>"));
            // another client: its list is not asked (query limit), and the decision defers at once
            Decision d = engine.decide(RelayRequest.of("192.0.2.11", "<a@example.net>", "<user@example.org>"));

            assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
            assertThat(d.reply().toString()).doesNotContain(KEY);
            String trace = d.trace().stream().map(TraceStep::toString).collect(Collectors.joining("\n"));
            assertThat(trace).as("the trace names the list").contains("zen.dq.spamhaus.net");
            assertThat(trace).as("the trace never shows the secret key").doesNotContainIgnoringCase(KEY);
            first.toCompletableFuture().join();
        } finally {
            server.close();
        }
    }
}

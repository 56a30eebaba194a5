package io.github.relaypolicy.core.internal.dns;

import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.a;
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
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The answers that are a list's errors, never its listings (docs/dns-lists.md has the table and its sources):
 * Spamhaus's 127.255.255.0/24, DBL's 127.0.1.255 and ZRD's 127.0.2.255, and 127.0.0.1. A list that answers one
 * has failed for that query: its failure defers or is ignored as {@code dns_failure} says, as a timeout does.
 */
final class ErrorCodeTest {

    private static final String ZRD = "k3yk3yk3ysecr3tsecr3tabcde.zrd.dq.spamhaus.net";

    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final Map<String, Behaviour> zone = dns.zone();

    private static long ip(String dotted) {
        return Arrays.stream(dotted.split("\\.")).mapToLong(Long::parseLong).reduce(0, (x, y) -> (x << 8) | y);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1       | ERROR_CODE 127.0.0.1",
        "127.255.255.250 | ERROR_CODE 127.255.255.250",
        "127.255.255.251 | ERROR_CODE 127.255.255.251",
        "127.255.255.252 | ERROR_CODE 127.255.255.252",
        "127.255.255.254 | ERROR_CODE 127.255.255.254",
        "127.255.255.255 | ERROR_CODE 127.255.255.255",
        "127.255.255.0   | ERROR_CODE 127.255.255.0",
        "127.0.1.255     | ERROR_CODE 127.0.1.255",
        "127.0.2.255     | ERROR_CODE 127.0.2.255",
        "127.0.0.255     | LISTED 127.0.0.255",
        "127.0.2.2       | LISTED 127.0.2.2",
        "127.0.2.24      | LISTED 127.0.2.24",
        "127.0.3.255     | LISTED 127.0.3.255",
    })
    void error_codes_are_never_listings_even_when_no_filter_is_set(String answer, String expected) {
        assertThat(ListAnswer.classify(new long[] {ip(answer)}, AnswerFilter.any())).hasToString(expected);
        assertThat(ListAnswer.classify(new long[] {ip("127.0.2.5"), ip(answer)}, AnswerFilter.any()).status())
                .isEqualTo(expected.startsWith("ERROR_CODE") ? ListAnswer.Status.ERROR_CODE
                        : ListAnswer.Status.LISTED);
    }

    @Test
    void a_filter_that_only_an_error_code_passes_is_refused_naming_the_codes() {
        assertThatThrownBy(() -> AnswerFilter.parse("127.0.2.255"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("filter '127.0.2.255' matches no answer that can be a listing: listings are in"
                        + " 127.0.0.0/8, except 127.0.0.1 and the error codes 127.255.255.0/24, 127.0.1.255 and"
                        + " 127.0.2.255, e.g. 127.0.0.[2..11]");
        assertThat(AnswerFilter.parse("127.0.2.[2..255]").test(ip("127.0.2.24"))).isTrue();
    }

    private RelayEngine.Builder zrdPolicy() {
        zone.put("new-domain.example." + ZRD + ".", a("127.0.2.255")); // ZRD: "query error"
        return RelayEngine.builder().localDomains("example.org").dnsServers(dns.server().address())
                .dnsTimeout(Duration.ofSeconds(2)).rhsbl(ZRD);
    }

    private static RelayRequest fromNewDomain() {
        return RelayRequest.of("192.0.2.10", "<a@new-domain.example>", "<user@example.org>");
    }

    @Test
    void zrd_answering_its_error_code_for_a_sender_domain_defers_by_default_and_never_refuses() {
        RelayEngine engine = zrdPolicy().build();

        for (Decision d : new Decision[] {engine.decide(fromNewDomain()),
                engine.decideAsync(fromNewDomain()).toCompletableFuture().join()}) {
            assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
            assertThat(d.rule()).isEqualTo("dnsbl_unavailable");
            assertThat(d.reply()).hasToString("451 4.7.1 Service unavailable; client [192.0.2.10] could not be"
                    + " checked against zrd.dq.spamhaus.net, try again later");
            assertThat(d.trace()).extracting(TraceStep::toString).contains("rhsbl:k3y***.zrd.dq.spamhaus.net: SKIP"
                    + " - no usable answer for new-domain.example.k3y***.zrd.dq.spamhaus.net. (ERROR_CODE"
                    + " 127.0.2.255); its failures defer");
        }
    }

    @Test
    void zrd_answering_its_error_code_is_ignored_when_its_failures_are() {
        RelayEngine engine = zrdPolicy().dnsFailure(ZRD, DnsFailure.IGNORE).build();

        Decision d = engine.decide(fromNewDomain());

        assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(d.rule()).isEqualTo("mydestination");
    }
}

package io.github.relaypolicy.core.internal.dns;

import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.a;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.listed;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.servfail;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.DnsListHealth;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.core.internal.dns.FakeDnsServer.Behaviour;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * Spamhaus Data Query Service zones carry the customer's secret key as their first label
 * ({@code KEY.zen.dq.spamhaus.net}): the lists are still asked under the full zone, but no SMTP reply of any kind
 * names the key, and traces and health reports show it only masked.
 */
final class DqsKeyTest {

    /** A key as Spamhaus issues them: 26 lower-case letters and digits. */
    private static final String KEY = "k3yk3yk3ysecr3tsecr3tabcde";
    private static final String ZEN = KEY + ".zen.dq.spamhaus.net";
    private static final String DBL = KEY + ".dbl.dq.spamhaus.net";
    private static final String MASKED_ZEN = "k3y***.zen.dq.spamhaus.net";
    private static final String CLIENT = "192.0.2.10";
    private static final String ZEN_QUERY = "10.2.0.192." + ZEN + ".";
    private static final String DBL_QUERY = "spam.example." + DBL + ".";

    private final Map<String, Behaviour> zone = new ConcurrentHashMap<>();
    private FakeDnsServer server;

    @BeforeEach
    void start() throws Exception {
        server = FakeDnsServer.start(zone::get);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private RelayEngine.Builder policy() {
        return RelayEngine.builder().localDomains("example.org").dnsServers(server.address())
                .dnsTimeout(Duration.ofSeconds(2));
    }

    private static RelayRequest request(String sender) {
        return RelayRequest.of(CLIENT, sender, "<user@example.org>");
    }

    private static void assertNoKey(Decision d) {
        assertThat(d.reply().toString()).doesNotContainIgnoringCase(KEY).doesNotContain("k3yk3y");
        for (TraceStep step : d.trace()) {
            assertThat(step.rule()).doesNotContainIgnoringCase(KEY);
            assertThat(step.detail()).doesNotContainIgnoringCase(KEY);
        }
        assertThat(d.toString()).doesNotContainIgnoringCase(KEY);
    }

    @Test
    void a_client_listed_by_a_dqs_zone_is_refused_naming_the_zone_without_its_key() {
        zone.put(ZEN_QUERY, listed("https://check.spamhaus.org/query/ip/192.0.2.10"));
        RelayEngine engine = policy().dnsbl(ZEN + "=127.0.0.[2..11;30]").build();

        Decision sync = engine.decide(request("<a@example.net>"));
        Decision async = engine.decideAsync(request("<a@example.net>")).toCompletableFuture().join();

        for (Decision d : List.of(sync, async)) {
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.rule()).isEqualTo("reject_rbl_client");
            assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; client [192.0.2.10] blocked using"
                    + " zen.dq.spamhaus.net; https://check.spamhaus.org/query/ip/192.0.2.10");
            assertNoKey(d);
        }
        // the list was asked under its full zone, key included
        assertThat(server.queries(ZEN_QUERY, Type.A)).isEqualTo(1);
    }

    @Test
    void the_trace_names_the_list_and_its_queries_with_the_key_masked() {
        zone.put(ZEN_QUERY, listed("Listed"));
        Decision d = policy().dnsbl(ZEN).build().decide(request("<a@example.net>"));

        assertThat(d.trace()).extracting(TraceStep::toString).contains(
                "dnsbl:" + MASKED_ZEN + ": MATCH - listed: 10.2.0.192." + MASKED_ZEN + ". answered LISTED 127.0.0.2"
                        + " (weight +1)",
                "reject_rbl_client: REJECT - score 1 reached the threshold 1; dnsbl " + MASKED_ZEN
                        + " listed 192.0.2.10");
        assertNoKey(d);
    }

    @Test
    void a_sender_domain_listed_by_a_dqs_domain_list_is_refused_naming_the_zone_without_its_key() {
        zone.put(DBL_QUERY, new FakeDnsServer.Answer(List.of("127.0.1.2"), 300, "Spam domain"));
        Decision d = policy().rhsbl(DBL + "=127.0.1.[2;4..6]").build().decide(request("<a@spam.example>"));

        assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(d.rule()).isEqualTo("reject_rhsbl_sender");
        assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; sender domain spam.example blocked using"
                + " dbl.dq.spamhaus.net; Spam domain");
        assertNoKey(d);
        assertThat(server.queries(DBL_QUERY, Type.A)).isEqualTo(1);
    }

    @Test
    void a_dqs_zone_that_fails_to_answer_defers_naming_the_zone_without_its_key() {
        zone.put(ZEN_QUERY, servfail());
        Decision d = policy().dnsbl(ZEN).build().decide(request("<a@example.net>"));

        assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(d.rule()).isEqualTo("dnsbl_unavailable");
        assertThat(d.reply()).hasToString("451 4.7.1 Service unavailable; client [192.0.2.10] could not be checked"
                + " against zen.dq.spamhaus.net, try again later");
        assertThat(d.trace()).extracting(TraceStep::toString).contains("dnsbl:" + MASKED_ZEN + ": SKIP - no usable"
                + " answer for 10.2.0.192." + MASKED_ZEN + ". (UNKNOWN); its failures defer");
        assertNoKey(d);
    }

    @Test
    void a_dqs_key_error_code_defers_naming_the_zone_without_its_key() {
        zone.put(ZEN_QUERY, a("127.255.255.250")); // Spamhaus: the DQS key is disabled
        Decision d = policy().dnsbl(ZEN).build().decide(request("<a@example.net>"));

        assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(d.reply().text()).contains("against zen.dq.spamhaus.net,");
        assertNoKey(d);
    }

    @Test
    void a_per_zone_reply_template_that_names_the_zone_gets_the_name_without_the_key() {
        zone.put(ZEN_QUERY, listed("see https://check.spamhaus.org/"));
        RelayEngine engine = policy().dnsbl(ZEN).dnsblReply(ZEN, SmtpReply.of(550, "5.7.1",
                "[{client}] is listed by {zone}{txt}")).build();

        Decision d = engine.decide(request("<a@example.net>"));

        assertThat(d.reply()).hasToString("550 5.7.1 [192.0.2.10] is listed by zen.dq.spamhaus.net;"
                + " see https://check.spamhaus.org/");
        assertNoKey(d);
    }

    @Test
    void a_reply_template_or_reason_text_that_spells_out_the_key_has_it_masked() {
        // the administrator pasted the full zone into the template; the list's TXT echoes the query name
        zone.put(ZEN_QUERY, listed("listed at 10.2.0.192." + ZEN.toUpperCase(java.util.Locale.ROOT)));
        RelayEngine engine = policy().dnsbl(ZEN).dnsblReply(ZEN, SmtpReply.of(554, "5.7.1",
                "blocked using " + ZEN + "{txt}")).build();

        Decision d = engine.decide(request("<a@example.net>"));

        assertThat(d.reply()).hasToString("554 5.7.1 blocked using " + MASKED_ZEN + "; listed at 10.2.0.192."
                + "k3y***.ZEN.DQ.SPAMHAUS.NET");
        assertNoKey(d);
    }

    @Test
    void the_health_report_shows_the_zone_with_its_key_masked() {
        zone.put("2.0.0.127." + ZEN + ".", a("127.0.0.2"));
        List<DnsListHealth> report = policy().dnsbl(ZEN).build().checkDnsLists().toCompletableFuture().join();

        assertThat(report).extracting(DnsListHealth::toString).containsExactly("dnsbl " + MASKED_ZEN
                + ": ok (127.0.0.2: LISTED 127.0.0.2, 127.0.0.1: NOT_LISTED)");
    }
}

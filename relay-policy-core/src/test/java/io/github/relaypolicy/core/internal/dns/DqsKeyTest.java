package io.github.relaypolicy.core.internal.dns;

import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.a;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.listed;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.servfail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.DnsListHealth;
import io.github.relaypolicy.core.PolicyFile;
import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.core.internal.dns.FakeDnsServer.Behaviour;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
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

    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final Map<String, Behaviour> zone = dns.zone();

    private RelayEngine.Builder policy() {
        return RelayEngine.builder().localDomains("example.org").dnsServers(dns.server().address())
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
        assertThat(dns.server().queries(ZEN_QUERY, Type.A)).isEqualTo(1);
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
        assertThat(dns.server().queries(DBL_QUERY, Type.A)).isEqualTo(1);
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

    @Test
    void a_chosen_name_replaces_the_zone_in_refusals_and_deferrals() {
        zone.put(ZEN_QUERY, listed("Listed"));
        zone.put("11.2.0.192." + ZEN + ".", servfail());
        RelayEngine engine = policy().dnsbl(ZEN).dnsListName(ZEN, "Spamhaus ZEN").build();

        Decision refused = engine.decide(request("<a@example.net>"));
        Decision deferred = engine.decide(RelayRequest.of("192.0.2.11", "<a@example.net>", "<user@example.org>"));

        assertThat(refused.reply()).hasToString("554 5.7.1 Service unavailable; client [192.0.2.10] blocked using"
                + " Spamhaus ZEN; Listed");
        assertThat(deferred.reply()).hasToString("451 4.7.1 Service unavailable; client [192.0.2.11] could not be"
                + " checked against Spamhaus ZEN, try again later");
        assertNoKey(refused);
        assertNoKey(deferred);
    }

    @Test
    void a_name_that_could_not_be_sent_or_holds_the_key_is_refused_with_the_key_masked() {
        assertThatThrownBy(() -> RelayEngine.builder().dnsListName(ZEN, "Spamhaus {txt}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name for DNS list '" + MASKED_ZEN + "' must be 1 to 64 printable ASCII characters"
                        + " without braces or surrounding spaces, got 'Spamhaus {txt}'");
        assertThatThrownBy(() -> RelayEngine.builder().dnsListName(ZEN, "zen\r\n550 oops"))
                .hasMessageContaining("got 'zen\\u000D\\u000A550 oops'");
        assertThatThrownBy(() -> RelayEngine.builder().dnsListName(ZEN, "x".repeat(65)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RelayEngine.builder().dnsListName(ZEN, "Spamhaus " + KEY.toUpperCase(
                java.util.Locale.ROOT)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name for DNS list '" + MASKED_ZEN + "' contains the zone's secret key, which SMTP"
                        + " clients must never see; e.g. zen.dq.spamhaus.net");
        assertThatThrownBy(() -> RelayEngine.builder().dnsListName(ZEN, "one").dnsListName(ZEN + ".", "two"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("dnsListName for zone '" + MASKED_ZEN + "' was already set to 'one'");
    }

    @Test
    void a_policy_file_names_a_list_with_dns_list_name_and_shows_the_key_only_masked(@TempDir Path dir)
            throws Exception {
        zone.put(ZEN_QUERY, listed("Listed"));
        Path conf = dir.resolve("relay-policy.conf");
        Files.writeString(conf, String.join("\n", "mydestination = example.org",
                "dnsbl_sites = " + ZEN + "=127.0.0.[2..11;30]*3", "dnsbl_threshold = 3",
                "dns_servers = " + dns.server().address(), "dns_list_name." + ZEN + " = Spamhaus ZEN", ""));

        PolicyFile policy = PolicyFile.read(conf);
        Decision d = policy.builder().build().decide(request("<a@example.net>"));

        assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; client [192.0.2.10] blocked using"
                + " Spamhaus ZEN; Listed");
        assertNoKey(d);
        String effective = policy.effective(50);
        assertThat(effective).doesNotContain(KEY).contains("dnsbl_sites = " + MASKED_ZEN + "=127.0.0.[2..11;30]*3\n",
                "dns_list_name." + MASKED_ZEN + " = Spamhaus ZEN\n");
    }

    @Test
    void policy_file_problems_show_the_key_only_masked(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("relay-policy.conf");
        Files.writeString(conf, String.join("\n", "mydestination = example.org",
                "dnsbl_sites = " + ZEN + "*3", "dnswl_sites = " + ZEN + "=127.0.0.300",
                "dns_list_name." + DBL + " = Spamhaus DBL", "rbl_reply_maps = texthash:/etc/postfix/rbl_reply_map",
                ""));

        assertThatThrownBy(() -> PolicyFile.read(conf)).isInstanceOf(PolicyFileException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).doesNotContain(KEY).contains(
                            "relay-policy.conf:3:15: dnswl '" + MASKED_ZEN + "=127.0.0.300': filter '127.0.0.300':"
                                    + " 300 is greater than 255",
                            "relay-policy.conf:4:1: 'dns_list_name.k3y***.dbl.dq.spamhaus.net' names the zone"
                                    + " 'k3y***.dbl.dq.spamhaus.net', which no dnsbl_sites, dnswl_sites,"
                                    + " rhsbl_sites, auth_dnsbl_sites or local_zone setting configures;"
                                    + " configured zones: "
                                    + MASKED_ZEN,
                            "relay-policy.conf:5:1: unknown key 'rbl_reply_maps'; write dns_list_name.ZONE or"
                                    + " dnsbl_reply.ZONE (a zone's secret key is never shown in replies anyway)");
                    for (PolicyFileException.Problem p : ((PolicyFileException) e).problems()) {
                        assertThat(p.text() + p.message()).doesNotContain(KEY);
                    }
                });
    }

    @Test
    void an_allow_list_with_a_key_that_fails_defers_naming_the_zone_without_its_key() {
        // Abusix puts the key in the zone too; a failing allow list could have offset the block listing
        String white = KEY + ".white.mail.abusix.zone";
        zone.put("10.2.0.192.bl.test.", listed("Listed"));
        zone.put("10.2.0.192." + white + ".", servfail());
        Decision d = policy().dnsbl("bl.test").dnswl(white + "*-5").build().decide(request("<a@example.net>"));

        assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(d.reply()).hasToString("451 4.7.1 Service unavailable; client [192.0.2.10] could not be checked"
                + " against white.mail.abusix.zone, try again later");
        assertThat(d.trace()).extracting(TraceStep::rule).contains("dnswl:k3y***.white.mail.abusix.zone");
        assertNoKey(d);
    }
}

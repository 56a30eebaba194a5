package io.github.relaypolicy.core.internal.dns;

import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.listed;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.servfail;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.DnsFailure;
import io.github.relaypolicy.core.PolicyFile;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.core.internal.dns.FakeDnsServer.Behaviour;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/**
 * Lists asked only for authenticated clients, counted at a DNS server: which clients cause queries, what a Spamhaus
 * DQS AuthBL zone ({@code KEY.authbl.dq.spamhaus.net}) shows of itself, failures, and the outcome memo, which keeps
 * the outcomes of the two groups of lists apart.
 */
final class AuthDnsblQueriesTest {

    /** A key as Spamhaus issues them: 26 lower-case letters and digits. */
    private static final String KEY = "k3yk3yk3ysecr3tsecr3tabcde";
    private static final String AUTHBL = KEY + ".authbl.dq.spamhaus.net";
    private static final String MASKED = "k3y***.authbl.dq.spamhaus.net";

    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final Map<String, Behaviour> zone = dns.zone();

    private RelayEngine.Builder policy() {
        return RelayEngine.builder().localDomains("example.org").trustedNetworks("10.0.0.0/8")
                .dnsServers(dns.server().address()).dnsTimeout(Duration.ofSeconds(2));
    }

    /** The name a list is asked for an IPv4 client. */
    private static String query(String client, String zone) {
        List<String> octets = List.of(client.split("\\."));
        return octets.get(3) + "." + octets.get(2) + "." + octets.get(1) + "." + octets.get(0) + "." + zone + ".";
    }

    private static RelayRequest authenticated(String client, String recipient) {
        return RelayRequest.builder().client(client).sender("<alice@example.org>").recipient(recipient)
                .authenticatedUser("alice").build();
    }

    private static RelayRequest unauthenticated(String client, String recipient) {
        return RelayRequest.of(client, "<alice@example.org>", recipient);
    }

    private static List<String> trace(Decision d) {
        return d.trace().stream().map(TraceStep::toString).toList();
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
    void a_dqs_authbl_listing_refuses_naming_neither_the_zone_nor_its_reason_and_asks_no_txt() {
        // Spamhaus AuthBL answers 127.0.0.20
        zone.put(query("192.0.2.10", AUTHBL), new FakeDnsServer.Answer(List.of("127.0.0.20"), 300,
                "https://check.spamhaus.org/query/ip/192.0.2.10"));
        RelayEngine engine = policy().authDnsbl(AUTHBL + "=127.0.0.20").build();

        Decision sync = engine.decide(authenticated("192.0.2.10", "<bob@remote.example>"));
        Decision async = engine.decideAsync(authenticated("192.0.2.10", "<bob@remote.example>"))
                .toCompletableFuture().join();

        for (Decision d : List.of(sync, async)) {
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.rule()).isEqualTo("reject_auth_dnsbl_client");
            assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; authenticated mail from client"
                    + " [192.0.2.10] is refused");
            assertThat(d.reply().text()).doesNotContainIgnoringCase("spamhaus").doesNotContain("authbl");
            assertThat(trace(d)).contains("auth_dnsbl:" + MASKED + ": MATCH - listed: 10.2.0.192." + MASKED
                    + ". answered LISTED 127.0.0.20 (weight +1)");
            assertThat(trace(d)).last().isEqualTo("reject_auth_dnsbl_client: REJECT - score 1 reached the"
                    + " threshold 1; auth_dnsbl " + MASKED + " listed 192.0.2.10");
            assertNoKey(d);
        }
        // asked once under the full zone, key included; the reason is not shown, so not asked for
        assertThat(dns.server().queries(query("192.0.2.10", AUTHBL), Type.A)).isEqualTo(1);
        assertThat(dns.server().queries(query("192.0.2.10", AUTHBL), Type.TXT)).isZero();
    }

    @Test
    void a_reply_set_for_the_zone_may_show_its_name_and_reason_but_never_its_key() {
        zone.put(query("192.0.2.10", AUTHBL), listed("Listed"));
        RelayEngine engine = policy().authDnsbl(AUTHBL).dnsblReply(AUTHBL, SmtpReply.of(550, "5.7.1",
                "[{client}] listed by {zone}{txt}")).build();

        Decision d = engine.decide(authenticated("192.0.2.10", "<bob@remote.example>"));

        assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(d.rule()).isEqualTo("reject_auth_dnsbl_client");
        assertThat(d.reply()).hasToString("550 5.7.1 [192.0.2.10] listed by authbl.dq.spamhaus.net; Listed");
        assertNoKey(d);
        assertThat(dns.server().queries(query("192.0.2.10", AUTHBL), Type.TXT)).isEqualTo(1);
    }

    @Test
    void unauthenticated_trusted_and_refused_clients_and_postmaster_never_cause_an_auth_list_query() {
        for (String client : new String[] {"192.0.2.10", "10.1.2.3"}) {
            zone.put(query(client, AUTHBL), listed("Listed"));
        }
        RelayEngine engine = policy().dnsbl("bl.test").authDnsbl(AUTHBL).build();

        List<Decision> decisions = List.of(
                engine.decide(unauthenticated("192.0.2.10", "<bob@example.org>")),
                engine.decideAsync(unauthenticated("192.0.2.10", "<carol@example.org>")).toCompletableFuture()
                        .join(),
                engine.decide(unauthenticated("192.0.2.10", "<bob@remote.example>")),
                engine.decide(authenticated("10.1.2.3", "<bob@remote.example>")),
                engine.decideAsync(authenticated("10.1.2.3", "<bob@example.org>")).toCompletableFuture().join(),
                engine.decide(authenticated("192.0.2.10", "<Postmaster>")));

        assertThat(decisions).extracting(Decision::rule).containsExactly("mydestination", "mydestination",
                "reject_unauth_destination", "mynetworks", "mynetworks", "postmaster");
        assertThat(decisions).extracting(Decision::verdict).containsExactly(Verdict.ACCEPT, Verdict.ACCEPT,
                Verdict.REJECT, Verdict.ACCEPT, Verdict.ACCEPT, Verdict.ACCEPT);
        assertThat(decisions.get(0).reply()).hasToString("250 2.1.5 Ok");
        assertThat(trace(decisions.get(0))).contains("dnsbl:bl.test: NO_MATCH - not listed: 10.2.0.192.bl.test.")
                .noneMatch(s -> s.contains("auth_dnsbl"));
        for (String client : new String[] {"192.0.2.10", "10.1.2.3"}) {
            assertThat(dns.server().queries(query(client, AUTHBL))).as(client).isZero();
        }
        // the ordinary list was asked, once, for the unauthenticated client of our domain
        assertThat(dns.server().queries(query("192.0.2.10", "bl.test"), Type.A)).isEqualTo(1);
    }

    @Test
    void a_list_that_fails_defers_without_naming_it() {
        zone.put(query("192.0.2.10", AUTHBL), servfail());
        RelayEngine engine = policy().authDnsbl(AUTHBL + "=127.0.0.20").build();

        Decision d = engine.decide(authenticated("192.0.2.10", "<bob@remote.example>"));

        assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(d.rule()).isEqualTo("dnsbl_unavailable");
        assertThat(d.reply()).hasToString("451 4.7.1 Service unavailable; authenticated mail from client"
                + " [192.0.2.10] could not be checked, try again later");
        assertThat(trace(d)).contains("auth_dnsbl:" + MASKED + ": SKIP - no usable answer for 10.2.0.192." + MASKED
                + ". (UNKNOWN); its failures defer");
        assertThat(trace(d)).last().isEqualTo("dnsbl_unavailable: TEMPFAIL - score 0, but auth_dnsbl " + MASKED
                + " answered UNKNOWN and could reach the threshold 1; deferred");
        assertNoKey(d);
    }

    @Test
    void a_list_whose_failures_are_ignored_lets_the_authenticated_client_relay() {
        zone.put(query("192.0.2.10", AUTHBL), servfail());
        for (RelayEngine engine : List.of(policy().authDnsbl(AUTHBL).dnsFailure(AUTHBL, DnsFailure.IGNORE).build(),
                policy().authDnsbl(AUTHBL).dnsFailure(DnsFailure.IGNORE).build())) {
            Decision d = engine.decide(authenticated("192.0.2.10", "<bob@remote.example>"));

            assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(d.rule()).isEqualTo("permit_authenticated");
            assertThat(d.reply()).hasToString("250 2.1.5 Ok");
            assertThat(trace(d)).contains("auth_dnsbl:" + MASKED + ": SKIP - no usable answer for 10.2.0.192."
                    + MASKED + ". (UNKNOWN); ignored");
            assertThat(trace(d)).last().isEqualTo("permit_authenticated: ACCEPT - DNS lists: score 0 is below the"
                    + " threshold 1");
        }
    }

    @Test
    void the_documented_dqs_example_reads_and_decides_as_documented(@TempDir Path dir) throws Exception {
        // docs/policy-file.md, "Lists for authenticated clients"
        zone.put("4.2.0.192.your_dqs_key.authbl.dq.spamhaus.net.", new FakeDnsServer.Answer(List.of("127.0.0.20"),
                300, "https://check.spamhaus.org/"));
        Path conf = Files.writeString(dir.resolve("relay-policy.conf"), String.join("\n",
                "mydestination = example.org",
                "dns_servers = " + dns.server().address(),
                "permit_authenticated = yes",
                "auth_dnsbl_sites     = YOUR_DQS_KEY.authbl.dq.spamhaus.net=127.0.0.20",
                ""));

        Decision d = PolicyFile.read(conf).builder().build().decide(authenticated("192.0.2.4", "<bob@remote.example>"));

        assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; authenticated mail from client [192.0.2.4]"
                + " is refused");
        assertThat(trace(d)).endsWith(
                "permit_authenticated: MATCH - client authenticated as 'alice'; DNS lists next",
                "auth_dnsbl:***.authbl.dq.spamhaus.net: MATCH - listed: 4.2.0.192.***.authbl.dq.spamhaus.net."
                        + " answered LISTED 127.0.0.20 (weight +1)",
                "reject_auth_dnsbl_client: REJECT - score 1 reached the threshold 1; auth_dnsbl"
                        + " ***.authbl.dq.spamhaus.net listed 192.0.2.4");
        assertThat(PolicyFile.read(conf).effective(10)).contains(
                "auth_dnsbl_sites = ***.authbl.dq.spamhaus.net=127.0.0.20\n").doesNotContainIgnoringCase("your_dqs");
    }

    /**
     * An outcome is kept by client (and sender) for as long as its answers are cached: one kept for an
     * unauthenticated request must never be the outcome of an authenticated one, nor the other way round.
     */
    @Test
    void the_outcomes_kept_for_one_kind_of_client_are_never_used_for_the_other() {
        zone.put(query("192.0.2.10", AUTHBL), listed("Listed")); // listed by the auth list only
        zone.put(query("192.0.2.50", "bl.test"), listed("Listed")); // listed by the ordinary list only
        RelayEngine engine = policy().dnsbl("bl.test").authDnsbl(AUTHBL).build();

        for (int round = 0; round < 3; round++) { // the first round asks, the others decide from what is kept
            assertThat(engine.decide(unauthenticated("192.0.2.10", "<bob@example.org>")).rule()).as("round %d", round)
                    .isEqualTo("mydestination");
            Decision refused = engine.decide(authenticated("192.0.2.10", "<bob@example.org>"));
            assertThat(refused.rule()).as("round %d", round).isEqualTo("reject_auth_dnsbl_client");
            assertThat(refused.reply()).hasToString("554 5.7.1 Service unavailable; authenticated mail from client"
                    + " [192.0.2.10] is refused");

            assertThat(engine.decide(authenticated("192.0.2.50", "<bob@example.org>")).rule()).as("round %d", round)
                    .isEqualTo("permit_authenticated");
            Decision listed = engine.decide(unauthenticated("192.0.2.50", "<bob@example.org>"));
            assertThat(listed.rule()).as("round %d", round).isEqualTo("reject_rbl_client");
            assertThat(listed.reply()).hasToString("554 5.7.1 Service unavailable; client [192.0.2.50] blocked"
                    + " using bl.test; Listed");
        }
        // from the cache, the asynchronous decisions are complete at once, and the same
        CompletableFuture<Decision> auth = engine.decideAsync(authenticated("192.0.2.10", "<bob@example.org>"))
                .toCompletableFuture();
        CompletableFuture<Decision> plain = engine.decideAsync(unauthenticated("192.0.2.10", "<bob@example.org>"))
                .toCompletableFuture();
        assertThat(auth).isDone();
        assertThat(plain).isDone();
        assertThat(auth.join().rule()).isEqualTo("reject_auth_dnsbl_client");
        assertThat(plain.join().rule()).isEqualTo("mydestination");
        // each list asked once per client: the answers were cached for both kinds of client
        assertThat(dns.server().queries(query("192.0.2.10", AUTHBL), Type.A)).isEqualTo(1);
        assertThat(dns.server().queries(query("192.0.2.10", "bl.test"), Type.A)).isEqualTo(1);
        assertThat(dns.server().queries(query("192.0.2.50", AUTHBL), Type.A)).isEqualTo(1);
        assertThat(dns.server().queries(query("192.0.2.50", "bl.test"), Type.A)).isEqualTo(1);
    }
}

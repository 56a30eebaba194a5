package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.DnsListHealth;
import io.github.relaypolicy.core.PolicyFile;
import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.testsupport.RbldnsdServer;
import io.github.relaypolicy.testsupport.RequiresRbldnsd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Lists asked only for authenticated clients ({@code auth_dnsbl_sites}, Spamhaus AuthBL style), against the real
 * rbldnsd on 127.0.0.1: asked when authentication is what accepts the recipient, scored on their own, refusing with
 * {@code reject_auth_dnsbl_client} and a reply that names neither the list nor its reason.
 */
@RequiresRbldnsd
final class AuthDnsblEngineTest {

    private static final String REFUSED = "554 5.7.1 Service unavailable; authenticated mail from client"
            + " [192.0.2.10] is refused";

    @TempDir
    static Path dir;
    private static RbldnsdServer rbldnsd;
    private static String server;

    @BeforeAll
    static void start() throws Exception {
        // authbl.test: 192.0.2.10 and 192.0.2.60 seen using stolen credentials; 198.51.100.20 with another code
        Files.writeString(dir.resolve("authbl.txt"), String.join("\n", "$TTL 300",
                ":127.0.0.2:Stolen credentials used from $, see https://authbl.test/", "192.0.2.10", "192.0.2.60",
                "198.51.100.20 :127.0.0.20:Other", "127.0.0.2", ""));
        Files.writeString(dir.resolve("second.txt"), String.join("\n", ":127.0.0.3:Second", "192.0.2.60", ""));
        // bl.test, an ordinary list: 192.0.2.50 and 192.0.2.60
        Files.writeString(dir.resolve("bl.txt"), String.join("\n", ":127.0.0.2:Ordinary listing", "192.0.2.50",
                "192.0.2.60", "127.0.0.2", ""));
        rbldnsd = RbldnsdServer.in(dir).start("authbl.test:ip4set:authbl.txt", "second.test:ip4set:second.txt",
                "bl.test:ip4set:bl.txt");
        server = rbldnsd.hostAndPort();
    }

    @AfterAll
    static void stop() throws Exception {
        rbldnsd.close();
    }

    private static RelayEngine.Builder policy() {
        return RelayEngine.builder().localDomains("example.org").trustedNetworks("10.0.0.0/8")
                .dnsServers(server).dnsTimeout(Duration.ofSeconds(2));
    }

    private static RelayRequest authenticated(String client, String recipient) {
        return RelayRequest.builder().client(client).sender("<alice@example.org>").recipient(recipient)
                .authenticatedUser("alice").build();
    }

    private static List<String> trace(Decision d) {
        return d.trace().stream().map(TraceStep::toString).toList();
    }

    @Test
    void a_listed_authenticated_client_is_refused_without_naming_the_list_or_its_reason() {
        RelayEngine engine = policy().authDnsbl("authbl.test=127.0.0.[2..11]").build();

        Decision sync = engine.decide(authenticated("192.0.2.10", "<bob@remote.example>"));
        Decision async = engine.decideAsync(authenticated("192.0.2.10", "<bob@remote.example>"))
                .toCompletableFuture().join();

        for (Decision d : List.of(sync, async)) {
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.rule()).isEqualTo(RuleNames.AUTH_DNSBL).isEqualTo("reject_auth_dnsbl_client");
            assertThat(d.reply()).hasToString(REFUSED);
            assertThat(d.reply().text()).doesNotContain("authbl").doesNotContain("Stolen");
            assertThat(trace(d)).contains(
                    "permit_authenticated: MATCH - client authenticated as 'alice'; DNS lists next",
                    "auth_dnsbl:authbl.test: MATCH - listed: 10.2.0.192.authbl.test. answered LISTED 127.0.0.2"
                            + " (weight +1)");
            assertThat(trace(d)).last().isEqualTo("reject_auth_dnsbl_client: REJECT - score 1 reached the"
                    + " threshold 1; auth_dnsbl authbl.test listed 192.0.2.10");
        }
    }

    @Test
    void an_authenticated_client_is_refused_for_our_own_domains_too() {
        // the authentication decides before the recipient domain: a listed client's AUTH is worth nothing
        Decision d = policy().authDnsbl("authbl.test").build().decide(authenticated("192.0.2.10",
                "<bob@example.org>"));
        assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(d.rule()).isEqualTo("reject_auth_dnsbl_client");
        assertThat(d.reply()).hasToString(REFUSED);
    }

    @Test
    void an_unlisted_or_filtered_out_authenticated_client_relays_with_the_lists_in_the_trace() {
        RelayEngine engine = policy().authDnsbl("authbl.test=127.0.0.[2..11]").build();
        for (String client : new String[] {"192.0.2.11", "198.51.100.20"}) {
            Decision d = engine.decide(authenticated(client, "<bob@remote.example>"));
            assertThat(d.verdict()).as(client).isEqualTo(Verdict.ACCEPT);
            assertThat(d.rule()).isEqualTo("permit_authenticated");
            assertThat(d.reply()).hasToString("250 2.1.5 Ok");
            assertThat(trace(d)).last().isEqualTo("permit_authenticated: ACCEPT - DNS lists: score 0 is below the"
                    + " threshold 1");
        }
        Decision filtered = engine.decide(authenticated("198.51.100.20", "<bob@remote.example>"));
        assertThat(trace(filtered)).contains("auth_dnsbl:authbl.test: NO_MATCH - not listed:"
                + " 20.100.51.198.authbl.test.");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "192.0.2.10, ACCEPT, permit_authenticated",     // authbl.test only: 2 of 3
        "192.0.2.60, REJECT, reject_auth_dnsbl_client", // authbl.test and second.test: 3 of 3
        "192.0.2.11, ACCEPT, permit_authenticated",     // in neither
    })
    void weights_add_up_to_the_threshold(String client, Verdict verdict, String rule) {
        RelayEngine engine = policy().authDnsbl("authbl.test*2").authDnsbl("second.test").dnsblThreshold(3)
                .build();
        Decision d = engine.decide(authenticated(client, "<bob@remote.example>"));
        assertThat(d.verdict()).isEqualTo(verdict);
        assertThat(d.rule()).isEqualTo(rule);
        if (verdict == Verdict.REJECT) {
            assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; authenticated mail from client"
                    + " [192.0.2.60] is refused");
            assertThat(trace(d)).last().isEqualTo("reject_auth_dnsbl_client: REJECT - score 3 reached the"
                    + " threshold 3; auth_dnsbl authbl.test listed 192.0.2.60");
        } else {
            assertThat(trace(d)).last().asString().startsWith("permit_authenticated: ACCEPT - DNS lists: score ");
        }
    }

    @Test
    void the_two_kinds_of_lists_are_scored_apart_and_each_asked_for_its_own_clients() {
        RelayEngine engine = policy().dnsbl("bl.test*2").authDnsbl("authbl.test").dnsblThreshold(2).build();

        // an authenticated client listed by both: only the auth list counts, 1 of 2
        Decision both = engine.decide(authenticated("192.0.2.60", "<bob@remote.example>"));
        assertThat(both.rule()).isEqualTo("permit_authenticated");
        assertThat(trace(both)).noneMatch(s -> s.startsWith("dnsbl:"));
        assertThat(trace(both)).last().isEqualTo("permit_authenticated: ACCEPT - DNS lists: score 1 is below the"
                + " threshold 2");
        // an authenticated client listed by the ordinary list only
        assertThat(engine.decide(authenticated("192.0.2.50", "<bob@remote.example>")).rule())
                .isEqualTo("permit_authenticated");
        // the same clients unauthenticated, for our domain: only the ordinary list is asked
        Decision plain = engine.decide(RelayRequest.of("192.0.2.10", "<a@example.net>", "<bob@example.org>"));
        assertThat(plain.verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(plain.rule()).isEqualTo("mydestination");
        assertThat(trace(plain)).noneMatch(s -> s.startsWith("auth_dnsbl:"))
                .contains("dnsbl:bl.test: NO_MATCH - not listed: 10.2.0.192.bl.test.");
        Decision listed = engine.decide(RelayRequest.of("192.0.2.60", "<a@example.net>", "<bob@example.org>"));
        assertThat(listed.rule()).isEqualTo("reject_rbl_client");
        assertThat(listed.reply()).hasToString("554 5.7.1 Service unavailable; client [192.0.2.60] blocked using"
                + " bl.test; Ordinary listing");
    }

    @Test
    void a_trusted_client_is_never_checked_even_when_authenticated() {
        RelayEngine engine = RelayEngine.builder().localDomains("example.org").trustedNetworks("192.0.2.0/24")
                .dnsServers(server).authDnsbl("authbl.test").build();
        Decision d = engine.decide(authenticated("192.0.2.10", "<bob@remote.example>"));
        assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(d.rule()).isEqualTo("mynetworks");
        assertThat(trace(d)).noneMatch(s -> s.contains("auth_dnsbl")).last().asString()
                .startsWith("mynetworks: ACCEPT - client 192.0.2.10 is in trusted network 192.0.2.0/24");
    }

    @Test
    void without_permit_authenticated_the_auth_lists_are_not_asked() {
        // the authentication accepts nothing, so there is nothing to check it for
        RelayEngine engine = policy().permitAuthenticated(false).authDnsbl("authbl.test").build();
        Decision ours = engine.decide(authenticated("192.0.2.10", "<bob@example.org>"));
        assertThat(ours.rule()).isEqualTo("mydestination");
        assertThat(trace(ours)).noneMatch(s -> s.contains("auth_dnsbl")).last()
                .isEqualTo("mydestination: ACCEPT - recipient domain example.org is a local domain (matched"
                        + " 'example.org')");
        assertThat(engine.decide(authenticated("192.0.2.10", "<bob@remote.example>")).rule())
                .isEqualTo("reject_unauth_destination");
    }

    @Test
    void a_policy_file_configures_the_lists_with_their_zone_settings() throws Exception {
        Path file = Files.writeString(dir.resolve("auth.conf"), String.join("\n",
                "mydestination = example.org",
                "dns_servers = " + server,
                "auth_dnsbl_sites = authbl.test=127.0.0.[2..11]*2",
                "dnsbl_threshold = 2",
                "dns_list_name.authbl.test = AuthBL",
                "dnsbl_reply.authbl.test = 451 4.7.1 Authenticated mail from [{client}] is held: {zone}",
                ""));
        RelayEngine engine = PolicyFile.read(file).builder().build();
        Decision d = engine.decide(authenticated("192.0.2.10", "<bob@remote.example>"));
        // a 4xx listing reply defers instead of refusing
        assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(d.rule()).isEqualTo("reject_auth_dnsbl_client");
        assertThat(d.reply()).isEqualTo(SmtpReply.of(451, "4.7.1",
                "Authenticated mail from [192.0.2.10] is held: AuthBL"));
        assertThat(trace(d)).last().isEqualTo("reject_auth_dnsbl_client: TEMPFAIL - score 2 reached the threshold"
                + " 2; auth_dnsbl authbl.test listed 192.0.2.10");
        assertThat(PolicyFile.read(file).effective(100)).contains("auth_dnsbl_sites = authbl.test=127.0.0.[2..11]*2");
    }

    @Test
    void a_policy_file_reports_a_bad_list_at_its_place() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.conf"), "auth_dnsbl_sites = authbl.test*-1\n"
                + "dns_failure.other.test = ignore\n");
        assertThatThrownBy(() -> PolicyFile.read(file)).isInstanceOfSatisfying(PolicyFileException.class,
                e -> assertThat(e.problems()).extracting(Object::toString).containsExactly(
                        file + ":1:20: auth_dnsbl 'authbl.test*-1': a block list's weight must be positive, got -1"
                                + " (expected zone[=filter][*weight], e.g. zen.spamhaus.org=127.0.0.[2..11;30]*3)",
                        file + ":2:1: 'dns_failure.other.test' names the zone 'other.test', which no dnsbl_sites,"
                                + " dnswl_sites, rhsbl_sites, auth_dnsbl_sites or local_zone setting configures;"
                                + " configured zones: none"));
    }

    @Test
    void a_local_zone_named_only_by_auth_dnsbl_sites_is_not_an_ordinary_block_list() throws Exception {
        Files.writeString(dir.resolve("stolen.ip4set"), "192.0.2.10\n");
        Path file = Files.writeString(dir.resolve("local.conf"), String.join("\n",
                "mydestination = example.org",
                "auth_dnsbl_sites = stolen.local",
                "local_zone.stolen.local = stolen.ip4set",
                ""));
        RelayEngine engine = PolicyFile.read(file).builder().build();
        Decision auth = engine.decide(authenticated("192.0.2.10", "<bob@remote.example>"));
        assertThat(auth.rule()).isEqualTo("reject_auth_dnsbl_client");
        assertThat(auth.reply()).hasToString(REFUSED);
        assertThat(trace(auth)).contains("auth_dnsbl:stolen.local: MATCH - listed: 10.2.0.192.stolen.local."
                + " answered LISTED 127.0.0.2 (weight +1)");
        // unauthenticated, for our domain: the zone is not asked (a local zone no *_sites names would be)
        Decision plain = engine.decide(RelayRequest.of("192.0.2.10", "<a@example.net>", "<bob@example.org>"));
        assertThat(plain.rule()).isEqualTo("mydestination");
        assertThat(trace(plain)).last().isEqualTo("mydestination: ACCEPT - recipient domain example.org is a local"
                + " domain (matched 'example.org')");
    }

    @Test
    void the_health_check_includes_the_auth_lists() {
        RelayEngine engine = policy().dnsbl("bl.test").authDnsbl("authbl.test=127.0.0.[2..11]").build();
        List<DnsListHealth> health = engine.checkDnsLists().toCompletableFuture().join();
        assertThat(health).extracting(DnsListHealth::toString).containsExactly(
                "dnsbl bl.test: ok (127.0.0.2: LISTED 127.0.0.2, 127.0.0.1: NOT_LISTED)",
                "auth_dnsbl authbl.test: ok (127.0.0.2: LISTED 127.0.0.2, 127.0.0.1: NOT_LISTED)");
    }

    @Test
    void a_builder_refuses_a_bad_list_naming_it() {
        assertThatThrownBy(() -> RelayEngine.builder().authDnsbl("authbl.test=127.0.0.300"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("auth_dnsbl 'authbl.test=127.0.0.300': filter '127.0.0.300': 300 is greater than 255"
                        + " (expected zone[=filter][*weight], e.g. zen.spamhaus.org=127.0.0.[2..11;30]*3)");
    }
}

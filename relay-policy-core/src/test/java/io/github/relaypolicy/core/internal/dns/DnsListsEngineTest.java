package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.DnsFailure;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.testsupport.RbldnsdServer;
import io.github.relaypolicy.testsupport.RequiresRbldnsd;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The engine with DNS lists, against the real rbldnsd on 127.0.0.1. */
@RequiresRbldnsd
final class DnsListsEngineTest {

    @TempDir
    static Path dir;
    private static RbldnsdServer rbldnsd;
    private static String server;
    private static String deadServer;

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(dir.resolve("bl.txt"), String.join("\n", "$TTL 300",
                ":127.0.0.2:Listed: see https://bl.test/lookup?ip=$", "192.0.2.0/24", "!192.0.2.66",
                "203.0.113.1 :127.255.255.254:Query refused", "198.51.100.9 :127.0.0.20:Policy",
                "127.0.0.2", ""));
        Files.writeString(dir.resolve("two.txt"), String.join("\n", ":127.0.0.3:Also here", "192.0.2.20", ""));
        Files.writeString(dir.resolve("wl.txt"), String.join("\n", ":127.0.10.3:Known good", "192.0.2.30", ""));
        Files.writeString(dir.resolve("dbl.txt"), String.join("\n", ":127.0.1.2:Spam domain $", "spam.example",
                "*.spam.example", ""));
        Files.writeString(dir.resolve("six.txt"), String.join("\n", ":127.0.0.2:IPv6 listed $", "2001:db8::/32",
                ""));
        rbldnsd = RbldnsdServer.in(dir).start("bl.test:ip4set:bl.txt", "two.test:ip4set:two.txt",
                "wl.test:ip4set:wl.txt", "dbl.test:dnset:dbl.txt", "six.test:ip6trie:six.txt");
        server = rbldnsd.hostAndPort();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadServer = "127.0.0.1:" + s.getLocalPort(); // no DNS server there
        }
    }

    @AfterAll
    static void stop() throws Exception {
        rbldnsd.close();
    }

    private static RelayEngine.Builder policy() {
        return RelayEngine.builder().localDomains("example.org").trustedNetworks("10.0.0.0/8")
                .dnsServers(server).dnsTimeout(Duration.ofSeconds(2));
    }

    private static Decision decide(RelayEngine engine, String client, String sender) {
        return engine.decide(RelayRequest.of(client, sender, "<user@example.org>"));
    }

    @Test
    void a_listed_client_is_refused_with_the_zone_and_its_txt_reason() {
        RelayEngine engine = policy().dnsbl("bl.test=127.0.0.[2..11]").build();
        Decision d = decide(engine, "192.0.2.10", "<a@example.net>");
        assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(d.rule()).isEqualTo("reject_rbl_client");
        assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; client [192.0.2.10] blocked using bl.test;"
                + " Listed: see https://bl.test/lookup?ip=192.0.2.10");
        assertThat(d.trace()).extracting(TraceStep::toString).contains(
                "mydestination: MATCH - recipient domain example.org is a local domain (matched 'example.org');"
                        + " DNS lists next",
                "dnsbl:bl.test: MATCH - listed: 10.2.0.192.bl.test. answered LISTED 127.0.0.2 (weight +1)");
        assertThat(d.trace()).last().hasToString("reject_rbl_client: REJECT - score 1 reached the threshold 1;"
                + " dnsbl bl.test listed 192.0.2.10");
        Decision async = engine.decideAsync(RelayRequest.of("192.0.2.10", "<a@example.net>", "<user@example.org>"))
                .toCompletableFuture().join();
        assertThat(async.reply()).isEqualTo(d.reply());
    }

    @Test
    void unlisted_excluded_and_filtered_out_clients_are_accepted_with_the_lists_in_the_trace() {
        RelayEngine engine = policy().dnsbl("bl.test=127.0.0.[2..11]").build();
        for (String client : new String[] {"192.0.3.1", "192.0.2.66", "198.51.100.9"}) {
            Decision d = decide(engine, client, "<a@example.net>");
            assertThat(d.verdict()).as(client).isEqualTo(Verdict.ACCEPT);
            assertThat(d.rule()).isEqualTo("mydestination");
            assertThat(d.trace()).last().hasToString("mydestination: ACCEPT - DNS lists: score 0 is below the"
                    + " threshold 1");
        }
    }

    @Test
    void weights_add_up_to_the_threshold_and_allow_lists_subtract() {
        RelayEngine engine = policy().dnsbl("bl.test*2").dnsbl("two.test").dnswl("wl.test=127.0.10.[2..3]*-5")
                .dnsblThreshold(3).build();
        assertThat(decide(engine, "192.0.2.20", "<a@example.net>").rule()).isEqualTo("reject_rbl_client");
        assertThat(decide(engine, "192.0.2.10", "<a@example.net>").rule()).isEqualTo("mydestination");
        Decision allowed = decide(engine, "192.0.2.30", "<a@example.net>");
        assertThat(allowed.rule()).isEqualTo("mydestination");
        assertThat(allowed.trace()).extracting(TraceStep::toString)
                .contains("dnswl:wl.test: MATCH - listed: 30.2.0.192.wl.test. answered LISTED 127.0.10.3 (weight -5)");
    }

    @Test
    void a_domain_list_checks_the_sender_domain_and_skips_the_null_sender_and_literals() {
        RelayEngine engine = policy().rhsbl("dbl.test=127.0.1.[2..99]").build();
        Decision d = decide(engine, "198.51.100.1", "<x@mail.spam.example>");
        assertThat(d.rule()).isEqualTo("reject_rhsbl_sender");
        assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; sender domain mail.spam.example blocked"
                + " using dbl.test; Spam domain spam.example"); // rbldnsd puts the listed entry for $
        assertThat(decide(engine, "198.51.100.1", "<>").rule()).isEqualTo("mydestination");
        assertThat(decide(engine, "198.51.100.1", "<x@[192.0.2.1]>").rule()).isEqualTo("mydestination");
        assertThat(decide(engine, "198.51.100.1", "<x@ham.example>").rule()).isEqualTo("mydestination");
    }

    @Test
    void ipv6_clients_are_queried_by_nibbles_and_mapped_clients_as_ipv4() {
        RelayEngine engine = policy().dnsbl("six.test").dnsbl("bl.test").build();
        Decision v6 = decide(engine, "2001:db8::5", "<a@example.net>");
        assertThat(v6.reply().text()).startsWith("Service unavailable; client [2001:db8::5] blocked using six.test");
        Decision mapped = decide(engine, "::ffff:192.0.2.10", "<a@example.net>");
        assertThat(mapped.reply().text()).startsWith("Service unavailable; client [192.0.2.10] blocked using bl.test");
    }

    @Test
    void error_codes_and_unanswered_queries_defer_or_are_ignored_as_configured_never_refuse() {
        RelayEngine defer = policy().dnsbl("bl.test").build();
        Decision d = decide(defer, "203.0.113.1", "<a@example.net>");
        assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(d.rule()).isEqualTo("dnsbl_unavailable");
        assertThat(d.reply()).hasToString("451 4.7.1 Service unavailable; client [203.0.113.1] could not be checked"
                + " against bl.test, try again later");
        RelayEngine ignore = policy().dnsbl("bl.test").dnsFailure("bl.test", DnsFailure.IGNORE).build();
        assertThat(decide(ignore, "203.0.113.1", "<a@example.net>").rule()).isEqualTo("mydestination");

        RelayEngine dead = RelayEngine.builder().localDomains("example.org").dnsServers(deadServer)
                .dnsTimeout(Duration.ofMillis(500)).dnsbl("bl.test").build();
        Decision unanswered = decide(dead, "192.0.2.10", "<a@example.net>");
        assertThat(unanswered.verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(unanswered.reply().code()).isEqualTo(451);
        RelayEngine deadIgnored = RelayEngine.builder().localDomains("example.org").dnsServers(deadServer)
                .dnsTimeout(Duration.ofMillis(500)).dnsbl("bl.test").dnsFailure(DnsFailure.IGNORE).build();
        assertThat(decide(deadIgnored, "192.0.2.10", "<a@example.net>").rule()).isEqualTo("mydestination");
    }

    @ParameterizedTest(name = "{0} from {1}")
    @CsvSource({
        "192.0.2.10, <a@example.net>, REJECT",      // bl.test
        "192.0.2.20, <a@example.net>, REJECT",      // bl.test and two.test
        "192.0.2.30, <a@example.net>, ACCEPT",      // bl.test, but wl.test vouches
        "192.0.3.1, <a@example.net>, ACCEPT",       // in no list
        "192.0.3.1, <>, ACCEPT",                    // in no list, the domain list has nothing to ask
        "198.51.100.9, <x@[192.0.2.1]>, ACCEPT",    // filtered out, an address literal sender
        "198.51.100.1, <x@mail.spam.example>, REJECT", // dbl.test
        "198.51.100.1, <x@ham.example>, ACCEPT",
        "2001:db8::5, <a@example.net>, REJECT",     // six.test
        "::ffff:192.0.2.10, <a@example.net>, REJECT", // IPv4-mapped: bl.test
        "203.0.113.1, <a@example.net>, TEMPFAIL",   // an error code could have been a listing
    })
    void a_decision_from_the_cache_has_the_verdict_reply_and_trace_of_the_first(String client, String sender,
            Verdict verdict) {
        RelayEngine engine = policy().dnsbl("bl.test=127.0.0.[2..11]*2").dnsbl("two.test")
                .dnswl("wl.test=127.0.10.[2..3]*-5").rhsbl("dbl.test=127.0.1.[2..99]*2").dnsbl("six.test*2")
                .dnsblThreshold(2).build();
        // given: a first decision, made by asking rbldnsd
        Decision first = decide(engine, client, sender);
        assertThat(first.verdict()).isEqualTo(verdict);
        // when: the same request is decided from the cache, synchronously and asynchronously
        Decision again = decide(engine, client, sender);
        CompletableFuture<Decision> async = engine.decideAsync(RelayRequest.of(client, sender,
                "<user@example.org>")).toCompletableFuture();
        // then
        assertThat(async).isDone();
        for (Decision d : new Decision[] {again, async.join()}) {
            assertThat(d.verdict()).isEqualTo(first.verdict());
            assertThat(d.rule()).isEqualTo(first.rule());
            assertThat(d.reply()).isEqualTo(first.reply());
            assertThat(d.trace()).extracting(TraceStep::toString)
                    .containsExactlyElementsOf(first.trace().stream().map(TraceStep::toString).toList());
        }
    }

    @Test
    void trusted_and_authenticated_clients_and_refused_relay_are_never_looked_up() {
        // every list query would fail and defer: an answer without 451 proves no query was made
        RelayEngine engine = RelayEngine.builder().localDomains("example.org").trustedNetworks("10.0.0.0/8")
                .dnsServers(deadServer).dnsTimeout(Duration.ofMillis(300)).dnsbl("bl.test").build();
        assertThat(decide(engine, "10.1.2.3", "<a@example.net>").rule()).isEqualTo("mynetworks");
        assertThat(engine.decide(RelayRequest.builder().client("192.0.2.10").sender("<a@example.net>")
                .recipient("<u@victim.example>").authenticatedUser("alice").build()).rule())
                .isEqualTo("permit_authenticated");
        assertThat(engine.decide(RelayRequest.of("192.0.2.10", "<a@example.net>", "<u@victim.example>")).rule())
                .isEqualTo("reject_unauth_destination");
        assertThat(engine.decide(RelayRequest.of("192.0.2.10", "<a@example.net>", "<Postmaster>")).rule())
                .isEqualTo("postmaster");
    }
}

package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.testsupport.RbldnsdServer;
import io.github.relaypolicy.testsupport.RequiresRbldnsd;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code rhsbl_helo_sites} and {@code rhsbl_client_sites} against the real rbldnsd on 127.0.0.1: the HELO name and
 * the verified client name asked, Postfix's replies, filters and weights, names that are not asked (with the reason
 * in the trace), the outcome memo keyed by them, and a list that does not answer.
 */
@RequiresRbldnsd
final class RhsblHeloClientTest {

    @TempDir
    static Path dir;
    private static RbldnsdServer rbldnsd;
    private static String server;
    private static String deadServer;

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(dir.resolve("helo.txt"), String.join("\n", ":127.0.1.2:Bad HELO", "bad.example",
                "*.bad.example", "soft.example :127.0.1.9:Suspicious HELO", ""));
        Files.writeString(dir.resolve("names.txt"), String.join("\n", ":127.0.1.2:Dynamic host", "*.dyn.example",
                ""));
        rbldnsd = RbldnsdServer.in(dir).start("helo.test:dnset:helo.txt", "names.test:dnset:names.txt");
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

    private static Decision decide(RelayEngine engine, String client, @Nullable String helo, @Nullable String name) {
        return engine.decide(RelayRequest.builder().client(client).helo(helo).clientName(name)
                .sender("<a@example.net>").recipient("<user@example.org>").build());
    }

    @Test
    void a_listed_helo_name_is_refused_with_postfixs_reply_and_a_clean_one_passes() {
        try (RelayEngine engine = policy().rhsblHelo("helo.test=127.0.1.[2..8]").build()) {
            Decision d = decide(engine, "198.51.100.1", "MAIL.Bad.Example.", null);
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.rule()).isEqualTo(RuleNames.RHSBL_HELO);
            assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; Helo command [mail.bad.example] blocked"
                    + " using helo.test; Bad HELO");
            assertThat(d.trace()).extracting(TraceStep::toString).contains("rhsbl_helo:helo.test: MATCH - listed:"
                    + " mail.bad.example.helo.test. answered LISTED 127.0.1.2 (weight +1)");
            assertThat(d.trace()).last().hasToString("reject_rhsbl_helo: REJECT - score 1 reached the threshold 1;"
                    + " rhsbl_helo helo.test listed mail.bad.example");

            Decision clean = decide(engine, "198.51.100.1", "mail.clean.example", null);
            assertThat(clean.rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
            assertThat(clean.trace()).extracting(TraceStep::toString).contains("rhsbl_helo:helo.test: NO_MATCH - not"
                    + " listed: mail.clean.example.helo.test.");

            Decision filtered = decide(engine, "198.51.100.1", "soft.example", null);
            assertThat(filtered.rule()).as("127.0.1.9 is outside the filter").isEqualTo(RuleNames.LOCAL_DOMAINS);
        }
    }

    @Test
    void the_outcome_memo_tells_helo_names_and_client_names_apart() {
        try (RelayEngine engine = policy().rhsblHelo("helo.test").rhsblClient("names.test").build()) {
            for (int round = 0; round < 2; round++) { // the second round comes from the caches and the memo
                assertThat(decide(engine, "198.51.100.2", "bad.example", null).rule())
                        .isEqualTo(RuleNames.RHSBL_HELO);
                assertThat(decide(engine, "198.51.100.2", "good.example", null).rule())
                        .isEqualTo(RuleNames.LOCAL_DOMAINS);
                assertThat(decide(engine, "198.51.100.2", "good.example", "h1.dyn.example").rule())
                        .isEqualTo(RuleNames.RHSBL_CLIENT);
                assertThat(decide(engine, "198.51.100.2", "good.example", "mail.good.example").rule())
                        .isEqualTo(RuleNames.LOCAL_DOMAINS);
            }
        }
    }

    @Test
    void a_decision_the_memo_answers_allocates_no_more_with_helo_and_client_name_lists() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)
                java.lang.management.ManagementFactory.getThreadMXBean();
        if (!mx.isThreadAllocatedMemorySupported()) {
            return;
        }
        mx.setThreadAllocatedMemoryEnabled(true);
        RelayRequest[] requests = new RelayRequest[64];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = RelayRequest.builder().client("198.51.100." + (100 + i)).helo("mail" + i + ".clean.example")
                    .clientName("host" + i + ".clean.example").sender("<a@example.net>")
                    .recipient("<user@example.org>").build();
        }
        try (RelayEngine plain = policy().rhsbl("helo.test").build();
                RelayEngine named = policy().rhsbl("helo.test").rhsblHelo("helo.test").rhsblClient("names.test")
                        .build()) {
            long without = leastBytes(mx, plain, requests);
            long with = leastBytes(mx, named, requests);
            without = Math.min(without, leastBytes(mx, plain, requests));
            assertThat(with).as("bytes of %d memo hits with HELO and client-name lists (without: %d)",
                    requests.length * 50, without).isLessThan(without + 512);
        }
    }

    /** The fewest bytes this thread allocated deciding every request 50 times, over several rounds, once warm. */
    private static long leastBytes(com.sun.management.ThreadMXBean mx, RelayEngine engine,
            RelayRequest[] requests) {
        for (RelayRequest r : requests) {
            assertThat(engine.decide(r).rule()).isEqualTo(RuleNames.LOCAL_DOMAINS); // asked once, then cached
        }
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 30; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            int accepted = 0;
            for (int k = 0; k < 50; k++) {
                for (RelayRequest r : requests) {
                    accepted += engine.decide(r).verdict() == Verdict.ACCEPT ? 1 : 0;
                }
            }
            best = Math.min(best, mx.getCurrentThreadAllocatedBytes() - before);
            assertThat(accepted).isEqualTo(50 * requests.length);
        }
        return best;
    }

    @ParameterizedTest(name = "HELO {0}")
    @CsvSource(delimiter = '|', value = {
        "[192.0.2.1]         | HELO name '[192.0.2.1]' is an address literal: not asked",
        "[IPv6:2001:db8::1]  | HELO name '[IPv6:2001:db8::1]' is an address literal: not asked",
        "localhost           | HELO name 'localhost' is a single label: not asked",
        "bad_name!.example   | HELO name 'bad_name!.example' is not a valid host name: not asked",
        "a..bad.example      | HELO name 'a..bad.example' is not a valid host name: not asked",
    })
    void literals_single_labels_and_invalid_helo_names_are_not_asked(String helo, String why) {
        // every query would fail and defer: an acceptance proves no query was made
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").dnsServers(deadServer)
                .dnsTimeout(Duration.ofMillis(300)).rhsblHelo("helo.test").build()) {
            Decision d = decide(engine, "198.51.100.3", helo, null);
            assertThat(d.rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
            assertThat(d.trace()).extracting(TraceStep::toString).contains("rhsbl_helo:helo.test: SKIP - " + why);
        }
    }

    @Test
    void a_listed_client_name_is_refused_and_unknown_or_no_name_is_not_asked() {
        try (RelayEngine engine = policy().rhsblClient("names.test").build()) {
            Decision d = decide(engine, "198.51.100.4", "mail.example.net", "host-7.dyn.example");
            assertThat(d.rule()).isEqualTo(RuleNames.RHSBL_CLIENT);
            assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; Client host [host-7.dyn.example] blocked"
                    + " using names.test; Dynamic host");
            assertThat(d.trace()).last().hasToString("reject_rhsbl_client: REJECT - score 1 reached the threshold 1;"
                    + " rhsbl_client names.test listed host-7.dyn.example");
            assertThat(decide(engine, "198.51.100.4", "host-7.dyn.example", "mail.example.net").rule())
                    .as("the HELO name is not asked by a client-name list").isEqualTo(RuleNames.LOCAL_DOMAINS);
            Decision unknown = decide(engine, "198.51.100.4", null, "unknown");
            assertThat(unknown.rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
            assertThat(unknown.trace()).extracting(TraceStep::toString).contains("rhsbl_client:names.test: SKIP - no"
                    + " client name was given: not asked");
            assertThat(decide(engine, "198.51.100.4", null, null).rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
        }
    }

    @Test
    void weights_add_up_with_the_other_lists_to_the_threshold() {
        try (RelayEngine engine = policy().rhsblHelo("helo.test*2").rhsblClient("names.test*2").dnsblThreshold(3)
                .build()) {
            assertThat(decide(engine, "198.51.100.5", "bad.example", null).rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
            Decision both = decide(engine, "198.51.100.5", "bad.example", "x.dyn.example");
            assertThat(both.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(both.trace()).last().asString().contains("score 4 reached the threshold 3");
        }
    }

    @Test
    void only_asked_where_the_client_lists_are_and_a_list_that_does_not_answer_defers() {
        try (RelayEngine dead = RelayEngine.builder().localDomains("example.org").trustedNetworks("10.0.0.0/8")
                .dnsServers(deadServer).dnsTimeout(Duration.ofMillis(300)).rhsblHelo("helo.test")
                .rhsblClient("names.test").build()) {
            Decision d = decide(dead, "198.51.100.6", "mail.example.net", null);
            assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
            assertThat(d.rule()).isEqualTo(RuleNames.DNS_UNAVAILABLE);
            assertThat(d.reply()).hasToString("451 4.7.1 Service unavailable; client [198.51.100.6] could not be"
                    + " checked against helo.test, try again later");
            Decision name = decide(dead, "198.51.100.6", null, "host.dyn.example");
            assertThat(name.reply()).hasToString("451 4.7.1 Service unavailable; client [198.51.100.6] could not be"
                    + " checked against names.test, try again later");
            // trusted, authenticated and refused relay: no query made (it would defer)
            assertThat(decide(dead, "10.1.2.3", "bad.example", "x.dyn.example").rule())
                    .isEqualTo(RuleNames.MYNETWORKS);
            assertThat(dead.decide(RelayRequest.builder().client("198.51.100.6").helo("bad.example")
                    .sender("<a@example.net>").recipient("<u@elsewhere.example>").build()).rule())
                    .isEqualTo(RuleNames.RELAY_DENIED);
        }
    }
}

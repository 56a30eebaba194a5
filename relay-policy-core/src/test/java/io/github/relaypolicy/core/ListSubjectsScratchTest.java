package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-thread scratch ({@code ListSubjects}) the rules leave for the DNS lists must never
 * make the lists read another request's client or sender: alternating requests, re-entrant decisions from a
 * decideAsync stage, replies rendered later or on other threads, traces, reloads, engines without lists, IPv4-mapped
 * and zoned IPv6 clients, InetAddress clients, the null sender.
 */
final class ListSubjectsScratchTest {

    @TempDir
    Path dir;

    private RelayEngine engine() throws Exception {
        Path ip4 = Files.writeString(dir.resolve("bl.ip4set"), ":127.0.0.2:listed $\n192.0.2.66\n");
        Path ip6 = Files.writeString(dir.resolve("bl6.ip6trie"), ":127.0.0.2:listed6 $\nfe80::66/128\n");
        Path dom = Files.writeString(dir.resolve("dbl.dnset"), ":127.0.1.2:dbl $\nbad.example\n");
        return RelayEngine.builder().localDomains("example.org").dnsbl("bl.test").dnsbl("bl6.test")
                .rhsbl("dbl.test").localZone("bl.test", ip4).localZone("bl6.test", ip6).localZone("dbl.test", dom)
                .build();
    }

    private static RelayRequest req(String client, String sender) {
        return RelayRequest.of(client, sender, "<user@example.org>");
    }

    @Test
    void alternating_and_equal_but_different_requests() throws Exception {
        try (RelayEngine e = engine()) {
            RelayRequest bad = req("192.0.2.66", "<a@good.example>");
            RelayRequest good = req("192.0.2.10", "<a@good.example>");
            RelayRequest badSender = req("192.0.2.10", "<a@bad.example>");
            RelayRequest nullSender = req("192.0.2.10", "<>");
            for (int k = 0; k < 200; k++) {
                assertThat(e.decide(bad).verdict()).isEqualTo(Verdict.REJECT);
                assertThat(e.decide(good).verdict()).isEqualTo(Verdict.ACCEPT);
                assertThat(e.decide(req("192.0.2.66", "<a@good.example>")).verdict()).isEqualTo(Verdict.REJECT);
                assertThat(e.decide(badSender).verdict()).isEqualTo(Verdict.REJECT);
                assertThat(e.decide(nullSender).verdict()).isEqualTo(Verdict.ACCEPT);
                assertThat(e.decide(req("::ffff:192.0.2.66", "<>")).verdict()).isEqualTo(Verdict.REJECT);
                assertThat(e.decide(req("fe80::66%eth0", "<>")).verdict()).isEqualTo(Verdict.REJECT);
                assertThat(e.decide(req("fe80::67%eth0", "<>")).verdict()).isEqualTo(Verdict.ACCEPT);
                RelayRequest addr = RelayRequest.builder().client(InetAddress.getByAddress(
                        new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 66}))
                        .sender("<>").recipient("<user@example.org>").build();
                assertThat(e.decide(addr).verdict()).isEqualTo(Verdict.REJECT);
            }
        }
    }

    @Test
    void replies_rendered_after_other_decisions_on_the_same_and_other_threads() throws Exception {
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (RelayEngine e = engine()) {
            Decision bad = e.decide(req("192.0.2.66", "<a@good.example>"));
            Decision badSender = e.decide(req("192.0.2.10", "<a@bad.example>"));
            e.decide(req("192.0.2.10", "<a@good.example>"));
            // another engine without lists, and a trace, in between
            RelayEngine plain = RelayEngine.builder().localDomains("example.org").build();
            plain.decide(req("192.0.2.77", "<a@other.example>"));
            e.decide(req("192.0.2.78", "<x@bad.example>")).trace();

            assertThat(bad.reply().text()).contains("192.0.2.66").doesNotContain("192.0.2.10");
            assertThat(badSender.reply().text()).contains("bad.example");
            assertThat(other.submit(() -> bad.reply().text()).get()).contains("192.0.2.66");
            assertThat(bad.trace().toString()).contains("66.2.0.192.bl.test").doesNotContain("78.2.0.192");
            assertThat(badSender.trace().toString()).contains("bad.example.dbl.test");
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void decide_re_entered_from_a_decide_async_stage() throws Exception {
        try (RelayEngine e = engine()) {
            List<Decision> inner = new ArrayList<>();
            CompletableFuture<Decision> outer = e.decideAsync(req("192.0.2.66", "<a@good.example>"))
                    .toCompletableFuture().thenApply(d -> {
                        inner.add(e.decide(req("192.0.2.10", "<a@good.example>")));
                        inner.add(e.decide(req("192.0.2.11", "<a@bad.example>")));
                        return d;
                    });
            Decision d = outer.get(5, TimeUnit.SECONDS);
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.reply().text()).contains("192.0.2.66");
            assertThat(inner.get(0).verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(inner.get(1).verdict()).isEqualTo(Verdict.REJECT);
            assertThat(inner.get(1).reply().text()).contains("bad.example");
        }
    }

    @Test
    void reload_between_decisions_reads_the_new_lists_with_this_request() throws Exception {
        try (RelayEngine e = engine()) {
            RelayRequest r = req("192.0.2.66", "<a@good.example>");
            assertThat(e.decide(r).verdict()).isEqualTo(Verdict.REJECT);
            e.reload(RelayEngine.builder().localDomains("example.org"));
            assertThat(e.decide(r).verdict()).isEqualTo(Verdict.ACCEPT);
            e.reload(RelayEngine.builder().localDomains("example.org").dnsbl("bl.test")
                    .localZone("bl.test", dir.resolve("bl.ip4set")));
            assertThat(e.decide(r).verdict()).isEqualTo(Verdict.REJECT);
        }
    }
}

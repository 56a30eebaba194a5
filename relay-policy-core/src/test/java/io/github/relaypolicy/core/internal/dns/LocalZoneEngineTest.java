package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.MalformedLines;
import io.github.relaypolicy.core.RelayEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lists served in-process from rbldnsd data files, through the engine. No DNS is involved. */
final class LocalZoneEngineTest {

    @TempDir
    Path dir;

    private static Decision decide(RelayEngine engine, String client, String sender) {
        return engine.decide(RelayRequest.of(client, sender, "<user@example.org>"));
    }

    @Test
    void a_local_zone_refuses_listed_clients_with_its_txt_and_accepts_others() throws Exception {
        Path file = dir.resolve("blocked.ip4set");
        Files.writeString(file, ":127.0.0.2:Blocked locally: $\n192.0.2.0/24\n!192.0.2.66\n");
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").localZone("bl.local", file)
                .build()) {
            Decision d = decide(engine, "192.0.2.10", "<a@example.net>");
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; client [192.0.2.10] blocked using"
                    + " bl.local; Blocked locally: 192.0.2.10");
            assertThat(decide(engine, "192.0.2.66", "<a@example.net>").rule()).isEqualTo("mydestination");
            assertThat(decide(engine, "::ffff:192.0.2.10", "<a@example.net>").verdict()).isEqualTo(Verdict.REJECT);
            assertThat(engine.zoneWarnings()).isEmpty();
        }
    }

    @Test
    void a_4xx_listing_reply_defers_the_listed_client_instead_of_refusing() throws Exception {
        Path file = dir.resolve("soft.ip4set");
        Files.writeString(file, ":127.0.0.2:Temporarily listed\n192.0.2.0/24\n");
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").localZone("soft.local", file)
                .dnsblReply("soft.local", io.github.relaypolicy.SmtpReply.of(450, "4.7.1",
                        "Client [{client}] listed in {zone}, try again later"))
                .build()) {
            for (Decision d : new Decision[] {decide(engine, "192.0.2.10", "<a@example.net>"),
                engine.decideAsync(RelayRequest.of("192.0.2.10", "<a@example.net>", "<user@example.org>"))
                        .toCompletableFuture().join()}) {
                assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
                assertThat(d.reply()).hasToString("450 4.7.1 Client [192.0.2.10] listed in soft.local, try again"
                        + " later");
                assertThat(d.rule()).isEqualTo("reject_rbl_client");
                assertThat(d.trace().get(d.trace().size() - 1).outcome())
                        .isEqualTo(io.github.relaypolicy.TraceStep.Outcome.TEMPFAIL);
            }
        }
    }

    @Test
    void a_named_local_zone_takes_the_lists_weight_and_a_dnset_checks_the_sender_domain() throws Exception {
        Path ips = dir.resolve("weak.ip4trie");
        Files.writeString(ips, "192.0.2.0/24\n");
        Path names = dir.resolve("domains.dnset");
        Files.writeString(names, ":127.0.1.2:Bad sender domain\n.spam.example\n");
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").dnsbl("weak.local*1")
                .localZone("weak.local", ips).localZone("names.local", names).dnsblThreshold(2).build()) {
            assertThat(decide(engine, "192.0.2.10", "<a@example.net>").rule()).isEqualTo("mydestination");
            Decision both = decide(engine, "192.0.2.10", "<a@mail.spam.example>");
            assertThat(both.rule()).isEqualTo("reject_rbl_client"); // equal weights: the first listing names it
            assertThat(both.reply()).hasToString("554 5.7.1 Service unavailable; client [192.0.2.10] blocked using"
                    + " weak.local");
        }
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").localZone("names.local", names)
                .build()) {
            Decision d = decide(engine, "198.51.100.1", "<a@mail.spam.example>");
            assertThat(d.rule()).isEqualTo("reject_rhsbl_sender");
            assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; sender domain mail.spam.example"
                    + " blocked using names.local; Bad sender domain");
            assertThat(decide(engine, "198.51.100.1", "<>").rule()).isEqualTo("mydestination");
        }
    }

    @Test
    void a_malformed_line_refuses_the_file_naming_file_and_line_or_is_skipped_and_reported() throws Exception {
        Path file = dir.resolve("bad.ip4set");
        Files.writeString(file, "192.0.2.0/24\nthis is not an address\n198.51.100.1\n");
        assertThatThrownBy(() -> RelayEngine.builder().localZone("bl.local", file).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("localZone 'bl.local': " + file + ":2: ");
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org")
                .localZone("bl.local", file, MalformedLines.SKIP).build()) {
            assertThat(engine.zoneWarnings()).singleElement().asString()
                    .startsWith("localZone 'bl.local': " + file + ":2: ");
            assertThat(decide(engine, "198.51.100.1", "<a@example.net>").verdict()).isEqualTo(Verdict.REJECT);
        }
    }

    @Test
    void a_changed_file_is_reloaded_atomically_and_a_broken_one_keeps_the_old_data() throws Exception {
        Path file = dir.resolve("live.ip4set");
        Files.writeString(file, "192.0.2.10\n");
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").localZone("bl.local", file)
                .build()) {
            assertThat(decide(engine, "192.0.2.10", "<a@example.net>").verdict()).isEqualTo(Verdict.REJECT);
            Files.writeString(file, "192.0.2.20\n");
            Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
            engine.reloadZonesNow();
            assertThat(decide(engine, "192.0.2.10", "<a@example.net>").verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(decide(engine, "192.0.2.20", "<a@example.net>").verdict()).isEqualTo(Verdict.REJECT);

            Files.writeString(file, "192.0.2.30\nnot an address\n");
            Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10)));
            engine.reloadZonesNow();
            assertThat(decide(engine, "192.0.2.20", "<a@example.net>").verdict()).isEqualTo(Verdict.REJECT);
            assertThat(engine.zoneWarnings()).singleElement().asString()
                    .startsWith("localZone 'bl.local': reload failed, previous data kept: " + file + ":2: ");
        }
    }

    @Test
    void a_file_without_a_known_type_is_refused() {
        assertThatThrownBy(() -> RelayEngine.builder().localZone("bl.local", dir.resolve("blocked.txt")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("localZone 'bl.local': file '" + dir.resolve("blocked.txt")
                        + "' must end in .ip4set, .ip4trie, .ip6trie or .dnset");
    }
}

package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.TraceStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rhsbl_helo_sites} and {@code rhsbl_client_sites} in a policy file, answered by local zones (rbldnsd
 * {@code .dnset} files, in-process): read, decided, written back by lint, and a zone of the wrong kind refused where
 * it is named.
 */
final class HeloClientListsPolicyFileTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static Decision decide(RelayEngine engine, String helo, String name) {
        return engine.decide(RelayRequest.builder().client("198.51.100.7").helo(helo).clientName(name)
                .sender("<a@example.net>").recipient("<user@example.org>").build());
    }

    @Test
    void local_zones_answer_the_helo_and_client_name_lists_and_lint_writes_them_back() throws IOException {
        write("helo.dnset", ":127.0.1.2:Bad HELO\nbad.example\n");
        write("names.dnset", ":127.0.1.3:Dynamic\n.dyn.example\n");
        Path conf = write("relay.conf", """
                mydestination = example.org
                rhsbl_helo_sites = helo.local=127.0.1.2*2
                rhsbl_client_sites = names.local
                dnsbl_threshold = 2
                local_zone.helo.local = helo.dnset
                local_zone.names.local = names.dnset
                reply.client_address.name = 550 5.7.25 Client host rejected: bad name
                """);
        try (RelayEngine engine = RelayEngine.fromFile(conf)) {
            Decision helo = decide(engine, "bad.example", "mail.example.net");
            assertThat(helo.rule()).isEqualTo(RuleNames.RHSBL_HELO);
            assertThat(helo.reply()).hasToString("554 5.7.1 Service unavailable; Helo command [bad.example] blocked"
                    + " using helo.local; Bad HELO");
            Decision name = decide(engine, "mail.example.net", "h1.dyn.example");
            assertThat(name.rule()).as("weight 1 is below the threshold 2").isEqualTo(RuleNames.LOCAL_DOMAINS);
            assertThat(name.trace()).extracting(TraceStep::toString).contains("rhsbl_client:names.local: MATCH -"
                    + " listed: h1.dyn.example.names.local. answered LISTED 127.0.1.3 (weight +1)");
            assertThat(decide(engine, "mail.example.net", "bad\tname").reply())
                    .hasToString("550 5.7.25 Client host rejected: bad name");
        }
        String effective = PolicyFile.read(conf).effective(10);
        assertThat(effective).contains("\nrhsbl_helo_sites = helo.local=127.0.1.2*2\n",
                "\nrhsbl_client_sites = names.local\n", "\nreply.client_address.name = 550 5.7.25 Client host"
                        + " rejected: bad name\n");
        try (RelayEngine again = RelayEngine.fromFile(write("again.conf", effective))) {
            assertThat(decide(again, "bad.example", "unknown").rule()).isEqualTo(RuleNames.RHSBL_HELO);
        }
    }

    @Test
    void one_zone_may_serve_as_sender_helo_and_client_name_list_as_in_postfix() throws IOException {
        // Spamhaus DBL is commonly named by reject_rhsbl_sender, reject_rhsbl_helo and reject_rhsbl_client at once
        write("dbl.dnset", ":127.0.1.2:Listed in DBL\nbad.example\n");
        Path conf = write("relay.conf", """
                mydestination = example.org
                rhsbl_sites = dbl.local
                rhsbl_helo_sites = dbl.local
                rhsbl_client_sites = dbl.local
                local_zone.dbl.local = dbl.dnset
                """);
        try (RelayEngine engine = RelayEngine.fromFile(conf)) {
            Decision sender = engine.decide(RelayRequest.builder().client("198.51.100.7").helo("good.example")
                    .sender("<x@bad.example>").recipient("<user@example.org>").build());
            assertThat(sender.rule()).isEqualTo(RuleNames.RHSBL);
            assertThat(decide(engine, "bad.example", "good.example").rule()).isEqualTo(RuleNames.RHSBL_HELO);
            Decision name = decide(engine, "good.example", "bad.example");
            assertThat(name.rule()).isEqualTo(RuleNames.RHSBL_CLIENT);
            assertThat(name.reply()).hasToString("554 5.7.1 Service unavailable; Client host [bad.example] blocked"
                    + " using dbl.local; Listed in DBL");
            assertThat(decide(engine, "good.example", "good.example").rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
        }
    }

    @Test
    void a_local_zone_of_addresses_is_refused_for_a_helo_or_client_name_list() throws IOException {
        write("bl.ip4set", "192.0.2.1\n");
        Path conf = write("relay.conf", """
                rhsbl_helo_sites = bl.local
                local_zone.bl.local = bl.ip4set
                """);
        assertThatThrownBy(() -> PolicyFile.read(conf)).hasMessage(conf + ":1:20: rhsbl_helo_sites names the local"
                + " zone 'bl.local', whose file bl.ip4set holds addresses: name it in dnsbl_sites or dnswl_sites");
        assertThatThrownBy(() -> RelayEngine.builder().rhsblClient("bl.local").localZone("bl.local",
                dir.resolve("bl.ip4set")).build()).hasMessage("rhsbl_client 'bl.local' names the local zone"
                + " 'bl.local', whose file " + dir.resolve("bl.ip4set") + " holds addresses; a rhsbl_client list"
                + " needs domains");
        assertThatThrownBy(() -> RelayEngine.builder().rhsblHelo("bl.local*0")).hasMessage("rhsbl_helo 'bl.local*0':"
                + " a block list's weight must be positive, got 0 (use dnswl for an allow list) (expected"
                + " zone[=filter][*weight], e.g. zen.spamhaus.org=127.0.0.[2..11;30]*3)");
    }
}

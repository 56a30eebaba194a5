package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access tables through the command: {@code check} shows the entry that decided and the host actions,
 * {@code lint} names the OK entries a Postfix administrator may have meant as relay grants and the broad RELAY
 * entries, {@code audit} counts what client RELAY entries grant and fails on a public-suffix recipient RELAY.
 */
final class AccessTablesCommandsTest {

    @TempDir
    Path dir;

    private Path policy(String clients, String recipients) throws IOException {
        Files.writeString(dir.resolve("clients.cidr"), clients);
        Files.writeString(dir.resolve("recipients"), recipients);
        Files.writeString(dir.resolve("senders"), "newsletter@example.net HOLD review first\n");
        return Files.writeString(dir.resolve("relay.conf"), "mydestination = example.org\n"
                + "check_client_access = clients.cidr\ncheck_sender_access = senders\n"
                + "check_recipient_access = recipients\n");
    }

    @Test
    void check_shows_the_refusing_entry_and_the_host_actions() throws IOException {
        Path conf = policy("203.0.113.0/24 REJECT spam run\n", "sales@example.org PREPEND X-Routed: sales\n");
        CommandRun refused = CommandRun.of("check", "-c", conf.toString(), "--client", "203.0.113.9", "--from",
                "a@b.example", "--to", "bob@example.org");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.out()).contains(
                "Reply:    554 5.7.1 <unknown[203.0.113.9]>: Client host rejected: spam run\n",
                "Rule:     check_client_access\n").doesNotContain("Action:");

        CommandRun held = CommandRun.of("check", "-c", conf.toString(), "--client", "192.0.2.9", "--from",
                "newsletter@example.net", "--to", "sales@example.org");
        assertThat(held.exitCode()).as(held.err()).isZero();
        assertThat(held.out()).contains("Rule:     mydestination\n",
                "Action:   HOLD review first  (check_sender_access " + dir.resolve("senders") + ":1)\n",
                "Action:   PREPEND X-Routed: sales  (check_recipient_access " + dir.resolve("recipients") + ":1)\n");

        CommandRun json = CommandRun.of("check", "-c", conf.toString(), "--client", "192.0.2.9", "--from",
                "newsletter@example.net", "--to", "bob@example.org", "--json");
        assertThat(json.out()).contains("\"rule\":\"mydestination\",\"hostActions\":[{\"kind\":\"HOLD\","
                + "\"argument\":\"review first\",\"source\":\"check_sender_access ");
    }

    @Test
    void lint_names_ok_entries_and_broad_relay_entries_with_file_and_line() throws IOException {
        Path conf = policy("192.0.2.0/24 OK\n10.0.0.0/8 RELAY\n", "com RELAY\nexample.org OK\n");
        CommandRun r = CommandRun.of("lint", "-c", conf.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("# warning: check_client_access " + dir.resolve("clients.cidr")
                        + ":1: '192.0.2.0/24 OK' does not grant relay here",
                "# warning: check_client_access " + dir.resolve("clients.cidr") + ":2: RELAY entry 10.0.0.0/8"
                        + " grants more than any one network holds",
                "# warning: check_recipient_access " + dir.resolve("recipients") + ":1: RELAY entry 'com' covers"
                        + " every domain under a top-level or public suffix")
                .doesNotContain("'example.org OK'")
                .contains("check_client_access = " + dir.resolve("clients.cidr"));
    }

    @Test
    void audit_counts_what_client_relay_entries_grant_and_fails_on_a_public_suffix_relay() throws IOException {
        Path narrow = policy("20.0.0.16/28 RELAY\n", "partner.example RELAY\n");
        CommandRun ok = CommandRun.of("audit", "-c", narrow.toString());
        assertThat(ok.out()).contains("check_client_access RELAY entries grant relay to 16 public IPv4 addresses"
                + " (a /28) and no public IPv6 addresses");
        assertThat(ok.exitCode()).as(ok.out()).isZero();

        Path withOk = policy("192.0.2.0/24 OK\n", "partner.example RELAY\n");
        CommandRun noted = CommandRun.of("audit", "-c", withOk.toString());
        assertThat(noted.out()).contains("note: warning: check_client_access " + dir.resolve("clients.cidr")
                + ":1: '192.0.2.0/24 OK' does not grant relay here");
        assertThat(noted.exitCode()).as("an OK opens nothing here").isZero();

        Path open = policy("0.0.0.0/1 RELAY\n", "co.uk RELAY\n");
        CommandRun bad = CommandRun.of("audit", "-c", open.toString());
        assertThat(bad.out()).contains("more than any one network holds, so strangers may relay")
                .contains("'co.uk RELAY'");
        assertThat(bad.exitCode()).isNotZero();
    }
}

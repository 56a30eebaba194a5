package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Findings of the adversarial review of the access tables (issue 12) in lint and audit: RELAY entries that open the
 * relay to strangers must be named, however they are written.
 */
final class AccessTablesReviewTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void lint_and_audit_name_a_negated_client_relay_entry_which_grants_relay_to_everyone_outside_it()
            throws IOException {
        // cidr_table(5) '!NET' matches every address of the family outside NET: lint said "valid, no warnings", and
        // audit's notes counted nothing (its battery failed, without saying why)
        Path clients = write("clients.cidr", "!10.0.0.0/8 RELAY\n[2001:db8::]/32 RELAY\n");
        Path conf = write("p.conf", "mydestination = example.org\ncheck_client_access = clients.cidr\n");

        CommandRun lint = CommandRun.of("lint", "-c", conf.toString());
        assertThat(lint.exitCode()).isZero();
        assertThat(lint.out()).contains("# valid, 2 warnings\n",
                "# warning: check_client_access " + clients + ":1: RELAY entry '!10.0.0.0/8' grants relay to every"
                        + " IPv4 client outside 10.0.0.0/8: strangers may relay anywhere\n",
                "# warning: check_client_access " + clients + ":2: RELAY entry [2001:db8::]/32 grants more than any"
                        + " one network holds: every client in it may relay anywhere\n");

        CommandRun audit = CommandRun.of("audit", "-c", conf.toString());
        assertThat(audit.exitCode()).isEqualTo(1);
        assertThat(audit.out()).contains("note: check_client_access " + clients + ":1 '!10.0.0.0/8 RELAY' grants"
                + " relay to every IPv4 client outside 10.0.0.0/8, so strangers may relay\n");
    }

    @Test
    void lint_and_audit_name_a_recipient_relay_entry_for_a_local_part_of_every_domain() throws IOException {
        // access(5) 'user@' matches user@ANY-domain: 'postmaster@ RELAY' lets anyone relay to postmaster@victim;
        // lint said nothing and audit said "closed" (its battery does not try that local part)
        Path rcpt = write("rcpt", "postmaster@ RELAY\nbob@partner.example RELAY\n");
        Path conf = write("p.conf", "mydestination = example.org\ncheck_recipient_access = rcpt\n");

        CommandRun lint = CommandRun.of("lint", "-c", conf.toString());
        assertThat(lint.exitCode()).isZero();
        assertThat(lint.out()).contains("# valid, 1 warning\n",
                "# warning: check_recipient_access " + rcpt + ":1: RELAY entry 'postmaster@' makes postmaster@ of"
                        + " every domain relayable: anyone may relay to them\n");

        CommandRun audit = CommandRun.of("audit", "-c", conf.toString());
        assertThat(audit.exitCode()).isEqualTo(1);
        assertThat(audit.out()).contains("check_recipient_access " + rcpt + ":1 'postmaster@ RELAY' relays for"
                + " every domain");
    }
}

package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Final review of issue 11 on the command line: audit's warning about broad, unlimited trusted networks. */
final class Issue11FinalReviewCliTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path p = dir.resolve("relay-policy.conf");
        Files.writeString(p, text);
        return p;
    }

    /**
     * The issue: audit warns "when trusted networks are broad and unlimited". A broad network in rate_limit_exempt is
     * unlimited even with a client limit; audit said nothing (it looked at the exemptions only without a client
     * limit, and then took an exempt network as fine).
     */
    @Test
    void audit_warns_of_a_broad_trusted_network_that_rate_limit_exempt_leaves_unlimited() throws IOException {
        Path conf = write("mydestination = example.org\nmynetworks = 127.0.0.0/8, 10.0.0.0/8, 172.16.0.0/12\n"
                + "recipient_rate_limit = user:500/1h, client:2000/1h\nrate_limit_exempt = 10.0.0.0/8, 172.16.0.0/16\n");
        CommandRun r = CommandRun.of("audit", "-c", conf.toString());
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("warning: mynetworks entry 10.0.0.0/8 is broad and unlimited (rate_limit_exempt"
                + " = 10.0.0.0/8): one compromised host in it can send unlimited mail")
                .as("172.16.0.0/12 is only partly exempt: its other hosts are counted")
                .doesNotContain("entry 172.16.0.0/12 is broad");

        Path none = write("mydestination = example.org\nmynetworks = 10.0.0.0/8\nrate_limit_exempt = 10.0.0.0/7\n");
        assertThat(CommandRun.of("audit", "-c", none.toString()).out()).contains("warning: mynetworks entry"
                + " 10.0.0.0/8 is broad and unlimited (rate_limit_exempt = 10.0.0.0/7)");
    }

    @Test
    void covers_compares_prefixes() {
        assertThat(AuditCommand.covers("10.0.0.0/8", "10.1.0.0/16")).isTrue();
        assertThat(AuditCommand.covers("10.1.0.0/16", "10.0.0.0/8")).isFalse();
        assertThat(AuditCommand.covers("10.0.0.0/8", "11.0.0.0/16")).isFalse();
        assertThat(AuditCommand.covers("2001:db8::/32", "2001:db8:1::/48")).isTrue();
        assertThat(AuditCommand.covers("2001:db8::/32", "10.0.0.0/8")).isFalse();
        assertThat(AuditCommand.covers("example.org", "10.0.0.0/8")).isFalse();
    }
}

package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rate limits on the command line: check reads them without counting, lint and audit warn. */
final class RateLimitCommandsTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path p = dir.resolve("relay-policy.conf");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void check_shows_each_limit_and_what_it_has_left_and_counts_nothing() throws IOException {
        Path conf = write("mydestination = example.org\nrecipient_rate_limit = user:1/1h, client:200/1m\n"
                + "message_rate_limit = user:10/1h\nrecipients_per_message = 50\nrefusal_rate_limit = client:20/10m\n");
        for (int i = 0; i < 3; i++) { // a limit of one: were check counting, the second run would be deferred
            CommandRun r = CommandRun.of("check", "-c", conf.toString(), "--client", "203.0.113.5", "--auth", "bob",
                    "--from", "bob@example.org", "--to", "someone@example.com", "--transaction", "s1.1");
            assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
            assertThat(r.out().replaceAll(" +", " ")).contains(
                    "refusal_rate_limit PASS client:20/10m for client '203.0.113.5': 20 of 20 refusals left",
                    "recipients_per_message PASS transaction s1.1: 0 of 50 recipients accepted",
                    "recipient_rate_limit PASS user:1/1h for user 'bob': 1 of 1 recipients left",
                    "recipient_rate_limit PASS client:200/1m for client '203.0.113.5': 200 of 200 recipients left",
                    "message_rate_limit PASS user:10/1h for user 'bob': 10 of 10 messages left");
        }
        CommandRun noTx = CommandRun.of("check", "-c", conf.toString(), "--client", "203.0.113.5", "--to",
                "a@example.org");
        assertThat(noTx.out().replaceAll(" +", " ")).contains("message_rate_limit SKIP user:10/1h: no transaction id, messages are not"
                + " counted", "recipient_rate_limit SKIP user:1/1h: the client did not authenticate");
    }

    @Test
    void lint_says_that_message_limits_need_a_transaction_id() throws IOException {
        Path conf = write("mydestination = example.org\nmessage_rate_limit = user:10/1h\n");
        CommandRun r = CommandRun.of("lint", "-c", conf.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out() + r.err()).contains("message_rate_limit and recipients_per_message count only requests"
                + " with a transaction id");
        assertThat(r.out()).contains("message_rate_limit = user:10/1h\n", "recipients_per_message = none\n",
                "rate_limit_store = local\n");
    }

    @Test
    void audit_warns_of_unguarded_authenticated_relay_and_broad_unlimited_trusted_networks() throws IOException {
        Path open = write("mydestination = example.org\nmynetworks = 127.0.0.0/8, 10.0.0.0/8, 192.168.1.0/24\n");
        CommandRun r = CommandRun.of("audit", "-c", open.toString());
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero(); // warnings, not an open relay
        assertThat(r.out()).contains("warning: authenticated relay is permitted with no sender binding"
                + " (sender_login_maps) and no per-user limit (recipient_rate_limit = user:...): a stolen password"
                + " can send unlimited mail")
                .contains("warning: mynetworks entry 10.0.0.0/8 is broad and unlimited (no recipient_rate_limit ="
                        + " client:...): one compromised host in it can send unlimited mail")
                .doesNotContain("entry 127.0.0.0/8 is broad").doesNotContain("entry 192.168.1.0/24 is broad");

        Path guarded = write("mydestination = example.org\nmynetworks = 127.0.0.0/8, 10.0.0.0/8\n"
                + "recipient_rate_limit = user:500/1h, client:2000/1h\n");
        CommandRun g = CommandRun.of("audit", "-c", guarded.toString());
        assertThat(g.exitCode()).isZero();
        assertThat(g.out()).doesNotContain("warning:");
    }

    @Test
    @io.github.relaypolicy.testsupport.RequiresRedis
    void check_against_a_shared_redis_store_reads_its_counts_and_takes_none() throws Exception {
        try (io.github.relaypolicy.testsupport.RedisServer server =
                io.github.relaypolicy.testsupport.RedisServer.start()) {
            Path conf = write("mydestination = example.org\nrecipient_rate_limit = user:2/1h\nrate_limit_store = "
                    + server.uri() + "\n");
            try (io.github.relaypolicy.core.RelayEngine mx = io.github.relaypolicy.core.RelayEngine.fromFile(conf)) {
                mx.decide(io.github.relaypolicy.RelayRequest.builder().client("203.0.113.5").authenticatedUser("bob")
                        .sender("<bob@example.org>").recipient("<a@example.com>").build());
            }
            for (int i = 0; i < 3; i++) {
                CommandRun r = CommandRun.of("check", "-c", conf.toString(), "--client", "203.0.113.5", "--auth",
                        "bob", "--from", "bob@example.org", "--to", "someone@example.com");
                assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
                assertThat(r.out().replaceAll(" +", " ")).contains("recipient_rate_limit PASS user:2/1h for user"
                        + " 'bob': 1 of 2 recipients left in redis://" + server.hostAndPort() + "/0");
            }
        }
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
    void broad_and_covers_compare_prefixes() {
        assertThat(TrustedSpace.broad("10.0.0.0/8")).isTrue();
        assertThat(TrustedSpace.broad("192.168.1.0/24")).isFalse();
        assertThat(TrustedSpace.broad("127.0.0.0/8")).isFalse();
        assertThat(TrustedSpace.broad("2001:db8::/32")).isTrue();
        assertThat(TrustedSpace.broad("2001:db8::/64")).isFalse();
        assertThat(TrustedSpace.broad("192.0.2.7")).isFalse();
        assertThat(TrustedSpace.covers("10.0.0.0/8", "10.1.0.0/16")).isTrue();
        assertThat(TrustedSpace.covers("10.1.0.0/16", "10.0.0.0/8")).isFalse();
        assertThat(TrustedSpace.covers("10.0.0.0/8", "11.0.0.0/16")).isFalse();
        assertThat(TrustedSpace.covers("2001:db8::/32", "2001:db8:1::/48")).isTrue();
        assertThat(TrustedSpace.covers("2001:db8::/32", "10.0.0.0/8")).isFalse();
        assertThat(TrustedSpace.covers("example.org", "10.0.0.0/8")).isFalse();
    }
}

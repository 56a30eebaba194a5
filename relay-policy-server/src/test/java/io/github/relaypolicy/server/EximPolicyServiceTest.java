package io.github.relaypolicy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.testsupport.EximRunner;
import io.github.relaypolicy.testsupport.RequiresExim;
import io.github.relaypolicy.testsupport.SmtpProbe;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Exim 4.96 in host-checking mode ({@code exim -bh}) whose RCPT ACL calls {@code acl_relay_policy} from
 * {@code examples/exim/rcpt-acl.conf}, included as it is in the repository (only its {@code RELAY_POLICY_SERVICE}
 * macro is defined before, for the test's port): the replies are the policy's. Exim splits a reply longer than 75
 * characters over several lines; its words are the policy's.
 */
@RequiresExim
final class EximPolicyServiceTest {

    static final Path EXAMPLE = MtaFixture.repositoryFile("examples/exim/rcpt-acl.conf");

    @TempDir
    Path dir;

    private final RecordingLogger log = new RecordingLogger();

    @AfterEach
    void the_service_logged_no_protocol_error() {
        assertThat(log.lines()).noneMatch(m -> m.startsWith("WARNING") || m.startsWith("ERROR"));
    }

    /** Exim with the example as its RCPT policy, asking the service on this port; PLAIN logins with "secret". */
    private static String config(int port) {
        return """
                primary_hostname = exim.test
                acl_smtp_rcpt = acl_check_rcpt
                RELAY_POLICY_SERVICE = inet:127.0.0.1:%d
                begin acl
                .include %s
                acl_check_rcpt:
                  require acl = acl_relay_policy
                  accept
                begin authenticators
                plain:
                  driver = plaintext
                  public_name = PLAIN
                  server_prompts = :
                  server_condition = ${if eq{$auth3}{secret}}
                  server_set_id = $auth2
                """.formatted(port, EXAMPLE);
    }

    private static List<String> session(String sender, String... recipients) {
        List<String> commands = new ArrayList<>(List.of("EHLO mx.example.net", "MAIL FROM:<" + sender + ">"));
        for (String r : recipients) {
            commands.add("RCPT TO:<" + r + ">");
        }
        commands.add("QUIT");
        return commands;
    }

    private static List<String> rcptReplies(EximRunner.Session s) {
        return s.replies("RCPT").stream().map(SmtpProbe.Reply::text).toList();
    }

    /** A reply on one line again: the code and enhanced code once, the lines' texts joined by spaces. */
    static String unwrapped(SmtpProbe.Reply reply) {
        StringBuilder b = new StringBuilder(reply.lines().get(0).substring(0, 3));
        String enhanced = reply.lines().get(0).substring(4).split(" ", 2)[0];
        b.append(' ').append(enhanced);
        for (String line : reply.lines()) {
            b.append(' ').append(line.substring(4 + enhanced.length() + 1));
        }
        return b.toString();
    }

    @Test
    void the_example_acl_answers_the_policy_refusals_and_acceptances() throws Exception {
        try (RelayEngine engine = MtaFixture.engine(dir); PolicyServer service = MtaFixture.serve(engine, log)) {
            EximRunner exim = EximRunner.locate();
            String config = config(MtaFixture.port(service));

            EximRunner.Session listed = exim.hostCheck(config, "198.51.100.7", null,
                    session("a@example.net", "b@example.org"));
            EximRunner.Session clean = exim.hostCheck(config, "203.0.113.9", null,
                    session("a@example.net", "b@example.org", "x@victim.example"));
            EximRunner.Session senders = exim.hostCheck(config, "203.0.113.9", "mail.example.net",
                    session("bad@example.net", "b@example.org"));
            EximRunner.Session held = exim.hostCheck(config, "203.0.113.9", null,
                    session("hold@example.net", "b@example.org"));

            SmtpProbe.Reply refusal = listed.replies("RCPT").get(0);
            assertThat(refusal.lines()).containsExactly(
                    "554-5.7.1 Service unavailable; client [198.51.100.7] blocked using bl.test;",
                    "554 5.7.1 Listed in bl.test: see https://bl.test/lookup?ip=198.51.100.7");
            assertThat(unwrapped(refusal)).isEqualTo("554 5.7.1 Service unavailable; client [198.51.100.7] blocked"
                    + " using bl.test; Listed in bl.test: see https://bl.test/lookup?ip=198.51.100.7");
            assertThat(rcptReplies(clean)).containsExactly("250 Accepted",
                    "554 5.7.1 <x@victim.example>: Relay access denied");
            assertThat(rcptReplies(senders))
                    .containsExactly("550 5.1.7 <bad@example.net>: Sender address rejected: unknown sender");
            assertThat(rcptReplies(held)).containsExactly("250 Accepted");
            assertThat(held.log()).contains("LOG: relay-policy: HOLD suspicious sender");
            assertThat(listed.log()).contains("rejected RCPT <b@example.org>: 554 5.7.1 Service unavailable;");
        }
    }

    @Test
    void an_authenticated_user_over_the_rate_limit_is_deferred() throws Exception {
        try (RelayEngine engine = MtaFixture.engine(dir); PolicyServer service = MtaFixture.serve(engine, log)) {
            List<String> commands = new ArrayList<>(session("alice@example.org", "b@elsewhere.example",
                    "c@elsewhere.example", "d@elsewhere.example"));
            commands.add(1, "AUTH PLAIN " + Base64.getEncoder().encodeToString("\0alice\0secret"
                    .getBytes(StandardCharsets.UTF_8)));

            EximRunner.Session alice = EximRunner.locate().hostCheck(config(MtaFixture.port(service)), "203.0.113.9",
                    null, commands);

            assertThat(alice.replies("AUTH").get(0).text()).isEqualTo("235 Authentication succeeded");
            assertThat(rcptReplies(alice)).containsExactly("250 Accepted", "250 Accepted",
                    "451-4.7.1 <d@elsewhere.example>: Recipient address rejected:\n"
                            + "451 4.7.1 rate limit exceeded, try again later");
            assertThat(unwrapped(alice.replies("RCPT").get(2))).isEqualTo("451 4.7.1 <d@elsewhere.example>:"
                    + " Recipient address rejected: rate limit exceeded, try again later");
        }
    }

    @Test
    void the_statements_the_example_suggests_after_the_require_carry_out_ok_and_discard() throws Exception {
        try (RelayEngine engine = MtaFixture.engine(dir);
                PolicyServer service = PolicyServer.builder(engine)
                        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .acceptAction(PolicyAnswers.AcceptAction.OK).log(log).start()) {
            String config = config(MtaFixture.port(service)).replace("""
                      require acl = acl_relay_policy
                      accept
                    """, """
                      require acl = acl_relay_policy
                      accept  condition = ${if eq{$acl_m_relay_policy}{action=OK}}
                      discard condition = ${if eq{$acl_m_relay_policy}{action=DISCARD}}
                      deny    message = 550 5.7.1 not accepted by relay-policy
                    """);

            EximRunner.Session accepted = EximRunner.locate().hostCheck(config, "203.0.113.9", null,
                    session("a@example.net", "b@example.org", "x@victim.example"));
            EximRunner.Session discarded = EximRunner.locate().hostCheck(config, "203.0.113.9", null,
                    session("trap@example.net", "b@example.org"));

            assertThat(rcptReplies(accepted)).containsExactly("250 Accepted",
                    "554 5.7.1 <x@victim.example>: Relay access denied");
            assertThat(rcptReplies(discarded)).containsExactly("250 Accepted");
            assertThat(discarded.log()).contains("F=<trap@example.net> RCPT <b@example.org>: discarded by RCPT ACL");
        }
    }

    @Test
    void without_the_service_the_example_defers_as_postfix_does() throws Exception {
        int port;
        try (RelayEngine engine = MtaFixture.engine(dir); PolicyServer service = MtaFixture.serve(engine, log)) {
            port = MtaFixture.port(service);
        }

        EximRunner.Session s = EximRunner.locate().hostCheck(config(port), "203.0.113.9", null,
                session("a@example.net", "b@example.org"));

        assertThat(rcptReplies(s)).containsExactly("451 4.3.5 Server configuration problem");
        assertThat(s.log()).contains("temporarily rejected RCPT <b@example.org>: relay-policy: no usable answer from"
                + " inet:127.0.0.1:" + port + ": action=NO_ANSWER");
    }

    @Test
    void the_example_asks_the_default_address_of_the_service_unless_told_otherwise() throws Exception {
        String example = Files.readString(EXAMPLE);

        assertThat(example).contains("\n.ifndef RELAY_POLICY_SERVICE\nRELAY_POLICY_SERVICE = inet:"
                + PolicyServer.DEFAULT_ADDRESS.getAddress().getHostAddress() + ":"
                + PolicyServer.DEFAULT_ADDRESS.getPort() + "\n.endif\n");
        assertThat(config(10040)).contains(".include " + EXAMPLE + "\n");
    }
}

package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayPolicy;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.RelayEngine;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code relay-policy probe} against real SMTP servers on 127.0.0.1. */
final class ProbeCommandTest {

    private static final String HELO = "relay-policy.invalid";

    /** A safe policy: mail for example.org is local, nothing else is relayed, no client is trusted. */
    private static final RelayEngine SAFE = RelayEngine.builder().localDomains("example.org").build();

    /** A deliberately open policy: every loopback client is trusted, so it may relay anywhere. */
    private static final RelayEngine OPEN = RelayEngine.builder()
            .localDomains("example.org")
            .trustedNetworks("127.0.0.0/8")
            .build();

    @ParameterizedTest(name = "our domain {0}")
    @ValueSource(strings = {"mx.example.org", "example.org"})
    void safe_policy_refuses_every_test_over_the_wire_with_the_reply_the_engine_made(String ourDomain) {
        try (PolicySmtpServer server = PolicySmtpServer.start(SAFE)) {
            // given: the server greets as mx.example.org, the default for --domain
            String[] args = ourDomain.equals("mx.example.org")
                    ? new String[] {"probe", "127.0.0.1:" + server.port()}
                    : new String[] {"probe", "--domain", ourDomain, "127.0.0.1:" + server.port()};

            // when
            CommandRun run = CommandRun.of(args);

            // then
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.err()).isEmpty();
            assertThat(run.out()).contains("Our domain " + ourDomain + ", our literal [127.0.0.1], victim "
                    + "victim.example, HELO " + HELO);
            for (RelayBattery.Test test : RelayBattery.tests(ourDomain, "[127.0.0.1]", "victim.example")) {
                Decision expected = SAFE.decide(RelayRequest.builder()
                        .client("127.0.0.1")
                        .helo(HELO)
                        .sender(test.senderPath())
                        .recipient(test.recipientPath())
                        .build());
                assertThat(expected.reply().code()).isEqualTo(554);
                assertThat(run.outLines()).as("row of test %d", test.id())
                        .anyMatch(row(test, "refused", expected.reply().toString()));
            }
            assertThat(run.out()).contains("554 5.7.1 <relaytest@victim.example>: Relay access denied",
                    "554 5.7.1 <relaytest%victim.example@" + ourDomain + ">: Relay access denied");
            assertThat(run.outLines().get(run.outLines().size() - 1)).isEqualTo("Closed: all 30 tests refused.");
        }
    }

    @Test
    void open_policy_is_reported_as_an_open_relay() {
        try (PolicySmtpServer server = PolicySmtpServer.start(OPEN)) {
            CommandRun run = CommandRun.of("probe", "127.0.0.1:" + server.port());

            assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
            for (RelayBattery.Test test : RelayBattery.tests("mx.example.org", "[127.0.0.1]", "victim.example")) {
                assertThat(run.outLines()).as("row of test %d", test.id())
                        .anyMatch(row(test, "RELAYED", "250 Ok"));
            }
            assertThat(run.out()).contains("OPEN RELAY: 30 of 30 tests relayed (tests 1, 2, 3,");
        }
    }

    @Test
    void relay_check_that_looks_only_at_the_last_domain_is_caught_by_the_routed_forms() {
        // given: a naive server that relays whatever ends in @example.org, the mistake the battery exists for
        RelayPolicy naive = new NaivePolicy("@example.org");
        try (PolicySmtpServer server = PolicySmtpServer.start(naive)) {
            // when
            CommandRun run = CommandRun.of("probe", "--domain", "example.org", "127.0.0.1:" + server.port());

            // then
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
            List<RelayBattery.Test> tests = RelayBattery.tests("example.org", "[127.0.0.1]", "victim.example");
            for (RelayBattery.Test test : tests) {
                boolean open = test.recipient().endsWith("@example.org");
                assertThat(run.outLines()).as("row of test %d", test.id())
                        .anyMatch(row(test, open ? "RELAYED" : "refused", open ? "250 Ok" : "554 5.7.1 "));
            }
            assertThat(run.out()).contains("OPEN RELAY: 10 of 30 tests relayed "
                    + "(tests 5, 6, 11, 12, 13, 14, 23, 24, 27, 28).");
        }
    }

    @Test
    void json_output_has_every_test_and_the_result() {
        try (PolicySmtpServer server = PolicySmtpServer.start(SAFE)) {
            CommandRun run = CommandRun.of("probe", "--json", "--victim", "victim.example",
                    "127.0.0.1:" + server.port());

            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out()).startsWith("{\n").endsWith("}\n")
                    .contains("\"host\": \"127.0.0.1\",", "\"port\": " + server.port() + ",",
                            "\"domain\": \"mx.example.org\",", "\"literal\": \"[127.0.0.1]\",",
                            "\"result\": \"closed\",", "\"exitCode\": 0,", "\"error\": null,", "\"relayed\": 0,",
                            "\"refused\": 30,", "\"couldNotTest\": 0,")
                    .contains("{\"id\": 1, \"description\": \"plain victim address, local sender\", "
                            + "\"sender\": \"antispam@mx.example.org\", \"recipient\": \"relaytest@victim.example\", "
                            + "\"result\": \"refused\", "
                            + "\"reply\": \"554 5.7.1 <relaytest@victim.example>: Relay access denied\"}")
                    .contains("\"recipient\": \"\\\"relaytest@victim.example\\\"\"");
            assertThat(Pattern.compile("\\{\"id\": ").matcher(run.out()).results().count()).isEqualTo(30);
        }
    }

    @Test
    void closed_port_cannot_be_tested() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }

        CommandRun run = CommandRun.of("probe", "--timeout", "2", "127.0.0.1:" + port);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("relay-policy probe: could not test: cannot connect to 127.0.0.1 port "
                + port + ": ").contains("refused").hasLineCount(1);
    }

    @Test
    void closed_port_in_json_mode_prints_the_result_on_standard_output() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }

        CommandRun run = CommandRun.of("probe", "--json", "127.0.0.1:" + port);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).contains("\"result\": \"could_not_test\",", "\"exitCode\": 2,",
                "\"error\": \"cannot connect to 127.0.0.1 port " + port, "\"tests\": []");
    }

    @Test
    void server_that_refuses_the_session_cannot_be_tested() throws IOException {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer("554 5.3.2 No SMTP service here",
                (connection, command) -> ScriptedSmtpServer.closedServer(command))) {
            CommandRun run = CommandRun.of("probe", "127.0.0.1:" + server.port());

            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.err()).isEqualTo("relay-policy probe: could not test: 127.0.0.1 port " + server.port()
                    + " refused the session: 554 5.3.2 No SMTP service here" + System.lineSeparator());
            assertThat(server.commands()).isEmpty();
        }
    }

    @Test
    void server_that_never_greets_cannot_be_tested_within_the_timeout() throws IOException {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer(null, (connection, command) -> null)) {
            long start = System.nanoTime();

            CommandRun run = CommandRun.of("probe", "--timeout", "1", "127.0.0.1:" + server.port());

            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.err()).contains("could not test: no greeting from 127.0.0.1 port " + server.port()
                    + ": timed out after 1 s");
            assertThat(System.nanoTime() - start).isLessThan(10_000_000_000L);
        }
    }

    @Test
    void server_that_hangs_up_after_refused_recipients_is_reconnected_and_still_closed() throws IOException {
        // given: like many servers, it drops the client after every fourth refused RCPT
        int[] refused = {0};
        try (ScriptedSmtpServer server = new ScriptedSmtpServer("220 scripted.example ESMTP", (c, command) -> {
            String reply = ScriptedSmtpServer.closedServer(command);
            if (command.startsWith("RCPT") && ++refused[0] % 4 == 0) {
                return reply + "\r\n421 4.7.0 Too many errors, closing";
            }
            return reply;
        })) {
            // when
            CommandRun run = CommandRun.of("probe", "127.0.0.1:" + server.port());

            // then: the drop shows at RSET, after the test's reply was read; every test completed
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(server.connections()).isEqualTo(8);
            assertThat(run.out()).contains("Closed: all 30 tests refused.");
        }
    }

    @Test
    void test_interrupted_by_a_dropped_connection_cannot_be_tested_and_the_next_test_reconnects()
            throws IOException {
        // given: the first connection is dropped when the client offers its second recipient
        int[] rcpts = {0};
        try (ScriptedSmtpServer server = new ScriptedSmtpServer("220 scripted.example ESMTP", (c, command) -> {
            if (command.startsWith("RCPT") && ++rcpts[0] == 2) {
                return null;
            }
            return ScriptedSmtpServer.closedServer(command);
        })) {
            // when
            CommandRun run = CommandRun.of("probe", "127.0.0.1:" + server.port());

            // then
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
            assertThat(server.connections()).isEqualTo(2);
            assertThat(run.outLines()).anyMatch(l -> l.matches(
                    " 2  could not test  <antispam@victim\\.example> .* connection lost at RCPT TO: \\[EOF\\]"));
            assertThat(run.outLines()).filteredOn(l -> l.contains("  refused  ")).hasSize(29);
            assertThat(run.out()).contains("COULD NOT TEST: 1 of 30 tests could not be completed (test 2); "
                    + "none relayed.");
        }
    }

    @Test
    void server_that_refuses_the_sender_is_closed_for_that_test() throws IOException {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer("220 scripted.example ESMTP", (c, command) ->
                command.startsWith("MAIL FROM:<>") ? "550 5.7.1 No bounces here"
                        : ScriptedSmtpServer.closedServer(command))) {
            CommandRun run = CommandRun.of("probe", "127.0.0.1:" + server.port());

            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.outLines()).anyMatch(l -> l.matches(
                    "29  refused at MAIL  <>  +<relaytest@victim\\.example> +550 5\\.7\\.1 No bounces here"));
            assertThat(run.out()).contains("Closed: all 30 tests refused (1 at MAIL FROM).");
            // never DATA, never STARTTLS or AUTH, RSET after every test
            assertThat(server.commands()).noneMatch(c -> c.startsWith("DATA") || c.startsWith("STARTTLS")
                    || c.startsWith("AUTH"));
            assertThat(server.commands()).filteredOn(c -> c.equals("RSET")).hasSize(30);
            assertThat(server.commands().get(0)).isEqualTo("EHLO " + HELO);
        }
    }

    @Test
    void hostile_reply_text_is_escaped_in_the_table() throws IOException {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer("220 scripted.example ESMTP", (c, command) ->
                command.startsWith("RCPT") ? "554 5.7.1 denied\u001b[2J\u0007" + "x".repeat(500)
                        : ScriptedSmtpServer.closedServer(command))) {
            CommandRun run = CommandRun.of("probe", "127.0.0.1:" + server.port());

            assertThat(run.exitCode()).isZero();
            assertThat(run.out()).doesNotContain("\u001b", "\u0007").contains("554 5.7.1 denied\\u001B[2J\\u0007xx")
                    .doesNotContain("x".repeat(300));
        }
    }

    @Test
    void domain_defaults_to_the_name_in_the_greeting_and_refuses_a_name_that_is_not_a_host_name()
            throws IOException {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer("220 <evil>@x ESMTP",
                (c, command) -> command.startsWith("EHLO") ? "250-mail.scripted.example\r\n250 8BITMIME"
                        : ScriptedSmtpServer.closedServer(command))) {
            CommandRun run = CommandRun.of("probe", "127.0.0.1:" + server.port());

            assertThat(run.exitCode()).isZero();
            assertThat(run.out()).contains("Our domain mail.scripted.example,");
        }
    }

    private static java.util.function.Predicate<String> row(RelayBattery.Test test, String result, String reply) {
        Pattern row = Pattern.compile("^ *" + test.id() + "  " + Pattern.quote(result) + " +"
                + Pattern.quote(test.senderPath()) + " +" + Pattern.quote(test.recipientPath()) + " +"
                + Pattern.quote(reply) + (reply.endsWith(" ") ? ".*" : "") + "$");
        return line -> row.matcher(line).matches();
    }

    /** The classic mistake: relay whatever the text of the recipient ends with our domain. */
    private record NaivePolicy(String suffix) implements RelayPolicy {
        @Override
        public Decision decide(RelayRequest request) {
            String recipient = String.valueOf(request.recipient());
            String client = String.valueOf(request.client());
            // ask a real engine for the reply, with a trusted or untrusted client as the naive check says
            RelayEngine engine = recipient.endsWith(suffix + ">") ? OPEN : SAFE;
            return engine.decide(RelayRequest.of(client, request.sender(), request.recipient()));
        }

        @Override
        public java.util.concurrent.CompletionStage<Decision> decideAsync(RelayRequest request) {
            return java.util.concurrent.CompletableFuture.completedFuture(decide(request));
        }
    }
}

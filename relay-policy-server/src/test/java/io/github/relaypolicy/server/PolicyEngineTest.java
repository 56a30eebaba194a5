package io.github.relaypolicy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.server.PolicyAnswers.AcceptAction;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests through the reader, a real engine built from a policy file, and the answers, as the server will do. */
final class PolicyEngineTest {

    @TempDir
    Path dir;

    private RelayEngine engine() throws IOException {
        Files.writeString(dir.resolve("senders"), """
                hold@example.net   HOLD suspicious sender
                trap@example.net   DISCARD
                bad@example.net    550 5.1.1 unknown sender
                """);
        Path policy = dir.resolve("relay-policy.conf");
        Files.writeString(policy, """
                mydestination = example.org
                mynetworks = 192.0.2.0/24
                permit_authenticated = yes
                check_sender_access = senders
                recipient_rate_limit = user:2/1h
                """);
        return RelayEngine.fromFile(policy);
    }

    private static String request(String state, String client, String sender, String recipient, String user) {
        return "request=smtpd_access_policy\nprotocol_state=" + state + "\nprotocol_name=ESMTP\nclient_address="
                + client + "\nclient_name=unknown\nreverse_client_name=unknown\nhelo_name=mx.example.net\nsender="
                + sender + "\nrecipient=" + recipient + "\nrecipient_count=0\ninstance=1.2.3\nsasl_username=" + user
                + "\nqueue_id=\n\n";
    }

    /** What the server's connection handler will do: answer each complete request, in order. */
    private static String serve(RelayEngine engine, PolicyAnswers answers, byte[] input, int chunk)
            throws PolicyProtocolException {
        PolicyRequestReader reader = new PolicyRequestReader();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int from = 0; from < input.length; from += chunk) {
            ByteBuffer in = ByteBuffer.wrap(input, from, Math.min(chunk, input.length - from));
            PolicyRequest r;
            while ((r = reader.next(in)) != null) {
                out.writeBytes(r.isDecided() ? answers.answer(engine.decide(r.toRelayRequest()))
                        : PolicyAnswers.dunno());
            }
        }
        assertThat(reader.inRequest()).isFalse();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void answers_requests_with_the_engine_decisions() throws Exception {
        String input = request("CONNECT", "203.0.113.9", "", "", "")
                + request("RCPT", "203.0.113.9", "alice@example.net", "x@victim.example", "")
                + request("RCPT", "192.0.2.7", "alice@example.net", "x@victim.example", "")
                + request("RCPT", "203.0.113.9", "", "bob@example.org", "")
                + request("RCPT", "203.0.113.9", "hold@example.net", "bob@example.org", "")
                + request("RCPT", "203.0.113.9", "trap@example.net", "bob@example.org", "")
                + request("RCPT", "203.0.113.9", "bad@example.net", "bob@example.org", "")
                + request("END-OF-MESSAGE", "203.0.113.9", "alice@example.net", "x@victim.example", "");
        String expected = """
                action=DUNNO

                action=554 5.7.1 <x@victim.example>: Relay access denied

                action=DUNNO

                action=DUNNO

                action=HOLD suspicious sender

                action=DISCARD

                action=550 5.1.7 <bad@example.net>: Sender address rejected: unknown sender

                action=DUNNO

                """;
        try (RelayEngine engine = engine()) {
            for (int chunk : new int[] {1, 7, 100, input.length()}) {
                assertThat(serve(engine, PolicyAnswers.of(AcceptAction.DUNNO), input.getBytes(StandardCharsets.UTF_8),
                        chunk)).as("chunks of %d bytes", chunk).isEqualTo(expected);
            }
        }
    }

    @Test
    void the_accept_action_ok_answers_ok_and_a_used_up_limit_defers() throws Exception {
        String one = request("RCPT", "203.0.113.9", "alice@example.net", "x@victim.example", "alice");
        try (RelayEngine engine = engine()) {
            String answers = serve(engine, PolicyAnswers.of(AcceptAction.OK),
                    (one + one + one).getBytes(StandardCharsets.UTF_8), 64);

            assertThat(answers).as("user:2/1h for alice, who may relay").isEqualTo("""
                    action=OK

                    action=OK

                    action=451 4.7.1 <x@victim.example>: Recipient address rejected: rate limit exceeded, try again \
                    later

                    """);
        }
    }
}

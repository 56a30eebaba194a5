package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.HostAction;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.Verdict;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The Postfix migration example (examples/postfix/), kept true. */
final class PostfixExampleTest {

    private static final Path EXAMPLE = Path.of("..", "examples", "postfix", "relay-policy.conf");

    private static Decision decide(RelayEngine engine, String client, String helo, String from, String to) {
        return engine.decide(RelayRequest.builder().client(client).helo(helo).sender(from).recipient(to).build());
    }

    @Test
    void the_example_decides_as_its_comments_say() {
        PolicyFile policy = PolicyFile.read(EXAMPLE);
        assertThat(policy.accessWarnings()).isEmpty();
        try (RelayEngine engine = policy.builder().build()) {
            Decision partner = decide(engine, "198.51.100.20", "mail.partner.example", "<a@partner.example>",
                    "<someone@example.net>");
            assertThat(partner.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(partner.rule()).isEqualTo(RuleNames.CLIENT_ACCESS);

            assertThat(decide(engine, "203.0.113.9", "h.example", "<a@b.example>", "<bob@example.org>").reply()
                    .toString()).isEqualTo("554 5.7.1 <unknown[203.0.113.9]>: Client host rejected: spam run from"
                            + " your network, contact abuse@example.org");
            assertThat(decide(engine, "203.0.113.9", "h.example", "<a@b.example>", "<x@example.net>").reply()
                    .toString()).as("a relay refusal comes first")
                    .isEqualTo("554 5.7.1 <x@example.net>: Relay access denied");
            assertThat(decide(engine, "2001:db8:bad::25", "h.example", "<a@b.example>", "<bob@example.org>")
                    .reply().toString())
                    .isEqualTo("450 4.7.1 <unknown[2001:db8:bad::25]>: Client host rejected: Access denied");
            assertThat(decide(engine, "192.0.2.50", "mx.EXAMPLE.org", "<a@b.example>", "<bob@example.org>").reply()
                    .toString()).isEqualTo("554 5.7.1 <mx.EXAMPLE.org>: Helo command rejected: you are not us");
            assertThat(decide(engine, "192.0.2.50", "h.example", "<x@mail.spammer.example>", "<bob@example.org>")
                    .reply().toString())
                    .isEqualTo("554 5.7.1 <x@mail.spammer.example>: Sender address rejected: Access denied");
            assertThat(decide(engine, "192.0.2.50", "h.example", "<a@b.example>", "<gone@example.org>").reply()
                    .toString()).isEqualTo("550 5.1.1 <gone@example.org>: Recipient address rejected: this address"
                            + " is no longer in use");

            Decision held = decide(engine, "192.0.2.50", "h.example", "<newsletter@example.net>",
                    "<sales@example.org>");
            assertThat(held.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(held.hostActions()).extracting(HostAction::kind)
                    .containsExactly(HostAction.Kind.HOLD, HostAction.Kind.PREPEND);

            Decision scanner = engine.decide(RelayRequest.builder().client("192.0.2.77").helo("scanner.lan.example")
                    .sender("<scanner@example.org>").recipient("<someone@example.net>").tlsClientFingerprints(
                            "d43c4a1a86f59b3e6a22b89f4c2e6b0c5d781e9a3042638b7a11c5e02f93446d", null).build());
            assertThat(scanner.rule()).isEqualTo(RuleNames.TLS_CLIENT_CERTS);
        }
    }
}

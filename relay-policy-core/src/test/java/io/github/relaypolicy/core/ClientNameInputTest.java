package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import org.junit.jupiter.api.Test;

/**
 * The verified client name ({@code RelayRequest.clientName()}) gets the checks of a HELO name: control characters
 * or more than 255 characters refuse (rule {@code client_address}, reply {@code client_address.name}); {@code unknown}
 * means none.
 */
final class ClientNameInputTest {

    private static final RelayEngine ENGINE = RelayEngine.builder().localDomains("example.org").build();

    private static Decision decide(String name) {
        return ENGINE.decide(RelayRequest.builder().client("192.0.2.1").clientName(name).helo("mail.example.net")
                .sender("<a@example.net>").recipient("<bob@example.org>").build());
    }

    private static String last(Decision d) {
        TraceStep s = d.trace().get(d.trace().size() - 1);
        return s.rule() + " " + s.outcome() + " " + s.detail();
    }

    @Test
    void a_name_with_control_characters_or_over_255_characters_is_refused() {
        Decision crlf = decide("mail.example.net\r\nX-Injected: yes");
        assertThat(crlf.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(crlf.rule()).isEqualTo(RuleNames.CLIENT_ADDRESS);
        assertThat(crlf.reply().toString()).isEqualTo("554 5.7.1 Client host rejected: invalid client name");
        assertThat(last(crlf)).isEqualTo("client_address REJECT client name 'mail.example.net\\u000D\\u000AX-Injected: yes'"
                + " holds control characters or is longer than 255 characters");
        String longName = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(64);
        assertThat(longName).hasSize(256);
        assertThat(decide(longName).reply().toString()).isEqualTo("554 5.7.1 Client host rejected: invalid client"
                + " name");
        assertThat(decide(longName.substring(1)).rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
    }

    @Test
    void unknown_means_no_name_and_a_good_name_is_traced_without_granting_anything() {
        Decision unknown = decide("unknown");
        assertThat(unknown.rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
        assertThat(unknown.trace()).noneMatch(s -> s.detail().contains("client name"));
        assertThat(decide("UNKNOWN").rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
        Decision named = decide("mail.example.net");
        assertThat(named.trace()).anyMatch(s -> s.rule().equals(RuleNames.CLIENT_ADDRESS)
                && s.outcome() == TraceStep.Outcome.PASS
                && s.detail().equals("client name mail.example.net (verified by the mail server; never grants"
                        + " relay)"));
        Decision relay = ENGINE.decide(RelayRequest.builder().client("192.0.2.1").clientName("mail.example.org")
                .sender("<a@example.org>").recipient("<x@elsewhere.example>").build());
        assertThat(relay.rule()).isEqualTo(RuleNames.RELAY_DENIED);
    }

    @Test
    void the_reply_can_be_set_as_reply_client_address_name() {
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org")
                .reply("client_address.name", SmtpReply.of(550, "5.7.25", "Client host rejected: bad PTR name"))
                .build()) {
            Decision d = engine.decide(RelayRequest.builder().client("192.0.2.1").clientName("bad\u0000name")
                    .sender("<a@example.net>").recipient("<bob@example.org>").build());
            assertThat(d.rule()).isEqualTo(RuleNames.CLIENT_ADDRESS);
            assertThat(d.reply().toString()).isEqualTo("550 5.7.25 Client host rejected: bad PTR name");
        }
    }
}

package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Defects the fuzz tests found that issue 9 did not list, each as a decision with its reply. The crashing inputs
 * themselves are in the fuzz tests' corpora ({@code *FuzzTestInputs/}), named after the finding.
 */
final class FuzzFindingsTest {

    private static final RelayEngine ENGINE = RelayEngine.builder().localDomains("example.org")
            .trustedNetworks("10.0.0.0/8").build();

    /** SmtpPathFuzzTest: a backslash before a non-ASCII character passed as a quoted pair (RFC 5321 4.1.2). */
    @ParameterizedTest
    @ValueSource(strings = {"<\"a\\\u00fc\"@example.org>", "<\"pl\\\u00bb\u00a2]]\">", "<\"\\\uFFFD\">"})
    void quoted_pair_with_a_non_ascii_character_is_a_recipient_syntax_error_even_from_a_trusted_client(String rcpt) {
        Decision d = ENGINE.decide(RelayRequest.of("10.0.0.1", "<a@example.net>", rcpt));
        assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(d.rule()).isEqualTo("recipient_syntax");
        assertThat(d.reply()).hasToString("501 5.1.3 Bad recipient address syntax");
    }

    /** The same path as MAIL FROM is a sender syntax error. */
    @ParameterizedTest
    @ValueSource(strings = {"<\"a\\\u00fc\"@example.net>", "\"\\\u7528\"@example.net"})
    void quoted_pair_with_a_non_ascii_character_is_a_sender_syntax_error(String sender) {
        Decision d = ENGINE.decide(RelayRequest.of("203.0.113.9", sender, "<b@example.org>"));
        assertThat(d.rule()).isEqualTo("sender_syntax");
        assertThat(d.reply()).hasToString("501 5.1.7 Bad sender address syntax");
    }
}

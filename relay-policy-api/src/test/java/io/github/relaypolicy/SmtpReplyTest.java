package io.github.relaypolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class SmtpReplyTest {

    @Test
    void a_reply_prints_as_sent_on_the_wire_and_knows_its_verdict() {
        SmtpReply reply = SmtpReply.of(554, "5.7.1", "<a@example.net>: Relay access denied");
        assertThat(reply).hasToString("554 5.7.1 <a@example.net>: Relay access denied");
        assertThat(reply.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(SmtpReply.of(451, "4.3.0", "later").verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(SmtpReply.of(250, "2.1.5", "Ok").verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(SmtpReply.of(550, "5.123.456", "x").enhancedStatus()).isEqualTo("5.123.456");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "199 | 2.0.0 | SMTP reply code 199 is not between 200 and 599",
        "600 | 5.0.0 | SMTP reply code 600 is not between 200 and 599",
        "554 | 4.7.1 | enhanced status '4.7.1' does not match reply code 554: its first digit must be 5",
        "554 | 5.7   | enhanced status '5.7' is not of the form class.subject.detail (e.g. 5.7.1)",
        "554 | 5.7.1.1 | enhanced status '5.7.1.1' is not of the form class.subject.detail (e.g. 5.7.1)",
        "554 | 3.7.1 | enhanced status '3.7.1' is not of the form class.subject.detail (e.g. 5.7.1)",
        "554 | 5.1234.1 | enhanced status '5.1234.1' is not of the form class.subject.detail (e.g. 5.7.1)",
        "554 | x.7.1 | enhanced status 'x.7.1' is not of the form class.subject.detail (e.g. 5.7.1)",
    })
    void malformed_codes_are_refused_with_a_message_naming_them(int code, String status, String message) {
        assertThatThrownBy(() -> SmtpReply.of(code, status, "text"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void reply_text_may_not_hold_line_breaks_or_control_characters() {
        assertThatThrownBy(() -> SmtpReply.of(554, "5.7.1", "denied\r\n250 Ok"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SMTP reply text contains control character U+000D at index 6");
        assertThatThrownBy(() -> SmtpReply.of(554, "5.7.1", "a\u007fb"))
                .hasMessage("SMTP reply text contains control character U+007F at index 1");
        assertThatThrownBy(() -> SmtpReply.of(554, "5.7.1", "denied\u0085next"))
                .hasMessage("SMTP reply text contains control character U+0085 at index 6");
        assertThatThrownBy(() -> SmtpReply.of(554, "5.7.1", "a\u2028b"))
                .hasMessage("SMTP reply text contains control character U+2028 at index 1");
        assertThatThrownBy(() -> SmtpReply.of(554, "5.7.1", "a\ud800"))
                .hasMessage("SMTP reply text contains unpaired surrogate U+D800 at index 1");
        assertThat(SmtpReply.of(554, "5.7.1", "tab\there, \ud83d\udce7 and é").text()).contains("\t");
        assertThatThrownBy(() -> SmtpReply.of(554, "5.7.1", null)).isInstanceOf(NullPointerException.class)
                .hasMessage("text");
    }

    @Test
    void verdicts_follow_reply_code_classes() {
        assertThat(Verdict.ofReplyCode(354)).isEqualTo(Verdict.ACCEPT);
        assertThat(Verdict.ofReplyCode(421)).isEqualTo(Verdict.TEMPFAIL);
        assertThat(Verdict.ofReplyCode(599)).isEqualTo(Verdict.REJECT);
        assertThatThrownBy(() -> Verdict.ofReplyCode(99)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SMTP reply code 99 is not between 200 and 599");
    }

    @Test
    void a_request_keeps_what_it_was_given_without_judging_it() throws Exception {
        RelayRequest r = RelayRequest.builder().client(java.net.InetAddress.getByName("::ffff:192.0.2.1"))
                .helo("x\r\n").sender("<>").recipient("not an address").authenticatedUser("").build();
        assertThat(r.client()).isEqualTo("192.0.2.1");
        assertThat(r.clientAddress()).isNotNull();
        assertThat(r.helo()).isEqualTo("x\r\n");
        assertThat(r.recipient()).isEqualTo("not an address");
        RelayRequest none = RelayRequest.of(null, null, null);
        assertThat(none.client()).isNull();
        assertThat(none.sender()).isNull();
    }
}

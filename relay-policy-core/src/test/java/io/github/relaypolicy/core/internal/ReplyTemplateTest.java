package io.github.relaypolicy.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.SmtpReply;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class ReplyTemplateTest {

    @ParameterizedTest
    @ValueSource(strings = {"x", "é", "中", "\uD835\uDC1A"})
    void a_reply_is_cut_to_512_octets_with_crlf_never_inside_a_character(String unit) {
        SmtpReply long_ = SmtpReply.of(554, "5.7.1", unit.repeat(600));

        SmtpReply fitted = ReplyTemplate.fit(long_);

        int octets = (fitted + "\r\n").getBytes(StandardCharsets.UTF_8).length;
        assertThat(octets).isLessThanOrEqualTo(512).isGreaterThan(512 - 4);
        assertThat(fitted.text()).endsWith(unit + "...");
        assertThat(fitted.code()).isEqualTo(554);
        assertThat(fitted.enhancedStatus()).isEqualTo("5.7.1");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 166, 250, 500})
    void a_reply_that_fits_is_returned_as_it_is(int length) {
        SmtpReply reply = SmtpReply.of(554, "5.7.1", "x".repeat(length));

        assertThat(ReplyTemplate.fit(reply)).isSameAs(reply);
    }
}

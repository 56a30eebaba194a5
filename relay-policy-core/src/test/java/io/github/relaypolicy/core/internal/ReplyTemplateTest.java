package io.github.relaypolicy.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

    @Test
    void a_list_reply_echoes_client_and_domain_escaped_and_zone_and_txt_as_given() {
        ReplyTemplate t = ReplyTemplate.compileListReply("bl.example", SmtpReply.of(554, "5.7.1",
                "[{client}] {domain} via {zone}{txt}, {client} again"));

        SmtpReply r = t.renderList("192.0.2.1", "ex\u0007.example", "Example BL", "; see {zone}");

        assertThat(r).isEqualTo(SmtpReply.of(554, "5.7.1",
                "[192.0.2.1] ex\\u0007.example via Example BL; see {zone}, 192.0.2.1 again"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{{client}}|{192.0.2.1}",   // a brace that opens no placeholder is text
        "{ {zone}|{ BL",
        "a } b {|a } b {",
        "{client|{client"})
    void braces_that_make_no_placeholder_are_text_in_a_list_reply(String template, String rendered) {
        ReplyTemplate t = ReplyTemplate.compileListReply("bl.example", SmtpReply.of(554, "5.7.1", template));

        assertThat(t.renderList("192.0.2.1", "", "BL", "").text()).isEqualTo(rendered);
    }

    @Test
    void a_list_reply_naming_another_placeholder_is_refused_naming_the_zone_and_the_placeholder() {
        assertThatThrownBy(() -> ReplyTemplate.compileListReply("bl.example",
                SmtpReply.of(554, "5.7.1", "{recipient} {client}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("reply for DNS list 'bl.example' names the unknown placeholder '{recipient}'; expected"
                        + " {client}, {domain}, {zone} or {txt}");
    }

    @Test
    void a_rule_reply_and_a_list_reply_are_rendered_only_by_their_own_method() {
        ReplyTemplate list = ReplyTemplate.compileListReply("bl.example", SmtpReply.of(554, "5.7.1", "{client}"));
        ReplyTemplate rule = ReplyTemplate.compile("relay_denied", SmtpReply.of(554, "5.7.1", "{client}"));

        assertThatThrownBy(() -> list.render(RelayRequest.of("192.0.2.1", "<>", "<a@b.example>")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> rule.renderList("192.0.2.1", "", "", "")).isInstanceOf(IllegalStateException.class);
    }
}

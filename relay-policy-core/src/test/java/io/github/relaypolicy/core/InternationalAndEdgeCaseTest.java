package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Internationalized names, address-literal patterns, echo limits and zones: cases found in review. */
final class InternationalAndEdgeCaseTest {

    private static final String UNTRUSTED = "203.0.113.9";

    private static Decision decide(RelayEngine engine, String client, String recipient) {
        return engine.decide(RelayRequest.of(client, "<a@example.net>", recipient));
    }

    @ParameterizedTest
    @ValueSource(strings = {"straße.example", "σοφίας.example", "exa\u200Dmple.org", "exa\u200Cmple.org",
        "example\u2024org"})
    void a_name_that_idna2003_and_idna2008_read_differently_is_not_a_valid_pattern(String pattern) {
        assertThatThrownBy(() -> RelayEngine.builder().localDomains(pattern).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("local domain '")
                .hasMessageContaining("A-label xn--");
    }

    @Test
    void a_recipient_domain_that_idna2003_would_map_onto_a_local_domain_is_refused_not_accepted() {
        RelayEngine engine = RelayEngine.builder().localDomains("strasse.example", "σοφίασ.example", "example.org")
                .build();
        for (String rcpt : new String[] {"<user@straße.example>", "<user@σοφίας.example>",
            "<user@exa\u200Dmple.org>", "<user@example\u2024org>"}) {
            Decision d = decide(engine, UNTRUSTED, rcpt);
            assertThat(d.verdict()).as(rcpt).isEqualTo(Verdict.REJECT);
            assertThat(d.rule()).as(rcpt).isEqualTo("recipient_syntax");
            assertThat(d.reply()).as(rcpt).hasToString("501 5.1.3 Bad recipient address syntax");
        }
        // the same names in their IDNA2008 A-labels are other domains, and foreign
        Decision d = decide(engine, UNTRUSTED, "<user@xn--strae-oqa.example>");
        assertThat(d.rule()).isEqualTo("reject_unauth_destination");
        // unambiguous U-labels still equal their A-labels
        RelayEngine idn = RelayEngine.builder().localDomains("bücher.example").build();
        assertThat(decide(idn, UNTRUSTED, "<user@BÜCHER.example>").rule()).isEqualTo("mydestination");
        assertThat(decide(idn, UNTRUSTED, "<user@xn--bcher-kva.example>").rule()).isEqualTo("mydestination");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[IPv6:2001:db8::/32]", "[IPv6:::/0]", "[IPv6:::ffff:0.0.0.0/96]", "[192.0.2.0/24]",
        "[IPv6:fe80::1%eth0]"})
    void an_address_literal_pattern_names_one_address_never_a_network(String pattern) {
        assertThatThrownBy(() -> RelayEngine.builder().relayDomains(pattern).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("relay domain '" + pattern
                        + "': not an address literal (expected [192.0.2.1] or [IPv6:2001:db8::1])");
    }

    @Test
    void echoed_values_are_capped_after_escaping_so_replies_stay_within_the_smtp_line_limit() {
        RelayEngine engine = RelayEngine.builder().localDomains("example.org").build();
        String wide = "\uD835\uDC1A".repeat(16) + "@" + String.join(".", "中".repeat(20), "中".repeat(20),
                "中".repeat(20)) + ".cn";
        Decision d = decide(engine, UNTRUSTED, "<" + wide + ">");
        assertThat(d.rule()).isEqualTo("reject_unauth_destination");
        String text = d.reply().text();
        assertThat(text).startsWith("<\\uD835\\uDC1A").endsWith("...>: Relay access denied");
        assertThat(text.length()).isLessThanOrEqualTo(1 + 128 + 3 + ">: Relay access denied".length());
        Decision helo = engine.decide(RelayRequest.builder().client(UNTRUSTED).helo("é".repeat(256))
                .sender("<>").recipient("<u@example.org>").build());
        assertThat(helo.rule()).isEqualTo("helo");
        assertThat(helo.reply().toString().length()).isLessThan(200);
    }

    @Test
    void a_request_prints_escaped_so_it_cannot_forge_log_lines() {
        RelayRequest r = RelayRequest.builder().client("192.0.2.1").helo("x\r\n250 fake").sender("<>")
                .recipient("<u@example.org>").build();
        assertThat(r.toString()).doesNotContain("\r", "\n")
                .contains("helo=\"x\\u000D\\u000A250 fake\"");
    }

    @Test
    void clients_with_a_zone_after_a_compressed_or_ipv4_tail_are_addresses_when_link_local() {
        RelayEngine engine = RelayEngine.builder().localDomains("example.org")
                .trustedNetworks("192.0.2.0/24", "fe80::/10").build();
        assertThat(decide(engine, "fe80::%eth0", "<u@victim.example>").rule()).isEqualTo("mynetworks");
        assertThat(decide(engine, "fe80::192.0.2.5%eth0", "<u@victim.example>").rule()).isEqualTo("mynetworks");
        // a zone names an interface only on a link-local address (issue 9, defect 8)
        assertThat(decide(engine, "::ffff:192.0.2.5%eth0", "<u@victim.example>").rule())
                .isEqualTo("client_address");
        assertThat(decide(engine, "::ffff:192.0.2.5%", "<u@victim.example>").rule()).isEqualTo("client_address");
        assertThat(decide(engine, "fe80::%", "<u@victim.example>").rule()).isEqualTo("client_address");
    }
}

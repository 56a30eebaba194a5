package io.github.relaypolicy.core;

import static io.github.relaypolicy.core.ContractAssertions.assertAccepted;
import static io.github.relaypolicy.core.ContractAssertions.assertDecision;
import static io.github.relaypolicy.core.ContractAssertions.assertRelayDenied;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.Verdict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile client text, protocol keywords, several-{@code @} paths, source routes, internationalized names, reply
 * line length, the authenticated user and IPv4-mapped address literals: the input cases of issue 9 (defects 8
 * and 9), each asserting the verdict and the reply.
 */
final class InputHardeningTest {

    private static final String UNTRUSTED = "203.0.113.9";
    private static final String TRUSTED = "10.0.0.1";
    private static final String CLIENT_REJECTED = "Client host rejected: invalid client address ";
    private static final String BAD_RECIPIENT = "Bad recipient address syntax";

    private static final RelayEngine ENGINE = RelayEngine.builder()
            .localDomains("example.org")
            .trustedNetworks("10.0.0.0/8", "2001:db8::/32", "fe80::/10")
            .build();

    private static Decision decide(RelayEngine engine, String client, String recipient) {
        return engine.decide(RelayRequest.of(client, "<a@example.net>", recipient));
    }

    // --- defect 8: the zone of a client address ------------------------------------------------------------

    static Stream<Arguments> clientsWithABadZone() {
        String mb = "a".repeat(1 << 20);
        return Stream.of(
                Arguments.of("::ffff:10.0.0.1%\r\nRCPT TO:<x>", "::ffff:10.0.0.1%\\u000D\\u000ARCPT TO:<x>"),
                Arguments.of("2001:db8::1% <script>", "2001:db8::1% <script>"),
                Arguments.of("2001:db8::1%\u0000", "2001:db8::1%\\u0000"),
                Arguments.of("fe80::1%" + mb, "fe80::1%" + "a".repeat(120) + "..."),
                // a zone only on link-local addresses: these are not
                Arguments.of("2001:db8::1%eth0", "2001:db8::1%eth0"),
                Arguments.of("::ffff:10.0.0.1%eth0", "::ffff:10.0.0.1%eth0"),
                Arguments.of("::%eth0", "::%eth0"),
                Arguments.of("fec0::1%eth0", "fec0::1%eth0"),
                Arguments.of("10.0.0.1%eth0", "10.0.0.1%eth0"),
                // link-local, but the zone is not a short interface name or number
                Arguments.of("fe80::1%", "fe80::1%"),
                Arguments.of("fe80::1%eth0:1", "fe80::1%eth0:1"),
                Arguments.of("fe80::1%eth0%eth1", "fe80::1%eth0%eth1"),
                Arguments.of("fe80::1%eth/0", "fe80::1%eth/0"),
                Arguments.of("fe80::1%eth 0", "fe80::1%eth 0"),
                Arguments.of("fe80::1%\u0435th0", "fe80::1%\\u0435th0"),
                Arguments.of("fe80::1%" + "e".repeat(16), "fe80::1%" + "e".repeat(16)),
                Arguments.of("fe80::%", "fe80::%"));
    }

    @ParameterizedTest
    @MethodSource("clientsWithABadZone")
    void a_client_with_a_zone_that_is_not_a_short_interface_on_a_link_local_address_is_refused(String client,
            String echoed) {
        assertDecision(decide(ENGINE, client, "<u@victim.example>"), Verdict.REJECT, "client_address", 554,
                "5.7.1", CLIENT_REJECTED + "[" + echoed + "]");
        assertDecision(ENGINE.decideAsync(RelayRequest.of(client, "<a@example.net>", "<u@example.org>"))
                .toCompletableFuture().join(), Verdict.REJECT, "client_address", 554, "5.7.1",
                CLIENT_REJECTED + "[" + echoed + "]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fe80::1%eth0", "fe80::1%3", "fe80::%eth0", "FE80::1%enp0s31f6", "febf::1%wlan0",
        "fe80::1%wlx001122334455", "fe80::1%br-1a2b.100", "fe80::1%e00000000000000", "fe80::1%tap_1",
        "fe80::192.0.2.1%eth0"})
    void a_link_local_client_with_a_short_interface_zone_is_an_address(String client) {
        assertAccepted(decide(ENGINE, client, "<u@victim.example>"), "mynetworks");
    }

    // --- defect 9: protocol keywords compare ASCII-only ----------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"<Postma\u017Fter>", "<\"po\u017Ftmaster\">", "<POSTMA\u017FTER>", "Postma\u017Fter"})
    void a_postmaster_spelt_with_a_long_s_is_not_the_postmaster(String recipient) {
        String echoed = recipient.replace("<", "").replace(">", "").replace("\u017F", "\\u017F");
        assertDecision(decide(ENGINE, UNTRUSTED, recipient), Verdict.REJECT, "reject_non_fqdn_recipient", 504,
                "5.5.2", "<" + echoed + ">: Recipient address rejected: need fully-qualified address");
    }

    @Test
    void an_ipv6_literal_tag_spelt_with_a_dotless_i_is_not_an_ipv6_literal() {
        RelayEngine engine = RelayEngine.builder().localDomains("[IPv6:2001:db8::25]").build();
        assertAccepted(decide(engine, UNTRUSTED, "<u@[ipv6:2001:db8::25]>"), "mydestination");
        assertDecision(decide(engine, UNTRUSTED, "<u@[\u0131Pv6:2001:db8::25]>"), Verdict.REJECT,
                "recipient_syntax", 501, "5.1.3", BAD_RECIPIENT);
    }

    // --- defect 9: several-@ paths are validated between the @ signs ---------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"<\"a\"@@victim.example>", "<a.@b@victim.example>",
        "<\"a\"@[1.2.3.4.5]@victim.example>", "<a@@victim.example>", "<a@b..c@victim.example>",
        "<a@-b@victim.example>", "<a@b@@example.org>", "<\"a\"@b@[IPv6:zz]@example.org>", "<a@b!c@example.org>",
        "<.a@b@example.org>"})
    void a_malformed_several_at_path_is_a_syntax_error_even_from_a_trusted_client(String path) {
        assertDecision(decide(ENGINE, TRUSTED, path), Verdict.REJECT, "recipient_syntax", 501, "5.1.3",
                BAD_RECIPIENT);
        assertDecision(ENGINE.decide(RelayRequest.of(UNTRUSTED, path, "<u@example.org>")), Verdict.REJECT,
                "sender_syntax", 501, "5.1.7", "Bad sender address syntax");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<a@b@example.org>", "<\"a\"@victim.example@example.org>",
        "<\"a\"@[192.0.2.1]@example.org>", "<a.b@[IPv6:2001:db8::1]@c.example@example.org>"})
    void a_well_formed_several_at_path_is_routing(String path) {
        assertAccepted(decide(ENGINE, TRUSTED, path), "mynetworks");
        assertRelayDenied(decide(ENGINE, UNTRUSTED, path), "allow_untrusted_routing",
                path.substring(1, path.length() - 1));
    }

    // --- defect 9: a source route through an IPv6 literal --------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"<@[IPv6:2001:db8::1]:u@example.org>", "<@[IPv6:2001:db8::1],@a.example:u@example.org>",
        "<@a.example,@[IPv6:::1]:u@example.org>", "<@[192.0.2.1],@[IPv6:2001:db8::1:2]:u@example.org>"})
    void a_source_route_through_an_ipv6_literal_is_a_source_route(String path) {
        assertRelayDenied(decide(ENGINE, UNTRUSTED, path), "allow_untrusted_routing",
                path.substring(1, path.length() - 1));
        assertAccepted(decide(ENGINE, TRUSTED, path), "mynetworks");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<@[IPv6:2001:db8::1:u@example.org>", "<@[IPv6:2001:db8::1]u@example.org>",
        "<@[IPv6:2001:db8::zz]:u@example.org>", "<@[IPv6:2001:db8::1]:>", "<@[IPv6:2001:db8::1],u@example.org>"})
    void a_malformed_source_route_through_an_ipv6_literal_is_a_syntax_error(String path) {
        assertDecision(decide(ENGINE, TRUSTED, path), Verdict.REJECT, "recipient_syntax", 501, "5.1.3",
                BAD_RECIPIENT);
    }

    // --- defect 9: internationalized names -------------------------------------------------------------------

    @Test
    void a_name_mixing_a_labels_and_u_labels_is_the_same_name() {
        RelayEngine engine = RelayEngine.builder()
                .localDomains("münchen.xn--bcher-kva.example", "xn--mnchen-3ya.example").build();
        assertAccepted(decide(engine, UNTRUSTED, "<u@münchen.xn--bcher-kva.example>"), "mydestination");
        assertAccepted(decide(engine, UNTRUSTED, "<u@xn--mnchen-3ya.bücher.example>"), "mydestination");
        assertAccepted(decide(engine, UNTRUSTED, "<u@xn--mnchen-3ya.xn--bcher-kva.example>"), "mydestination");
        assertAccepted(decide(engine, UNTRUSTED, "<u@MÜNCHEN.example>"), "mydestination");
    }

    @Test
    void a_capital_sigma_at_the_end_of_a_label_is_a_sigma() {
        // UTS 46 maps Σ to σ whatever follows it; only a lower-case final ς is ambiguous between IDNA2003 and 2008
        RelayEngine engine = RelayEngine.builder().localDomains("ΟΔΟΣ1.bücher.example").build();
        assertAccepted(decide(engine, UNTRUSTED, "<u@ΟΔΟΣ1.bücher.example>"), "mydestination");
        assertAccepted(decide(engine, UNTRUSTED, "<u@οδοσ1.xn--bcher-kva.example>"), "mydestination");
        assertThatThrownBy(() -> RelayEngine.builder().localDomains("οδος1.example").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("A-label xn--");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u212Aorp.example", "\u0130stanbul.example", "po\u017Ft.example",
        "\uFF45xample.org", "x\u212Bngstrom.example", "\u2126mega.example"})
    void a_disallowed_code_point_is_refused_not_folded(String domain) {
        RelayEngine engine = RelayEngine.builder()
                .localDomains("korp.example", "istanbul.example", "post.example", "example.org",
                        "xångstrom.example", "ωmega.example")
                .build();
        // refused where the recipient domain is compared, after the grants (a trusted client may send anywhere)
        Decision d = decide(engine, UNTRUSTED, "<u@" + domain + ">");
        assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(d.rule()).isEqualTo("recipient_syntax");
        assertThat(d.reply()).hasToString("501 5.1.3 " + BAD_RECIPIENT);
        assertThatThrownBy(() -> RelayEngine.builder().localDomains(domain).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("local domain '");
    }

    @Test
    void a_code_point_that_idna2008_disallows_is_refused_below_a_local_domain_too() {
        // found by DecideFuzzTest (corpus: finding_idna2008_disallowed_symbol): U+00F7 ÷ passed as a U-label
        // because IDNA2003 encodes it, so a recipient below .corp.example was accepted
        RelayEngine engine = RelayEngine.builder().localDomains(".corp.example").build();

        Decision d = decide(engine, UNTRUSTED, "<u@ab\u00F7c.corp.example>");

        assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(d.rule()).isEqualTo("recipient_syntax");
        assertThat(d.reply()).hasToString("501 5.1.3 " + BAD_RECIPIENT);
        assertAccepted(decide(engine, UNTRUSTED, "<u@b\u00FCcher.corp.example>"), "mydestination");
    }

    // --- defect 9: reply lines fit in 512 octets --------------------------------------------------------------

    @Test
    void a_reply_longer_than_an_smtp_line_is_refused_at_build_time() {
        assertThatThrownBy(() -> RelayEngine.builder()
                .reply("reject_unauth_destination", SmtpReply.of(554, "5.7.1", "x".repeat(600))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("reply for rule 'reject_unauth_destination' is 612 octets as an SMTP line, without its"
                        + " placeholders; RFC 5321 (section 4.5.3.1.5) allows 512 with CRLF");
        // 512 octets with CRLF: 3 + 1 + 5 + 1 + 500 + 2
        RelayEngine.builder().reply("reject_unauth_destination", SmtpReply.of(554, "5.7.1", "x".repeat(500)))
                .build();
        assertThatThrownBy(() -> RelayEngine.builder()
                .reply("reject_unauth_destination", SmtpReply.of(554, "5.7.1", "é".repeat(251))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is 514 octets as an SMTP line");
    }

    @Test
    void a_dns_list_reply_longer_than_an_smtp_line_is_refused_at_build_time() {
        assertThatThrownBy(() -> RelayEngine.builder()
                .dnsblReply("bl.example", SmtpReply.of(554, "5.7.1", "{client} {zone}{txt}" + "x".repeat(600))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("reply for DNS list 'bl.example' is 613 octets as an SMTP line, without its"
                        + " placeholders; RFC 5321 (section 4.5.3.1.5) allows 512 with CRLF");
    }

    @Test
    void a_reply_line_in_a_policy_file_longer_than_512_octets_names_its_place(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("relay-policy.conf");
        Files.writeString(file, "mydestination = example.org\nreply.reject_unauth_destination = 554 5.7.1 "
                + "x".repeat(600) + "\n");
        assertThatThrownBy(() -> RelayEngine.fromFile(file))
                .isInstanceOf(PolicyFileException.class)
                .hasMessageContaining("relay-policy.conf:2:")
                .hasMessageContaining("612 octets as an SMTP line");
    }

    @Test
    void a_reply_whose_echoes_would_overflow_the_line_is_cut_to_512_octets() {
        String literal = " relaying denied " + "y".repeat(200);
        RelayEngine engine = RelayEngine.builder().localDomains("example.org")
                .reply("reject_unauth_destination", SmtpReply.of(554, "5.7.1",
                        "<{recipient}> <{sender}> [{client}] {helo}" + literal))
                .build();
        String longDomain = ("a".repeat(60) + ".").repeat(3) + "example";
        Decision d = engine.decide(RelayRequest.builder().client(UNTRUSTED).helo("h".repeat(255))
                .sender("<s@" + longDomain + ">").recipient("<r@" + longDomain + ">").build());
        assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(d.rule()).isEqualTo("reject_unauth_destination");
        String line = d.reply() + "\r\n";
        assertThat(line.getBytes(StandardCharsets.UTF_8)).hasSize(512);
        assertThat(d.reply().text()).startsWith("<r@" + "a".repeat(60)).endsWith("y...");
    }

    // --- defect 9: the authenticated user has a length cap -----------------------------------------------------

    @Test
    void an_authenticated_user_longer_than_255_characters_is_refused() {
        RelayEngine engine = RelayEngine.builder().localDomains("example.org").build();
        RelayRequest.Builder b = RelayRequest.builder().client(UNTRUSTED).sender("<a@example.net>")
                .recipient("<u@victim.example>");
        assertAccepted(engine.decide(b.authenticatedUser("u".repeat(255)).build()), "permit_authenticated");
        for (String user : new String[] {"u".repeat(256), "u".repeat(1 << 20), "ü".repeat(256)}) {
            assertDecision(engine.decide(b.authenticatedUser(user).build()), Verdict.REJECT, "authenticated_user",
                    554, "5.7.1", "Invalid authenticated user name");
        }
    }

    // --- defect 9: an IPv4-mapped IPv6 literal is not the IPv4 literal -----------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"[IPv6:::ffff:192.0.2.25]", "[IPv6:::FFFF:c000:219]", "[IPv6:0:0:0:0:0:ffff:192.0.2.25]"})
    void an_ipv4_mapped_literal_does_not_match_the_ipv4_literal(String literal) {
        RelayEngine engine = RelayEngine.builder().localDomains("[192.0.2.25]").relayDomains("[192.0.2.26]")
                .build();
        assertAccepted(decide(engine, UNTRUSTED, "<u@[192.0.2.25]>"), "mydestination");
        assertRelayDenied(decide(engine, UNTRUSTED, "<u@" + literal + ">"), "reject_unauth_destination",
                "u@" + literal);
        String relayLiteral = literal.replace("192.0.2.25", "192.0.2.26").replace("219", "21a");
        assertRelayDenied(decide(engine, UNTRUSTED, "<u@" + relayLiteral + ">"), "reject_unauth_destination",
                "u@" + relayLiteral);
    }

    @Test
    void an_ipv4_mapped_literal_pattern_is_refused_naming_the_ipv4_literal() {
        assertThatThrownBy(() -> RelayEngine.builder().localDomains("[IPv6:::ffff:192.0.2.25]").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("local domain '[IPv6:::ffff:192.0.2.25]': an IPv4-mapped IPv6 literal is not the IPv4"
                        + " literal, and mail servers do not know it as themselves; write [192.0.2.25]");
    }
}

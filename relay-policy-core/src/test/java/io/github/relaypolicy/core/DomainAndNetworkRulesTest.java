package io.github.relaypolicy.core;

import static io.github.relaypolicy.core.ContractAssertions.assertAccepted;
import static io.github.relaypolicy.core.ContractAssertions.assertDecision;
import static io.github.relaypolicy.core.ContractAssertions.assertRelayDenied;
import static io.github.relaypolicy.core.ContractAssertions.domainOfLength;
import static io.github.relaypolicy.core.ContractAssertions.stepOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the local and relay domain patterns and the trusted networks match, what the builder refuses, and that
 * neither HELO nor MAIL FROM grants relay.
 */
final class DomainAndNetworkRulesTest {

    private static final String UNTRUSTED = "203.0.113.9";
    private static final String SENDER = "<sender@example.net>";
    private static final String VICTIM = "user@victim.example";

    private static final RelayEngine DOMAINS = RelayEngine.builder()
            .localDomains("example.org", ".corp.example", "*.star.example")
            .localDomains(List.of("bücher.example", "xn--mnchen-3ya.example", "MixedCase.Example",
                    "dotted.example."))
            .localDomains("[192.0.2.1]", "[IPv6:2001:db8::1]", "[IPv6:2001:DB8:0:0::2]")
            .relayDomains("partner.example", ".backup.example")
            .trustedNetworks("127.0.0.0/8")
            .build();

    private static final List<String> NETWORKS = List.of(
            "10.0.0.0/8", "!10.1.0.0/16", "10.1.2.0/24",
            "192.0.2.0/24", "198.51.100.7",
            "2001:db8::/32", "!2001:db8:bad::/48", "2001:db8:bad:1::/64",
            "::1");

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            user@example.org                  | mydestination
            user@EXAMPLE.ORG                  | mydestination
            user@Example.Org.                 | mydestination
            user@sub.example.org              | reject_unauth_destination
            user@example.org.victim.example   | reject_unauth_destination
            user@xample.org                   | reject_unauth_destination
            user@myexample.org                | reject_unauth_destination
            user@corp.example                 | mydestination
            user@a.corp.example               | mydestination
            user@a.b.corp.example             | mydestination
            user@A.B.CORP.EXAMPLE.            | mydestination
            user@evilcorp.example             | reject_unauth_destination
            user@corp.example.evil            | reject_unauth_destination
            user@star.example                 | reject_unauth_destination
            user@a.star.example               | mydestination
            user@a.b.star.example             | mydestination
            user@evilstar.example             | reject_unauth_destination
            user@xn--bcher-kva.example        | mydestination
            user@XN--BCHER-KVA.EXAMPLE        | mydestination
            user@bücher.example               | mydestination
            user@münchen.example              | mydestination
            user@xn--mnchen-3ya.example       | mydestination
            user@bucher.example               | reject_unauth_destination
            user@mixedcase.example            | mydestination
            user@MIXEDCASE.EXAMPLE            | mydestination
            user@dotted.example               | mydestination
            user@dotted.example.              | mydestination
            user@partner.example              | relay_domains
            user@Partner.Example.             | relay_domains
            user@sub.partner.example          | reject_unauth_destination
            user@backup.example               | relay_domains
            user@mx.backup.example            | relay_domains
            user@[192.0.2.1]                  | mydestination
            user@[192.0.2.2]                  | reject_unauth_destination
            user@[IPv6:2001:db8::1]           | mydestination
            user@[IPv6:2001:DB8:0:0::1]       | mydestination
            user@[IPv6:2001:0db8:0000:0000:0000:0000:0000:0001] | mydestination
            user@[IPv6:2001:db8::2]           | mydestination
            user@[IPv6:2001:db8::3]           | reject_unauth_destination
            user@[198.51.100.1]               | reject_unauth_destination
            """)
    void domain_patterns_match_as_documented(String recipient, String rule) {
        // given an untrusted client, only the recipient domain can grant relay
        Decision decision = DOMAINS.decide(RelayRequest.of(UNTRUSTED, SENDER, "<" + recipient + ">"));

        // then
        if (rule.equals("reject_unauth_destination")) {
            assertRelayDenied(decision, rule, escape(recipient));
        } else {
            assertAccepted(decision, rule);
        }
        assertThat(stepOf(decision, "mynetworks").outcome()).isEqualTo(TraceStep.Outcome.NO_MATCH);
    }

    @Test
    void address_literals_are_never_local_unless_listed() {
        RelayEngine engine = RelayEngine.builder().localDomains("example.org").build();

        for (String literal : List.of("[127.0.0.1]", "[192.0.2.1]", "[IPv6:::1]", "[IPv6:2001:db8::1]")) {
            Decision decision = engine.decide(RelayRequest.of(UNTRUSTED, SENDER, "<user@" + literal + ">"));

            assertRelayDenied(decision, "reject_unauth_destination", "user@" + literal);
        }
    }

    static Stream<Arguments> networkOrders() {
        List<String> reversed = new ArrayList<>(NETWORKS);
        Collections.reverse(reversed);
        return Stream.of(NETWORKS, reversed).map(list -> Named.of(String.join(", ", list), list))
                .flatMap(named -> networkCases().map(c -> Arguments.of(named, c[0], c[1])));
    }

    private static Stream<String[]> networkCases() {
        return Stream.of(
                new String[] {"10.0.0.1", "true"},
                new String[] {"10.0.0.0", "true"},
                new String[] {"10.255.255.255", "true"},
                new String[] {"9.255.255.255", "false"},
                new String[] {"11.0.0.0", "false"},
                new String[] {"10.1.0.0", "false"},
                new String[] {"10.1.0.1", "false"},
                new String[] {"10.1.255.255", "false"},
                new String[] {"10.1.2.0", "true"},
                new String[] {"10.1.2.3", "true"},
                new String[] {"10.1.2.255", "true"},
                new String[] {"10.1.3.0", "false"},
                new String[] {"10.1.1.255", "false"},
                new String[] {"10.2.0.1", "true"},
                new String[] {"192.0.2.0", "true"},
                new String[] {"192.0.2.255", "true"},
                new String[] {"192.0.3.0", "false"},
                new String[] {"192.0.1.255", "false"},
                new String[] {"198.51.100.7", "true"},
                new String[] {"198.51.100.6", "false"},
                new String[] {"198.51.100.8", "false"},
                new String[] {"127.0.0.1", "false"},
                new String[] {"::ffff:192.0.2.1", "true"},
                new String[] {"::FFFF:192.0.2.1", "true"},
                new String[] {"0:0:0:0:0:ffff:192.0.2.1", "true"},
                new String[] {"::ffff:c000:201", "true"},
                new String[] {"::ffff:10.1.2.3", "true"},
                new String[] {"::ffff:10.1.0.1", "false"},
                new String[] {"::ffff:203.0.113.9", "false"},
                new String[] {"::c000:201", "false"},
                new String[] {"::192.0.2.1", "false"},
                new String[] {"2002:c000:201::1", "false"},
                new String[] {"64:ff9b::c000:201", "false"},
                new String[] {"2001:db8::1", "true"},
                new String[] {"2001:DB8::1", "true"},
                new String[] {"2001:0db8:0000:0000:0000:0000:0000:0001", "true"},
                new String[] {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "true"},
                new String[] {"2001:db9::1", "false"},
                new String[] {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "false"},
                new String[] {"2001:db8:bad::1", "false"},
                new String[] {"2001:db8:bad:2::1", "false"},
                new String[] {"2001:db8:bad:1::5", "true"},
                new String[] {"2001:db8:bad:1:ffff:ffff:ffff:ffff", "true"},
                new String[] {"::1", "true"},
                new String[] {"0:0:0:0:0:0:0:1", "true"},
                new String[] {"::2", "false"},
                new String[] {"::", "false"});
    }

    @ParameterizedTest(name = "[{index}] {1} trusted: {2} ({0})")
    @MethodSource("networkOrders")
    void trusted_networks_match_with_the_most_specific_entry_winning(List<String> networks, String client,
            boolean trusted) {
        RelayEngine engine = RelayEngine.builder().localDomains("example.org").trustedNetworks(networks).build();

        Decision decision = engine.decide(RelayRequest.of(client, SENDER, "<" + VICTIM + ">"));

        if (trusted) {
            assertAccepted(decision, "mynetworks");
        } else {
            assertRelayDenied(decision, "reject_unauth_destination", VICTIM);
            assertThat(stepOf(decision, "mynetworks").outcome()).isEqualTo(TraceStep.Outcome.NO_MATCH);
        }
    }

    @ParameterizedTest(name = "[{index}] {0} in {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            203.0.113.9         | 0.0.0.0/0  | true
            ::ffff:203.0.113.9  | 0.0.0.0/0  | true
            2001:db8::1         | 0.0.0.0/0  | false
            ::1                 | 0.0.0.0/0  | false
            ::c000:201          | 0.0.0.0/0  | false
            ::                  | 0.0.0.0/0  | false
            2001:db8::1         | ::/0       | true
            ::c000:201          | ::/0       | true
            ::1                 | ::/0       | true
            203.0.113.9         | ::/0       | false
            127.0.0.1           | ::/0       | false
            ::ffff:192.0.2.1    | ::/0       | false
            ::c000:201          | 192.0.2.1  | false
            ::ffff:192.0.2.1    | 192.0.2.1  | true
            192.0.2.1           | ::c000:201 | false
            """)
    void ipv4_and_ipv6_never_match_each_other(String client, String network, boolean trusted) {
        // an IPv4-mapped client is an IPv4 client for every rule (DOMAIN.md)
        RelayEngine engine = RelayEngine.builder().localDomains("example.org").trustedNetworks(network).build();

        Decision decision = engine.decide(RelayRequest.of(client, SENDER, "<" + VICTIM + ">"));

        if (trusted) {
            assertAccepted(decision, "mynetworks");
        } else {
            assertRelayDenied(decision, "reject_unauth_destination", VICTIM);
        }
    }

    static Stream<Arguments> inetAddressClients() throws UnknownHostException {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 192;
        mapped[14] = 2;
        mapped[15] = 5;
        byte[] compatible = mapped.clone();
        compatible[10] = 0;
        compatible[11] = 0;
        return Stream.of(
                Arguments.of(InetAddress.getByName("192.0.2.5"), true),
                Arguments.of(InetAddress.getByAddress(new byte[] {(byte) 203, 0, 113, 9}), false),
                // getByName turns a mapped address into an Inet4Address already; build the Inet6Address by hand
                Arguments.of(Inet6Address.getByAddress(null, mapped, -1), true),
                Arguments.of(Inet6Address.getByAddress(null, compatible, -1), false),
                Arguments.of(InetAddress.getByName("2001:db8::5"), true),
                Arguments.of(InetAddress.getByName("2001:db8:bad::5"), false),
                Arguments.of(InetAddress.getByName("::1"), true),
                Arguments.of(InetAddress.getByName("::ffff:7f00:2"), false));
    }

    @ParameterizedTest(name = "[{index}] {0} trusted: {1}")
    @MethodSource("inetAddressClients")
    void client_given_as_inet_address_matches_like_its_text_form(InetAddress client, boolean trusted) {
        RelayEngine engine = RelayEngine.builder().localDomains("example.org").trustedNetworks(NETWORKS).build();

        Decision decision = engine.decide(RelayRequest.builder()
                .client(client)
                .sender(SENDER)
                .recipient("<" + VICTIM + ">")
                .build());

        if (trusted) {
            assertAccepted(decision, "mynetworks");
        } else {
            assertRelayDenied(decision, "reject_unauth_destination", VICTIM);
        }
    }

    @ParameterizedTest(name = "[{index}] HELO {0} MAIL FROM:{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            example.org           | <user@example.org>
            example.org           | <postmaster@example.org>
            mail.corp.example     | <user@a.corp.example>
            partner.example       | <user@partner.example>
            localhost             | <>
            [192.0.2.10]          | <user@[192.0.2.10]>
            192.0.2.10            | <user@[127.0.0.1]>
            [127.0.0.1]           | <user@[IPv6:::1]>
            victim.example        | <user@victim.example>
            ''                    | <user@example.org>
            """)
    void neither_helo_nor_sender_grants_relay(String helo, String sender) {
        RelayEngine engine = RelayEngine.builder()
                .localDomains("example.org", ".corp.example", "[192.0.2.10]")
                .relayDomains("partner.example")
                .trustedNetworks("127.0.0.0/8", "192.0.2.0/24", "::1")
                .build();

        Decision decision = engine.decide(RelayRequest.builder()
                .client(UNTRUSTED)
                .helo(helo)
                .sender(sender)
                .recipient("<" + VICTIM + ">")
                .build());

        assertRelayDenied(decision, "reject_unauth_destination", VICTIM);
    }

    @Test
    void host_bits_in_a_trusted_network_are_refused_with_a_message_naming_the_entry() {
        assertThatThrownBy(() -> RelayEngine.builder().trustedNetworks("192.0.2.0/24", "10.0.0.1/8").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10.0.0.1/8")
                .hasMessageContaining("host bits");
        assertThatThrownBy(() -> RelayEngine.builder().trustedNetworks("2001:db8::1/32").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2001:db8::1/32")
                .hasMessageContaining("host bits");
        assertThatThrownBy(() -> RelayEngine.builder().trustedNetworks("!10.1.0.1/16").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10.1.0.1/16")
                .hasMessageContaining("host bits");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "/8", "10.0.0.0/8/8", "10.0.0.0/x", "10.0.0.0/ 8",
        "999.0.0.0/8", "1.2.3", "01.2.3.4", "192.0.2.010", "10.0.0.0.0", "example.org", "localhost",
        "2001:db8::/129", "2001:db8:::/32", "::ffff:zz", "1:2:3:4:5:6:7:8:9", "!", "!!10.0.0.0/8"})
    void invalid_trusted_network_is_refused_with_a_message_naming_it(String network) {
        assertThatThrownBy(() -> RelayEngine.builder().trustedNetworks("127.0.0.0/8", network).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(network);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "exa mple.org", "a..b.example", ".", "..example", "-a.example", "a-.example", "user@example.org",
        "example.org:25", "*.", "*example.org", "a.*.example", "*.*.example", "victim.example!user", "<example.org>",
        "[999.1.1.1]", "[192.0.2.1", "192.0.2.1]", "[IPv6:zz::1]", "[IPv6:192.0.2.1]", "[2001:db8::1]",
        "[192.0.2.0/24]"})
    void invalid_domain_is_refused_with_a_message_naming_it(String domain) {
        assertThatThrownBy(() -> RelayEngine.builder().localDomains("example.org", domain).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(domain);
        assertThatThrownBy(() -> RelayEngine.builder().relayDomains(List.of("partner.example", domain)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(domain);
    }

    static Stream<Arguments> invalidDomainsThatCannotBeQuotedVerbatim() {
        return Stream.of(
                Arguments.of("empty", ""),
                Arguments.of("blank", "   "),
                Arguments.of("label of 64 characters", "a".repeat(64) + ".example"),
                Arguments.of("256 characters", domainOfLength(256)),
                Arguments.of("LF", "example.org\nvictim.example"),
                Arguments.of("NUL", "example.org\0"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("invalidDomainsThatCannotBeQuotedVerbatim")
    void invalid_domain_is_refused(String description, String domain) {
        assertThatThrownBy(() -> RelayEngine.builder().localDomains(domain).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RelayEngine.builder().relayDomains(domain).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "   ", "10.0.0.0/8\n", "10.0.0.0/8\0"})
    void invalid_trusted_network_that_cannot_be_quoted_verbatim_is_refused(String network) {
        assertThatThrownBy(() -> RelayEngine.builder().trustedNetworks(network).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void null_entries_are_refused() {
        assertThatThrownBy(() -> RelayEngine.builder().localDomains("example.org", null).build())
                .isInstanceOfAny(NullPointerException.class, IllegalArgumentException.class);
        assertThatThrownBy(() -> RelayEngine.builder().trustedNetworks("10.0.0.0/8", null).build())
                .isInstanceOfAny(NullPointerException.class, IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "example.org", "EXAMPLE.ORG.", ".corp.example", "*.star.example", "bücher.example", "xn--bcher-kva.example",
        "[192.0.2.1]", "[IPv6:2001:db8::1]", "a-b.example", "1.example", "localhost",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk.example"})
    void valid_domain_patterns_are_accepted_by_the_builder(String domain) {
        // the same pattern may not be local and relay at once: build one engine for each
        assertThat(RelayEngine.builder().localDomains(domain).build()).isNotNull();
        assertThat(RelayEngine.builder().relayDomains(domain).build()).isNotNull();
    }

    @Test
    void accept_reply_for_a_refusing_rule_is_refused() {
        assertThatThrownBy(() -> RelayEngine.builder()
                .reply("reject_unauth_destination", SmtpReply.of(250, "2.1.5", "Ok"))
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reject_unauth_destination");
        assertThatThrownBy(() -> RelayEngine.builder()
                .reply("allow_untrusted_routing", SmtpReply.of(250, "2.1.5", "Ok"))
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("allow_untrusted_routing");
    }

    @Test
    void reply_for_an_unknown_rule_is_refused() {
        assertThatThrownBy(() -> RelayEngine.builder()
                .reply("reject_unauth_destinatoin", SmtpReply.of(550, "5.7.1", "no"))
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reject_unauth_destinatoin");
    }

    @Test
    void custom_relay_denied_reply_is_used_with_the_recipient_filled_in() {
        RelayEngine engine = RelayEngine.builder()
                .localDomains("example.org")
                .reply("reject_unauth_destination", SmtpReply.of(550, "5.7.1", "relaying to <{recipient}> denied"))
                .build();

        // plain relay attempt: the custom reply
        assertDecision(engine.decide(RelayRequest.of(UNTRUSTED, SENDER, "<" + VICTIM + ">")), Verdict.REJECT,
                "reject_unauth_destination", 550, "5.7.1", "relaying to <user@victim.example> denied");
        // a routed form is refused by another rule, which keeps its default reply
        assertRelayDenied(engine.decide(RelayRequest.of(UNTRUSTED, SENDER, "<user%victim.example@example.org>")),
                "allow_untrusted_routing", "user%victim.example@example.org");
        // local mail is unaffected
        assertAccepted(engine.decide(RelayRequest.of(UNTRUSTED, SENDER, "<user@example.org>")), "mydestination");
    }

    @Test
    void custom_reply_fills_in_client_helo_and_recipient_escaped_and_capped() {
        RelayEngine engine = RelayEngine.builder()
                .localDomains("example.org")
                .reply("reject_unauth_destination",
                        SmtpReply.of(550, "5.7.1", "{client} ({helo}) may not relay to {recipient}"))
                .build();
        String longDomain = domainOfLength(200);

        Decision escaped = engine.decide(RelayRequest.builder()
                .client(UNTRUSTED)
                .helo("bücher.example")
                .sender(SENDER)
                .recipient("<user@bücher.victim.example>")
                .build());
        Decision capped = engine.decide(RelayRequest.builder()
                .client(UNTRUSTED)
                .helo("mail.example.net")
                .sender(SENDER)
                .recipient("<u@" + longDomain + ">")
                .build());

        assertDecision(escaped, Verdict.REJECT, "reject_unauth_destination", 550, "5.7.1",
                "203.0.113.9 (b\\u00FCcher.example) may not relay to user@b\\u00FCcher.victim.example");
        assertDecision(capped, Verdict.REJECT, "reject_unauth_destination", 550, "5.7.1",
                "203.0.113.9 (mail.example.net) may not relay to " + ("u@" + longDomain).substring(0, 128) + "...");
    }

    @Test
    void custom_reply_for_an_accepting_rule_is_used() {
        RelayEngine engine = RelayEngine.builder()
                .localDomains("example.org")
                .reply("mydestination", SmtpReply.of(250, "2.1.5", "<{recipient}> is local"))
                .build();

        assertDecision(engine.decide(RelayRequest.of(UNTRUSTED, SENDER, "<user@example.org>")), Verdict.ACCEPT,
                "mydestination", 250, "2.1.5", "<user@example.org> is local");
    }

    @Test
    void repeated_calls_append_entries() {
        RelayEngine engine = RelayEngine.builder()
                .localDomains("a.example")
                .localDomains(List.of("b.example"))
                .relayDomains("c.example")
                .relayDomains(List.of("d.example"))
                .trustedNetworks("192.0.2.1")
                .trustedNetworks(List.of("192.0.2.2"))
                .build();

        assertAccepted(engine.decide(RelayRequest.of(UNTRUSTED, SENDER, "<u@a.example>")), "mydestination");
        assertAccepted(engine.decide(RelayRequest.of(UNTRUSTED, SENDER, "<u@b.example>")), "mydestination");
        assertAccepted(engine.decide(RelayRequest.of(UNTRUSTED, SENDER, "<u@c.example>")), "relay_domains");
        assertAccepted(engine.decide(RelayRequest.of(UNTRUSTED, SENDER, "<u@d.example>")), "relay_domains");
        assertAccepted(engine.decide(RelayRequest.of("192.0.2.1", SENDER, "<" + VICTIM + ">")), "mynetworks");
        assertAccepted(engine.decide(RelayRequest.of("192.0.2.2", SENDER, "<" + VICTIM + ">")), "mynetworks");
    }

    @Test
    void changing_the_collections_given_to_the_builder_does_not_change_the_engine() {
        // given
        List<String> domains = new ArrayList<>(List.of("example.org"));
        List<String> relays = new ArrayList<>(List.of("partner.example"));
        List<String> networks = new ArrayList<>(List.of("192.0.2.0/24"));
        RelayEngine engine = RelayEngine.builder()
                .localDomains(domains)
                .relayDomains(relays)
                .trustedNetworks(networks)
                .build();

        // when
        domains.add("victim.example");
        relays.add("victim.example");
        networks.add("203.0.113.0/24");

        // then
        assertRelayDenied(engine.decide(RelayRequest.of(UNTRUSTED, SENDER, "<" + VICTIM + ">")),
                "reject_unauth_destination", VICTIM);
    }

    @Test
    void changing_the_builder_after_build_does_not_change_the_engine() {
        // given
        var builder = RelayEngine.builder().localDomains("example.org").trustedNetworks("192.0.2.0/24");
        RelayEngine engine = builder.build();

        // when
        builder.localDomains("victim.example")
                .relayDomains("elsewhere.example")
                .trustedNetworks("203.0.113.0/24")
                .permitAuthenticated(false)
                .reply("reject_unauth_destination", SmtpReply.of(550, "5.7.1", "changed"));
        RelayEngine other = builder.build();

        // then the first engine keeps its rules
        assertRelayDenied(engine.decide(RelayRequest.of(UNTRUSTED, SENDER, "<" + VICTIM + ">")),
                "reject_unauth_destination", VICTIM);
        assertRelayDenied(engine.decide(RelayRequest.of("198.51.100.9", SENDER, "<" + VICTIM + ">")),
                "reject_unauth_destination", VICTIM);
        assertRelayDenied(engine.decide(RelayRequest.of("198.51.100.9", SENDER, "<u@elsewhere.example>")),
                "reject_unauth_destination", "u@elsewhere.example");
        assertAccepted(engine.decide(RelayRequest.builder().client("198.51.100.9").sender(SENDER)
                .recipient("<u@third.example>").authenticatedUser("alice").build()), "permit_authenticated");
        // and the second engine has the changes
        assertAccepted(other.decide(RelayRequest.of(UNTRUSTED, SENDER, "<u@third.example>")), "mynetworks");
        assertAccepted(other.decide(RelayRequest.of("198.51.100.9", SENDER, "<" + VICTIM + ">")), "mydestination");
        assertDecision(other.decide(RelayRequest.builder().client("198.51.100.9").sender(SENDER)
                .recipient("<u@third.example>").authenticatedUser("alice").build()),
                Verdict.REJECT, "reject_unauth_destination", 550, "5.7.1", "changed");
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c >= 0x20 && c <= 0x7e ? String.valueOf(c) : String.format(Locale.ROOT, "\\u%04X", (int) c));
        }
        return sb.toString();
    }
}

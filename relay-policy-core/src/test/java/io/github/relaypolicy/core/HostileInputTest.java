package io.github.relaypolicy.core;

import static io.github.relaypolicy.core.ContractAssertions.assertAccepted;
import static io.github.relaypolicy.core.ContractAssertions.assertDecision;
import static io.github.relaypolicy.core.ContractAssertions.assertRelayDenied;
import static io.github.relaypolicy.core.ContractAssertions.assertWellFormed;
import static io.github.relaypolicy.core.ContractAssertions.domainOfLength;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SMTP input is hostile: every malformed, over-long or control-character-laden part of a request yields a
 * refusing {@link Decision} with the contract's exact reply, never an exception and never an acceptance.
 *
 * <p>Most cases start from a request that would be accepted (a trusted, authenticated client sending to a local
 * domain) and spoil one part of it, so that only the spoiled part can explain a refusal.
 */
final class HostileInputTest {

    private static final String TRUSTED = "192.0.2.10";
    private static final String UNTRUSTED = "203.0.113.9";

    private static final RelayEngine ENGINE = RelayEngine.builder()
            .localDomains("example.org", ".corp.example")
            .relayDomains("partner.example")
            .trustedNetworks("127.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "!192.0.2.66")
            .build();

    private static final String CLIENT_REJECTED = "Client host rejected: invalid client address ";
    private static final String HELO_REJECTED = ">: Helo command rejected: Invalid name";
    private static final String BAD_SENDER = "Bad sender address syntax";
    private static final String BAD_RECIPIENT = "Bad recipient address syntax";
    private static final String PATH_TOO_LONG = "Path too long";
    private static final String SENDER_TOO_LONG = "Sender address rejected: local part or domain too long";
    private static final String RECIPIENT_TOO_LONG = "Recipient address rejected: local part or domain too long";

    private static final String MB = "a".repeat(1_000_000);

    /** The request every case spoils: it would be accepted. */
    private static RelayRequest.Builder acceptable() {
        return RelayRequest.builder()
                .client(TRUSTED)
                .helo("mail.example.net")
                .sender("<sender@example.net>")
                .recipient("<user@example.org>")
                .authenticatedUser("alice");
    }

    private static Arguments spoiled(String description, UnaryOperator<RelayRequest.Builder> spoil, String rule,
            int code, String status, String text) {
        return Arguments.of(description, spoil.apply(acceptable()).build(), rule, code, status, text);
    }

    private static Arguments client(String description, String client, String echoed) {
        return spoiled("client " + description, b -> b.client(client), "client_address", 554, "5.7.1",
                CLIENT_REJECTED + "[" + echoed + "]");
    }

    private static Arguments helo(String description, String helo, String echoed) {
        return spoiled("helo " + description, b -> b.helo(helo), "helo", 501, "5.5.2", "<" + echoed + HELO_REJECTED);
    }

    private static Arguments authenticatedUser(String description, String user) {
        return spoiled("authenticated user " + description, b -> b.authenticatedUser(user), "authenticated_user",
                554, "5.7.1", "Invalid authenticated user name");
    }

    private static Arguments sender(String description, String sender, String rule, String text) {
        return spoiled("sender " + description, b -> b.sender(sender), rule,
                rule.equals("sender_too_long") ? 553 : 501, "5.1.7", text);
    }

    private static Arguments recipient(String description, String recipient, String rule, String text) {
        return spoiled("recipient " + description, b -> b.recipient(recipient), rule,
                rule.equals("recipient_too_long") ? 553 : 501, "5.1.3", text);
    }

    static Stream<Arguments> hostileInputs() {
        List<Arguments> cases = new ArrayList<>();

        // client: empty, not an IP address, or an IP address with something attached
        cases.add(client("empty", "", ""));
        cases.add(client("blank", "   ", "   "));
        cases.add(client("octet above 255", "999.1.1.1", "999.1.1.1"));
        cases.add(client("three octets (inet_aton would take it)", "1.2.3", "1.2.3"));
        cases.add(client("two octets (inet_aton would take it)", "127.1", "127.1"));
        cases.add(client("five octets", "1.2.3.4.5", "1.2.3.4.5"));
        cases.add(client("leading zero (octal to inet_aton)", "01.2.3.4", "01.2.3.4"));
        cases.add(client("leading zero in last octet", "192.0.2.010", "192.0.2.010"));
        cases.add(client("hex octet", "0x7f.0.0.1", "0x7f.0.0.1"));
        cases.add(client("bad hex in mapped IPv6", "::ffff:zz", "::ffff:zz"));
        cases.add(client("incomplete mapped IPv4", "::ffff:1.2.3", "::ffff:1.2.3"));
        cases.add(client("nine IPv6 groups", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8:9"));
        cases.add(client("triple colon", "2001:db8:::1", "2001:db8:::1"));
        cases.add(client("two double colons", "2001::db8::1", "2001::db8::1"));
        cases.add(client("a network, not an address", "192.0.2.0/24", "192.0.2.0/24"));
        cases.add(client("a host name (no DNS lookup)", "localhost", "localhost"));
        cases.add(client("our own domain", "example.org", "example.org"));
        cases.add(client("CR LF", TRUSTED + "\r\n", TRUSTED + "\\u000D\\u000A"));
        cases.add(client("NUL", TRUSTED + "\0", TRUSTED + "\\u0000"));
        cases.add(client("LF then a second address", TRUSTED + "\n127.0.0.1", TRUSTED + "\\u000A127.0.0.1"));
        cases.add(client("bell and DEL", "\u0007" + TRUSTED + "\u007f", "\\u0007" + TRUSTED + "\\u007F"));
        cases.add(client("lone surrogate", TRUSTED + "\ud800", TRUSTED + "\\uD800"));
        cases.add(client("non-ASCII digit", "١٩٢.0.2.10", "\\u0661\\u0669\\u0662.0.2.10"));
        cases.add(client("of 1 MB", "1".repeat(1_000_000), "1".repeat(128) + "..."));

        // HELO: control characters or longer than 255
        cases.add(helo("CR LF with a smuggled command", "mail.example.net\r\nRCPT TO:<x@victim.example>",
                "mail.example.net\\u000D\\u000ARCPT TO:<x@victim.example>"));
        cases.add(helo("NUL", "mail.example.net\0", "mail.example.net\\u0000"));
        cases.add(helo("tab", "mail\texample.net", "mail\\u0009example.net"));
        cases.add(helo("escape sequence", "\u001b[2Jmail.example.net", "\\u001B[2Jmail.example.net"));
        cases.add(helo("DEL", "mail.example.net\u007f", "mail.example.net\\u007F"));
        cases.add(helo("of 256 characters", "h".repeat(256), "h".repeat(128) + "..."));
        cases.add(helo("of 1 MB", MB, "a".repeat(128) + "..."));

        // authenticated user: control characters
        cases.add(authenticatedUser("CR LF", "alice\r\n"));
        cases.add(authenticatedUser("NUL", "alice\0admin"));
        cases.add(authenticatedUser("bell", "\u0007"));
        cases.add(authenticatedUser("DEL", "alice\u007f"));
        cases.add(authenticatedUser("of 256 characters", "u".repeat(256)));
        cases.add(authenticatedUser("of 1 MB", MB));

        // sender: missing, malformed, too long
        cases.add(spoiled("sender missing (no MAIL FROM)", b -> b.sender(null), "sender_missing", 503, "5.5.1",
                "Error: need MAIL command"));
        cases.add(sender("empty", "", "sender_syntax", BAD_SENDER));
        cases.add(sender("CR LF", "<sender@example.net>\r\n", "sender_syntax", BAD_SENDER));
        cases.add(sender("CR LF inside", "<sender@example.net\r\n>", "sender_syntax", BAD_SENDER));
        cases.add(sender("NUL", "<sender\0@example.net>", "sender_syntax", BAD_SENDER));
        cases.add(sender("bell", "<sen\u0007der@example.net>", "sender_syntax", BAD_SENDER));
        cases.add(sender("lone surrogate", "<sender\udc00@example.net>", "sender_syntax", BAD_SENDER));
        cases.add(sender("doubled brackets", "<<sender@example.net>>", "sender_syntax", BAD_SENDER));
        cases.add(sender("unclosed bracket", "<sender@example.net", "sender_syntax", BAD_SENDER));
        cases.add(sender("unopened bracket", "sender@example.net>", "sender_syntax", BAD_SENDER));
        cases.add(sender("unbalanced quote", "<\"sender@example.net>", "sender_syntax", BAD_SENDER));
        cases.add(sender("empty domain", "<a@>", "sender_syntax", BAD_SENDER));
        cases.add(sender("empty local part", "<@b.example>", "sender_syntax", BAD_SENDER));
        cases.add(sender("empty label", "<a@b..example>", "sender_syntax", BAD_SENDER));
        cases.add(sender("label starting with a hyphen", "<a@-b.example>", "sender_syntax", BAD_SENDER));
        cases.add(sender("path over 256 octets", "<" + "s".repeat(42) + "@" + domainOfLength(255) + ">",
                "sender_path_too_long", PATH_TOO_LONG));
        cases.add(sender("of 1 MB", "<" + MB + "@example.net>", "sender_path_too_long", PATH_TOO_LONG));
        cases.add(sender("local part of 65 octets", "<" + "s".repeat(65) + "@example.net>", "sender_too_long",
                SENDER_TOO_LONG));

        // recipient: missing, malformed, too long
        cases.add(recipient("missing", null, "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("empty", "", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("blank", "   ", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("null path <>", "<>", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("doubled brackets", "<<user@example.org>>", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("doubled brackets, short", "<<a@b>>", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("unclosed bracket", "<user@example.org", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("unopened bracket", "user@example.org>", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("brackets reversed", ">user@example.org<", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("unbalanced quote", "<\"user@example.org>", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("unbalanced quote, bare", "\"user@example.org", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("backslash escaping the closing quote", "<\"user\\\"@example.org>",
                "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("empty domain", "<a@>", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("empty domain, bare", "a@", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("empty local part", "<@b>", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("empty local part, bare", "@example.org", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("empty label", "<a@b..c>", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("empty first label", "<user@.example.org>", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("label starting with a hyphen", "<a@-b.example>", "recipient_syntax",
                BAD_RECIPIENT));
        cases.add(recipient("label ending with a hyphen", "<a@b-.example>", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("label of 64 characters", "<a@" + "b".repeat(64) + ".example>", "recipient_syntax",
                BAD_RECIPIENT));
        cases.add(recipient("unquoted space", "<john doe@example.org>", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("CR LF with a smuggled command", "<user@example.org>\r\nRCPT TO:<x@victim.example>",
                "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("LF in the domain", "<user@example.org\n.victim.example>", "recipient_syntax",
                BAD_RECIPIENT));
        cases.add(recipient("NUL in the local part", "<user\0@example.org>", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("NUL in the domain", "<user@example.org\0.victim.example>", "recipient_syntax",
                BAD_RECIPIENT));
        cases.add(recipient("control character in a quoted local part", "<\"us\u0001er\"@example.org>",
                "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("DEL", "<user\u007f@example.org>", "recipient_syntax", BAD_RECIPIENT));
        cases.add(recipient("lone high surrogate", "<user\ud800@example.org>", "recipient_syntax",
                BAD_RECIPIENT));
        cases.add(recipient("lone low surrogate in the domain", "<user@exa\udc00mple.org>", "recipient_syntax",
                BAD_RECIPIENT));
        // length is checked before syntax, so a huge input is never scanned
        cases.add(recipient("1 MB of brackets", "<".repeat(1_000_000), "recipient_path_too_long", PATH_TOO_LONG));
        cases.add(recipient("of 1 MB", "<" + MB + "@example.org>", "recipient_path_too_long", PATH_TOO_LONG));
        cases.add(recipient("path of 300 octets", "<" + "r".repeat(42) + "@" + domainOfLength(255) + ">",
                "recipient_path_too_long", PATH_TOO_LONG));
        cases.add(recipient("path of 257 octets", "<" + "r".repeat(64) + "@" + domainOfLength(190) + ">",
                "recipient_path_too_long", PATH_TOO_LONG));
        cases.add(recipient("domain of 256 characters (so the path is too long too)",
                "<a@" + domainOfLength(256) + ">", "recipient_path_too_long", PATH_TOO_LONG));
        cases.add(recipient("local part of 65 octets", "<" + "r".repeat(65) + "@example.org>",
                "recipient_too_long", RECIPIENT_TOO_LONG));
        cases.add(recipient("quoted local part of 65 octets between the quotes",
                "<\"" + "r".repeat(65) + "\"@example.org>", "recipient_too_long", RECIPIENT_TOO_LONG));

        // the earliest rule in the contract's order decides when several parts are bad
        cases.add(spoiled("bad client before bad everything else",
                b -> b.client("").helo("\r\n").authenticatedUser("\0").sender(null).recipient("<>"),
                "client_address", 554, "5.7.1", CLIENT_REJECTED + "[]"));
        cases.add(spoiled("bad helo before bad sender and recipient",
                b -> b.helo("\r").sender("<<>>").recipient("<>"), "helo", 501, "5.5.2",
                "<\\u000D" + HELO_REJECTED));
        cases.add(spoiled("missing sender before bad recipient", b -> b.sender(null).recipient("<>"),
                "sender_missing", 503, "5.5.1", "Error: need MAIL command"));
        cases.add(spoiled("bad sender before bad recipient", b -> b.sender("<a@>").recipient("<>"),
                "sender_syntax", 501, "5.1.7", BAD_SENDER));

        // untrusted client: refusals that echo the recipient, escaped and capped
        cases.add(Arguments.of("unqualified recipient from an untrusted client",
                RelayRequest.of(UNTRUSTED, "<sender@example.net>", "<user>"), "reject_non_fqdn_recipient", 504,
                "5.5.2", "<user>: Recipient address rejected: need fully-qualified address"));
        String longRecipient = "a@" + domainOfLength(200);
        cases.add(Arguments.of("long recipient echoed capped at 128 characters",
                RelayRequest.of(UNTRUSTED, "<sender@example.net>", "<" + longRecipient + ">"),
                "reject_unauth_destination", 554, "5.7.1",
                "<" + longRecipient.substring(0, 128) + "...>: Relay access denied"));
        cases.add(Arguments.of("non-ASCII recipient domain echoed escaped",
                RelayRequest.of(UNTRUSTED, "<sender@example.net>", "<user@bücher.victim.example>"),
                "reject_unauth_destination", 554, "5.7.1",
                "<user@b\\u00FCcher.victim.example>: Relay access denied"));
        return cases.stream();
    }

    @Test
    void the_request_that_hostile_cases_spoil_is_accepted() {
        assertAccepted(ENGINE.decide(acceptable().build()), "mynetworks");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hostileInputs")
    void hostile_input_is_refused_with_the_contract_reply(String description, RelayRequest request, String rule,
            int code, String status, String text) {
        // when
        Decision decision = ENGINE.decide(request);

        // then
        assertDecision(decision, Verdict.REJECT, rule, code, status, text);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hostileInputs")
    void hostile_input_is_refused_the_same_way_through_the_async_api(String description, RelayRequest request,
            String rule, int code, String status, String text) {
        Decision decision = ENGINE.decideAsync(request).toCompletableFuture().join();

        assertDecision(decision, Verdict.REJECT, rule, code, status, text);
    }

    @Test
    void missing_request_is_refused() {
        assertDecision(ENGINE.decide(null), Verdict.REJECT, "request", 554, "5.5.1", "Error: no request");
        assertDecision(ENGINE.decideAsync(null).toCompletableFuture().join(), Verdict.REJECT, "request", 554,
                "5.5.1", "Error: no request");
    }

    @Test
    void request_with_nothing_in_it_is_refused_for_its_client() {
        Decision decision = ENGINE.decide(RelayRequest.of(null, null, null));

        assertThat(decision.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(decision.rule()).isEqualTo("client_address");
        assertThat(decision.reply().code()).isEqualTo(554);
        assertThat(decision.reply().enhancedStatus()).isEqualTo("5.7.1");
        // the contract does not say how a missing value is echoed, only that it is echoed inside the brackets
        assertThat(decision.reply().text()).startsWith(CLIENT_REJECTED + "[").endsWith("]");
        assertWellFormed(decision);
    }

    @Test
    void missing_client_address_object_is_refused() {
        Decision decision = ENGINE.decide(RelayRequest.builder()
                .client((InetAddress) null)
                .sender("<sender@example.net>")
                .recipient("<user@example.org>")
                .build());

        assertThat(decision.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(decision.rule()).isEqualTo("client_address");
        assertThat(decision.reply().text()).startsWith(CLIENT_REJECTED + "[").endsWith("]");
        assertWellFormed(decision);
    }

    @Test
    void long_values_that_no_rule_refuses_are_capped_in_the_trace() {
        // a 255-character authenticated user name is accepted, but no echo may carry it whole
        Decision decision = ENGINE.decide(acceptable().client(UNTRUSTED).authenticatedUser("u".repeat(255))
                .recipient("<user@victim.example>").build());

        assertAccepted(decision, "permit_authenticated");
    }

    @Test
    void lone_surrogate_in_helo_is_not_accepted_into_the_trace_unescaped() {
        // the contract refuses a HELO only for control characters or length; whatever the decision, echoes are
        // printable ASCII
        assertWellFormed(ENGINE.decide(acceptable().helo("mail\ud800.example.net").build()));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            <Postmaster>                   | postmaster
            <postmaster>                   | postmaster
            <POSTMASTER>                   | postmaster
            postmaster                     | postmaster
            PostMaster                     | postmaster
            <"postmaster">                 | postmaster
            "postmaster"                   | postmaster
            <"Postmaster">                 | postmaster
            <postmaster@example.org>       | mydestination
            <"john doe"@example.org>       | mydestination
            "john doe"@example.org         | mydestination
            <"user"@example.org>           | mydestination
            <"a\\"b"@example.org>          | mydestination
            <user@example.org.>            | mydestination
            <user@EXAMPLE.ORG>             | mydestination
            <User.Name+tag@Example.Org>    | mydestination
            <user@a.b.corp.example>        | mydestination
            <user@partner.example>         | relay_domains
            <user@PARTNER.EXAMPLE.>        | relay_domains
            """)
    void odd_but_valid_recipient_is_accepted_from_an_untrusted_client(String recipient, String rule) {
        Decision decision = ENGINE.decide(RelayRequest.of(UNTRUSTED, "<sender@example.net>", recipient));

        assertAccepted(decision, rule);
    }

    @ParameterizedTest(name = "[{index}] MAIL FROM:{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            <>
            <sender@example.net>
            sender@example.net
            <"john doe"@example.net>
            <sender@EXAMPLE.NET.>
            <sender@[198.51.100.20]>
            <sender@[IPv6:2001:db8::20]>
            """)
    void odd_but_valid_sender_is_accepted_to_a_local_domain(String sender) {
        Decision decision = ENGINE.decide(RelayRequest.of(UNTRUSTED, sender, "<user@example.org>"));

        assertAccepted(decision, "mydestination");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            <postmaster@victim.example>     | postmaster@victim.example
            postmaster@victim.example       | postmaster@victim.example
            <Postmaster@[198.51.100.1]>     | Postmaster@[198.51.100.1]
            """)
    void postmaster_rule_applies_only_without_a_domain(String recipient, String echoed) {
        Decision decision = ENGINE.decide(RelayRequest.of(UNTRUSTED, "<sender@example.net>", recipient));

        assertRelayDenied(decision, "reject_unauth_destination", echoed);
    }

    @Test
    void recipient_at_the_length_limits_is_accepted() {
        // RFC 5321 4.5.3.1: local part 64, path 256 including the angle brackets
        String atLimit = "<" + "r".repeat(64) + "@" + domainOfLength(176) + ".corp.example>";

        assertThat(atLimit).hasSize(256);
        assertAccepted(ENGINE.decide(RelayRequest.of(UNTRUSTED, "<sender@example.net>", atLimit)),
                "mydestination");
    }

    @Test
    void helo_of_255_characters_is_accepted() {
        Decision decision = ENGINE.decide(acceptable().helo("h".repeat(255)).build());

        assertAccepted(decision, "mynetworks");
    }
}

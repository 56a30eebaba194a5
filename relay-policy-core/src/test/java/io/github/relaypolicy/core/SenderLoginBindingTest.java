package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sender-login battery: which MAIL FROM an authenticated login, a trusted client and an unauthenticated client
 * may use under each {@code sender_login_mismatch} mode, with Postfix's lookup (full address, without extension,
 * {@code @domain}), case folding, quoted local parts and internationalized domains. Every case checks the verdict,
 * the reply, the rule and the trace's {@code sender_login_mismatch} step.
 *
 * <p>Our domain is {@code example.org}; {@code 192.0.2.0/24} is trusted; {@code 203.0.113.9} is a stranger;
 * recipients at {@code victim.example} are relayed only for trusted or authenticated clients.
 */
final class SenderLoginBindingTest {

    private static final String OWNED = "sender_login_mismatch";

    private static RelayEngine.Builder base(SenderLoginMismatch mode, String delimiter) {
        return RelayEngine.builder()
                .localDomains("example.org", "shop.example", "bücher.example")
                .trustedNetworks("192.0.2.0/24")
                .senderLogin("bob@example.org", "bob")
                .senderLogin("sales@example.org", "alice", "bob")
                .senderLogin("\"john smith\"@example.org", "jsmith")
                .senderLogin("@shop.example", "shopadmin")
                .senderLogin("Carol@Example.ORG.", "Carol")
                .senderLogin("kate@example.org", "kate")
                .senderLogin("bob@bücher.example", "bob")
                .senderLogin("owner@example.org", "listowner")
                .senderLoginMismatch(mode)
                .recipientDelimiter(delimiter);
    }

    private static final Map<String, RelayEngine> ENGINES = Map.of(
            "authenticated", base(SenderLoginMismatch.AUTHENTICATED, "+").build(),
            "authenticated-nodelim", base(SenderLoginMismatch.AUTHENTICATED, "").build(),
            "authenticated-dash", base(SenderLoginMismatch.AUTHENTICATED, "+-").build(),
            "known", base(SenderLoginMismatch.KNOWN, "+").build(),
            "all", base(SenderLoginMismatch.ALL, "+").build(),
            "off", base(SenderLoginMismatch.OFF, "+").build(),
            "noauthrelay", base(SenderLoginMismatch.ALL, "+").permitAuthenticated(false).build());

    private static Decision decide(String engine, String client, String user, String sender, String recipient) {
        return ENGINES.get(engine).decide(RelayRequest.builder().client(client).sender(sender).recipient(recipient)
                .authenticatedUser(user.equals("-") ? null : user).build());
    }

    /**
     * Columns: engine, client, user ("-" for none), MAIL FROM, RCPT TO, verdict, reply, deciding rule, the outcome
     * of the {@code sender_login_mismatch} step ("-" for none) and a text its detail contains.
     */
    @ParameterizedTest(name = "{0}: {2} from {1} as {3} to {4} -> {6}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            # owned, shared, not owned, not listed
            authenticated | 203.0.113.9 | bob | <bob@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | MAIL FROM <bob@example.org> matched the key 'bob@example.org' (builder), owned by bob: authenticated user 'bob' owns it
            authenticated | 203.0.113.9 | alice | <sales@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | the key 'sales@example.org' (builder), owned by alice, bob: authenticated user 'alice' owns it
            authenticated | 203.0.113.9 | alice | <bob@example.org> | <x@victim.example> | REJECT | 553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user alice | sender_login_mismatch | REJECT | the key 'bob@example.org' (builder), owned by bob: not owned by authenticated user 'alice'
            authenticated | 203.0.113.9 | bob | <random@other.example> | <x@victim.example> | REJECT | 553 5.7.1 <random@other.example>: Sender address rejected: not owned by user bob | sender_login_mismatch | REJECT | MAIL FROM <random@other.example> matches no key of the sender login maps (looked up random@other.example, @other.example), so it belongs to no login: not owned by authenticated user 'bob' (sender_login_mismatch = authenticated)
            # @domain
            authenticated | 203.0.113.9 | shopadmin | <orders@shop.example> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | MAIL FROM <orders@shop.example> matched by its domain the key '@shop.example' (builder), owned by shopadmin
            authenticated | 203.0.113.9 | bob | <orders@shop.example> | <x@victim.example> | REJECT | 553 5.7.1 <orders@shop.example>: Sender address rejected: not owned by user bob | sender_login_mismatch | REJECT | matched by its domain the key '@shop.example' (builder), owned by shopadmin: not owned by authenticated user 'bob'
            # address extensions, with and without recipient_delimiter
            authenticated | 203.0.113.9 | bob | <bob+news@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | MAIL FROM <bob+news@example.org> matched without its address extension the key 'bob@example.org'
            authenticated | 203.0.113.9 | alice | <bob+news@example.org> | <x@victim.example> | REJECT | 553 5.7.1 <bob+news@example.org>: Sender address rejected: not owned by user alice | sender_login_mismatch | REJECT | without its address extension the key 'bob@example.org' (builder), owned by bob: not owned
            authenticated-nodelim | 203.0.113.9 | bob | <bob+news@example.org> | <x@victim.example> | REJECT | 553 5.7.1 <bob+news@example.org>: Sender address rejected: not owned by user bob | sender_login_mismatch | REJECT | (looked up bob+news@example.org, @example.org)
            authenticated | 203.0.113.9 | bob | <+bob@example.org> | <x@victim.example> | REJECT | 553 5.7.1 <+bob@example.org>: Sender address rejected: not owned by user bob | sender_login_mismatch | REJECT | (looked up +bob@example.org, @example.org)
            authenticated-dash | 203.0.113.9 | bob | <bob-news@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | without its address extension the key 'bob@example.org'
            authenticated-dash | 203.0.113.9 | listowner | <owner-list@example.org> | <x@victim.example> | REJECT | 553 5.7.1 <owner-list@example.org>: Sender address rejected: not owned by user listowner | sender_login_mismatch | REJECT | (looked up owner-list@example.org, @example.org)
            # case: domain, local part, login, key
            authenticated | 203.0.113.9 | bob | <bob@EXAMPLE.Org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | the key 'bob@example.org'
            authenticated | 203.0.113.9 | bob | <BOB@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | the key 'bob@example.org'
            authenticated | 203.0.113.9 | alice | <BOB@example.org> | <x@victim.example> | REJECT | 553 5.7.1 <BOB@example.org>: Sender address rejected: not owned by user alice | sender_login_mismatch | REJECT | the key 'bob@example.org' (builder), owned by bob: not owned
            authenticated | 203.0.113.9 | BoB | <bob@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | authenticated user 'BoB' owns it
            authenticated | 203.0.113.9 | carol | <cAROL@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | the key 'Carol@Example.ORG.' (builder), owned by Carol: authenticated user 'carol' owns it
            authenticated | 203.0.113.9 | eve | <\u212Aate@example.org> | <x@victim.example> | REJECT | 553 5.7.1 <\\u212Aate@example.org>: Sender address rejected: not owned by user eve | sender_login_mismatch | REJECT | (looked up \\u212Aate@example.org, @example.org)
            # the null sender
            authenticated | 203.0.113.9 | alice | <> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | MAIL FROM <> (the null sender is always allowed)
            all | 203.0.113.9 | - | <> | <u@example.org> | ACCEPT | 250 2.1.5 Ok | mydestination | PASS | the null sender is always allowed
            # quoted local parts: the same mailbox
            authenticated | 203.0.113.9 | bob | <"bob"@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | the key 'bob@example.org'
            authenticated | 203.0.113.9 | bob | <"b\\ob"@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | the key 'bob@example.org'
            authenticated | 203.0.113.9 | alice | <"bob"@example.org> | <x@victim.example> | REJECT | 553 5.7.1 <"bob"@example.org>: Sender address rejected: not owned by user alice | sender_login_mismatch | REJECT | the key 'bob@example.org' (builder), owned by bob: not owned
            authenticated | 203.0.113.9 | jsmith | <"john smith"@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | the key '"john smith"@example.org' (builder), owned by jsmith
            authenticated | 203.0.113.9 | bob | <"John Smith"@example.org> | <x@victim.example> | REJECT | 553 5.7.1 <"John Smith"@example.org>: Sender address rejected: not owned by user bob | sender_login_mismatch | REJECT | owned by jsmith: not owned by authenticated user 'bob'
            authenticated | 203.0.113.9 | bob | <"bob+x"@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | without its address extension the key 'bob@example.org'
            # internationalized domain, trailing dot
            authenticated | 203.0.113.9 | bob | <bob@bücher.example> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | the key 'bob@b\\u00FCcher.example' (builder), owned by bob
            authenticated | 203.0.113.9 | bob | <bob@xn--bcher-kva.example> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | owned by bob: authenticated user 'bob' owns it
            authenticated | 203.0.113.9 | alice | <bob@BÜCHER.example> | <x@victim.example> | REJECT | 553 5.7.1 <bob@B\\u00DCCHER.example>: Sender address rejected: not owned by user alice | sender_login_mismatch | REJECT | owned by bob: not owned by authenticated user 'alice'
            authenticated | 203.0.113.9 | bob | <bob@example.org.> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | the key 'bob@example.org'
            # spoofing by a client that did not authenticate: only mode all refuses it, not from trusted networks
            all | 203.0.113.9 | - | <bob@example.org> | <u@example.org> | REJECT | 553 5.7.1 <bob@example.org>: Sender address rejected: not logged in | sender_login_mismatch | REJECT | the key 'bob@example.org' (builder), owned by bob: the client did not authenticate (sender_login_mismatch = all)
            all | 203.0.113.9 | - | <any@shop.example> | <u@example.org> | REJECT | 553 5.7.1 <any@shop.example>: Sender address rejected: not logged in | sender_login_mismatch | REJECT | matched by its domain the key '@shop.example'
            all | 192.0.2.7 | - | <bob@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | mynetworks | SKIP | client did not authenticate but is in the trusted networks
            all | 203.0.113.9 | - | <other@else.example> | <u@example.org> | ACCEPT | 250 2.1.5 Ok | mydestination | PASS | matches no key of the sender login maps (looked up other@else.example, @else.example); allowed for a client that did not authenticate
            all | 203.0.113.9 | alice | <bob@example.org> | <x@victim.example> | REJECT | 553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user alice | sender_login_mismatch | REJECT | not owned by authenticated user 'alice'
            all | 203.0.113.9 | bob | <bob@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | authenticated user 'bob' owns it
            authenticated | 203.0.113.9 | - | <bob@example.org> | <u@example.org> | ACCEPT | 250 2.1.5 Ok | mydestination | SKIP | client did not authenticate; sender_login_mismatch = authenticated checks authenticated clients only
            known | 203.0.113.9 | - | <bob@example.org> | <u@example.org> | ACCEPT | 250 2.1.5 Ok | mydestination | SKIP | client did not authenticate; sender_login_mismatch = known checks authenticated clients only
            # known: only listed addresses are checked
            known | 203.0.113.9 | bob | <random@other.example> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | PASS | matches no key of the sender login maps (looked up random@other.example, @other.example); allowed for authenticated user 'bob' (sender_login_mismatch = known)
            known | 203.0.113.9 | alice | <bob@example.org> | <x@victim.example> | REJECT | 553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user alice | sender_login_mismatch | REJECT | owned by bob: not owned by authenticated user 'alice'
            # off: read, not enforced
            off | 203.0.113.9 | alice | <bob@example.org> | <x@victim.example> | ACCEPT | 250 2.1.5 Ok | permit_authenticated | SKIP | sender_login_mismatch = off: the sender login maps are not enforced
            # an authenticated client is bound wherever its relay came from: trusted network, local domain, Postmaster
            authenticated | 192.0.2.7 | alice | <bob@example.org> | <x@victim.example> | REJECT | 553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user alice | sender_login_mismatch | REJECT | not owned by authenticated user 'alice'
            noauthrelay | 203.0.113.9 | alice | <bob@example.org> | <u@example.org> | REJECT | 553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user alice | sender_login_mismatch | REJECT | not owned by authenticated user 'alice'
            authenticated | 203.0.113.9 | alice | <bob@example.org> | <Postmaster> | REJECT | 553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user alice | sender_login_mismatch | REJECT | not owned by authenticated user 'alice'
            # relay refusal first: no map opens relay, and a refused relay keeps its own rule
            all | 203.0.113.9 | - | <bob@example.org> | <x@victim.example> | REJECT | 554 5.7.1 <x@victim.example>: Relay access denied | reject_unauth_destination | - | -
            noauthrelay | 203.0.113.9 | bob | <bob@example.org> | <x@victim.example> | REJECT | 554 5.7.1 <x@victim.example>: Relay access denied | reject_unauth_destination | - | -
            all | 203.0.113.9 | - | <bob@example.org> | <x%victim.example@example.org> | REJECT | 554 5.7.1 <x%victim.example@example.org>: Relay access denied | allow_untrusted_routing | - | -
            """)
    void decides_the_sender_binding(String engine, String client, String user, String sender, String recipient,
            Verdict verdict, String reply, String rule, String outcome, String detail) {
        String from = unescape(sender);
        Decision d = decide(engine, client, user, from, recipient);

        assertThat(d.verdict()).as("verdict").isEqualTo(verdict);
        assertThat(d.reply().toString()).as("reply").isEqualTo(reply);
        assertThat(d.rule()).as("rule").isEqualTo(rule);
        List<TraceStep> trace = d.trace();
        assertThat(trace.get(trace.size() - 1).rule()).as("the trace ends with the deciding rule").isEqualTo(rule);
        TraceStep step = trace.stream().filter(s -> s.rule().equals(RuleNames.SENDER_LOGIN_MISMATCH)).findFirst()
                .orElse(null);
        if (outcome.equals("-")) {
            assertThat(step).as("no sender binding step: %s", trace).isNull();
            return;
        }
        assertThat(step).as("the sender binding step of %s", trace).isNotNull();
        assertThat(step.outcome()).as("outcome").isEqualTo(TraceStep.Outcome.valueOf(outcome));
        assertThat(step.detail()).as("detail").contains(detail);
        if (verdict == Verdict.REJECT) {
            assertThat(trace.get(trace.size() - 2).outcome()).as("the accepting rule matched, binding next")
                    .isEqualTo(TraceStep.Outcome.MATCH);
            assertThat(trace.get(trace.size() - 2).detail()).endsWith("; sender binding next");
        } else {
            assertThat(trace.get(trace.size() - 2)).as("binding checked just before the accepting step")
                    .isEqualTo(step);
        }
    }

    /** {@code \}{@code uXXXX} in a table cell is that character. */
    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.startsWith("\\u", i) && i + 6 <= s.length()) {
                sb.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                i += 5;
            } else {
                sb.append(s.charAt(i));
            }
        }
        return sb.toString();
    }

    @Test
    void replies_are_overridable_and_echo_the_user_escaped() {
        RelayEngine engine = base(SenderLoginMismatch.ALL, "+")
                .reply(RuleNames.SENDER_LOGIN_MISMATCH, SmtpReply.of(550, "5.7.1", "{user} may not send as <{sender}>"))
                .reply("sender_login_mismatch.unauthenticated", SmtpReply.of(550, "5.7.0",
                        "Authentication required for <{sender}>"))
                .build();
        Decision owned = engine.decide(RelayRequest.builder().client("203.0.113.9").sender("<bob@example.org>")
                .recipient("<x@victim.example>").authenticatedUser("\u00e4lice<br>").build());
        assertThat(owned.reply().toString()).isEqualTo(
                "550 5.7.1 \\u00E4lice<br> may not send as <bob@example.org>");
        assertThat(owned.rule()).isEqualTo("sender_login_mismatch");
        Decision anonymous = engine.decide(RelayRequest.of("203.0.113.9", "<bob@example.org>", "<u@example.org>"));
        assertThat(anonymous.reply().toString()).isEqualTo("550 5.7.0 Authentication required for <bob@example.org>");
        assertThat(anonymous.rule()).isEqualTo("sender_login_mismatch");
    }

    @Test
    void a_binding_refusal_never_goes_on_to_the_dns_lists(@TempDir Path dir) throws IOException {
        Path zone = Files.writeString(dir.resolve("bl.ip4set"), "203.0.113.9\n");
        RelayEngine engine = base(SenderLoginMismatch.ALL, "+").localZone("bl.local", zone).dnsbl("bl.local")
                .build();
        Decision spoofed = engine.decide(RelayRequest.of("203.0.113.9", "<bob@example.org>", "<u@example.org>"));
        assertThat(spoofed.rule()).isEqualTo("sender_login_mismatch");
        assertThat(spoofed.reply().toString())
                .isEqualTo("553 5.7.1 <bob@example.org>: Sender address rejected: not logged in");
        assertThat(spoofed.trace()).extracting(TraceStep::rule).doesNotContain("dnsbl:bl.local");

        Decision listed = engine.decide(RelayRequest.of("203.0.113.9", "<other@else.example>", "<u@example.org>"));
        assertThat(listed.rule()).isEqualTo(RuleNames.DNSBL);
        assertThat(listed.trace()).extracting(TraceStep::rule).contains(RuleNames.SENDER_LOGIN_MISMATCH,
                "dnsbl:bl.local");
    }

    @Test
    void an_engine_without_maps_has_no_binding_step() {
        Decision d = RelayEngine.builder().localDomains("example.org").build()
                .decide(RelayRequest.builder().client("203.0.113.9").sender("<bob@example.org>")
                        .recipient("<x@victim.example>").authenticatedUser("alice").build());
        assertThat(d.rule()).isEqualTo(RuleNames.AUTHENTICATED);
        assertThat(d.trace()).extracting(TraceStep::rule).doesNotContain(RuleNames.SENDER_LOGIN_MISMATCH);
    }
}

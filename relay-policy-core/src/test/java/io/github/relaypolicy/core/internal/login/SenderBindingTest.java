package io.github.relaypolicy.core.internal.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.core.SenderLoginMismatch;
import io.github.relaypolicy.core.internal.match.SmtpPath;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The lookup itself: keys in normal form, and an address taken from the request's text as Postfix's
 * {@code mail_addr_find} takes it (full address, without extension, {@code @domain}; {@code split_addr}'s
 * exceptions), without building strings. {@code a@b@example.org} is the mailbox {@code "a@b"@example.org}: the local
 * part runs to the last {@code @}, as Postfix's internal form has it.
 */
final class SenderBindingTest {

    private static SenderBinding binding(String delimiters, String... keysAndLogins) {
        List<LoginMaps.Entry> entries = new ArrayList<>();
        for (int i = 0; i < keysAndLogins.length; i += 2) {
            entries.add(new LoginMaps.Entry(LoginMaps.normalKey(keysAndLogins[i]), keysAndLogins[i],
                    List.of(keysAndLogins[i + 1].split(",")), null, 0, 0));
        }
        return SenderBinding.compile(new SenderLoginSettings(List.of(), entries, SenderLoginMismatch.AUTHENTICATED,
                delimiters));
    }

    private static String lookup(SenderBinding b, String sender, String user) {
        long parsed = SmtpPath.parse(sender);
        assertThat(SmtpPath.status(parsed)).as(sender).isIn(SmtpPath.OK, SmtpPath.NULL_PATH);
        long result = b.check(sender, parsed, user, false);
        return b.describe(result, sender, parsed, user);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            bob@example.org                 | bob@example.org
            BOB@Example.ORG.                | bob@example.org
            "bob"@example.org               | bob@example.org
            "b\\ob"@example.org             | bob@example.org
            "John Smith"@example.org        | john smith@example.org
            "a@b"@example.org               | a@b@example.org
            @Example.org                    | @example.org
            @bücher.example                 | @xn--bcher-kva.example
            Jörg@BÜCHER.example             | jörg@xn--bcher-kva.example
            bob@[192.0.2.1]                 | bob@[192.0.2.1]
            bob@[IPv6:2001:DB8::1]          | bob@[ipv6:2001:db8::1]
            \u212Aate@example.org           | \u212Aate@example.org
            """)
    void keys_are_kept_in_one_normal_form(String written, String normal) {
        assertThat(LoginMaps.normalKey(written)).isEqualTo(normal);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            bob                   | 'bob' has no domain
            @                     | '@' is not an address
            @a@b.example          | '@a@b.example' is not an address
            @a.example:b@c.example | '@a.example:b@c.example' is not an address
            a@b@c.example         | 'a@b@c.example' is not an address
            <bob@example.org>     | '<bob@example.org>' is not an address
            bob@-example.org      | 'bob@-example.org' is not an address
            bob@stra\u00dfe.example | 'bob@stra\\u00DFe.example': 'stra\\u00DFe.example' is not a valid domain name
            ""@example.org        | '""@example.org' has an empty local part; write @example.org
            """)
    void keys_that_are_not_addresses_are_refused(String written, String message) {
        assertThatThrownBy(() -> LoginMaps.normalKey(written)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }

    @ParameterizedTest(name = "{1} as {2} with {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            +  | <bob+x@example.org>            | bob   | matched without its address extension the key 'bob@example.org' (builder), owned by bob: authenticated user 'bob' owns it
            +  | <"bob\\+x"@example.org>        | bob   | matched without its address extension the key 'bob@example.org'
            +  | <"bob+x"@example.org>          | bob   | matched without its address extension the key 'bob@example.org'
            +  | <@relay.example:bob@example.org> | bob | matched the key 'bob@example.org'
            +  | <@[192.0.2.9],@a.example:bob+x@example.org> | bob | matched without its address extension the key 'bob@example.org'
            +  | <bob+x+y@example.org>          | bob   | matched without its address extension the key 'bob@example.org'
            +- | <bob-x+y@example.org>          | bob   | matched without its address extension the key 'bob@example.org'
            +  | <bob+@example.org>             | bob   | matched without its address extension the key 'bob@example.org'
            +  | <+bob@example.org>             | bob   | matches no key of the sender login maps (looked up +bob@example.org, @example.org)
            +- | <owner-list@example.org>       | owner | matches no key of the sender login maps (looked up owner-list@example.org, @example.org)
            +- | <OWNER-list@example.org>       | owner | (looked up owner-list@example.org, @example.org)
            +- | <list-request@example.org>     | list  | (looked up list-request@example.org, @example.org)
            +- | <list-x@example.org>           | list  | matched without its address extension the key 'list@example.org'
            +- | <MAILER-DAEMON@example.org>    | mailer | (looked up mailer-daemon@example.org, @example.org)
            -  | <owner-@example.org>           | owner | (looked up owner-@example.org, @example.org)
            +  | <owner-list@example.org>       | owner | (looked up owner-list@example.org, @example.org)
            +  | <bob@[192.0.2.1]>              | lit   | matched the key 'bob@[192.0.2.1]'
            +  | <bob@[IPv6:2001:db8::1]>       | lit   | matched the key 'bob@[IPv6:2001:DB8::1]'
            +  | <bob>                          | bob   | (looked up nothing: the address has no domain)
            +  | <"bob@example.org">            | bob   | (looked up nothing: the address has no domain)
            +  | <a@b@example.org>              | ab    | matched the key '"a@b"@example.org' (builder), owned by ab: authenticated user 'ab' owns it
            +  | <"a@b"@example.org>            | ab    | matched the key '"a@b"@example.org'
            +  | <x@sub.example.org>            | bob   | (looked up x@sub.example.org, @sub.example.org)
            """)
    void addresses_are_looked_up_as_postfix_does(String delimiters, String sender, String user, String detail) {
        SenderBinding b = binding(delimiters, "bob@example.org", "bob", "owner@example.org", "owner",
                "list@example.org", "list", "mailer@example.org", "mailer", "bob@[192.0.2.1]", "lit",
                "bob@[IPv6:2001:DB8::1]", "lit", "\"a@b\"@example.org", "ab");
        assertThat(lookup(b, sender, user)).contains(detail);
    }

    @Test
    void logins_compare_case_insensitively_but_never_fold_non_ascii_onto_ascii() {
        SenderBinding b = binding("", "kate@example.org", "Kate,Jörg");
        assertThat(lookup(b, "<kate@example.org>", "KATE")).endsWith("authenticated user 'KATE' owns it");
        assertThat(lookup(b, "<kate@example.org>", "jÖRG")).endsWith("owns it");
        assertThat(lookup(b, "<kate@example.org>", "\u212Aate")).endsWith("not owned by authenticated user"
                + " '\\u212Aate'");
        assertThat(lookup(b, "<kate@example.org>", "kate ")).contains("not owned");
    }

    @Test
    void a_large_map_finds_every_key_and_misses_what_it_lacks() {
        List<String> args = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            args.add("user" + i + "@example" + (i % 7) + ".org");
            args.add("login" + i);
        }
        SenderBinding b = binding("+", args.toArray(new String[0]));
        assertThat(b.size()).isEqualTo(5000);
        for (int i = 0; i < 5000; i += 97) {
            String sender = "<User" + i + "+tag@EXAMPLE" + (i % 7) + ".org>";
            long parsed = SmtpPath.parse(sender);
            assertThat(SenderBinding.code(b.check(sender, parsed, "login" + i, false))).as(sender)
                    .isEqualTo(SenderBinding.OWNED);
            assertThat(SenderBinding.code(b.check(sender, parsed, "login" + (i + 1), false))).as(sender)
                    .isEqualTo(SenderBinding.NOT_OWNED);
        }
        String stranger = "<user1@example2.org>"; // user1 is at example1.org
        assertThat(SenderBinding.code(b.check(stranger, SmtpPath.parse(stranger), "login1", false)))
                .isEqualTo(SenderBinding.UNLISTED_REFUSED);
    }
}

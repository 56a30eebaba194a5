package io.github.relaypolicy.core.internal.access;

import static io.github.relaypolicy.core.internal.access.Tables.helo;
import static io.github.relaypolicy.core.internal.access.Tables.recipient;
import static io.github.relaypolicy.core.internal.access.Tables.sender;
import static io.github.relaypolicy.core.internal.access.Tables.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.internal.match.SmtpPath;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** access(5) text tables: keys and lookup order as smtpd_check.c and mail_addr_find.c with Postfix's defaults. */
final class TextTableTest {

    @TempDir
    Path dir;

    private AccessTable load(Family family, String content) {
        return Tables.load(dir, family, "hash:", "access", content);
    }

    private String error(Family family, String content) {
        Path file = Tables.write(dir, "access", content);
        try {
            AccessTable.load(family, file.toString(), file);
        } catch (AccessTableException e) {
            return e.getMessage().replace(file.toString(), "FILE");
        }
        throw new AssertionError("no error");
    }

    @Test
    void helo_names_match_their_parent_domains_longest_first() {
        AccessTable t = load(Family.HELO, """
                example.com        REJECT
                mail.example.com   OK
                quiet.example.com  DUNNO
                tld                550 a whole TLD
                192.0.2.1          REJECT numeric
                2.1                OK
                .dotted.example    REJECT dot
                """);
        assertThat(value(t, helo("mail.example.com"))).isEqualTo("OK");
        assertThat(value(t, helo("MAIL.Example.COM"))).isEqualTo("OK");
        assertThat(value(t, helo("x.mail.example.com"))).isEqualTo("OK");
        assertThat(value(t, helo("other.example.com"))).isEqualTo("REJECT");
        assertThat(value(t, helo("example.com"))).isEqualTo("REJECT");
        // a found key stops the lookups even when it says DUNNO
        assertThat(value(t, helo("a.quiet.example.com"))).isEqualTo("DUNNO");
        assertThat(value(t, helo("anything.tld"))).isEqualTo("550 a whole TLD");
        assertThat(value(t, helo("notexample.com"))).isEqualTo("none");
        // a name with a trailing dot is looked up as it is: its parents keep the dot
        assertThat(value(t, helo("mail.example.com."))).isEqualTo("none");
        // an address: only the whole, no "subdomain magic"
        assertThat(value(t, helo("192.0.2.1"))).isEqualTo("REJECT numeric");
        assertThat(value(t, helo("198.51.2.1"))).isEqualTo("none");
        assertThat(value(t, helo("[192.0.2.1]"))).isEqualTo("none");
        assertThat(value(t, helo("x.2.1"))).isEqualTo("OK");
        // a key with a leading dot: only a HELO name that starts with it
        assertThat(value(t, helo("a.dotted.example"))).isEqualTo("none");
        assertThat(value(t, helo(".dotted.example"))).isEqualTo("REJECT dot");
        assertThat(value(t, new AccessSubject())).isEqualTo("none");
        assertThat(t.warningProblems()).extracting(PolicyFileException.Problem::message).containsExactly(
                "check_helo_access entry '.dotted.example' matches only a HELO name that starts with a dot: with"
                        + " Postfix's default parent_domain_matches_subdomains the key 'dotted.example' already"
                        + " matches its subdomains");
    }

    @Test
    void the_parents_postfix_asks_for_names_with_empty_labels() {
        // check_domain_access moves to the text after the first '.' that follows the first character
        AccessTable t = load(Family.HELO, """
                .b     REJECT dot-b
                b      REJECT b
                """);
        assertThat(value(t, helo("a..b"))).isEqualTo("REJECT dot-b");
        assertThat(value(t, helo("..b"))).isEqualTo("REJECT b");
        assertThat(value(t, helo("a...b"))).isEqualTo("REJECT b");
        assertThat(value(t, helo(".a.b"))).isEqualTo("REJECT b");
    }

    @Test
    void addresses_in_mail_addr_find_order() {
        AccessTable t = load(Family.RECIPIENT, """
                user+ext@example.com   REJECT full
                user@example.com       REJECT bare
                example.com            REJECT domain
                com                    REJECT tld
                other+tag@             REJECT localpart with extension
                other@                 REJECT localpart
                sub.example.org        DUNNO
                example.org            REJECT org
                """);
        assertThat(value(t, recipient("<user+ext@example.com>", "+"))).isEqualTo("REJECT full");
        assertThat(value(t, recipient("<user+else@example.com>", "+"))).isEqualTo("REJECT bare");
        assertThat(value(t, recipient("<User@Example.COM>", "+"))).isEqualTo("REJECT bare");
        assertThat(value(t, recipient("<someone@example.com>", "+"))).isEqualTo("REJECT domain");
        assertThat(value(t, recipient("<someone@a.b.example.com>", "+"))).isEqualTo("REJECT domain");
        assertThat(value(t, recipient("<someone@example.net.com>", "+"))).isEqualTo("REJECT tld");
        assertThat(value(t, recipient("<other+tag@example.net>", "+"))).isEqualTo("REJECT localpart with extension");
        assertThat(value(t, recipient("<other+x@example.net>", "+"))).isEqualTo("REJECT localpart");
        assertThat(value(t, recipient("<other@example.net>", "+"))).isEqualTo("REJECT localpart");
        // the domain comes before user@
        assertThat(value(t, recipient("<other@example.com>", "+"))).isEqualTo("REJECT domain");
        assertThat(value(t, recipient("<someone@x.sub.example.org>", "+"))).isEqualTo("DUNNO");
        assertThat(value(t, recipient("<someone@example.net>", "+"))).isEqualTo("none");
        // without a delimiter, no extension is stripped
        assertThat(value(t, recipient("<user+else@example.net>", ""))).isEqualTo("none");
        assertThat(value(t, recipient("<user+ext@example.com>", ""))).isEqualTo("REJECT full");
        // a trailing dot on the domain is not part of it
        assertThat(value(t, recipient("<user@example.com.>", "+"))).isEqualTo("REJECT bare");
        assertThat(value(t, recipient("user@example.com", "+"))).isEqualTo("REJECT bare");
        assertThat(value(t, recipient("<>", "+"))).isEqualTo("none");
    }

    @Test
    void several_delimiters_and_the_local_parts_postfix_never_splits() {
        AccessTable t = load(Family.RECIPIENT, """
                user@example.com         REJECT user
                owner@example.com        REJECT owner
                list@example.com         REJECT list
                postmaster@example.com   OK
                """);
        assertThat(value(t, recipient("<user-a@example.com>", "+-"))).isEqualTo("REJECT user");
        assertThat(value(t, recipient("<user+a-b@example.com>", "+-"))).isEqualTo("REJECT user");
        assertThat(value(t, recipient("<user-a@example.com>", "+"))).isEqualTo("none");
        assertThat(value(t, recipient("<owner-list@example.com>", "-"))).isEqualTo("none");
        assertThat(value(t, recipient("<list-request@example.com>", "-"))).isEqualTo("none");
        assertThat(value(t, recipient("<list-request@example.com>", "+-"))).isEqualTo("none");
        assertThat(value(t, recipient("<list+request@example.com>", "+"))).isEqualTo("REJECT list");
        // a delimiter first: no split
        assertThat(value(t, recipient("<+user@example.com>", "+"))).isEqualTo("none");
    }

    @Test
    void the_null_sender_is_looked_up_by_its_key() {
        AccessTable t = load(Family.SENDER, """
                <>              REJECT no bounces here
                bounce@         OK
                """);
        assertThat(value(t, sender("<>"))).isEqualTo("REJECT no bounces here");
        AccessSubject custom = new AccessSubject().reset("+", "bounce@").sender("<>", SmtpPath.parse("<>"));
        assertThat(value(t, custom)).isEqualTo("OK");
        assertThat(value(t, sender("<bounce@example.org>"))).isEqualTo("OK");
        assertThat(value(t, sender("<someone@example.org>"))).isEqualTo("none");
        assertThat(t.find(sender("<>")).reply(AccessSubject.addressReplyName("<>")))
                .isEqualTo("554 5.7.1 <>: Sender address rejected: no bounces here");
    }

    @Test
    void internationalized_keys_match_in_either_form() {
        AccessTable t = load(Family.SENDER, """
                bücher.example          REJECT u-label key
                xn--mnchen-3ya.example  REJECT a-label key
                Jörg@beispiel.example   REJECT local part
                """);
        assertThat(value(t, sender("<a@xn--bcher-kva.example>"))).isEqualTo("REJECT u-label key");
        assertThat(value(t, sender("<a@BÜCHER.example>"))).isEqualTo("REJECT u-label key");
        assertThat(value(t, sender("<a@mail.bücher.example>"))).isEqualTo("REJECT u-label key");
        assertThat(value(t, sender("<a@münchen.example>"))).isEqualTo("REJECT a-label key");
        assertThat(value(t, sender("<jÖrg@beispiel.example>"))).isEqualTo("REJECT local part");
        assertThat(value(t, sender("<jörg@xn--beispiel.example>"))).isEqualTo("none");
        AccessTable h = load(Family.HELO, "bücher.example REJECT\n");
        assertThat(value(h, helo("mx.xn--bcher-kva.example"))).isEqualTo("REJECT");
        assertThat(value(h, helo("mx.bücher.example"))).isEqualTo("REJECT");
    }

    @Test
    void continuation_lines_comments_and_duplicate_keys_as_postmap_reads_them() {
        AccessTable t = load(Family.SENDER, """
                # senders
                spammer.example   REJECT
                # comment between
                    go away
                spammer.example   OK
                SPAMMER.EXAMPLE   OK
                ham.example       OK # this is text
                """);
        assertThat(value(t, sender("<a@spammer.example>"))).isEqualTo("REJECT    go away");
        assertThat(value(t, sender("<a@ham.example>"))).isEqualTo("OK # this is text");
        assertThat(t.warnings()).containsExactly(
                dir.resolve("access") + ":5: check_sender_access entry 'spammer.example' is ignored: the key is"
                        + " already at line 2 (postmap keeps the first with a warning \"duplicate entry\")",
                dir.resolve("access") + ":6: check_sender_access entry 'SPAMMER.EXAMPLE' is ignored: the key is"
                        + " already at line 2 (postmap keeps the first with a warning \"duplicate entry\")");
        assertThat(t.actions()).hasSize(4);
    }

    @Test
    void errors_name_file_line_column_and_the_entry() {
        assertThat(error(Family.SENDER, "a@example.com\n")).isEqualTo("FILE:1:1: check_sender_access entry"
                + " 'a@example.com' has no result (expected KEY ACTION; postmap skips the line with a warning)");
        assertThat(error(Family.HELO, "ok.example  OK\nbad.example   RELAY\n")).isEqualTo("FILE:2:15:"
                + " check_helo_access entry 'bad.example': RELAY grants relay and is allowed only in"
                + " check_client_access and check_recipient_access tables; write OK to stop the checks without"
                + " granting relay");
        assertThat(error(Family.RECIPIENT, "a@example.com\n   defer_if_permit\n")).isEqualTo("FILE:2:4:"
                + " check_recipient_access entry 'a@example.com': 'defer_if_permit' is not supported in a"
                + " check_recipient_access table: relay-policy has no deferred decisions; write DEFER or REJECT");
        assertThat(error(Family.SENDER, "example.com FILTER\n")).isEqualTo("FILE:1:13: check_sender_access entry"
                + " 'example.com': FILTER needs transport:destination (Postfix ignores the entry with a warning)");
    }

    @Test
    void references_name_the_type_a_family_cannot_read() {
        assertThat(AccessTable.parseReference(Family.CLIENT, "/etc/x"))
                .isEqualTo(new AccessTable.TableRef("", "/etc/x", AccessTable.Format.CIDR));
        assertThat(AccessTable.parseReference(Family.CLIENT, "cidr:/etc/x").format())
                .isEqualTo(AccessTable.Format.CIDR);
        assertThat(AccessTable.parseReference(Family.HELO, "/etc/x").format()).isEqualTo(AccessTable.Format.TEXT);
        for (String type : new String[] {"hash", "texthash", "btree", "lmdb", "cdb"}) {
            assertThat(AccessTable.parseReference(Family.SENDER, type + ":/etc/x"))
                    .isEqualTo(new AccessTable.TableRef(type, "/etc/x", AccessTable.Format.TEXT));
        }
        assertThat(AccessTable.parseReference(Family.CLIENT, "regexp:/etc/x").format())
                .isEqualTo(AccessTable.Format.REGEXP);
        assertThat(AccessTable.parseReference(Family.RECIPIENT, "pcre:x").format())
                .isEqualTo(AccessTable.Format.PCRE);
        assertThatThrownBy(() -> AccessTable.parseReference(Family.SENDER, "mysql:/etc/x.cf")).hasMessage(
                "check_sender_access 'mysql:/etc/x.cf': 'mysql:' is a Postfix mysql: table, which relay-policy"
                        + " cannot read; the files it reads are hash:, texthash:, btree:, lmdb:, cdb: (the"
                        + " access(5) text file postmap reads, or no prefix), regexp: and pcre:");
        assertThatThrownBy(() -> AccessTable.parseReference(Family.CLIENT, "proxy:ldap:/x")).hasMessage(
                "check_client_access 'proxy:ldap:/x': 'proxy:' is a Postfix proxy: table, which relay-policy cannot"
                        + " read; the files it reads are cidr: (or no prefix), regexp: and pcre:");
        assertThatThrownBy(() -> AccessTable.parseReference(Family.HELO, "cidr:/etc/x")).hasMessage(
                "check_helo_access 'cidr:/etc/x': a cidr: table matches client addresses only; use it in"
                        + " check_client_access, or write check_helo_access as an access(5) text file (hash:) or a"
                        + " regexp:/pcre: table");
        assertThatThrownBy(() -> AccessTable.parseReference(Family.CLIENT, "hash:/etc/x")).hasMessage(
                "check_client_access 'hash:/etc/x': a hash: client table is not supported; write the client"
                        + " networks as a cidr: table (cidr_table(5)), or match names with a regexp: or pcre: table");
        assertThatThrownBy(() -> AccessTable.parseReference(Family.HELO, "hash:")).hasMessage(
                "check_helo_access 'hash:': no file name");
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> AccessTable.load(Family.HELO, missing.toString(), missing))
                .hasMessage(missing + ": check_helo_access table '" + missing + "' cannot be read: no such file");
    }

    @Test
    void a_hundred_thousand_keys_and_lookups_that_allocate_nothing() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            sb.append("user").append(i).append("@domain").append(i % 977).append(".example REJECT\n");
        }
        sb.append("blocked.example REJECT domain\n");
        AccessTable t = load(Family.RECIPIENT, sb.toString());
        assertThat(((TextTable) t).size()).isEqualTo(100_001);
        assertThat(value(t, recipient("<user12345+x@domain621.example>", "+"))).isEqualTo("REJECT");
        assertThat(value(t, recipient("<user12345@domain620.example>", "+"))).isEqualTo("none");
        assertThat(value(t, recipient("<a@mx.blocked.example>", "+"))).isEqualTo("REJECT domain");

        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!mx.isThreadAllocatedMemorySupported()) {
            return;
        }
        mx.setThreadAllocatedMemoryEnabled(true);
        AccessSubject[] subjects = new AccessSubject[64];
        for (int i = 0; i < subjects.length; i++) {
            subjects[i] = recipient("<user" + (i * 7) + "+tag@a.b.domain" + (i % 5) + ".example>", "+")
                    .helo("mail" + i + ".sub.blocked.example");
        }
        AccessTable h = load(Family.HELO, "blocked.example REJECT\nother.example OK\n");
        long least = Long.MAX_VALUE;
        int found = 0;
        for (int round = 0; round < 200; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (AccessSubject s : subjects) {
                if (t.find(s) != null) {
                    found++;
                }
                if (h.find(s) != null) {
                    found++;
                }
            }
            least = Math.min(least, mx.getCurrentThreadAllocatedBytes() - before);
        }
        assertThat(found).isEqualTo(200 * 64);
        assertThat(least).as("bytes allocated by 128 lookups").isLessThan(64);
    }
}

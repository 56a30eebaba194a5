package io.github.relaypolicy.core.internal.access;

import static io.github.relaypolicy.core.internal.access.Tables.client;
import static io.github.relaypolicy.core.internal.access.Tables.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cidr_table(5) files as Postfix reads them. */
final class CidrTableTest {

    @TempDir
    Path dir;

    private AccessTable load(String content) {
        return Tables.load(dir, Family.CLIENT, "cidr:", "clients", content);
    }

    private String error(String content) {
        Path file = Tables.write(dir, "clients", content);
        try {
            AccessTable.load(Family.CLIENT, "cidr:" + file, file);
        } catch (AccessTableException e) {
            return e.getMessage().replace(file.toString(), "FILE");
        }
        throw new AssertionError("no error");
    }

    @Test
    void the_first_matching_entry_in_file_order_wins() {
        AccessTable t = load("""
                # clients
                192.0.2.0/24     REJECT listed network
                192.0.2.1        OK
                198.51.100.7     OK
                198.51.100.0/24  REJECT
                0.0.0.0/0        DUNNO
                """);
        assertThat(((CidrTable) t).isTrie()).isTrue();
        assertThat(value(t, client("192.0.2.1", null))).isEqualTo("REJECT listed network");
        assertThat(value(t, client("192.0.2.200", null))).isEqualTo("REJECT listed network");
        assertThat(value(t, client("198.51.100.7", null))).isEqualTo("OK");
        assertThat(value(t, client("198.51.100.8", null))).isEqualTo("REJECT");
        assertThat(value(t, client("203.0.113.1", null))).isEqualTo("DUNNO");
        assertThat(value(t, client("2001:db8::1", null))).isEqualTo("none");
        assertThat(value(t, client("not an address", null))).isEqualTo("none");
        assertThat(t.find(client("192.0.2.1", null)).line()).isEqualTo(2);
        // the entry inside an earlier one never matches: a warning for lint, at its line
        assertThat(t.warnings()).containsExactly(
                dir.resolve("clients") + ":3: cidr table entry '192.0.2.1' never matches: the entry"
                        + " '192.0.2.0/24' at line 2 comes first and contains it (the first match in file order"
                        + " wins)");
        assertThat(t.actions()).hasSize(5);
        assertThat(t.format()).isEqualTo(AccessTable.Format.CIDR);
    }

    @Test
    void ipv6_networks_hosts_brackets_and_mapped_clients() {
        AccessTable t = load("""
                2001:db8::/32          REJECT v6 net
                [2001:db8:1::1]        OK
                [2001:db8:2::]/48      OK
                2001:DB8:3::1/128      OK
                ::/0                   DUNNO
                [192.0.2.0/24]         550 five fifty
                """);
        assertThat(value(t, client("2001:db8::1", null))).isEqualTo("REJECT v6 net");
        assertThat(value(t, client("2001:db8:1::1", null))).isEqualTo("REJECT v6 net");
        assertThat(value(t, client("2001:db9::1", null))).isEqualTo("DUNNO");
        assertThat(value(t, client("::ffff:192.0.2.9", null))).isEqualTo("550 five fifty");
        assertThat(value(t, client("192.0.2.9", null))).isEqualTo("550 five fifty");
        assertThat(t.warnings()).hasSize(3);
    }

    @Test
    void a_longer_prefix_listed_first_wins_over_a_later_shorter_one() {
        AccessTable t = load("""
                2001:db8:1::/48   OK
                2001:db8::/32     REJECT
                10.1.2.3          OK
                10.0.0.0/8        REJECT
                0.0.0.0/0         DEFER
                """);
        assertThat(value(t, client("2001:db8:1::5", null))).isEqualTo("OK");
        assertThat(value(t, client("2001:db8:2::5", null))).isEqualTo("REJECT");
        assertThat(value(t, client("10.1.2.3", null))).isEqualTo("OK");
        assertThat(value(t, client("10.1.2.4", null))).isEqualTo("REJECT");
        assertThat(value(t, client("11.0.0.1", null))).isEqualTo("DEFER");
        assertThat(t.warnings()).isEmpty();
    }

    @Test
    void negation_and_if_blocks_are_evaluated_in_file_order() {
        AccessTable t = load("""
                if 192.0.2.0/24
                !192.0.2.0/25   REJECT upper half
                endif
                IF !10.0.0.0/8
                if 2001:db8::/32
                2001:db8::1     OK
                ENDIF
                0.0.0.0/0       DEFER outside ten
                endif
                0.0.0.0/0       DUNNO
                """);
        assertThat(((CidrTable) t).isTrie()).isFalse();
        assertThat(value(t, client("192.0.2.200", null))).isEqualTo("REJECT upper half");
        assertThat(value(t, client("192.0.2.1", null))).isEqualTo("DEFER outside ten");
        assertThat(value(t, client("10.0.0.1", null))).isEqualTo("DUNNO");
        // "if !10.0.0.0/8" holds only for IPv4 addresses: an IPv6 client skips the block (cidr_match_execute)
        assertThat(value(t, client("2001:db8::1", null))).isEqualTo("none");
        AccessTable v6 = load("if !2001:db8:1::/48\nif 2001:db8::/32\n2001:db8::1 OK\nendif\nendif\n");
        assertThat(value(v6, client("2001:db8::1", null))).isEqualTo("OK");
        assertThat(value(v6, client("2001:db8:1::1", null))).isEqualTo("none");
        assertThat(value(v6, client("192.0.2.1", null))).isEqualTo("none");
        // an IPv6 address is outside every IPv4 network, but "!" matches only addresses of its family
        assertThat(value(load("!192.0.2.0/24 REJECT\n"), client("2001:db8::1", null))).isEqualTo("none");
        assertThat(value(load("!192.0.2.0/24 REJECT\n"), client("192.0.3.1", null))).isEqualTo("REJECT");
    }

    @Test
    void continuation_lines_and_comments_as_postfix_reads_them() {
        AccessTable t = load("""
                192.0.2.0/24  REJECT
                # a comment between the entry and its continuation
                   listed by us
                # 198.51.100.0/24 REJECT

                198.51.100.0/24   OK # not a comment
                """);
        assertThat(value(t, client("192.0.2.1", null))).isEqualTo("REJECT   listed by us");
        assertThat(t.find(client("192.0.2.1", null)).reply("unknown[192.0.2.1]"))
                .isEqualTo("554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: listed by us");
        assertThat(value(t, client("198.51.100.1", null))).isEqualTo("OK # not a comment");
    }

    @Test
    void errors_name_file_line_column_and_the_entry() {
        assertThat(error("192.0.2.0/24 OK\n192.0.2.1/24 REJECT\n")).isEqualTo("FILE:2:1: cidr table entry"
                + " '192.0.2.1/24': non-null host address bits in \"192.0.2.1/24\", perhaps you should use"
                + " \"192.0.2.0/24\" instead");
        assertThat(error("2001:db8::1/32 REJECT\n")).isEqualTo("FILE:1:1: cidr table entry '2001:db8::1/32':"
                + " non-null host address bits in \"2001:db8::1/32\", perhaps you should use \"2001:db8::/32\""
                + " instead");
        assertThat(error("192.0.2.0/33 REJECT\n")).isEqualTo(
                "FILE:1:1: cidr table entry '192.0.2.0/33': bad mask length in \"192.0.2.0/33\"");
        assertThat(error("192.0.2.0/x REJECT\n")).isEqualTo(
                "FILE:1:1: cidr table entry '192.0.2.0/x': bad mask value in \"192.0.2.0/x\"");
        assertThat(error("192.0.2/24 REJECT\n")).isEqualTo(
                "FILE:1:1: cidr table entry '192.0.2/24': bad network value in \"192.0.2/24\"");
        assertThat(error("mail.example.com REJECT\n")).isEqualTo(
                "FILE:1:1: cidr table entry 'mail.example.com': bad address pattern: \"mail.example.com\"");
        assertThat(error("[192.0.2.1 REJECT\n")).isEqualTo(
                "FILE:1:1: cidr table entry '[192.0.2.1': missing ']' character after \"[192.0.2.1\"");
        assertThat(error("192.0.2.1\n")).isEqualTo(
                "FILE:1:1: cidr table entry '192.0.2.1' has no result (expected NETWORK ACTION)");
        assertThat(error("192.0.2.1   permit_mynetworks\n")).isEqualTo("FILE:1:13: cidr table entry '192.0.2.1':"
                + " 'permit_mynetworks' is not supported in a check_client_access table: restriction lists and"
                + " restriction classes in a result are not supported; the actions are OK, RELAY, REJECT, DEFER,"
                + " 4NN text, 5NN text, DUNNO, WARN, DISCARD, HOLD, FILTER, REDIRECT and PREPEND");
        assertThat(error("endif\n")).isEqualTo("FILE:1:1: cidr table: 'endif' without 'if'");
        assertThat(error("if 10.0.0.0/8\n10.1.0.0/16 OK\n")).isEqualTo(
                "FILE:1:1: cidr table 'if' without a matching 'endif'");
        assertThat(error("  192.0.2.1 OK\n")).isEqualTo("FILE:1:1: a line starting with whitespace continues the"
                + " entry above it, but there is none (Postfix ignores it with a warning); remove the leading"
                + " whitespace");
        assertThat(error("192.0.2.1 OK\n192.0.2.2/40 OK\n192.0.2.3 OK\n192.0.2.4 bogus\n"))
                .isEqualTo("FILE:2:1: cidr table entry '192.0.2.2/40': bad mask length in \"192.0.2.2/40\" (and 1"
                        + " more problems)");
    }

    @Test
    void a_hundred_thousand_entries() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            sb.append(String.format("10.%d.%d.0/24 REJECT net %d%n", i >> 8 & 255, i & 255, i));
        }
        for (int i = 0; i < 1000; i++) {
            sb.append(String.format("2001:db8:%x::/48 OK%n", i));
        }
        AccessTable t = load(sb.toString());
        assertThat(t.actions()).hasSize(101_000);
        assertThat(value(t, client("10.1.2.3", null))).isEqualTo("REJECT net 258");
        assertThat(value(t, client("10.0.0.3", null))).isEqualTo("REJECT net 0");
        assertThat(value(t, client("2001:db8:3e7::1", null))).isEqualTo("OK");
        assertThat(value(t, client("2001:db8:3e8::1", null))).isEqualTo("none");
    }
}

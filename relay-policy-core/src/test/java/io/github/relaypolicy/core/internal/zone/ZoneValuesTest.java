package io.github.relaypolicy.core.internal.zone;

import static io.github.relaypolicy.core.internal.zone.Zones.ask4;
import static io.github.relaypolicy.core.internal.zone.Zones.lenient;
import static io.github.relaypolicy.core.internal.zone.Zones.strict;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class ZoneValuesTest {

    @Test
    void without_a_default_line_an_entry_answers_127_0_0_2_and_no_txt() {
        ZoneData zone = strict(ZoneType.IP4SET, "192.0.2.1");

        ZoneAnswer answer = zone.lookup4(Zones.parse4("192.0.2.1"));
        assertThat(answer.address()).isEqualTo(0x7f000002);
        assertThat(answer.txtTemplate()).isNull();
        assertThat(answer.txt("192.0.2.1")).isNull();
    }

    /** The cases of rbldnsd's manual page ("Resulting A values and TXT templates"), and more. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "127.0.0.4                                  | 127.0.0.2 IP address 127.0.0.4 is listed",
        "127.0.0.5 :5                               | 127.0.0.5 IP address 127.0.0.5 is listed",
        "127.0.0.6 :6:                              | 127.0.0.6",
        "127.0.0.7 IP address $ running an open relay | 127.0.0.2 IP address 127.0.0.7 running an open relay",
        "127.0.0.8 :127.0.0.3:Blacklisted: http://example.com/bl?$ | 127.0.0.3 Blacklisted: http://example.com/bl?127.0.0.8",
        "127.0.0.9:9:no space before the value      | 127.0.0.9 no space before the value",
        "127.0.0.10 :10 :  spaces around the colons | 127.0.0.10 spaces around the colons",
        "127.0.0.11 :127.1:inet_aton form           | 127.0.0.1 inet_aton form",
        "127.0.0.12 :10.20.30:three numbers         | 10.20.0.30 three numbers",
        "127.0.0.13 # a comment, not a TXT          | 127.0.0.2 IP address 127.0.0.13 is listed",
        "127.0.0.14;a comment                       | 127.0.0.2 IP address 127.0.0.14 is listed",
        "127.0.0.15 text # with a hash ; semicolon  | 127.0.0.2 text # with a hash ; semicolon",
        "127.0.0.16 This spammer wants some $$$$.  $1/$ | 127.0.0.2 This spammer wants some $$.  See http://www.example.com/bl/127.0.0.16",
        "127.0.0.17 $1/spammer/$ $2                 | 127.0.0.2 See http://www.example.com/bl/spammer/127.0.0.17 for details",
        "127.0.0.18 $3 is not defined, $x is $ then x | 127.0.0.2 $3 is not defined, 127.0.0.18x is 127.0.0.18 then x",
        "127.0.0.19 trailing $                      | 127.0.0.2 trailing 127.0.0.19",
        "127.0.0.20 \ttab\tinside                   | 127.0.0.2 tab\tinside",
    })
    void values_follow_the_manual_page(String entry, String answer) {
        ZoneData zone = strict(ZoneType.IP4SET,
                "$1 See http://www.example.com/bl",
                ":127.0.0.2:IP address $ is listed",
                entry,
                "$2 for details");
        String address = entry.split("[ :;#]", 2)[0];

        assertThat(ask4(zone, address)).isEqualTo(answer.replace("\\t", "\t"));
    }

    @Test
    void a_default_line_applies_to_the_entries_after_it() {
        ZoneData zone = strict(ZoneType.IP4SET,
                "192.0.2.1",
                ":3:first default $",
                "192.0.2.2",
                "192.0.2.3 :7",
                ":4",
                "192.0.2.4",
                "192.0.2.5 only text");

        assertThat(ask4(zone, "192.0.2.1")).isEqualTo("127.0.0.2");
        assertThat(ask4(zone, "192.0.2.2")).isEqualTo("127.0.0.3 first default 192.0.2.2");
        assertThat(ask4(zone, "192.0.2.3")).isEqualTo("127.0.0.7 first default 192.0.2.3");
        assertThat(ask4(zone, "192.0.2.4")).isEqualTo("127.0.0.4"); // ":4" takes rbldnsd's TXT, none
        assertThat(ask4(zone, "192.0.2.5")).isEqualTo("127.0.0.4 only text");
    }

    /** The base template example of rbldnsd's manual page. */
    @Test
    void a_base_template_wraps_every_entry_text() {
        ZoneData zone = strict(ZoneType.IP4SET,
                "$= See http://www.example.com/bl?$= ($) for details",
                "127.0.0.2    r123",
                "127.0.0.3",
                "127.0.0.4    =See other blocklists for details about $",
                "127.0.0.5    :5:raw $ and $$ go in as they are",
                "127.0.0.6    :6:",
                "$= a second base template is ignored");

        String see = "See http://www.example.com/bl?";
        assertThat(ask4(zone, "127.0.0.2")).isEqualTo("127.0.0.2 " + see + "r123 (127.0.0.2) for details");
        assertThat(ask4(zone, "127.0.0.3")).isEqualTo("127.0.0.2 " + see + "127.0.0.3 (127.0.0.3) for details");
        assertThat(ask4(zone, "127.0.0.4")).isEqualTo("127.0.0.2 See other blocklists for details about 127.0.0.4");
        assertThat(ask4(zone, "127.0.0.5"))
                .isEqualTo("127.0.0.5 " + see + "raw $ and $$ go in as they are (127.0.0.5) for details");
        assertThat(ask4(zone, "127.0.0.6")).isEqualTo("127.0.0.6 " + see + "127.0.0.6 (127.0.0.6) for details");
    }

    @Test
    void substitution_variables_apply_to_the_whole_file_and_the_first_definition_wins() {
        ZoneData zone = strict(ZoneType.IP4SET,
                "192.0.2.1 [$1] [$=] [$$1]",
                "$1 one $ dollar",
                "$1 ignored");

        assertThat(ask4(zone, "192.0.2.1")).isEqualTo("127.0.0.2 [one $ dollar] [[$1] [$=] [$$1]] [$1]");
        assertThat(zone.lookup4(Zones.parse4("192.0.2.1")).txtTemplate()).isEqualTo(
                "[one $$ dollar] [[$$1] [$$=] [$$$$1]] [$$1]");
    }

    @Test
    void answers_with_the_same_value_are_one_shared_instance() {
        ZoneData zone = strict(ZoneType.IP4SET, ":3:x $", "192.0.2.1", "192.0.2.3 :3:x $", "192.0.2.5 :3",
                "192.0.2.7 :4:x $");

        ZoneAnswer first = zone.lookup4(Zones.parse4("192.0.2.1"));
        assertThat(zone.lookup4(Zones.parse4("192.0.2.3"))).isSameAs(first);
        assertThat(zone.lookup4(Zones.parse4("192.0.2.5"))).isSameAs(first);
        assertThat(zone.lookup4(Zones.parse4("192.0.2.7"))).isNotSameAs(first);
    }

    @Test
    void a_txt_without_the_subject_is_one_string_returned_every_time() {
        ZoneAnswer answer = strict(ZoneType.IP4SET, "192.0.2.1 costs $$5").lookup4(Zones.parse4("192.0.2.1"));

        assertThat(answer.txt("192.0.2.1")).isEqualTo("costs $5").isSameAs(answer.txt("other"));
    }

    @Test
    void a_txt_is_cut_at_255_bytes_when_read_and_at_254_when_expanded() {
        String long300 = "x".repeat(300);
        ZoneData zone = lenient(ZoneType.IP4SET, "192.0.2.1 " + long300, "192.0.2.2 " + "y".repeat(250) + " $",
                "192.0.2.3 " + "\u00e9".repeat(200));

        assertThat(zone.lookup4(Zones.parse4("192.0.2.1")).txtTemplate()).hasSize(255);
        assertThat(zone.lookup4(Zones.parse4("192.0.2.1")).txt("192.0.2.1")).hasSize(254);
        assertThat(zone.lookup4(Zones.parse4("192.0.2.2")).txt("192.0.2.2")).isEqualTo("y".repeat(250) + " 192");
        assertThat(zone.lookup4(Zones.parse4("192.0.2.3")).txtTemplate()).isEqualTo("\u00e9".repeat(127));
        assertThat(zone.warnings()).containsExactly(
                "zone.txt:1: TXT is longer than 255 bytes, cut: '192.0.2.1 " + "x".repeat(118) + "...'",
                "zone.txt:3: TXT is longer than 255 bytes, cut: '192.0.2.3 " + "\\u00E9".repeat(19) + "...'");
        assertThat(zone.size()).isEqualTo(3);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "$TTL 300  | 300",
        "$ttl 5m   | 300",
        "$TTL 2h   | 7200",
        "$TTL 1d   | 86400",
        "$TTL 1W   | 604800",
        "$TTL 0    | 2100",
        "#$TTL 42  | 42",
        ";$TTL 43  | 43",
        ":$TTL 44  | 44",
        "# $TTL 45 | 2100",
    })
    void ttl_lines_set_the_ttl_of_the_whole_file(String line, int ttl) {
        assertThat(strict(ZoneType.IP4SET, "192.0.2.1", line).ttlSeconds()).isEqualTo(ttl);
    }

    @Test
    void the_last_ttl_line_wins_and_without_one_the_ttl_is_rbldnsds_default() {
        assertThat(strict(ZoneType.DNSET, "$TTL 60", "a.example", "$TTL 90").ttlSeconds()).isEqualTo(90);
        assertThat(strict(ZoneType.DNSET, "a.example").ttlSeconds()).isEqualTo(2100);
    }

    @Test
    void soa_and_ns_lines_are_checked_and_otherwise_ignored() {
        ZoneData zone = strict(ZoneType.IP6TRIE,
                "$SOA 0 ns1.example.net. hostmaster.example.net. 0 2h 1h 1w 5m",
                "$SOA 3600 ns1.example.net. hostmaster.example.net. 2024061101 7200 3600 604800 300",
                "$NS 1d ns1.example.net. -ns2.example.net ns3.example.net",
                "$nameserver 0 ns4.example.net",
                "#$NS 0 .",
                "2001:db8::/32");

        assertThat(zone.size()).isEqualTo(1);
        assertThat(zone.warnings()).isEmpty();
    }

    @Test
    void maxrange4_refuses_entries_wider_than_it_and_cannot_grow() {
        ZoneData zone = lenient(ZoneType.IP4SET,
                "$MAXRANGE4 /24",
                "192.0.2.0/24",
                "192.0.2.0/23",
                "198.51.100.0-198.51.101.0",
                "$MAXRANGE4 16",
                "203.0.113.0/28",
                "203.0.113.0/27",
                "$MAXRANGE4 /8");

        assertThat(zone.warnings()).containsExactly(
                "zone.txt:3: 512 addresses, more than $MAXRANGE4 256: '192.0.2.0/23'",
                "zone.txt:4: 257 addresses, more than $MAXRANGE4 256: '198.51.100.0-198.51.101.0'",
                "zone.txt:7: 32 addresses, more than $MAXRANGE4 16: '203.0.113.0/27'",
                "zone.txt:8: $MAXRANGE4 may not grow from 16 to 16777216, ignored: '$MAXRANGE4 /8'");
        assertThat(zone.size()).isEqualTo(2);
    }
}

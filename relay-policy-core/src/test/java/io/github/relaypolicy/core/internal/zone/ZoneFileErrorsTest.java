package io.github.relaypolicy.core.internal.zone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class ZoneFileErrorsTest {

    @ParameterizedTest(name = "{0} {1}: {2}")
    @CsvSource(delimiter = '|', value = {
        "ip4set  | 192.0.2.1x                 | invalid address",
        "ip4set  | 300.0.0.1                  | invalid address",
        "ip4set  | 192.0.2.                   | invalid address",
        "ip4set  | 192                        | invalid address",
        "ip4set  | 192.0.2.0/33               | invalid address",
        "ip4set  | 192.0.2.9-192.0.2.1        | invalid address",
        "ip4set  | 192.0.2.1-192.0.3          | invalid address",
        "ip4set  | 127-127.0.0                | invalid address",
        "ip4set  | 192.0.2.1/24               | non-zero host part, did you mean 192.0.2.0/24?",
        "ip4set  | ::1                        | invalid A value",
        "ip4set  | :0:zero is no address      | invalid A value",
        "ip4set  | :256:x                     | invalid A value",
        "ip4set  | : 2:x                      | invalid A value",
        "ip4set  | 192.0.2.1 :5 text          | unrecognized value for an entry",
        "ip4set  | 192.0.2.1 :5#comment       | unrecognized value for an entry",
        "ip4set  | 192.0.2.1 :1.2.3.4.5:x     | unrecognized value for an entry",
        "ip4set  | $TTL                       | invalid or unrecognized special entry",
        "ip4set  | $TTL 1h30m                 | invalid $TTL, expected a time such as 3600, 60m, 1h, 1d or 1w",
        "ip4set  | $TTL 4294967295            | $TTL 4294967295 is larger than 2147483647",
        "ip4set  | $TTL 4294967296            | invalid $TTL, expected a time such as 3600, 60m, 1h, 1d or 1w",
        "ip4set  | $SOA 0 ns.example. x. 1 2 3 4 | invalid $SOA, expected: $SOA ttl origin-name person-name serial refresh retry expire minimum",
        "ip4set  | $NS 0                      | invalid $NS, expected: $NS ttl name...",
        "ip4set  | $MAXRANGE4 0               | invalid $MAXRANGE4, expected a number of addresses or /bits",
        "ip4set  | $MAXRANGE4 /33             | invalid $MAXRANGE4, expected a number of addresses or /bits",
        "ip4set  | $1                         | invalid or unrecognized special entry",
        "ip4set  | $TIMESTAMP 2024:01:01      | $TIMESTAMP is not supported",
        "ip4set  | $DATASET ip4set x          | invalid or unrecognized special entry",
        "ip4set  | #$Id: zone.txt,v 1.1 $     | invalid or unrecognized special entry",
        "ip4trie | 192.0.2.1-20               | invalid address",
        "ip6trie | 2001:db8::g                | invalid address",
        "ip6trie | :x                         | invalid A value",
        "dnset   | bad/name.example           | invalid domain name",
        "dnset   | :127.0.0.2 x               | unrecognized value for an entry",
    })
    void a_malformed_line_is_named_with_its_file_and_number(String type, String line, String message) {
        String expected = "zone.txt:2: " + message + ": '"
                + io.github.relaypolicy.core.internal.Text.escape(line) + "'";
        byte[] content = Zones.bytes("# first line", line, "# third line");
        ZoneType zoneType = ZoneType.parse(type);

        assertThatThrownBy(() -> ZoneData.parse("zone.txt", content, zoneType, true))
                .isInstanceOf(ZoneFileException.class)
                .hasMessage(expected)
                .extracting(e -> ((ZoneFileException) e).line()).isEqualTo(2);
        assertThat(Zones.lenient(zoneType, "# first line", line, "# third line").warnings())
                .containsExactly(expected);
    }

    @Test
    void a_carriage_return_is_no_blank_so_crlf_lines_are_refused() {
        ZoneData zone = Zones.lenient(ZoneType.IP4SET, "192.0.2.1\r", "192.0.2.2 text\r", "192.0.2.3 a\u0001b");

        assertThat(zone.warnings()).containsExactly(
                "zone.txt:1: invalid address (the line ends in a carriage return: DOS line ends?): '192.0.2.1\\u000D'",
                "zone.txt:2: control character in text (the line ends in a carriage return: DOS line ends?):"
                        + " '192.0.2.2 text\\u000D'",
                "zone.txt:3: control character in text: '192.0.2.3 a\\u0001b'");
    }

    @Test
    void strict_mode_refuses_at_the_first_bad_line_and_lenient_mode_skips_every_bad_line() {
        String[] lines = {"192.0.2.1", "192.0.2.300", "192.0.2.2", "192.0.2.3 :0:", "!192.0.2.1"};

        assertThatThrownBy(() -> ZoneData.parse("zone.txt", Zones.bytes(lines), ZoneType.IP4SET, true))
                .hasMessage("zone.txt:2: invalid address: '192.0.2.300'");
        ZoneData zone = Zones.lenient(ZoneType.IP4SET, lines);
        assertThat(zone.warnings()).containsExactly(
                "zone.txt:2: invalid address: '192.0.2.300'",
                "zone.txt:4: invalid A value: '192.0.2.3 :0:'");
        assertThat(zone.size()).isEqualTo(3);
        assertThat(Zones.ask4(zone, "192.0.2.1")).isEqualTo("NXDOMAIN");
        assertThat(Zones.ask4(zone, "192.0.2.2")).isEqualTo("127.0.0.2");
        assertThat(Zones.ask4(zone, "192.0.2.3")).isEqualTo("NXDOMAIN");
    }

    @Test
    void an_exclusion_ignores_what_follows_its_address_as_rbldnsd_does() {
        ZoneData zone = Zones.strict(ZoneType.IP4SET, "192.0.2.0/24", "!192.0.2.1 :0:not even checked");

        assertThat(Zones.ask4(zone, "192.0.2.1")).isEqualTo("NXDOMAIN");
    }

    @Test
    void lenient_mode_lists_a_thousand_warnings_and_counts_the_rest() {
        String[] lines = new String[1500];
        java.util.Arrays.fill(lines, "bad");

        ZoneData zone = Zones.lenient(ZoneType.IP4SET, lines);

        assertThat(zone.warnings()).hasSize(1001);
        assertThat(zone.warnings().get(999)).isEqualTo("zone.txt:1000: invalid address: 'bad'");
        assertThat(zone.warnings().get(1000)).isEqualTo("zone.txt: 500 more warnings not listed");
    }

    @Test
    void invalid_utf8_in_a_txt_is_refused() {
        byte[] content = "192.0.2.1 caf\u00e9\n192.0.2.2 caf".getBytes(StandardCharsets.UTF_8);
        byte[] bad = java.util.Arrays.copyOf(content, content.length + 1);
        bad[content.length] = (byte) 0xe9; // Latin-1, not UTF-8

        ZoneData zone;
        try {
            zone = ZoneData.parse("zone.txt", bad, ZoneType.IP4SET, false);
        } catch (ZoneFileException e) {
            throw new AssertionError(e);
        }

        assertThat(Zones.ask4(zone, "192.0.2.1")).isEqualTo("127.0.0.2 caf\u00e9");
        assertThat(zone.warnings()).containsExactly("zone.txt:2: text is not valid UTF-8: '192.0.2.2 caf\\uFFFD'");
    }

    @Test
    void a_last_line_without_a_newline_is_read() throws ZoneFileException {
        ZoneData zone = ZoneData.parse("zone.txt", "192.0.2.1\n192.0.2.2 last".getBytes(StandardCharsets.UTF_8),
                ZoneType.IP4SET, true);

        assertThat(Zones.ask4(zone, "192.0.2.2")).isEqualTo("127.0.0.2 last");
    }

    @Test
    void load_names_the_file_by_its_path(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bl.txt");
        Files.writeString(file, "192.0.2.1\n\n  bad line\n");

        assertThatThrownBy(() -> ZoneData.load(file, ZoneType.IP4SET, true))
                .hasMessage(file + ":3: invalid address: 'bad line'");
        assertThat(ZoneData.load(file, ZoneType.IP4SET, false).warnings())
                .containsExactly(file + ":3: invalid address: 'bad line'");
        assertThatThrownBy(() -> ZoneData.load(dir.resolve("missing.txt"), ZoneType.IP4SET, false))
                .isInstanceOf(ZoneFileException.class)
                .hasMessage(dir.resolve("missing.txt") + ": no such file");
    }

    @ParameterizedTest
    @CsvSource({"ip4set, IP4SET", "IP4TRIE, IP4TRIE", "ip6trie, IP6TRIE", "Dnset, DNSET"})
    void zone_types_parse_by_their_rbldnsd_names(String name, ZoneType type) {
        assertThat(ZoneType.parse(name)).isEqualTo(type);
        assertThat(type.rbldnsdName()).isEqualTo(name.toLowerCase(java.util.Locale.ROOT));
    }

    @Test
    void an_unknown_zone_type_is_named() {
        assertThatThrownBy(() -> ZoneType.parse("combined"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("zone type 'combined' is unknown: expected ip4set, ip4trie, ip6trie or dnset");
    }

    @Test
    void lookups_of_the_wrong_family_are_refused() {
        ZoneData names = Zones.strict(ZoneType.DNSET, "a.example");
        ZoneData v4 = Zones.strict(ZoneType.IP4TRIE, "10/8");

        assertThatThrownBy(() -> names.lookup4(1)).isInstanceOf(IllegalStateException.class)
                .hasMessage("lookup4 needs an ip4set or ip4trie zone, not dnset");
        assertThatThrownBy(() -> v4.lookup6(0, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessage("lookup6 needs an ip6trie zone, not ip4trie");
        assertThatThrownBy(() -> v4.lookupName("a")).isInstanceOf(IllegalStateException.class)
                .hasMessage("lookupName needs a dnset zone, not ip4trie");
        assertThatThrownBy(() -> v4.lookup4(1L << 32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address 4294967296 is not an unsigned 32-bit value");
    }
}

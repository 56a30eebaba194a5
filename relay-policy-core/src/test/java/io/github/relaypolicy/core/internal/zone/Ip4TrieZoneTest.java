package io.github.relaypolicy.core.internal.zone;

import static io.github.relaypolicy.core.internal.zone.Zones.ask4;
import static io.github.relaypolicy.core.internal.zone.Zones.lenient;
import static io.github.relaypolicy.core.internal.zone.Zones.strict;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class Ip4TrieZoneTest {

    private static final ZoneData NESTED = strict(ZoneType.IP4TRIE,
            "10.0.0.0/8 :3:eight",
            "10.0.0.0/9 :9:nine",
            "!10.1.0.0/16",
            "10.1.2.0/23 :7:twenty-three $",
            "10.1.2.128/25",
            "!10.1.2.130",
            "192.0.2 :4:a bare prefix is a /24",
            "172.16/12");

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "10.200.0.1   | 127.0.0.3 eight",
        "10.0.0.1     | 127.0.0.9 nine",
        "10.127.255.255 | 127.0.0.9 nine",
        "10.128.0.0   | 127.0.0.3 eight",
        "10.1.0.1     | NXDOMAIN",
        "10.1.1.255   | NXDOMAIN",
        "10.1.2.0     | 127.0.0.7 twenty-three 10.1.2.0",
        "10.1.3.255   | 127.0.0.7 twenty-three 10.1.3.255",
        "10.1.4.0     | NXDOMAIN",
        "10.1.2.129   | 127.0.0.2",
        "10.1.2.130   | NXDOMAIN",
        "10.1.2.131   | 127.0.0.2",
        "192.0.2.200  | 127.0.0.4 a bare prefix is a /24",
        "172.31.255.255 | 127.0.0.2",
        "172.32.0.0   | NXDOMAIN",
        "9.255.255.255 | NXDOMAIN",
    })
    void the_longest_matching_prefix_decides(String address, String answer) {
        assertThat(ask4(NESTED, address)).isEqualTo(answer);
    }

    @Test
    void a_duplicate_prefix_keeps_the_first_entry_even_an_exclusion() {
        ZoneData zone = lenient(ZoneType.IP4TRIE,
                "!10.0.0.0/8",
                "10.0.0.0/8 :3:later",
                "11.0.0.0/8 :4:first",
                "11.0/8 :5:second");

        assertThat(ask4(zone, "10.1.1.1")).isEqualTo("NXDOMAIN");
        assertThat(ask4(zone, "11.1.1.1")).isEqualTo("127.0.0.4 first");
        assertThat(zone.warnings()).containsExactly(
                "zone.txt:2: duplicate entry for 10.0.0.0/8 (first at line 1), ignored: '10.0.0.0/8 :3:later'",
                "zone.txt:4: duplicate entry for 11.0.0.0/8 (first at line 3), ignored: '11.0/8 :5:second'");
        assertThat(zone.size()).isEqualTo(2);
    }

    @Test
    void a_duplicate_prefix_refuses_a_strict_file() {
        assertThatThrownBy(() -> ZoneData.parse("zone.txt", Zones.bytes("10.0.0.0/8", "10/8"), ZoneType.IP4TRIE,
                true))
                .isInstanceOf(ZoneFileException.class)
                .hasMessage("zone.txt:2: duplicate entry for 10.0.0.0/8 (first at line 1), ignored: '10/8'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "192.0.2.1-20          | invalid address",
        "192.0.2.0-192.0.2.255 | invalid address",
        "10                    | invalid address",
        "10.0.0.0/33           | invalid address",
        "10.0.0.1/8            | non-zero host part, did you mean 10.0.0.0/8?",
    })
    void ranges_and_bad_prefixes_are_not_trie_entries(String entry, String message) {
        ZoneData zone = lenient(ZoneType.IP4TRIE, entry);

        assertThat(zone.warnings()).containsExactly("zone.txt:1: " + message + ": '" + entry + "'");
    }

    @Test
    void the_whole_space_can_be_listed_and_carved() {
        ZoneData zone = strict(ZoneType.IP4TRIE, "0.0.0.0/0 :9:", "!255.255.255.255", "!0.0.0.0/1");

        assertThat(ask4(zone, "0.0.0.0")).isEqualTo("NXDOMAIN");
        assertThat(ask4(zone, "127.255.255.255")).isEqualTo("NXDOMAIN");
        assertThat(ask4(zone, "128.0.0.0")).isEqualTo("127.0.0.9");
        assertThat(ask4(zone, "255.255.255.254")).isEqualTo("127.0.0.9");
        assertThat(ask4(zone, "255.255.255.255")).isEqualTo("NXDOMAIN");
    }
}

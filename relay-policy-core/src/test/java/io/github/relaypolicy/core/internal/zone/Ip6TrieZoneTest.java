package io.github.relaypolicy.core.internal.zone;

import static io.github.relaypolicy.core.internal.zone.Zones.ask6;
import static io.github.relaypolicy.core.internal.zone.Zones.lenient;
import static io.github.relaypolicy.core.internal.zone.Zones.strict;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class Ip6TrieZoneTest {

    /** The example of rbldnsd's manual page, and more. */
    private static final ZoneData ZONE = strict(ZoneType.IP6TRIE,
            "# Default A and TXT template values",
            ":127.0.1.2: Listed, see http://example.com/lookup?$",
            "2001:21ab:c000/36",
            "2001:21ab:def7:4242 :127.0.1.3: This one smells funny",
            "2605:6001:42::/52",
            "::1               # localhost",
            "!2605:6001:42::bead   # exclusion",
            "2001:db8::/32 :5:",
            "!2001:db8:1::/48",
            "2001:db8:1:2::/64 :6:inner $",
            "2001:DB8:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF :7:last");

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "2001:21ab:c000::       | 127.0.1.2 Listed, see http://example.com/lookup?2001:21ab:c000::",
        "2001:21ab:cfff:ffff:ffff:ffff:ffff:ffff | 127.0.1.2 Listed, see http://example.com/lookup?2001:21ab:cfff:ffff:ffff:ffff:ffff:ffff",
        "2001:21ab:d000::       | NXDOMAIN",
        "2001:21ab:bfff:ffff:ffff:ffff:ffff:ffff | NXDOMAIN",
        "2001:21ab:def7:4242::9 | 127.0.1.3 This one smells funny",
        "2001:21ab:def7:4243::  | NXDOMAIN",
        "2605:6001:42::1        | 127.0.1.2 Listed, see http://example.com/lookup?2605:6001:42::1",
        "2605:6001:42::bead     | NXDOMAIN",
        "2605:6001:42:fff::     | 127.0.1.2 Listed, see http://example.com/lookup?2605:6001:42:fff::",
        "2605:6001:42:1000::    | NXDOMAIN",
        "::1                    | 127.0.1.2 Listed, see http://example.com/lookup?::1",
        "::2                    | NXDOMAIN",
        "::                     | NXDOMAIN",
        "2001:db8:2::1          | 127.0.0.5",
        "2001:db8:1::1          | NXDOMAIN",
        "2001:db8:1:2:0:0:0:1   | 127.0.0.6 inner 2001:db8:1:2::1",
        "2001:db8:1:3::         | NXDOMAIN",
        "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff | 127.0.0.7 last",
        "2001:db9::             | NXDOMAIN",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | NXDOMAIN",
    })
    void the_longest_matching_prefix_decides(String address, String answer) {
        assertThat(ask6(ZONE, address)).isEqualTo(answer);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "2001:db8:1:2:3:4:5:6/128 | 2001:db8:1:2:3:4:5:6 | 2001:db8:1:2:3:4:5:7",
        "2001:db8:1:2/64          | 2001:db8:1:2:ffff:ffff:ffff:ffff | 2001:db8:1:3::",
        "2001:db8::/31            | 2001:db9:ffff:ffff:ffff:ffff:ffff:ffff | 2001:dba::",
        "::/0                     | ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | ",
        "2001:db8:1:2:3:4:5:6:7   | 2001:db8:1:2:3:4:5:6 | 2001:db8:1:2:3:4:5:7",
        "0:0:0:0:0:0:0:1          | ::1                  | ::2",
        "::ffff:0:0/96            | ::ffff:255.255.255.255 | ::1:0:0:0",
        "2001:db8::/64            | 2001:db8::ffff:ffff:ffff:ffff | 2001:db8:0:1::",
    })
    void an_entry_lists_up_to_its_last_address(String entry, String last, String after) {
        ZoneData zone = strict(ZoneType.IP6TRIE, entry);

        assertThat(ask6(zone, last)).startsWith("127.0.0.");
        if (after != null) {
            assertThat(ask6(zone, after)).isEqualTo("NXDOMAIN");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "1:2:3:4:5:6:7:8:7 | 1:2:3:4:5:6:7:8",
        "2001:db8::1::7    | 2001:db8::1",
    })
    void text_after_a_complete_address_is_a_value_as_rbldnsd_reads_it(String entry, String address) {
        // rbldnsd stops after eight groups or at a second "::"; the ":7" left is the entry's A value.
        assertThat(ask6(strict(ZoneType.IP6TRIE, entry), address)).isEqualTo("127.0.0.7");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "2001                | invalid address",
        "2001:db8:           | invalid address",
        "2001:db8::/129      | invalid address",
        "::ffff:192.0.2.1    | invalid address",
        "12345::             | invalid address",
        "2001:db8::1/64      | non-zero host part, did you mean 2001:db8::/64?",
        "2001:db8::/16       | non-zero host part, did you mean 2001::/16?",
        ":1.2.3.4.5:x        | unrecognized value for an entry",
    })
    void bad_entries_are_reported(String entry, String message) {
        ZoneData zone = lenient(ZoneType.IP6TRIE, entry);

        assertThat(zone.warnings()).containsExactly("zone.txt:1: " + message + ": '" + entry + "'");
    }

    @Test
    void a_duplicate_prefix_keeps_the_first() {
        ZoneData zone = lenient(ZoneType.IP6TRIE, "2001:db8::/32 :3:", "2001:0db8:0::/32 :4:");

        assertThat(ask6(zone, "2001:db8::1")).isEqualTo("127.0.0.3");
        assertThat(zone.warnings()).containsExactly(
                "zone.txt:2: duplicate entry for 2001:db8::/32 (first at line 1), ignored: '2001:0db8:0::/32 :4:'");
    }
}

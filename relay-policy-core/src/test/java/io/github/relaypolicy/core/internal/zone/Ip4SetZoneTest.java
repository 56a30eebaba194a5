package io.github.relaypolicy.core.internal.zone;

import static io.github.relaypolicy.core.internal.zone.Zones.ask4;
import static io.github.relaypolicy.core.internal.zone.Zones.strict;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class Ip4SetZoneTest {

    @ParameterizedTest(name = "{0} lists {1} to {2}")
    @CsvSource({
        // entry,                     first listed,  last listed
        "192.0.2.7,                   192.0.2.7,     192.0.2.7",
        "192.0.2.0/24,                192.0.2.0,     192.0.2.255",
        "192.0.2,                     192.0.2.0,     192.0.2.255",
        "192.0,                       192.0.0.0,     192.0.255.255",
        "192/8,                       192.0.0.0,     192.255.255.255",
        "192.0.2/25,                  192.0.2.0,     192.0.2.127",
        "192.0.2.0/23,                192.0.2.0,     192.0.3.255",
        "10.0.0.0/7,                  10.0.0.0,      11.255.255.255",
        "192.0.2.1-20,                192.0.2.1,     192.0.2.20",
        "192.0.2.0-192.0.2.255,       192.0.2.0,     192.0.2.255",
        "192.0.2.250-192.0.3.4,       192.0.2.250,   192.0.3.4",
        "192.0.2-192.0.5,             192.0.2.0,     192.0.5.255",
        "127.16-31,                   127.16.0.0,    127.31.255.255",
        "127.16.0-31,                 127.16.0.0,    127.16.31.255",
        "127-128,                     127.0.0.0,     128.255.255.255",
        "010.001.002.003,             10.1.2.3,      10.1.2.3",
        "0.0.0.0/0,                   0.0.0.0,       255.255.255.255",
        "1.2.3.4/32,                  1.2.3.4,       1.2.3.4",
    })
    void an_entry_lists_exactly_its_addresses(String entry, String first, String last) {
        ZoneData zone = strict(ZoneType.IP4SET, entry);

        assertThat(ask4(zone, first)).isEqualTo("127.0.0.2");
        assertThat(ask4(zone, last)).isEqualTo("127.0.0.2");
        if (!first.equals("0.0.0.0")) {
            assertThat(ask4(zone, Zones.format4(Zones.parse4(first) - 1))).isEqualTo("NXDOMAIN");
        }
        if (!last.equals("255.255.255.255")) {
            assertThat(ask4(zone, Zones.format4(Zones.parse4(last) + 1))).isEqualTo("NXDOMAIN");
        }
        assertThat(zone.size()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{1}: {2}")
    @CsvSource({
        "192.0.2.9,    192.0.2.9,   NXDOMAIN",
        "192.0.2.9,    192.0.2.8,   127.0.0.2",
        "192.0.2.0/25, 192.0.2.127, NXDOMAIN",
        "192.0.2.0/25, 192.0.2.128, 127.0.0.2",
        "192.0.2.10-12, 192.0.2.11, NXDOMAIN",
        "192.0.2.10-12, 192.0.2.13, 127.0.0.2",
        "192.0.2,      192.0.2.1,   NXDOMAIN",
    })
    void an_exclusion_unlists_what_it_covers(String excluded, String address, String answer) {
        ZoneData zone = strict(ZoneType.IP4SET, "192.0.2.0/24", "!" + excluded);

        assertThat(ask4(zone, address)).isEqualTo(answer);
    }

    @Test
    void the_most_specific_of_the_four_levels_decides_whatever_the_order() {
        ZoneData zone = strict(ZoneType.IP4SET,
                "10.1.2.3 :5:host",
                "!10.1.2.0/24",
                "10.1.0.0/16 :4:sixteen",
                "10/8 :3:eight",
                "! 10.200.0.0/16");

        assertThat(ask4(zone, "10.1.2.3")).isEqualTo("127.0.0.5 host");
        assertThat(ask4(zone, "10.1.2.4")).isEqualTo("NXDOMAIN");
        assertThat(ask4(zone, "10.1.3.4")).isEqualTo("127.0.0.4 sixteen");
        assertThat(ask4(zone, "10.2.3.4")).isEqualTo("127.0.0.3 eight");
        assertThat(ask4(zone, "10.200.1.1")).isEqualTo("NXDOMAIN");
    }

    @Test
    void ranges_are_stored_as_aligned_blocks_so_a_wider_exclusion_at_the_same_level_wins() {
        // rbldnsd expands both to /16 entries: at one level an exclusion beats a listing, even a narrower one.
        ZoneData zone = strict(ZoneType.IP4SET, "10.0.0.0/12", "!10.0.0.0/9");

        assertThat(ask4(zone, "10.1.2.3")).isEqualTo("NXDOMAIN");
        assertThat(ask4(zone, "10.200.2.3")).isEqualTo("NXDOMAIN");
    }

    @Test
    void a_narrower_listing_at_a_more_specific_level_beats_a_wider_exclusion() {
        ZoneData zone = strict(ZoneType.IP4SET, "!10.0.0.0/8", "10.1.2.0/25");

        assertThat(ask4(zone, "10.1.2.100")).isEqualTo("127.0.0.2");
        assertThat(ask4(zone, "10.1.2.200")).isEqualTo("NXDOMAIN");
    }

    @Test
    void the_same_address_listed_twice_answers_the_first_value() {
        ZoneData zone = strict(ZoneType.IP4SET, "192.0.2.1 :3:first", "192.0.2.1-2 :4:second");

        assertThat(ask4(zone, "192.0.2.1")).isEqualTo("127.0.0.3 first");
        assertThat(ask4(zone, "192.0.2.2")).isEqualTo("127.0.0.4 second");
    }

    @Test
    void adjacent_entries_with_one_value_share_an_answer_and_an_interval() {
        ZoneData zone = strict(ZoneType.IP4SET, "192.0.2.0/25", "192.0.2.128/25", "192.0.3.0-255");

        assertThat(zone.lookup4(Zones.parse4("192.0.2.1"))).isSameAs(zone.lookup4(Zones.parse4("192.0.3.1")));
        assertThat(zone.intervals()).isEqualTo(3); // not listed, 192.0.2.0-192.0.3.255, not listed
    }

    @Test
    void an_empty_file_lists_nothing() {
        ZoneData zone = strict(ZoneType.IP4SET, "# nothing yet", "");

        assertThat(ask4(zone, "0.0.0.0")).isEqualTo("NXDOMAIN");
        assertThat(ask4(zone, "255.255.255.255")).isEqualTo("NXDOMAIN");
        assertThat(zone.size()).isZero();
    }
}

package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class ZoneNamesTest {

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            bl.example.net             | bl.example.net
            BL.Spamcop.NET.            | bl.spamcop.net
            _dnsbl.example.net         | _dnsbl.example.net
            -bl-.example.net           | -bl-.example.net
            127.0.0.1                  | 127.0.0.1
            bücher.example             | xn--bcher-kva.example
            'bl\u3002example\u3002net' | bl.example.net
            straße.example             | strasse.example
            """)
    void a_zone_is_read_as_idna2003_reads_it_then_normalized(String zone, String normalized) {
        assertThat(ZoneNames.tryNormalize(zone)).isEqualTo(normalized);
        assertThat(ZoneNames.normalize("dnsFailure", zone)).isEqualTo(normalized);
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @ValueSource(strings = {"", ".", "localhost", "localhost.", "bl..example.net", ".bl.example.net",
        "bl.example.net..", "bad zone", "zen.spamhaus.org*3", "bl.test=127.0.0.2", "bl.test&0.0.0.4",
        "*.example.net", " bl.example.net", "bl.example.net\n"})
    void what_is_not_a_domain_name_of_two_labels_or_more_is_refused(String zone) {
        assertThat(ZoneNames.tryNormalize(zone)).isNull();
    }

    @Test
    void labels_up_to_63_and_names_up_to_200_characters_are_zones() {
        String label63 = "a".repeat(63);
        String name200 = (label63 + ".").repeat(3) + "b".repeat(8);

        assertThat(ZoneNames.tryNormalize(label63 + ".example")).isEqualTo(label63 + ".example");
        assertThat(ZoneNames.tryNormalize("a" + label63 + ".example")).isNull();
        assertThat(name200).hasSize(200);
        assertThat(ZoneNames.tryNormalize(name200)).isEqualTo(name200);
        assertThat(ZoneNames.tryNormalize(name200 + "b")).isNull();
    }

    @Test
    void a_setting_strips_blanks_around_the_zone() {
        assertThat(ZoneNames.normalize("localZone", "  bl.example.net \t")).isEqualTo("bl.example.net");
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            bad zone           | 'bad zone'
            zen.spamhaus.org*3 | 'zen.spamhaus.org*3'
            localhost          | 'localhost'
            """)
    void a_setting_names_itself_and_the_zone_it_refuses(String zone, String quoted) {
        assertThatThrownBy(() -> ZoneNames.normalize("dnsFailure", zone))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("dnsFailure zone " + quoted + " is not a zone name: expected a domain name of at least two"
                        + " labels, e.g. bl.example.net");
    }

    @Test
    void a_refused_zone_is_echoed_with_its_control_characters_escaped() {
        assertThatThrownBy(() -> ZoneNames.normalize("localZone", "bl\u0000x.example\r\n"))
                .hasMessage("localZone zone 'bl\\u0000x.example\\u000D\\u000A' is not a zone name: expected a domain"
                        + " name of at least two labels, e.g. bl.example.net");
    }

    @Test
    void a_secret_key_in_a_refused_zone_is_masked() {
        assertThatThrownBy(() -> ZoneNames.normalize("dnsblReply", "k3yk3yk3yk3yk3yk3yk3yk3y.zen.dq.spamhaus.net*3"))
                .hasMessageStartingWith("dnsblReply zone '")
                .hasMessageContaining(".zen.dq.spamhaus.net*3' is not a zone name")
                .hasMessageNotContaining("k3yk3yk3yk3yk3yk3yk3yk3y");
    }

    @Test
    void a_null_zone_is_refused_by_name() {
        assertThatThrownBy(() -> ZoneNames.normalize("dnsFailure", null)).isInstanceOf(NullPointerException.class)
                .hasMessage("zone");
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource(delimiter = '|', textBlock = """
            zen.spamhaus.org=127.0.0.[2..11]*3 | zen.spamhaus.org
            Bl.Example.ORG.*2                  | bl.example.org
            multi.example.net&0.0.0.4          | multi.example.net
            wl.example.net                     | wl.example.net
            """)
    void the_zone_of_a_list_specification_is_the_zone_before_its_filter_or_weight(String spec, String zone) {
        assertThat(ListSpec.zoneOf(spec)).isEqualTo(zone);
    }

    @Test
    void a_list_specification_with_a_bad_zone_is_refused_as_a_list_specification() {
        assertThatThrownBy(() -> ListSpec.zoneOf("bad zone=127.0.0.2"))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("dnsbl 'bad zone': zone 'bad zone' is not a domain name with at least two labels"
                        + " (expected zone[=filter][*weight], e.g. zen.spamhaus.org=127.0.0.[2..11;30]*3)");
    }
}

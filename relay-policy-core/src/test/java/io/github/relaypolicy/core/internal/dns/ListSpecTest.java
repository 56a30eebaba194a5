package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.core.internal.dns.ListAnswer.Status;
import io.github.relaypolicy.core.internal.dns.ListSpec.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class ListSpecTest {

    private static long ip(String dotted) {
        String[] p = dotted.split("\\.");
        return (Long.parseLong(p[0]) << 24) | (Long.parseLong(p[1]) << 16) | (Long.parseLong(p[2]) << 8)
                | Long.parseLong(p[3]);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "DNSBL | zen.spamhaus.org=127.0.0.[2..11]*3 | zen.spamhaus.org | 127.0.0.[2..11] | 3",
        "DNSBL | bl.spamcop.net*2                   | bl.spamcop.net   |                 | 2",
        "DNSBL | Bl.Example.ORG.                    | bl.example.org   |                 | 1",
        "DNSWL | list.dnswl.org=127.0.[0..255].[2..3]*-5 | list.dnswl.org | 127.0.[0..255].[2..3] | -5",
        "DNSWL | wl.example.net                     | wl.example.net   |                 | -1",
        "RHSBL | dbl.spamhaus.org=127.0.1.[2..99]*3 | dbl.spamhaus.org | 127.0.1.[2..99] | 3",
        "DNSBL | multi.example.net&0.0.0.4*2        | multi.example.net | &0.0.0.4       | 2",
    })
    void postscreen_specifications_parse(Kind kind, String text, String zone, String filter, int weight) {
        ListSpec spec = ListSpec.parse(kind, text);
        assertThat(spec.zone()).isEqualTo(zone);
        assertThat(spec.filter()).hasToString(filter == null ? "" : filter);
        assertThat(spec.weight()).isEqualTo(weight);
        assertThat(spec.kind()).isEqualTo(kind);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "DNSBL | zen.spamhaus.org*0 | a block list's weight must be positive, got 0 (use dnswl for an allow list)",
        "DNSBL | zen.spamhaus.org*-3 | a block list's weight must be positive, got -3 (use dnswl for an allow list)",
        "DNSWL | list.dnswl.org*5 | an allow list's weight must be negative, got 5",
        "DNSBL | zen.spamhaus.org*x | weight 'x' is not a whole number",
        "DNSBL | zen.spamhaus.org=127.0.0 | filter '127.0.0' must have four octets, like 127.0.0.2 or 127.0.0.[2..11]",
        "DNSBL | zen.spamhaus.org=127.0.0.[11..2] | filter '127.0.0.[11..2]': range [11..2] is empty",
        "DNSBL | zen.spamhaus.org=127.0.0.256 | filter '127.0.0.256': 256 is greater than 255",
        "DNSBL | zen.spamhaus.org=127.0.0.[2;x] | filter '127.0.0.[2;x]': 'x' is not a number from 0 to 255",
        "DNSBL | zen.spamhaus.org=127.0.0.2&4 | use either =filter or &mask, not both",
        "DNSBL | multi.example.net&0 | mask '0' has no bits set",
        "DNSBL | localhost | zone 'localhost' is not a domain name with at least two labels",
        "DNSBL | bad zone.example | zone 'bad zone.example' is not a domain name with at least two labels",
    })
    void bad_specifications_are_refused_naming_the_setting_the_text_and_the_problem(Kind kind, String text,
            String problem) {
        assertThatThrownBy(() -> ListSpec.parse(kind, text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(kind.setting() + " '" + text + "': " + problem
                        + " (expected zone[=filter][*weight], e.g. zen.spamhaus.org=127.0.0.[2..11;30]*3)");
    }

    @ParameterizedTest
    @CsvSource({
        "127.0.0.[2..11], 127.0.0.2, true", "127.0.0.[2..11], 127.0.0.11, true", "127.0.0.[2..11], 127.0.0.12, false",
        "127.0.0.[2;4;10], 127.0.0.4, true", "127.0.0.[2;4;10], 127.0.0.3, false",
        "127.0.0.[2..3;10], 127.0.0.10, true", "127.0.0.2, 127.0.0.2, true", "127.0.0.2, 127.0.0.3, false",
        "127.0.[0..255].[2..3], 127.0.15.3, true", "127.0.[0..255].[2..3], 127.0.15.1, false",
    })
    void filters_match_per_octet(String filter, String answer, boolean passes) {
        assertThat(AnswerFilter.parse(filter).test(ip(answer))).isEqualTo(passes);
    }

    @Test
    void a_mask_matches_answers_with_any_of_its_bits() {
        AnswerFilter f = AnswerFilter.parseMask("0.0.0.6");
        assertThat(f.test(ip("127.0.0.2"))).isTrue();
        assertThat(f.test(ip("127.0.0.4"))).isTrue();
        assertThat(f.test(ip("127.0.0.8"))).isFalse();
        assertThat(AnswerFilter.parseMask("8").test(ip("127.0.0.12"))).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.2                     | LISTED 127.0.0.2",
        "127.0.0.1                     | ERROR_CODE 127.0.0.1",
        "127.255.255.254               | ERROR_CODE 127.255.255.254",
        "127.255.255.255               | ERROR_CODE 127.255.255.255",
        "127.255.255.252               | ERROR_CODE 127.255.255.252",
        "127.0.1.255                   | ERROR_CODE 127.0.1.255",
        "127.0.0.2,127.255.255.254     | ERROR_CODE 127.255.255.254",
        "192.0.2.1                     | BROKEN 192.0.2.1",
        "127.0.0.2,10.0.0.1            | BROKEN 10.0.0.1",
        "127.0.0.12                    | NOT_LISTED",
        "127.0.0.12,127.0.0.4          | LISTED 127.0.0.4",
    })
    void answers_are_classified_by_rfc_5782_and_the_error_codes_lists_really_send(String answers,
            String expected) {
        List<Long> addresses = java.util.Arrays.stream(answers.split(",")).map(ListSpecTest::ip).toList();
        assertThat(ListAnswer.classify(addresses, AnswerFilter.parse("127.0.0.[2..11]")))
                .hasToString(expected);
        assertThat(ListAnswer.classify(List.of(), AnswerFilter.any()).status()).isEqualTo(Status.NOT_LISTED);
    }

    @Test
    void query_names_are_absolute_lower_case_and_reversed() {
        assertThat(QueryNames.ip4(ip("192.0.2.99"), "bad.example.com")).isEqualTo("99.2.0.192.bad.example.com.");
        // RFC 5782 section 2.4's example
        long[] v6 = new long[2];
        io.github.relaypolicy.core.internal.match.IpText.parse6("2001:db8:1:2:3:4:567:89ab", 0, 25, (hi, lo) -> {
            v6[0] = hi;
            v6[1] = lo;
            return 0;
        });
        assertThat(QueryNames.ip6(v6[0], v6[1], "ugly.example.com")).isEqualTo(
                "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ugly.example.com.");
        assertThat(QueryNames.domain("Example.NET", "dbl.example")).isEqualTo("example.net.dbl.example.");
    }

    @Test
    void an_error_message_escapes_control_characters_of_the_specification() {
        // found by PolicyFileFuzzTest (corpus: finding_list_spec_echoes_c1_control): the zone, the filter and the
        // weight were echoed as written, a C1 control character (U+0098) included
        for (String spec : new String[] {"bl\u0098x&LLLmpl", "bl.test=127.0.0.\u0098", "bl.test*\u0098",
            "bl\u0098x", "bl.test&\u0098", "bl.test=127.0.0.[9..\u00982]"}) {
            assertThatThrownBy(() -> ListSpec.parse(Kind.DNSBL, spec)).as(spec)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\\u0098")
                    .satisfies(e -> assertThat(e.getMessage().chars().noneMatch(c -> c < 0x20 || c >= 0x7f))
                            .as("printable ASCII only: %s", e.getMessage()).isTrue());
        }
    }
}

package io.github.relaypolicy.core.internal.zone;

import static io.github.relaypolicy.core.internal.zone.Zones.askName;
import static io.github.relaypolicy.core.internal.zone.Zones.lenient;
import static io.github.relaypolicy.core.internal.zone.Zones.strict;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class DnsetZoneTest {

    private static final ZoneData ZONE = strict(ZoneType.DNSET,
            ":3:Listed: $",
            "exact.example",
            "*.wild.example",
            ".both.example",
            "!excluded.both.example",
            "!*.quiet.both.example",
            "deep.quiet.both.example :4:deep $",
            "*.example :5:catch-all for $",
            "!.clean.example",
            "Mixed.CASE.Example.",
            "tagged.example :6:",
            "dollars.example Costs $$5 at $");

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "exact.example                 | 127.0.0.3 Listed: exact.example",
        "sub.exact.example             | 127.0.0.5 catch-all for example",
        "wild.example                  | 127.0.0.5 catch-all for example",
        "a.wild.example                | 127.0.0.3 Listed: wild.example",
        "a.b.c.wild.example            | 127.0.0.3 Listed: wild.example",
        "both.example                  | 127.0.0.3 Listed: both.example",
        "x.both.example                | 127.0.0.3 Listed: both.example",
        "excluded.both.example         | NXDOMAIN",
        "a.excluded.both.example       | 127.0.0.3 Listed: both.example",
        "quiet.both.example            | 127.0.0.3 Listed: both.example",
        "a.quiet.both.example          | NXDOMAIN",
        "deep.quiet.both.example       | 127.0.0.4 deep deep.quiet.both.example",
        "a.deep.quiet.both.example     | NXDOMAIN",
        "clean.example                 | NXDOMAIN",
        "x.clean.example               | NXDOMAIN",
        "other.example                 | 127.0.0.5 catch-all for example",
        "example                       | NXDOMAIN",
        "example.org                   | NXDOMAIN",
        "mixed.case.example            | 127.0.0.3 Listed: mixed.case.example",
        "tagged.example                | 127.0.0.6",
        "dollars.example               | 127.0.0.3 Costs $5 at dollars.example",
    })
    void a_name_matches_its_own_entry_else_the_nearest_wildcard(String name, String answer) {
        assertThat(askName(ZONE, name)).isEqualTo(answer);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "EXACT.Example, 127.0.0.3 Listed: exact.example",
        "exact.example., 127.0.0.3 Listed: exact.example",
        "A.Wild.EXAMPLE., 127.0.0.3 Listed: wild.example",
    })
    void queries_ignore_ascii_case_and_a_trailing_dot(String name, String answer) {
        assertThat(askName(ZONE, name)).isEqualTo(answer);
    }

    @Test
    void the_dollar_is_the_listed_name_not_the_queried_one_as_in_rbldnsd() {
        ZoneAnswer answer = ZONE.lookupName("a.b.wild.example");

        assertThat(answer.txtTemplate()).isEqualTo("Listed: wild.example");
        assertThat(answer.txt("anything")).isEqualTo("Listed: wild.example");
    }

    @Test
    void answers_without_the_name_are_shared() {
        ZoneData zone = strict(ZoneType.DNSET, ":3:Listed", "a.example", "b.example", "*.c.example");

        assertThat(zone.lookupName("a.example")).isSameAs(zone.lookupName("x.c.example"));
    }

    @Test
    void an_exclusion_of_the_same_name_wins_wherever_it_is() {
        ZoneData zone = strict(ZoneType.DNSET, "a.example :3:first", "a.example :4:second", "!b.example",
                "b.example", "*.c.example", "!*.c.example");

        assertThat(askName(zone, "a.example")).isEqualTo("127.0.0.3 first");
        assertThat(askName(zone, "b.example")).isEqualTo("NXDOMAIN");
        assertThat(askName(zone, "x.c.example")).isEqualTo("NXDOMAIN");
    }

    @Test
    void empty_and_root_queries_match_nothing() {
        ZoneData zone = strict(ZoneType.DNSET, "*.example", "example");

        assertThat(askName(zone, "")).isEqualTo("NXDOMAIN");
        assertThat(askName(zone, ".")).isEqualTo("NXDOMAIN");
        assertThat(askName(zone, ".example")).isEqualTo("127.0.0.2"); // an empty label under *.example
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        ".",
        "*.",
        "foo..example",
        "*.*.example",
        "bad!name.example",
        "caf\u00e9.example",
        "example.com:5:text",
    })
    void a_name_outside_letters_digits_hyphen_underscore_is_refused(String entry) {
        ZoneData zone = lenient(ZoneType.DNSET, entry);

        assertThat(zone.warnings()).containsExactly("zone.txt:1: invalid domain name: '"
                + io.github.relaypolicy.core.internal.Text.escape(entry) + "'");
    }

    @Test
    void labels_and_names_have_dns_lengths() {
        String label63 = "a".repeat(63);
        String name253 = (label63 + ".").repeat(3) + "b".repeat(61);
        ZoneData zone = lenient(ZoneType.DNSET, label63 + ".example", label63 + "a.example", name253,
                name253 + "b", "_dmarc.xn--bcher-kva.example");

        assertThat(zone.size()).isEqualTo(3);
        assertThat(zone.warnings()).hasSize(2);
        assertThat(askName(zone, "_DMARC.xn--bcher-kva.example")).isEqualTo("127.0.0.2");
    }
}

package io.github.relaypolicy.core.internal.match;

import static io.github.relaypolicy.core.internal.match.DomainNames.ALLOW_EDGE_HYPHEN;
import static io.github.relaypolicy.core.internal.match.DomainNames.ALLOW_NON_ASCII;
import static io.github.relaypolicy.core.internal.match.DomainNames.ALLOW_UNDERSCORE;
import static io.github.relaypolicy.core.internal.match.DomainNames.MAX_NAME;
import static io.github.relaypolicy.core.internal.match.DomainNames.MIN_TWO_LABELS;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class DomainNamesTest {

    /**
     * What each flag changes, one row a name: accepted without flags (RFC 1123 host names), with underscores, with
     * hyphens at label edges, with non-ASCII characters, and with two labels required.
     */
    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            example.org           | true  | true  | true  | true  | true
            EXAMPLE.Org           | true  | true  | true  | true  | true
            localhost             | true  | true  | true  | true  | false
            1.2.3.4               | true  | true  | true  | true  | true
            xn--bcher-kva.example | true  | true  | true  | true  | true
            a-b.example           | true  | true  | true  | true  | true
            _dmarc.example.org    | false | true  | false | false | false
            a_b                   | false | true  | false | false | false
            -a.example            | false | false | true  | false | false
            a-.example            | false | false | true  | false | false
            -                     | false | false | true  | false | false
            bücher.example        | false | false | false | true  | false
            ''                    | false | false | false | false | false
            .                     | false | false | false | false | false
            example.org.          | false | false | false | false | false
            .example.org          | false | false | false | false | false
            a..b                  | false | false | false | false | false
            *.example.org         | false | false | false | false | false
            'a b.example'         | false | false | false | false | false
            """)
    void flags_widen_or_narrow_the_host_name_syntax(String name, boolean plain, boolean underscore,
            boolean edgeHyphen, boolean nonAscii, boolean twoLabels) {
        assertThat(DomainNames.isValid(name, 0, MAX_NAME)).as("no flags").isEqualTo(plain);
        assertThat(DomainNames.isValid(name, ALLOW_UNDERSCORE, MAX_NAME)).as("ALLOW_UNDERSCORE").isEqualTo(underscore);
        assertThat(DomainNames.isValid(name, ALLOW_EDGE_HYPHEN, MAX_NAME)).as("ALLOW_EDGE_HYPHEN").isEqualTo(edgeHyphen);
        assertThat(DomainNames.isValid(name, ALLOW_NON_ASCII, MAX_NAME)).as("ALLOW_NON_ASCII").isEqualTo(nonAscii);
        assertThat(DomainNames.isValid(name, MIN_TWO_LABELS, MAX_NAME)).as("MIN_TWO_LABELS").isEqualTo(twoLabels);
    }

    @ParameterizedTest(name = "[{index}] label of {0}")
    @CsvSource({"1, true", "63, true", "64, false"})
    void labels_have_at_most_63_characters_wherever_they_stand(int length, boolean valid) {
        String label = "a".repeat(length);

        for (String name : new String[] {label, label + ".example", "example." + label, "a." + label + ".b"}) {
            assertThat(DomainNames.isValid(name, 0, MAX_NAME)).as(name).isEqualTo(valid);
        }
    }

    @ParameterizedTest(name = "[{index}] {0} characters, at most {1}")
    @CsvSource({"253, 253, true", "254, 253, false", "200, 200, true", "201, 200, false", "254, 2147483647, true"})
    void the_caller_sets_the_longest_name(int length, int max, boolean valid) {
        String name = ("a".repeat(49) + ".").repeat(6).substring(0, length - 1) + "z";

        assertThat(name).hasSize(length);
        assertThat(DomainNames.isValid(name, 0, max)).isEqualTo(valid);
    }

    @Test
    void a_range_is_checked_without_reading_around_it_and_non_ascii_is_reported() {
        String path = "<user@b\u00FCcher.example.>";

        assertThat(DomainNames.check(path, 6, 20, ALLOW_NON_ASCII, Integer.MAX_VALUE)).isEqualTo(DomainNames.NON_ASCII);
        assertThat(DomainNames.check(path, 6, 20, 0, Integer.MAX_VALUE)).isEqualTo(DomainNames.INVALID);
        assertThat(DomainNames.check(path, 13, 20, 0, Integer.MAX_VALUE)).isZero(); // "example"
        assertThat(DomainNames.check(path, 13, 21, 0, Integer.MAX_VALUE)).isEqualTo(DomainNames.INVALID); // "example."
        assertThat(DomainNames.check(path, 6, 6, 0, Integer.MAX_VALUE)).isEqualTo(DomainNames.INVALID);
    }
}

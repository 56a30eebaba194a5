package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.internal.match.DomainNames;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class TextTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({
        "127.0.0.1, [127.0.0.1]",
        "::1, [IPv6:::1]",
        "::, [IPv6:::]",
        "2001:db8::25, [IPv6:2001:db8::25]",
        "2001:db8:0:0:1:0:0:1, [IPv6:2001:db8::1:0:0:1]",
        "2001:0:0:1:0:0:0:1, [IPv6:2001:0:0:1::1]",
        "2001:db8:1:2:3:4:5:6, [IPv6:2001:db8:1:2:3:4:5:6]",
        "2001:db8:0:1:2:3:4:5, [IPv6:2001:db8:0:1:2:3:4:5]",
        "fe80::1%1, [IPv6:fe80::1]",
        "1::, [IPv6:1::]",
        "::ffff:192.0.2.1, [192.0.2.1]",
    })
    void address_literals_use_the_short_ipv6_form(String address, String literal) throws UnknownHostException {
        assertThat(Text.addressLiteral(InetAddress.getByName(address))).isEqualTo(literal);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"example.org", "mx.example.org", "localhost", "xn--bcher-kva.example", "a-b.c_d.example",
        "mx1.example", "1mx.example"})
    void host_names_are_domains(String name) {
        assertThat(Text.isDomain(name)).isTrue();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "127.0.0.1", "example.org.", ".example.org", "a..b", "-a.example", "a b",
        "bücher.example", "x@example.org", "<evil>", "[127.0.0.1]", "ex\tample"})
    void other_text_is_not_a_domain(String name) {
        assertThat(Text.isDomain(name)).isFalse();
    }

    /**
     * The command cannot call core's internal {@code DomainNames} (the core module exports only its API), so it
     * keeps its own check; this pins it to {@code DomainNames} with underscores allowed, at most 253 characters,
     * and a last label that is not all digits.
     */
    @ParameterizedTest(name = "[{index}] ''{0}''")
    @ValueSource(strings = {"", ".", "a", "a.", ".a", "a..b", "example.org", "EXAMPLE.org", "example.org.",
        "_dmarc.example.org", "_", "a_-b.example", "a-_.example", "-a.example", "a-.example", "a-b.example",
        "xn--bcher-kva.example", "bücher.example", "1.2.3.4", "example.123", "123", "example.1a", "mx1.example",
        "*.example.org", "a b", "a\u0000b", "ex\tample", "[127.0.0.1]", "x@example.org"})
    void host_names_are_what_core_domain_names_accepts_with_underscores_and_a_last_label_not_all_digits(String name) {
        String last = name.substring(name.lastIndexOf('.') + 1);
        boolean numeric = !last.isEmpty() && last.chars().allMatch(c -> c >= '0' && c <= '9');

        assertThat(Text.isDomain(name)).isEqualTo(DomainNames.isValid(name, DomainNames.ALLOW_UNDERSCORE,
                DomainNames.MAX_NAME) && !numeric);
    }

    @Test
    void host_names_have_labels_of_at_most_63_and_at_most_253_characters() {
        String label = "a".repeat(63);
        String name253 = (label + ".").repeat(3) + "b".repeat(61);

        assertThat(Text.isDomain(label + ".example")).isTrue();
        assertThat(Text.isDomain(label + "a.example")).isFalse();
        assertThat(name253).hasSize(253);
        assertThat(Text.isDomain(name253)).isTrue();
        assertThat(Text.isDomain(name253 + "b")).isFalse();
        for (String name : new String[] {label + ".example", label + "a.example", name253, name253 + "b"}) {
            assertThat(Text.isDomain(name)).as(name)
                    .isEqualTo(DomainNames.isValid(name, DomainNames.ALLOW_UNDERSCORE, DomainNames.MAX_NAME));
        }
    }

    @Test
    void printable_escapes_controls_and_caps_length() {
        assertThat(Text.printable("a\r\nb\u0000\u009b\u2028é", 100)).isEqualTo("a\\u000D\\u000Ab\\u0000\\u009B\\u2028é");
        assertThat(Text.printable("x".repeat(10), 4)).isEqualTo("xxxx...");
        assertThat(Text.oneLine("250-a\n250 b\n", 100)).isEqualTo("250-a / 250 b");
    }

    @Test
    void json_strings_are_escaped() {
        assertThat(Text.json("a\"b\\c\nd\u0001")).isEqualTo("\"a\\\"b\\\\c\\nd\\u0001\"");
    }
}

package io.github.relaypolicy.core.internal.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class DomainIndexTest {

    private final DomainIndex index = new DomainIndex.Builder()
            .add("example.org", 0, "local domain", "local")
            .add(".corp.example", 0, "local domain", "local")
            .add("*.star.example", 0, "local domain", "local")
            .add("partner.corp.example", 1, "relay domain", "relay")
            .add("Bücher.Example.", 0, "local domain", "local")
            .build();

    @ParameterizedTest
    @CsvSource({"münchen.xn--bcher-kva.example, xn--mnchen-3ya.xn--bcher-kva.example",
        "XN--MNCHEN-3YA.bücher.example., xn--mnchen-3ya.xn--bcher-kva.example",
        "ΟΔΟΣ1.example, xn--1-4lb6abu.example", "Bücher.EXAMPLE, xn--bcher-kva.example"})
    void labels_convert_one_by_one_and_capitals_map_without_context(String domain, String ascii) {
        assertThat(DomainNames.toAscii(domain)).isEqualTo(ascii);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u212Aorp.example", "\u0130stanbul.example", "po\u017Ft.example", "\uFF45xample.org",
        "x\u212Bngstrom.example", "\u2126mega.example", "straße.example", "οδος.example", "a\uFB01.example",
        "exa\u200Dmple.org", "example\u2024org", "a\u3002b.example", "bu\u0308cher.example", "b\u00FCcher..example",
        "ab\u00F7c.corp.example", "b\u00FCcher\u2603.example", "a\u00B7b.example", "\u00E9\u20DD.example"})
    void a_label_that_a_mapping_would_fold_onto_other_text_is_refused(String domain) {
        assertThat(DomainNames.toAscii(domain)).as(domain).isNull();
    }

    @ParameterizedTest
    @CsvSource({
        "example.org, example.org",
        "EXAMPLE.Org, example.org",
        "sub.example.org, ",
        "corp.example, .corp.example",
        "a.b.corp.example, .corp.example",
        "evilcorp.example, ",
        "corp.example.evil, ",
        "star.example, ",
        "a.star.example, *.star.example",
        "a.b.star.example, *.star.example",
        "partner.corp.example, partner.corp.example",
        "x.partner.corp.example, .corp.example",
        "xn--bcher-kva.example, Bücher.Example.",
        "org, ",
        "rg, ",
    })
    void patterns_match_by_whole_labels(String domain, String pattern) {
        int i = index.lookup(domain, 0, domain.length());
        assertThat(i < 0 ? null : index.pattern(DomainIndex.index(i)).text()).isEqualTo(pattern);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "*.", "a..b", "-a.example", "a-.example", "a_b.example", "*", "*.*.example",
        "a b", "ex ample.org", "a.*.example"})
    void bad_patterns_are_refused_naming_the_pattern(String pattern) {
        assertThatThrownBy(() -> new DomainIndex.Builder().add(pattern, 0, "local domain", "local"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("local domain '" + pattern + "': not a domain name");
    }

    @Test
    void a_domain_cannot_be_both_local_and_relay() {
        DomainIndex.Builder b = new DomainIndex.Builder().add("example.org", 0, "local domain", "local");
        assertThatThrownBy(() -> b.add("EXAMPLE.org", 1, "relay domain", "relay"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("relay domain 'EXAMPLE.org' conflicts with 'example.org'");
    }

    /** The index against a plain scan of every pattern, on random data with shared suffixes. */
    @Test
    void lookups_agree_with_a_linear_scan_on_random_patterns() {
        SplittableRandom random = new SplittableRandom(7);
        String[] labels = {"a", "b", "mail", "corp", "example", "org", "net", "x1", "mx-2", "de"};
        List<String> patterns = new ArrayList<>();
        DomainIndex.Builder b = new DomainIndex.Builder();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int k = 0; k < 400; k++) {
            String d = randomDomain(random, labels);
            String prefix = switch (random.nextInt(3)) {
                case 0 -> "";
                case 1 -> ".";
                default -> "*.";
            };
            String p = prefix + d;
            if (!seen.add(p) || seen.contains(p.startsWith(".") ? d : "." + d) && prefix.equals("")
                    || prefix.equals(".") && (seen.contains(d) || seen.contains("*." + d))
                    || prefix.equals("*.") && seen.contains("." + d)
                    || prefix.equals("") && seen.contains("." + d)) {
                continue;
            }
            b.add(p, patterns.size() % 2, "domain", "kind");
            patterns.add(p);
        }
        DomainIndex idx = b.build();
        for (int k = 0; k < 5000; k++) {
            String q = randomDomain(random, labels);
            String query = random.nextBoolean() ? q.toUpperCase(Locale.ROOT) : q;
            String expected = null;
            int bestLen = -1;
            for (String p : patterns) {
                String d = p.startsWith("*.") ? p.substring(2) : p.startsWith(".") ? p.substring(1) : p;
                boolean exact = !p.startsWith("*.");
                boolean sub = p.startsWith(".") || p.startsWith("*.");
                boolean matches = (exact && q.equals(d)) || (sub && q.endsWith("." + d));
                if (matches && d.length() > bestLen) {
                    bestLen = d.length();
                    expected = p;
                }
            }
            int i = idx.lookup(query, 0, query.length());
            assertThat(i < 0 ? null : idx.pattern(DomainIndex.index(i)).text()).as(query).isEqualTo(expected);
        }
    }

    private static String randomDomain(SplittableRandom random, String[] labels) {
        int n = 1 + random.nextInt(4);
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < n; k++) {
            if (k > 0) {
                sb.append('.');
            }
            sb.append(labels[random.nextInt(labels.length)]);
        }
        return sb.toString();
    }
}

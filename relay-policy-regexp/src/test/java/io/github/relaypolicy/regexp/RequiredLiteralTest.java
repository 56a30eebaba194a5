package io.github.relaypolicy.regexp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import io.github.relaypolicy.core.spi.CompiledRegexp;
import io.github.relaypolicy.core.spi.RegexpEngineProvider;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The literal prefilter: what it finds, and that it never changes an answer of RE2/J. */
final class RequiredLiteralTest {

    @Test
    void the_longest_run_every_match_contains() {
        assertThat(RequiredLiteral.of("^mail[0-9]+\\.example\\.org$", false)).isEqualTo(".example.org");
        assertThat(RequiredLiteral.of("^Mail[0-9]+\\.EXAMPLE$", true)).isEqualTo(".example");
        assertThat(RequiredLiteral.of("(?:abc)+defg?", false)).isEqualTo("abc");
        assertThat(RequiredLiteral.of("(abcd)?xyz", false)).isEqualTo("xyz");
        assertThat(RequiredLiteral.of("(abcd){0,2}xy", false)).isNull();
        assertThat(RequiredLiteral.of("((abcd)*efgh)", false)).isEqualTo("efgh");
        assertThat(RequiredLiteral.of("abcd{2}", false)).isEqualTo("abc");
        assertThat(RequiredLiteral.of("[[:alpha:]]+spam[a-z]", false)).isEqualTo("spam");
        assertThat(RequiredLiteral.of("[]abc]xyz", false)).isEqualTo("xyz");
        assertThat(RequiredLiteral.all("^[a-z]*pattern7[0-9]+\\.example$", true))
                .containsExactly("pattern7", ".example");
        // nothing to rely on
        assertThat(RequiredLiteral.of("spam|ham", false)).isNull();
        assertThat(RequiredLiteral.of("(?i)spam", false)).isNull();
        assertThat(RequiredLiteral.of("\\Qspam\\E", false)).isNull();
        assertThat(RequiredLiteral.of("ab", false)).isNull();
        assertThat(RequiredLiteral.of("^[0-9.]+$", false)).isNull();
        assertThat(RequiredLiteral.of("a{,3}bcd", false)).isNull();
    }

    @Test
    void a_text_with_non_ascii_characters_is_always_matched_when_case_is_ignored() throws Exception {
        // RE2/J folds the Kelvin sign into k when case is ignored
        CompiledRegexp re = new Re2jEngineProvider().compile("kelvin", RegexpEngineProvider.CASE_INSENSITIVE);
        assertThat(re.find("\u212Aelvin")).isTrue();
        assertThat(re.find("KELVIN")).isTrue();
        assertThat(re.find("kelvi")).isFalse();
        CompiledRegexp exact = new Re2jEngineProvider().compile("kelvin", 0);
        assertThat(exact.find("\u212Aelvin")).isFalse();
        assertThat(exact.find("KELVIN")).isFalse();
    }

    @Test
    void the_prefilter_never_changes_an_answer() throws Exception {
        // random patterns from a small grammar, random texts over an alphabet that makes literals appear
        SplittableRandom rnd = new SplittableRandom(0x5EED_4E6EL);
        String[] atoms = {"a", "b", "c", "A", "ab", "abc", "\\.", ".", "[a-c]", "[^b]", "(abc)", "(?:ab)", "(a|b)",
            "x", "\\d", "k", "s"};
        String[] quantifiers = {"", "", "", "?", "*", "+", "{2}", "{0,1}", "{1,3}"};
        Re2jEngineProvider engine = new Re2jEngineProvider();
        int checked = 0;
        int filtered = 0;
        for (int round = 0; round < 3000; round++) {
            StringBuilder p = new StringBuilder(rnd.nextInt(4) == 0 ? "^" : "");
            int parts = 1 + rnd.nextInt(6);
            for (int k = 0; k < parts; k++) {
                String atom = atoms[rnd.nextInt(atoms.length)];
                if (rnd.nextInt(5) == 0) {
                    atom = "(" + atom + atoms[rnd.nextInt(atoms.length)] + ")";
                }
                p.append(atom).append(quantifiers[rnd.nextInt(quantifiers.length)]);
            }
            if (rnd.nextInt(4) == 0) {
                p.append('$');
            }
            int flags = rnd.nextBoolean() ? RegexpEngineProvider.CASE_INSENSITIVE : 0;
            CompiledRegexp ours;
            Pattern plain;
            try {
                ours = engine.compile(p.toString(), flags);
                plain = Pattern.compile(p.toString(), (flags & 1) != 0 ? Pattern.CASE_INSENSITIVE : 0);
            } catch (io.github.relaypolicy.core.spi.RegexpSyntaxException e) {
                continue;
            }
            if (RequiredLiteral.all(p.toString(), (flags & 1) != 0) != null) {
                filtered++;
            }
            for (int t = 0; t < 20; t++) {
                StringBuilder text = new StringBuilder();
                int len = rnd.nextInt(12);
                String alphabet = "abcABCx.1ks\u212A\u017F";
                for (int i = 0; i < len; i++) {
                    text.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                }
                assertThat(ours.find(text)).as("/%s/ flags %d on '%s'", p, flags, text)
                        .isEqualTo(plain.matcher(text).find());
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(40_000);
        assertThat(filtered).isGreaterThan(300);
    }
}

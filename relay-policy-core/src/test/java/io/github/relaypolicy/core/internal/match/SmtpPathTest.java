package io.github.relaypolicy.core.internal.match;

import static io.github.relaypolicy.core.internal.match.SmtpPath.BANG;
import static io.github.relaypolicy.core.internal.match.SmtpPath.HAS_DOMAIN;
import static io.github.relaypolicy.core.internal.match.SmtpPath.LITERAL;
import static io.github.relaypolicy.core.internal.match.SmtpPath.NON_ASCII;
import static io.github.relaypolicy.core.internal.match.SmtpPath.PERCENT;
import static io.github.relaypolicy.core.internal.match.SmtpPath.POSTMASTER;
import static io.github.relaypolicy.core.internal.match.SmtpPath.QUOTED_AT;
import static io.github.relaypolicy.core.internal.match.SmtpPath.ROUTED;
import static io.github.relaypolicy.core.internal.match.SmtpPath.SEVERAL_AT;
import static io.github.relaypolicy.core.internal.match.SmtpPath.SOURCE_ROUTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

final class SmtpPathTest {

    static Stream<Arguments> wellFormedPaths() {
        return Stream.of(
                Arguments.of("<user@example.org>", HAS_DOMAIN, "example.org"),
                Arguments.of("user@example.org", HAS_DOMAIN, "example.org"),
                Arguments.of("  <user@example.org>\t", HAS_DOMAIN, "example.org"),
                Arguments.of("<user@example.org.>", HAS_DOMAIN, "example.org"),
                Arguments.of("<first.last+tag@Sub.Example.ORG>", HAS_DOMAIN, "Sub.Example.ORG"),
                Arguments.of("<\"john doe\"@example.org>", HAS_DOMAIN, "example.org"),
                Arguments.of("<\"a\\\"b\"@example.org>", HAS_DOMAIN, "example.org"),
                Arguments.of("<user@[192.0.2.1]>", HAS_DOMAIN | LITERAL, "[192.0.2.1]"),
                Arguments.of("<user@[IPv6:2001:db8::1]>", HAS_DOMAIN | LITERAL, "[IPv6:2001:db8::1]"),
                Arguments.of("<user@bücher.example>", HAS_DOMAIN | NON_ASCII, "bücher.example"),
                Arguments.of("<用户@例子.广告>", HAS_DOMAIN | NON_ASCII, "例子.广告"),
                Arguments.of("<Postmaster>", POSTMASTER, ""),
                Arguments.of("postmaster", POSTMASTER, ""),
                Arguments.of("<\"POSTMASTER\">", POSTMASTER, ""),
                Arguments.of("<user>", 0, ""),
                Arguments.of("<user%victim@example.org>", ROUTED | PERCENT | HAS_DOMAIN, "example.org"),
                Arguments.of("<\"user@victim\"@example.org>", ROUTED | QUOTED_AT | HAS_DOMAIN, "example.org"),
                Arguments.of("<\"user%victim\">", ROUTED | PERCENT, ""),
                Arguments.of("<\"user\\@victim\"@example.org>", ROUTED | QUOTED_AT | HAS_DOMAIN, "example.org"),
                Arguments.of("<user@victim@example.org>", ROUTED | SEVERAL_AT | HAS_DOMAIN, "example.org"),
                Arguments.of("<\"user\"@victim@example.org>", ROUTED | SEVERAL_AT | HAS_DOMAIN, "example.org"),
                Arguments.of("<@example.org:user@victim>", ROUTED | SOURCE_ROUTE | HAS_DOMAIN, "victim"),
                Arguments.of("<@a.example,@[192.0.2.1]:user@victim>", ROUTED | SOURCE_ROUTE | HAS_DOMAIN, "victim"),
                Arguments.of("<@[IPv6:2001:db8::1]:user@victim>", ROUTED | SOURCE_ROUTE | HAS_DOMAIN, "victim"),
                Arguments.of("<user@[192.0.2.1]@victim.example@example.org>", ROUTED | SEVERAL_AT | HAS_DOMAIN,
                        "example.org"),
                Arguments.of("<Postma\u017Fter>", 0, ""),
                Arguments.of("<\"po\u017Ftmaster\">", 0, ""),
                Arguments.of("<victim!user>", ROUTED | BANG, ""),
                Arguments.of("<victim!user@example.org>", ROUTED | BANG | HAS_DOMAIN, "example.org"),
                Arguments.of("<@example.org:Postmaster>", ROUTED | SOURCE_ROUTE, ""));
    }

    @ParameterizedTest
    @MethodSource("wellFormedPaths")
    void well_formed_paths_parse_with_their_routing_flags(String path, int flags, String domain) {
        long r = SmtpPath.parse(path);
        assertThat(SmtpPath.status(r)).isEqualTo(SmtpPath.OK);
        assertThat(SmtpPath.flags(r)).isEqualTo(flags);
        assertThat(path.substring(SmtpPath.domainStart(r), SmtpPath.domainEnd(r))).isEqualTo(domain);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "<", ">", "<a@b", "a@b>", "<<a@b>>", "<a@b>>", "@b", "a@", "<a@>",
        "<@>", "a@b..c", "a@.b", "a@-b.example", "a@b-.example", "a@b_c.example", "a b@c", "a@b c", ".a@b", "a.@b",
        "a..b@c", "\"a@b", "\"a\\\"@b", "a\"b\"@c", "\"a\"b@c", "a@[192.0.2.1", "a@[300.1.1.1]", "a@[IPv6:zz]",
        "a@[tag:content]", "a@[IPv6:fe80::1%eth0]", "a@b\r\n", "a\u0000@b", "a@b\u007f", "a@\ud800.example",
        "<@a:>", "<@a>", "<@a,b:c@d>", "a,b@c", "a(comment)@b", "a@b;c", "a@xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.example",
        "(a)@b", "a@b@", "<\"a\"@@victim.example>", "<a.@b@victim.example>", "<\"a\"@[1.2.3.4.5]@victim.example>",
        "<a@@b>", "<@[IPv6:2001:db8::1:u@b>", "<@[IPv6:2001:db8::1]u@b>", "<Postma\u017Fter@>"})
    void malformed_paths_are_syntax_errors(String path) {
        assertThat(SmtpPath.status(SmtpPath.parse(path))).as(path).isEqualTo(SmtpPath.SYNTAX);
    }

    /**
     * Found by {@code SmtpPathFuzzTest}: RFC 5321's quoted-pairSMTP is a backslash and printable ASCII, and RFC 6531
     * extends qtextSMTP with UTF-8 but not the quoted pair, so {@code \\} before a non-ASCII character is malformed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"<\"pl\\\u00bb\u00a2]]\">", "<\"a\\\u00fc\"@example.org>", "\"\\\u7528\"@example.org",
        "<\"a\\\ud83d\ude00\"@example.org>", "<\"\\\uFFFD\">"})
    void quoted_pair_with_a_non_ascii_character_is_a_syntax_error(String path) {
        assertThat(SmtpPath.status(SmtpPath.parse(path))).as(path).isEqualTo(SmtpPath.SYNTAX);
    }

    @Test
    void null_is_a_syntax_error_and_brackets_alone_are_the_null_path() {
        assertThat(SmtpPath.status(SmtpPath.parse(null))).isEqualTo(SmtpPath.SYNTAX);
        assertThat(SmtpPath.status(SmtpPath.parse("<>"))).isEqualTo(SmtpPath.NULL_PATH);
        assertThat(SmtpPath.status(SmtpPath.parse(" <> "))).isEqualTo(SmtpPath.NULL_PATH);
    }

    @Test
    void limits_of_rfc_5321_are_counted_in_utf8_octets() {
        String local64 = "a".repeat(64);
        assertThat(SmtpPath.status(SmtpPath.parse("<" + local64 + "@example.org>"))).isEqualTo(SmtpPath.OK);
        assertThat(SmtpPath.status(SmtpPath.parse("<" + local64 + "b@example.org>")))
                .isEqualTo(SmtpPath.PART_TOO_LONG);
        // 32 two-octet characters fit, 33 do not
        assertThat(SmtpPath.status(SmtpPath.parse("<" + "é".repeat(32) + "@example.org>"))).isEqualTo(SmtpPath.OK);
        assertThat(SmtpPath.status(SmtpPath.parse("<" + "é".repeat(33) + "@example.org>")))
                .isEqualTo(SmtpPath.PART_TOO_LONG);
        String label = "d".repeat(60);
        String domain = String.join(".", label, label, label, label); // 243 octets
        // path: "<" + 1 + "@" + 243 + ">" = 247 octets
        assertThat(SmtpPath.status(SmtpPath.parse("<a@" + domain + ">"))).isEqualTo(SmtpPath.OK);
        String path256 = "<" + "a".repeat(10) + "@" + domain + ".ab>"; // 1 + 10 + 1 + 246 + 1 = 259
        assertThat(SmtpPath.status(SmtpPath.parse(path256))).isEqualTo(SmtpPath.PATH_TOO_LONG);
        // brackets count even when the caller leaves them out
        String bare = "a".repeat(9) + "@" + domain + ".ab"; // 9 + 1 + 246 + 2 = 258
        assertThat(SmtpPath.status(SmtpPath.parse(bare))).isEqualTo(SmtpPath.PATH_TOO_LONG);
        assertThat(SmtpPath.status(SmtpPath.parse("a".repeat(1_000_000)))).isEqualTo(SmtpPath.PATH_TOO_LONG);
    }

    /** The one-pass parser of the common form must answer exactly as the general parser, on any input. */
    @Test
    void the_common_case_parser_agrees_with_the_general_parser_on_random_paths() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        String alphabet = "abcXYZ019-._%!@<>\"[]:,+ \\\u00e9\u0000\u007f";
        String[] shapes = {"<a@b.c>", "<u.v@example.org>", "<x@y.>", "<p%q@r-s.t>", "<@a:b@c>", "<a@b@c>",
            "<\"q\"@d>", "<a@[1.2.3.4]>", "<Postmaster>", "<a@" + "b".repeat(63) + ".c>", "<" + "l".repeat(64) + "@d>"};
        for (int k = 0; k < 200_000; k++) {
            StringBuilder sb = new StringBuilder(shapes[random.nextInt(shapes.length)]);
            int edits = random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(sb.length() + 1);
                char c = alphabet.charAt(random.nextInt(alphabet.length()));
                switch (random.nextInt(3)) {
                    case 0 -> sb.insert(at, c);
                    case 1 -> { if (at < sb.length()) sb.setCharAt(at, c); }
                    default -> { if (at < sb.length()) sb.deleteCharAt(at); }
                }
            }
            String path = sb.toString();
            assertThat(SmtpPath.parse(path)).as(path).isEqualTo(SmtpPath.parseAny(path));
        }
    }
}

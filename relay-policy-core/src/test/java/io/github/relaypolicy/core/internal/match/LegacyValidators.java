package io.github.relaypolicy.core.internal.match;

import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.dns.ListNames;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Frozen copies of the domain-name validators as they were before {@link DomainNames} replaced them (commit
 * cbf781d, issue 10), and a corpus of tricky names, so that differential tests can show that every reader accepts
 * exactly what it accepted before. The SMTP path parser's copy is {@link LegacySmtpPath}. Do not change them;
 * delete them with the differential tests once the restructuring is merged.
 */
public final class LegacyValidators {

    private LegacyValidators() {
    }

    // ------------------------------------------------------------------ DomainIndex.toAscii and isHostname

    /** {@code DomainIndex.toAscii}. */
    public static @Nullable String domainIndexToAscii(String domain) {
        String d = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        if (d.isEmpty()) {
            return null;
        }
        String ascii;
        if (isAscii(d)) {
            ascii = asciiLower(d);
        } else {
            StringBuilder out = new StringBuilder(d.length() + 16);
            int labelStart = 0;
            for (int i = 0; i <= d.length(); i++) {
                if (i == d.length() || d.charAt(i) == '.') {
                    String label = labelToAscii(d.substring(labelStart, i));
                    if (label == null) {
                        return null;
                    }
                    if (labelStart > 0) {
                        out.append('.');
                    }
                    out.append(label);
                    labelStart = i + 1;
                }
            }
            ascii = out.toString();
        }
        return domainIndexIsHostname(ascii, 0, ascii.length()) ? ascii : null;
    }

    private static @Nullable String labelToAscii(String label) {
        if (label.isEmpty()) {
            return null;
        }
        if (isAscii(label)) {
            return asciiLower(label);
        }
        if (!Normalizer.isNormalized(label, Normalizer.Form.NFC)) {
            return null;
        }
        StringBuilder lower = new StringBuilder(label.length());
        for (int i = 0; i < label.length(); ) {
            int cp = label.codePointAt(i);
            i += Character.charCount(cp);
            int lc = Character.toLowerCase(cp);
            if (cp >= 0x80 && lc < 0x80) {
                return null;
            }
            if (lc >= 0x80 && !Normalizer.isNormalized(new String(Character.toChars(lc)), Normalizer.Form.NFKC)) {
                return null;
            }
            if (lc >= 0x80 && !isLetterDigitOrMark(lc)) {
                return null;
            }
            lower.appendCodePoint(lc);
        }
        String l = lower.toString();
        try {
            String ascii = IDN.toASCII(l, 0);
            if (!IDN.toUnicode(ascii, 0).equals(l) || ascii.indexOf('.') >= 0) {
                return null;
            }
            return asciiLower(ascii);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isLetterDigitOrMark(int cp) {
        return switch (Character.getType(cp)) {
            case Character.LOWERCASE_LETTER, Character.UPPERCASE_LETTER, Character.OTHER_LETTER,
                    Character.DECIMAL_DIGIT_NUMBER, Character.MODIFIER_LETTER, Character.NON_SPACING_MARK,
                    Character.COMBINING_SPACING_MARK -> true;
            default -> false;
        };
    }

    private static String asciiLower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** {@code DomainIndex.isHostname}. */
    public static boolean domainIndexIsHostname(String s, int from, int to) {
        if (to - from < 1 || to - from > 253) {
            return false;
        }
        int labelStart = from;
        for (int i = from; i <= to; i++) {
            char c = i < to ? s.charAt(i) : '.';
            if (c == '.') {
                int len = i - labelStart;
                if (len < 1 || len > 63 || s.charAt(labelStart) == '-' || s.charAt(i - 1) == '-') {
                    return false;
                }
                labelStart = i + 1;
            } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ SmtpPath's two domain loops

    private static boolean isLdh(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    }

    /** {@code SmtpPath.domainSyntax}: 8 (its {@code NON_ASCII}) or 0, or -1. */
    public static int smtpPathDomainSyntax(String s, int from, int to) {
        if (from >= to) {
            return -1;
        }
        int flags = 0;
        int labelStart = from;
        char prev = '.';
        for (int k = from; k < to; k++) {
            char c = s.charAt(k);
            if (c < 0x80 && isLdh(c)) {
                if (c == '-' && prev == '.') {
                    return -1; // a label starts with a hyphen
                }
            } else if (c == '.') {
                if (prev == '.' || prev == '-' || k - labelStart > 63) {
                    return -1; // empty label, label ending with a hyphen, label over 63
                }
                labelStart = k + 1;
            } else if (c >= 0x80) {
                flags = 8;
            } else {
                return -1;
            }
            prev = c;
        }
        if (prev == '.' || prev == '-' || to - labelStart > 63) {
            return -1;
        }
        return flags;
    }

    /** The domain loop of {@code SmtpPath.parseCommon}: whether the common case took the domain. */
    public static boolean smtpPathCommonDomain(String s, int domainStart, int domainEnd) {
        if (domainEnd <= domainStart) {
            return false;
        }
        char prev = '.';
        int labelStart = domainStart;
        for (int k = domainStart; k < domainEnd; k++) {
            char c = s.charAt(k);
            if (c < 0x80 && isLdh(c)) {
                if (c == '-' && prev == '.') {
                    return false;
                }
            } else if (c == '.' && prev != '.' && prev != '-' && k - labelStart <= 63) {
                labelStart = k + 1;
            } else {
                return false;
            }
            prev = c;
        }
        return !(prev == '-' || prev == '.' || domainEnd - labelStart > 63);
    }

    // ------------------------------------------------------------------ ZoneParser.domainName

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** {@code ZoneParser.domainName} on the bytes {@code b[p, e)}. */
    public static @Nullable String zoneParserDomainName(byte[] b, int p, int e) {
        if (e > p && b[e - 1] == '.') {
            e--;
        }
        if (e <= p || e - p > 253) {
            return null;
        }
        byte[] out = new byte[e - p];
        int label = 0;
        for (int i = p; i < e; i++) {
            byte c = b[i];
            if (c == '.') {
                if (label == 0) {
                    return null;
                }
                label = 0;
            } else if ((c >= 'a' && c <= 'z') || isDigit(c) || c == '-' || c == '_') {
                label++;
            } else if (c >= 'A' && c <= 'Z') {
                c += 32;
                label++;
            } else {
                return null;
            }
            if (label > 63) {
                return null;
            }
            out[i - p] = c;
        }
        return label == 0 ? null : new String(out, StandardCharsets.ISO_8859_1);
    }

    // ------------------------------------------------------------------ zone names

    /** {@code ListSpec.zoneName}. */
    public static String listSpecZoneName(String zone) {
        String z = zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone;
        String ascii;
        try {
            ascii = IDN.toASCII(z, 0).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            ascii = "";
        }
        if (ascii.isEmpty() || ascii.indexOf('.') < 0 || !ascii.matches("[a-z0-9_-]+(\\.[a-z0-9_-]+)+")
                || ascii.length() > 200) {
            throw new IllegalArgumentException("zone '" + Text.escape(zone) + "' is not a domain name with at least two labels");
        }
        return ascii;
    }

    /** {@code RelayEngine.Builder.zoneName}. */
    public static String builderZoneName(String setting, String zone) {
        Objects.requireNonNull(zone, "zone");
        try {
            return listSpecZoneName(zone.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ListNames.maskAll(String.format(Locale.ROOT, "%s zone '%s' is not"
                    + " a zone name: expected a domain name of at least two labels, e.g. bl.example.net", setting,
                    Text.escape(zone))), e);
        }
    }

    /**
     * {@code ListSpec.parse(DNSBL, text).zone()} for a text without a filter or weight: the zone, or what
     * {@code ListSpec.parse} threw for a bad one.
     */
    public static String listSpecParseBareZone(String text) {
        try {
            return listSpecZoneName(text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s '%s': %s (expected zone[=filter][*weight],"
                    + " e.g. zen.spamhaus.org=127.0.0.[2..11;30]*3)", "dnsbl", Text.escape(ListNames.maskAll(text)),
                    ListNames.maskAll(e.getMessage())), e);
        }
    }

    /**
     * {@code RelayEngine.Builder.zoneOf}, which cut the specification at its filter or weight and parsed the rest
     * as a {@code dnsbl} specification.
     */
    public static String builderZoneOf(String spec) {
        String zone = spec.strip();
        for (char c : new char[] {'=', '&', '*'}) {
            int at = zone.indexOf(c);
            zone = at < 0 ? zone : zone.substring(0, at);
        }
        return listSpecParseBareZone(zone);
    }

    // ------------------------------------------------------------------ the command-line tool's Text.isDomain

    private static final Pattern CLI_HOST_NAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
                    + "(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*");

    /** The command-line tool's {@code Text.isDomain}. */
    public static boolean cliIsDomain(String value) {
        return CLI_HOST_NAME.matcher(value).matches()
                && !value.substring(value.lastIndexOf('.') + 1).chars().allMatch(c -> c >= '0' && c <= '9');
    }

    // ------------------------------------------------------------------ the corpus

    /**
     * Names at every edge the validators draw: empty, dots, label and name lengths, underscores, hyphens, digits,
     * A-labels, case, trailing dots, non-ASCII, control characters, wildcard forms and list specifications.
     */
    public static List<String> corpus() {
        List<String> names = new ArrayList<>(List.of(
                "", ".", "..", "...", "a", "a.", "a..", ".a", "..a", "a..b", "a.b", "a.b.", "a.b..", "a.b.c",
                "example.org", "EXAMPLE.Org", "Example.ORG.", "example.org..", "sub.example.org", "localhost",
                "localhost.", "bl.example.net", "BL.Spamcop.NET.", "zen.spamhaus.org",
                // underscores
                "_dmarc.example.org", "a_b.example", "_.example", "example._", "_", "__.__", "_a-.example",
                "a._-b.example", "c_d", "a-b.c_d.example",
                // hyphens
                "-", "-.example", "-a.example", "a-.example", "a-b.example", "a--b.example", "--.example",
                "a.-", "a.b-", "example.-org", "a-", "-a", "a.-b.c", "a.b-.c", "x-.y-", "xn--", "xn--.example",
                // digits
                "1.2.3.4", "127.0.0.1", "10.0.0.1.", "example.123", "123", "123.", "mx1.example", "1mx.example",
                "0.0", "a.1", "1.a", "example.1a", "example.a1",
                // A-labels
                "xn--bcher-kva.example", "XN--BCHER-KVA.EXAMPLE", "xn--zz.example", "xn--mnchen-3ya.xn--bcher-kva.ex",
                "xn---.example", "xn--a.xn--b",
                // non-ASCII
                "bücher.example", "Bücher.EXAMPLE", "Bücher.Example.", "münchen.xn--bcher-kva.example",
                "XN--MNCHEN-3YA.bücher.example.", "ΟΔΟΣ1.example", "οδος.example", "straße.example",
                "a\u3002b.example", "bl\u3002example\u3002net", "bl\uFF0Eexample\uFF0Enet", "\uFF45xample.org",
                "\uFF25\uFF38\uFF21\uFF2D\uFF30\uFF2C\uFF25.com", "\u212Aorp.example", "\u0130stanbul.example",
                "po\u017Ft.example", "x\u212Bngstrom.example", "\u2126mega.example", "a\uFB01.example",
                "exa\u200Dmple.org", "example\u2024org", "bu\u0308cher.example", "b\u00FCcher..example",
                "ab\u00F7c.corp.example", "b\u00FCcher\u2603.example", "a\u00B7b.example", "\u00E9\u20DD.example",
                "é", "a.é", "é.", "\uD83D\uDE00.example", "\uD800.example", "a\uDC00.example", "\u00A0.example",
                "b\u00FCcher-.example", "-b\u00FCcher.example", "b\u00FCcher_x.example", "\u0080.example",
                "\u00FF.example", "\u0391.\u03B2", "日本.jp", "日本", "a.日本",
                // control characters and blanks
                "a\u0000b.example", "ex\tample.org", "example.org\n", "\r", "\n", "a\u007Fb.example",
                "a\u0085b.example", "a\u2028b.example", " example.org", "example.org ", "a b.example", " ", "\t",
                " bl.example.net ", "\tbl.example.net.\t",
                // wildcard forms
                "*.example.org", ".example.org", "*", "*.", "a.*.example", "**.example", "*example.org",
                ".*.example", "*.*", "..example.org",
                // other punctuation and list specifications
                "x@example.org", "<evil>", "[127.0.0.1]", "[IPv6:::1]", "bl.test=127.0.0.2", "zen.spamhaus.org*3",
                "bl.test&0.0.0.4", "a/b.example", "a%b.example", "a:b.example", "a!b", "bad zone",
                "k3yk3yk3yk3yk3yk3yk3yk3y.zen.dq.spamhaus.net", "k3yk3yk3yk3yk3yk3yk3yk3y.zen.dq.spamhaus.net*3",
                "a\\.b.example", "a'b.example", "a\"b.example", "a,b.example", "a;b.example"));
        // label lengths
        for (int n : new int[] {62, 63, 64, 65}) {
            names.add("a".repeat(n) + ".example");
            names.add("example." + "b".repeat(n));
            names.add("c".repeat(n));
            names.add("x.".repeat(2) + "-".repeat(n) + ".example");
            names.add("é".repeat(n) + ".example");
            names.add("_".repeat(n) + ".example");
        }
        // name lengths: 199 to 202 (zones), 252 to 256 (host names), 300; with and without a trailing dot
        for (int n : new int[] {199, 200, 201, 202, 252, 253, 254, 255, 256, 300}) {
            String name = nameOfLength(n, 63);
            names.add(name);
            names.add(name + ".");
            names.add(name.toUpperCase(Locale.ROOT));
            names.add(nameOfLength(n, 3));
            names.add("é" + nameOfLength(n - 1, 40));
        }
        return names;
    }

    /** A name of exactly {@code n} characters with labels of at most {@code label} letters. */
    private static String nameOfLength(int n, int label) {
        StringBuilder sb = new StringBuilder(n);
        while (sb.length() < n) {
            if (sb.length() > 0) {
                sb.append('.');
            }
            int len = Math.min(label, n - sb.length());
            if (len == 0) { // a dot would end the name: make the last label one longer instead
                sb.setLength(sb.length() - 1);
                sb.append('z');
                break;
            }
            sb.append("m".repeat(len));
        }
        return sb.toString();
    }

    /**
     * {@code count} random names from an alphabet of the characters the validators treat differently, seeded so
     * that a failure repeats.
     */
    public static List<String> randomNames(long seed, int count) {
        String alphabet = "aZ09.-_.-*xn\u00E9\u00DF\u3002\uFF0E\u212A\u0000\t @[]=&";
        SplittableRandom random = new SplittableRandom(seed);
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = random.nextInt(12);
            StringBuilder sb = new StringBuilder(length);
            for (int k = 0; k < length; k++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            names.add(sb.toString());
        }
        return names;
    }
}

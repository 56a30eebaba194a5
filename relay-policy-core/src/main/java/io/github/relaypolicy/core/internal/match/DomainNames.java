package io.github.relaypolicy.core.internal.match;

import java.net.IDN;
import java.text.Normalizer;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The one syntax check of domain names, with explicit flags for what each reader accepts, and the conversion of
 * internationalized names to their A-label form.
 *
 * <p>Without flags, {@link #check} accepts an ASCII host name of RFC 1123: dot-separated labels of 1 to 63
 * letters, digits and hyphens, no label starting or ending with a hyphen, any case, no trailing dot, one label or
 * more, at most {@code maxLength} characters. The flags widen or narrow that, and each reader names its own:
 * <table>
 *   <caption>Who accepts what</caption>
 *   <tr><th>reader</th><th>flags</th><th>max length</th></tr>
 *   <tr><td>{@code SmtpPath} (MAIL FROM and RCPT TO domains)</td><td>{@link #ALLOW_NON_ASCII} (U-labels, converted
 *       later; ASCII only on the common-case path)</td><td>none (the 255 octets are counted apart)</td></tr>
 *   <tr><td>{@link #toAscii} (local and relay domains, sender domains of RHSBL queries)</td><td>none, after the
 *       IDNA conversion</td><td>253</td></tr>
 *   <tr><td>{@code ZoneParser} (dnset entries, $SOA and $NS names)</td><td>{@link #ALLOW_UNDERSCORE},
 *       {@link #ALLOW_EDGE_HYPHEN}</td><td>253</td></tr>
 *   <tr><td>{@code ZoneNames} (DNS list zones)</td><td>{@link #ALLOW_UNDERSCORE}, {@link #ALLOW_EDGE_HYPHEN},
 *       {@link #MIN_TWO_LABELS}, after IDNA2003's {@code IDN.toASCII}</td><td>200</td></tr>
 * </table>
 * The command-line tool keeps its own check (it sees only the exported API): the flags {@link #ALLOW_UNDERSCORE}
 * and 253, and a last label that is not all digits.
 *
 * <p>{@link #check} reads a range of its input and allocates nothing: the SMTP path parser calls it on every
 * decision.
 */
public final class DomainNames {

    /** An underscore is a label character ({@code _dmarc.example.org}, DNS list zones, rbldnsd data). */
    public static final int ALLOW_UNDERSCORE = 1;
    /** A label may start or end with a hyphen (rbldnsd data and DNS list zones do not check it). */
    public static final int ALLOW_EDGE_HYPHEN = 1 << 1;
    /**
     * Every character from U+0080 up is a label character, to be converted to an A-label later; a label's length
     * is then counted in UTF-16 chars, not in the octets of its A-label.
     */
    public static final int ALLOW_NON_ASCII = 1 << 2;
    /** The name has two labels or more ({@code bl.example.net}, not {@code localhost}). */
    public static final int MIN_TWO_LABELS = 1 << 3;

    /** Returned by {@link #check} for a valid name with a character from U+0080 up ({@link #ALLOW_NON_ASCII}). */
    public static final int NON_ASCII = 1;
    /** Returned by {@link #check} for a name that is not valid. */
    public static final int INVALID = -1;

    /** The longest label, in characters (RFC 1035 2.3.4). */
    public static final int MAX_LABEL = 63;
    /** The longest name without its trailing dot, in characters (RFC 1035's 255 octets on the wire). */
    public static final int MAX_NAME = 253;

    // ASCII character types, so that the usual character (a letter or digit) costs one load and one comparison
    private static final byte OTHER = 0;
    private static final byte LETTER_DIGIT = 1;
    private static final byte DOT = 2;
    private static final byte HYPHEN = 3;
    private static final byte UNDERSCORE = 4;
    private static final byte[] TYPE = new byte[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            TYPE[c] = LETTER_DIGIT;
            TYPE[c - 32] = LETTER_DIGIT;
        }
        for (char c = '0'; c <= '9'; c++) {
            TYPE[c] = LETTER_DIGIT;
        }
        TYPE['.'] = DOT;
        TYPE['-'] = HYPHEN;
        TYPE['_'] = UNDERSCORE;
    }

    private DomainNames() {
    }

    /**
     * Checks the domain name {@code s[from, to)}: labels of 1 to {@link #MAX_LABEL} characters, no empty label
     * (so no leading, doubled or trailing dot), as widened or narrowed by {@code flags}. Case is not checked.
     *
     * @param flags {@link #ALLOW_UNDERSCORE}, {@link #ALLOW_EDGE_HYPHEN}, {@link #ALLOW_NON_ASCII},
     *     {@link #MIN_TWO_LABELS}, or 0
     * @param maxLength the most characters the name may have ({@link #MAX_NAME}, or {@link Integer#MAX_VALUE}
     *     where the caller counts the length itself)
     * @return {@link #INVALID}; else {@link #NON_ASCII} if the name holds a character from U+0080 up, or 0
     */
    public static int check(CharSequence s, int from, int to, int flags, int maxLength) {
        if (to <= from || to - from > maxLength) {
            return INVALID;
        }
        boolean edgeHyphens = (flags & ALLOW_EDGE_HYPHEN) != 0;
        int result = 0;
        int labelStart = from;
        int dots = 0;
        char prev = '.'; // the character before the label's first one is taken as a dot
        for (int k = from; k < to; k++) {
            char c = s.charAt(k);
            if (c < 0x80) {
                byte type = TYPE[c];
                if (type == LETTER_DIGIT) {
                    // the usual case
                } else if (type == DOT) {
                    if (prev == '.' || k - labelStart > MAX_LABEL || (prev == '-' && !edgeHyphens)) {
                        return INVALID; // an empty label, one over 63, or one ending with a hyphen
                    }
                    labelStart = k + 1;
                    dots++;
                } else if (type == HYPHEN) {
                    if (prev == '.' && !edgeHyphens) {
                        return INVALID; // a label starting with a hyphen
                    }
                } else if (type != UNDERSCORE || (flags & ALLOW_UNDERSCORE) == 0) {
                    return INVALID;
                }
            } else if ((flags & ALLOW_NON_ASCII) != 0) {
                result = NON_ASCII;
            } else {
                return INVALID;
            }
            prev = c;
        }
        if (prev == '.' || to - labelStart > MAX_LABEL || (prev == '-' && !edgeHyphens)
                || (dots == 0 && (flags & MIN_TWO_LABELS) != 0)) {
            return INVALID;
        }
        return result;
    }

    /** Whether all of {@code s} is a domain name; see {@link #check}. */
    public static boolean isValid(CharSequence s, int flags, int maxLength) {
        return check(s, 0, s.length(), flags, maxLength) >= 0;
    }

    /**
     * Converts a domain to the lower-case A-label form that domain lists hold, or returns null if it is not a
     * valid domain name (LDH labels of 1 to 63 characters, at most 253 characters without the trailing dot).
     *
     * <p>Each label is converted alone, as IDNA does: ASCII labels (A-labels included) are kept, lower-cased, so
     * a name may mix A-labels and U-labels ({@code münchen.xn--bcher-kva.example}). See {@link #labelToAscii}
     * for the U-labels that are refused.
     */
    public static @Nullable String toAscii(String domain) {
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
        return check(ascii, 0, ascii.length(), 0, MAX_NAME) >= 0 ? ascii : null;
    }

    /**
     * One label as a lower-case A-label, or null. A U-label is lower-cased code point by code point (as UTS 46
     * maps Σ to σ wherever it stands; {@code String.toLowerCase} would make a final ς of it) and is refused, not
     * folded, where a mapping would turn it into other text: a code point that is not NFC-stable (U+212A KELVIN
     * SIGN, U+2126 OHM SIGN, U+212B ANGSTROM SIGN), one whose lower case is ASCII (U+0130 İ to i) or not
     * NFKC-stable (U+017F ſ to s, fullwidth letters, ligatures), and one that IDNA2008 disallows outright (a symbol
     * such as U+00F7 ÷, punctuation, a space). Then java.net.IDN, which implements IDNA2003,
     * must give the label back unchanged: IDNA2003 maps some characters that IDNA2008 (what mail software uses
     * today) keeps or refuses (straße to strasse, σοφίας to σοφίασ, joiners dropped, U+2024 to "."), and a name
     * that does not come back unchanged is refused rather than matched as another domain.
     */
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

    /**
     * Whether a code point is in RFC 5892's LetterDigits categories (Ll, Lu, Lo, Nd, Lm, Mn, Mc), outside which
     * IDNA2008 disallows every code point but a few context rules: symbols such as U+00F7 ÷, punctuation, spaces,
     * enclosing marks. IDNA2003 encodes many of them, so the round trip below would not catch them.
     */
    private static boolean isLetterDigitOrMark(int cp) {
        return switch (Character.getType(cp)) {
            case Character.LOWERCASE_LETTER, Character.UPPERCASE_LETTER, Character.OTHER_LETTER,
                    Character.DECIMAL_DIGIT_NUMBER, Character.MODIFIER_LETTER, Character.NON_SPACING_MARK,
                    Character.COMBINING_SPACING_MARK -> true;
            default -> false;
        };
    }

    private static String asciiLower(String s) {
        return s.toLowerCase(Locale.ROOT); // callers pass ASCII only: no Unicode folding can happen
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}

package io.github.relaypolicy.core.internal;

/**
 * Makes hostile text safe to echo in replies, traces and error messages.
 */
public final class Text {

    /** Echoed values are cut after this many characters. */
    public static final int ECHO_CAP = 128;

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private Text() {
    }

    /**
     * Escapes every character outside printable ASCII (control characters, DEL, non-ASCII) as {@code \}{@code
     * uXXXX} and a backslash as two, and caps the result at {@link #ECHO_CAP} characters of output followed by
     * {@code ...} when something was cut, so an echo never grows an SMTP reply past its line limit.
     */
    public static String escape(CharSequence s) {
        int n = s.length();
        int plain = 0;
        while (plain < n && plain < ECHO_CAP) {
            char c = s.charAt(plain);
            if (c < 0x20 || c >= 0x7f || c == '\\') {
                break;
            }
            plain++;
        }
        if (plain == n) {
            return s.toString(); // the usual case: short and printable
        }
        StringBuilder sb = new StringBuilder(ECHO_CAP + 3);
        sb.append(s, 0, plain);
        for (int i = plain; i < n; i++) {
            char c = s.charAt(i);
            String piece;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                piece = null;
            } else if (c == '\\') {
                piece = "\\\\";
            } else {
                piece = "\\u" + HEX[(c >> 12) & 15] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
            }
            int width = piece == null ? 1 : piece.length();
            if (sb.length() + width > ECHO_CAP) {
                return sb.append("...").toString();
            }
            if (piece == null) {
                sb.append(c);
            } else {
                sb.append(piece);
            }
        }
        return sb.toString();
    }

    /**
     * Escapes only what must never reach a log line or a terminal as it is: control characters but tab (C0, DEL,
     * C1), U+2028 and U+2029, and unpaired surrogates, as {@code \}{@code uXXXX}; everything else, backslashes
     * included, is left alone and nothing is cut. So it is safe on text that may already hold escapes: a message
     * made of parts some of which were escaped with {@link #escape} comes out the same but for raw controls.
     *
     * @param s the text
     * @return the text, or a copy with its control characters escaped
     */
    public static String escapeControls(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1));
            boolean bad = (c < 0x20 && c != '\t') || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029
                    || (!pair && Character.isSurrogate(c));
            if (bad && sb == null) {
                sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (sb != null) {
                if (bad) {
                    sb.append("\\u").append(HEX[(c >> 12) & 15]).append(HEX[(c >> 8) & 15]).append(HEX[(c >> 4) & 15])
                            .append(HEX[c & 15]);
                } else {
                    sb.append(c);
                    if (pair) {
                        sb.append(s.charAt(i + 1));
                    }
                }
            }
            if (pair) {
                i++;
            }
        }
        return sb == null ? s : sb.toString();
    }

    /**
     * Whether {@code s} holds {@code keyword} at {@code from}, ignoring the case of ASCII letters only. Protocol
     * keywords (RFC 5321 section 2.4) are ASCII: {@link String#regionMatches(boolean, int, String, int, int)} and
     * {@code equalsIgnoreCase} also fold U+017F (long s) to {@code s}, U+212A (Kelvin sign) to {@code k} and
     * U+0131 (dotless i) to {@code i}, so a client could spell a keyword with them.
     *
     * @param keyword the keyword in lower-case ASCII
     */
    public static boolean equalsAsciiIgnoreCase(String s, int from, String keyword) {
        int n = keyword.length();
        if (from < 0 || s.length() - from < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(from + i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c != keyword.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the string holds a control character (C0, DEL, C1) or an unpaired surrogate. */
    public static boolean hasControlOrBrokenText(CharSequence s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                continue;
            }
            if (c < 0xa0) {
                return true;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= n || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return true;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}

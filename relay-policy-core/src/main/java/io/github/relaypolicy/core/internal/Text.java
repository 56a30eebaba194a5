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
     * uXXXX} and a backslash as two, and caps the result at {@link #ECHO_CAP} input characters followed by
     * {@code ...}.
     */
    public static String escape(CharSequence s) {
        int n = Math.min(s.length(), ECHO_CAP);
        StringBuilder sb = null;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean plain = c >= 0x20 && c < 0x7f && c != '\\';
            if (plain) {
                if (sb != null) {
                    sb.append(c);
                }
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(n + 16);
                sb.append(s, 0, i);
            }
            if (c == '\\') {
                sb.append("\\\\");
            } else {
                sb.append("\\u").append(HEX[(c >> 12) & 15]).append(HEX[(c >> 8) & 15]).append(HEX[(c >> 4) & 15])
                        .append(HEX[c & 15]);
            }
        }
        if (sb == null) {
            return s.length() > n ? s.subSequence(0, n) + "..." : s.toString();
        }
        if (s.length() > n) {
            sb.append("...");
        }
        return sb.toString();
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

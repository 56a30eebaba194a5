package io.github.relaypolicy.server;

import java.util.Locale;

/** Text helpers of the protocol: escaping echoed input for messages, and making answer text safe to send. */
final class PolicyText {

    /** Echoed input is cut after this many characters: a message or log line stays short. */
    static final int ECHO_LIMIT = 64;

    private PolicyText() {
    }

    /**
     * The text for a message or log line: control characters as {@code \xNN} (CR, LF and TAB as {@code \r},
     * {@code \n}, {@code \t}), the Unicode line and paragraph separators (U+2028, U+2029) as a backslash,
     * {@code u} and their four hex digits, backslash doubled, cut after {@link #ECHO_LIMIT} characters with
     * {@code ...}.
     */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), ECHO_LIMIT) + 8);
        int n = Math.min(s.length(), ECHO_LIMIT);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\r' -> b.append("\\r");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\\' -> b.append("\\\\");
                // line and paragraph separators end a line in some log viewers, as they would in an answer
                case '\u2028' -> b.append("\\u2028");
                case '\u2029' -> b.append("\\u2029");
                default -> {
                    if (isControl(c)) {
                        b.append(String.format(Locale.ROOT, "\\x%02X", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        if (s.length() > ECHO_LIMIT) {
            b.append("...");
        }
        return b.toString();
    }

    /**
     * The text with every character that could end or break an answer line replaced by a space: C0 and C1 controls
     * (CR, LF and NUL among them; TAB too, which Postfix would keep but a log would not), DEL, and the Unicode line
     * and paragraph separators. An answer is one line; nothing in a reply or action argument may add another.
     */
    static String safe(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (isUnsafe(s.charAt(i))) {
                StringBuilder b = new StringBuilder(s);
                for (int j = i; j < b.length(); j++) {
                    if (isUnsafe(b.charAt(j))) {
                        b.setCharAt(j, ' ');
                    }
                }
                return b.toString();
            }
        }
        return s;
    }

    private static boolean isUnsafe(char c) {
        return isControl(c) || c == '\u2028' || c == '\u2029';
    }

    private static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c < 0xa0);
    }
}

package io.github.relaypolicy.cli;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;
import java.util.regex.Pattern;

/** Text helpers for output that may carry what a remote server or a user sent. */
final class Text {

    /** An ASCII host name: letters, digits, hyphens (and underscores, seen in the wild) in dot-separated labels. */
    private static final Pattern HOST_NAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
                    + "(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*");

    private static final Pattern ADDRESS_LITERAL = Pattern.compile("\\[(?:[0-9.]{7,15}|IPv6:[0-9A-Fa-f:.]{2,45})]");

    private Text() {
    }

    /**
     * Whether {@code value} is an ASCII host name whose last label is not all digits (RFC 1123 2.1), so that an
     * IPv4 address is not taken for a domain.
     *
     * <p>Core's internal {@code DomainNames} with {@code ALLOW_UNDERSCORE} and 253 characters accepts the same
     * names but for the last-label rule; the core module exports only its API, so this keeps its own check, and
     * {@code TextTest} holds the two together.
     */
    static boolean isDomain(String value) {
        return HOST_NAME.matcher(value).matches()
                && !value.substring(value.lastIndexOf('.') + 1).chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** Whether {@code value} looks like an address literal, {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]}. */
    static boolean isAddressLiteral(String value) {
        return ADDRESS_LITERAL.matcher(value).matches();
    }

    /**
     * The SMTP address literal of {@code address} (RFC 5321 4.1.3): {@code [192.0.2.1]}, or
     * {@code [IPv6:2001:db8::1]} with the IPv6 address in its RFC 5952 short form and without a scope.
     */
    static String addressLiteral(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return "[" + address.getHostAddress() + "]";
        }
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        // the longest run of two or more zero groups, the first one if several are as long, becomes "::"
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j - 1);
        }
        StringBuilder sb = new StringBuilder("[IPv6:");
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLength) {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.append(']').toString();
    }

    /**
     * {@code value} safe to print on one line: control characters (C0, DEL, C1, line and paragraph separators)
     * escaped as {@code \}{@code uXXXX}, cut after {@code max} characters with {@code ...}. A server's reply is
     * hostile input: it must not be able to move the cursor or forge lines of our output.
     */
    static String printable(String value, int max) {
        StringBuilder sb = new StringBuilder(Math.min(value.length(), max) + 8);
        for (int i = 0; i < value.length(); i++) {
            if (sb.length() >= max) {
                return sb.append("...").toString();
            }
            char c = value.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                sb.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** A server reply as Angus Mail reports it (lines ending in LF) on one line: lines joined with " / ". */
    static String oneLine(String reply, int max) {
        return printable(String.join(" / ", reply.strip().split("\r?\n")), max);
    }

    /** {@code value} as a JSON string, quotes included (RFC 8259: quote, backslash and controls escaped). */
    static String json(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Pads {@code value} with spaces on the right to {@code width} characters. */
    static String pad(String value, int width) {
        return value.length() >= width ? value : value + " ".repeat(width - value.length());
    }
}

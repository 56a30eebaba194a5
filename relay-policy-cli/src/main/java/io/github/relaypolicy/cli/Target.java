package io.github.relaypolicy.cli;

import java.util.Locale;

/**
 * The server a probe talks to, as the user named it: {@code HOST[:PORT]}, an IPv6 address in brackets when a port
 * follows ({@code [::1]:2525}).
 */
record Target(String host, int port) {

    static final int SMTP_PORT = 25;

    /**
     * Parses {@code HOST}, {@code HOST:PORT}, {@code [IPV6]}, {@code [IPV6]:PORT} or a bare IPv6 address.
     *
     * @throws IllegalArgumentException naming the input when it is none of these or the port is not 1..65535
     */
    static Target parse(String text) {
        String host;
        String port = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw bad(text, "missing ']' after the IPv6 address");
            }
            host = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (rest.charAt(0) != ':') {
                    throw bad(text, "expected ':PORT' after ']'");
                }
                port = rest.substring(1);
            }
        } else {
            int colon = text.indexOf(':');
            if (colon >= 0 && colon == text.lastIndexOf(':')) {
                host = text.substring(0, colon);
                port = text.substring(colon + 1);
            } else {
                host = text; // no colon, or several: a bare IPv6 address without a port
            }
        }
        if (host.isEmpty()) {
            throw bad(text, "the host is empty");
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c <= ' ' || c >= 0x7f || "[]/@<>\"\\".indexOf(c) >= 0) {
                throw bad(text, String.format(Locale.ROOT, "character U+%04X is not allowed in a host", (int) c));
            }
        }
        return new Target(host, port == null ? SMTP_PORT : parsePort(text, port));
    }

    private static int parsePort(String text, String port) {
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw bad(text, "the port must be a number from 1 to 65535");
        }
        int value = Integer.parseInt(port);
        if (value < 1 || value > 65535) {
            throw bad(text, "the port must be a number from 1 to 65535");
        }
        return value;
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException(String.format(Locale.ROOT, "HOST[:PORT] '%s': %s",
                Text.printable(text, 100), why));
    }
}

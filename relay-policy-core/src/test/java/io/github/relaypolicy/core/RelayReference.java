package io.github.relaypolicy.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A deliberately simple and slow reference for the documented relay rules (README "What it decides",
 * docs/DOMAIN notes), written without the engine's code: string splitting and plain loops, no packed results, no
 * tries, no java.net.IDN. It is conservative: where the documentation leaves room it refuses, so the engine may
 * refuse what this accepts (not checked) but must never accept what this refuses.
 *
 * <p>The policy is fixed: {@link #LOCAL}, {@link #RELAY}, {@link #TRUSTED} ({@link #EXCLUDED} carved out).
 */
public final class RelayReference {

    /** Local domains: exact, {@code .x} (x and below), {@code *.x} (below only), an IDN, two literals. */
    public static final List<String> LOCAL = List.of("example.org", ".corp.example", "*.wild.example",
            "bücher.example", "kst.example", "[192.0.2.25]", "[IPv6:2001:db8::25]");
    /** Relay domains. */
    public static final List<String> RELAY = List.of("partner.example", ".relay.example");
    /** Trusted networks, as given to the engine. */
    public static final List<String> TRUSTED = List.of("10.0.0.0/8", "!10.9.9.9", "2001:db8::/32", "fe80::/10");

    private static final byte[] EXCLUDED = {10, 9, 9, 9};
    private static final byte[] LITERAL4 = {(byte) 192, 0, 2, 25};
    private static final byte[] LITERAL6 = v6("2001:db8::25");

    /** The longest authenticated user the reference takes as a plausible login (issue 9 asks for a cap). */
    public static final int MAX_USER = 1024;

    private RelayReference() {
    }

    /** How the reference decided. */
    public record Outcome(boolean accept, String why) {
    }

    /**
     * Decides.
     *
     * @return whether relay is granted, and why (or why not)
     */
    public static Outcome decide(boolean permitAuthenticated, @Nullable String client, @Nullable String helo,
            @Nullable String sender, @Nullable String recipient, @Nullable String user) {
        byte[] address = client == null ? null : clientAddress(client);
        if (address == null) {
            return new Outcome(false, "client is not an IP address (zones only on link-local, short names)");
        }
        if (helo != null && (helo.length() > 255 || hasControl(helo))) {
            return new Outcome(false, "bad HELO");
        }
        if (user != null && (hasControl(user))) {
            return new Outcome(false, "authenticated user holds control characters");
        }
        if (user != null && user.length() > MAX_USER) {
            return new Outcome(false, "authenticated user longer than " + MAX_USER);
        }
        if (sender == null) {
            return new Outcome(false, "no sender");
        }
        Path from = Path.parse(sender);
        if (from == null) {
            return new Outcome(false, "sender syntax");
        }
        Path to = recipient == null ? null : Path.parse(recipient);
        if (to == null || to.isNull) {
            return new Outcome(false, "recipient syntax");
        }
        if (to.isPostmaster()) {
            return new Outcome(true, "bare Postmaster");
        }
        if (isTrusted(address)) {
            return new Outcome(true, "trusted client");
        }
        if (permitAuthenticated && user != null && !user.isBlank()) {
            return new Outcome(true, "authenticated");
        }
        if (to.routed()) {
            return new Outcome(false, "sender-specified routing");
        }
        if (to.domain == null) {
            return new Outcome(false, "no domain");
        }
        if (matchesDomain(to.domain, LOCAL)) {
            return new Outcome(true, "local domain");
        }
        if (matchesDomain(to.domain, RELAY)) {
            return new Outcome(true, "relay domain");
        }
        return new Outcome(false, "relay denied");
    }

    // ---- client addresses

    /** The client's address (4 or 16 bytes; IPv4-mapped IPv6 as IPv4), or null if it is not acceptable text. */
    static byte @Nullable [] clientAddress(String text) {
        String address = text;
        String zone = null;
        int percent = text.indexOf('%');
        if (percent >= 0) {
            address = text.substring(0, percent);
            zone = text.substring(percent + 1);
        }
        byte[] a = v4(address);
        if (a != null) {
            return zone == null ? a : null;
        }
        a = v6(address);
        if (a == null) {
            return null;
        }
        if (zone != null) {
            // RFC 4007 zones mean something only on link-local addresses; an interface name or number is short
            boolean linkLocal = (a[0] & 0xff) == 0xfe && (a[1] & 0xc0) == 0x80;
            if (!linkLocal || !zone.matches("[A-Za-z0-9._-]{1,15}")) {
                return null;
            }
        }
        boolean mapped = true;
        for (int k = 0; k < 10; k++) {
            mapped &= a[k] == 0;
        }
        if (mapped && (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff) {
            return Arrays.copyOfRange(a, 12, 16);
        }
        return a;
    }

    private static boolean isTrusted(byte[] a) {
        if (a.length == 4) {
            return a[0] == 10 && !Arrays.equals(a, EXCLUDED);
        }
        boolean doc = (a[0] & 0xff) == 0x20 && (a[1] & 0xff) == 0x01 && (a[2] & 0xff) == 0x0d && (a[3] & 0xff) == 0xb8;
        boolean linkLocal = (a[0] & 0xff) == 0xfe && (a[1] & 0xc0) == 0x80;
        return doc || linkLocal;
    }

    /** Dotted quad, no leading zeros. */
    public static byte @Nullable [] v4(String s) {
        if (!s.matches("[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}")) {
            return null;
        }
        String[] parts = s.split("\\.");
        byte[] out = new byte[4];
        for (int k = 0; k < 4; k++) {
            if (parts[k].length() > 1 && parts[k].startsWith("0")) {
                return null;
            }
            int v = Integer.parseInt(parts[k]);
            if (v > 255) {
                return null;
            }
            out[k] = (byte) v;
        }
        return out;
    }

    /** RFC 4291 2.2 text, no zone: hex groups, at most one "::", an optional trailing dotted quad. */
    public static byte @Nullable [] v6(String s) {
        if (s.indexOf(':') < 0 || !s.matches("[0-9A-Fa-f:.]+")) {
            return null;
        }
        int dc = s.indexOf("::");
        if (dc >= 0 && s.indexOf("::", dc + 1) >= 0) {
            return null;
        }
        List<String> head = dc < 0 ? groups(s) : groups(s.substring(0, dc));
        List<String> tail = dc < 0 ? List.of() : groups(s.substring(dc + 2));
        if (head == null || tail == null) {
            return null;
        }
        List<Integer> words = new ArrayList<>();
        List<Integer> tailWords = new ArrayList<>();
        if (!words(head, words, dc < 0) || !words(tail, tailWords, true)) {
            return null;
        }
        if (dc < 0 && words.size() != 8 || dc >= 0 && words.size() + tailWords.size() > 7) {
            return null;
        }
        while (words.size() + tailWords.size() < 8) {
            words.add(0);
        }
        words.addAll(tailWords);
        byte[] out = new byte[16];
        for (int k = 0; k < 8; k++) {
            out[2 * k] = (byte) (words.get(k) >>> 8);
            out[2 * k + 1] = (byte) (int) words.get(k);
        }
        return out;
    }

    private static @Nullable List<String> groups(String s) {
        if (s.isEmpty()) {
            return List.of();
        }
        List<String> g = Arrays.asList(s.split(":", -1));
        return g.contains("") ? null : g;
    }

    /** Adds the 16-bit words of groups; a dotted quad only last, and only where the address ends. */
    private static boolean words(List<String> groups, List<Integer> out, boolean endsAddress) {
        for (int k = 0; k < groups.size(); k++) {
            String g = groups.get(k);
            if (g.indexOf('.') >= 0) {
                byte[] q = k == groups.size() - 1 && endsAddress ? v4(g) : null;
                if (q == null) {
                    return false;
                }
                out.add(((q[0] & 0xff) << 8) | (q[1] & 0xff));
                out.add(((q[2] & 0xff) << 8) | (q[3] & 0xff));
            } else if (g.length() > 4) {
                return false;
            } else {
                out.add(Integer.parseInt(g, 16));
            }
        }
        return true;
    }

    // ---- paths

    /** A path read by the RFC 5321 grammar (RFC 6531 UTF-8 allowed), with the engine's documented leniencies. */
    public static final class Path {
        final boolean isNull;
        final boolean sourceRoute;
        /** The local part without quotes and quoted-pair backslashes. */
        final String local;
        /** '@'-separated pieces between the local part and the domain ({@code user@remote@ours}). */
        final int extraAts;
        final @Nullable String domain;

        private Path(boolean isNull, boolean sourceRoute, String local, int extraAts, @Nullable String domain) {
            this.isNull = isNull;
            this.sourceRoute = sourceRoute;
            this.local = local;
            this.extraAts = extraAts;
            this.domain = domain;
        }

        /** Whether this is the null path {@code <>}. */
        public boolean isNullPath() {
            return isNull;
        }

        /** The domain or address literal as written (a trailing dot kept), or null if there is none. */
        public @Nullable String domain() {
            return domain;
        }

        /** Whether the mailbox routes: source route, several '@', or '@', '%', '!' in the local part. */
        public boolean routed() {
            return sourceRoute || extraAts > 0 || local.indexOf('@') >= 0 || local.indexOf('%') >= 0
                    || local.indexOf('!') >= 0;
        }

        /** RCPT TO:&lt;Postmaster&gt;: no route, no domain, "postmaster" in any ASCII case, quoted or not. */
        public boolean isPostmaster() {
            return !sourceRoute && domain == null && extraAts == 0 && local.length() == 10
                    && local.chars().allMatch(c -> c < 0x80)
                    && local.toLowerCase(Locale.ROOT).equals("postmaster");
        }

        /**
         * Parses a MAIL FROM or RCPT TO argument: surrounding spaces and tabs ignored, angle brackets optional.
         *
         * @return the path, or null if it is malformed or too long
         */
        public static @Nullable Path parse(String raw) {
            String s = raw.replaceAll("^[ \t]+|[ \t]+$", "");
            if (s.isEmpty() || hasControl(s)) {
                return null;
            }
            boolean open = s.startsWith("<");
            boolean close = s.endsWith(">");
            if (open != close || open && s.length() < 2) {
                return null;
            }
            String inner = open ? s.substring(1, s.length() - 1) : s;
            if (inner.isEmpty()) {
                return open ? new Path(true, false, "", 0, null) : null;
            }
            if (octets(inner) + 2 > 256) {
                return null;
            }
            int i = 0;
            boolean route = false;
            if (inner.charAt(0) == '@') {
                route = true;
                while (true) {
                    int end = hopEnd(inner, i + 1);
                    if (end < 0 || end >= inner.length() || !isDomainOrLiteral(inner.substring(i + 1, end))) {
                        return null;
                    }
                    char sep = inner.charAt(end);
                    i = end + 1;
                    if (sep == ':') {
                        break;
                    }
                    if (sep != ',' || i >= inner.length() || inner.charAt(i) != '@') {
                        return null;
                    }
                }
            }
            String mailbox = inner.substring(i);
            String local;
            String rest; // after the local part: "" or "@..."
            if (mailbox.startsWith("\"")) {
                StringBuilder sb = new StringBuilder();
                int k = 1;
                boolean closed = false;
                for (; k < mailbox.length(); k++) {
                    char c = mailbox.charAt(k);
                    if (c == '\\') {
                        if (k + 1 >= mailbox.length() || mailbox.charAt(k + 1) < 0x20 || mailbox.charAt(k + 1) > 0x7e) {
                            return null;
                        }
                        sb.append(mailbox.charAt(++k));
                    } else if (c == '"') {
                        closed = true;
                        break;
                    } else {
                        sb.append(c);
                    }
                }
                if (!closed) {
                    return null;
                }
                local = sb.toString();
                if (octets(mailbox.substring(0, k + 1)) > 64) {
                    return null;
                }
                rest = mailbox.substring(k + 1);
            } else {
                int at = mailbox.indexOf('@');
                local = at < 0 ? mailbox : mailbox.substring(0, at);
                rest = at < 0 ? "" : mailbox.substring(at);
                if (!isDotString(local) || octets(local) > 64) {
                    return null;
                }
            }
            if (rest.isEmpty()) {
                return new Path(false, route, local, 0, null);
            }
            if (rest.charAt(0) != '@') {
                return null;
            }
            String[] pieces = rest.substring(1).split("@", -1);
            for (int k = 0; k < pieces.length - 1; k++) {
                // user@remote@ours: what lies between the '@'s must itself be an atom string, domain or literal
                if (!isDotString(pieces[k]) && !isDomainOrLiteral(pieces[k])) {
                    return null;
                }
            }
            String domain = pieces[pieces.length - 1];
            if (!isDomainOrLiteral(domain) || octets(domain) > 255) {
                return null;
            }
            return new Path(false, route, local, pieces.length - 1, domain);
        }

        private static int hopEnd(String s, int from) {
            if (from < s.length() && s.charAt(from) == '[') {
                int close = s.indexOf(']', from);
                return close < 0 ? -1 : close + 1;
            }
            for (int k = from; k < s.length(); k++) {
                if (s.charAt(k) == ',' || s.charAt(k) == ':') {
                    return k;
                }
            }
            return -1;
        }
    }

    /** C0 (tab included), DEL, C1, or an unpaired surrogate: what SMTP input may not hold. */
    static boolean hasControl(String s) {
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c < 0x20 || c >= 0x7f && c < 0xa0) {
                return true;
            }
            if (Character.isHighSurrogate(c) && k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1))) {
                k++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    static int octets(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static final String ATEXT = "!#$%&'*+-/=?^_`{|}~";

    static boolean isDotString(String s) {
        if (s.isEmpty() || s.startsWith(".") || s.endsWith(".") || s.contains("..")) {
            return false;
        }
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.'
                    || ATEXT.indexOf(c) >= 0 || c >= 0xa0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static boolean isDomainOrLiteral(String s) {
        if (s.startsWith("[")) {
            return literal(s) != null;
        }
        return isDomain(s);
    }

    /** The address of {@code [a.b.c.d]} or {@code [IPv6:...]} (no zone), or null. */
    static byte @Nullable [] literal(String s) {
        if (!s.startsWith("[") || !s.endsWith("]") || s.length() < 3) {
            return null;
        }
        String in = s.substring(1, s.length() - 1);
        if (in.length() > 5 && in.substring(0, 5).equalsIgnoreCase("IPv6:")) {
            return v6(in.substring(5));
        }
        return v4(in);
    }

    static boolean isDomain(String s) {
        String d = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        if (d.isEmpty()) {
            return false;
        }
        for (String label : d.split("\\.", -1)) {
            if (label.isEmpty() || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            boolean ascii = true;
            for (int k = 0; k < label.length(); k++) {
                char c = label.charAt(k);
                boolean ldh = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-';
                if (!ldh && c < 0xa0) {
                    return false;
                }
                ascii &= ldh;
            }
            if (ascii && label.length() > 63) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a recipient domain matches one of the patterns. ASCII labels compare ignoring ASCII case; a label
     * with non-ASCII characters is lower-cased and composed (NFC, as IDNA2008 lookups do) and then matches only the
     * one U-label of the policy, {@code bücher}; other U-labels can only sit below a {@code .x} or {@code *.x}
     * pattern, and a label that folds to ASCII is refused (the reference does no IDNA).
     */
    static boolean matchesDomain(String domain, List<String> patterns) {
        if (domain.startsWith("[")) {
            byte[] a = literal(domain);
            if (a == null) {
                return false;
            }
            return patterns.contains("[192.0.2.25]") && Arrays.equals(a, LITERAL4)
                    || patterns.contains("[IPv6:2001:db8::25]") && a.length == 16 && Arrays.equals(a, LITERAL6);
        }
        String d = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        StringBuilder norm = new StringBuilder();
        for (String label : d.split("\\.", -1)) {
            boolean ascii = label.chars().allMatch(c -> c < 0x80);
            String l;
            String folded = java.text.Normalizer.normalize(label.toLowerCase(Locale.ROOT),
                    java.text.Normalizer.Form.NFC);
            if (ascii) {
                l = asciiLower(label);
            } else if (folded.chars().allMatch(c -> c < 0x80)) {
                return false; // non-ASCII that folds to ASCII (U+212A KELVIN SIGN): IDNA2008 disallows it
            } else if (folded.equals("bücher")) {
                l = "xn--bcher-kva"; // the policy's one U-label, in any case, composed or not
            } else if (isStableULabel(folded)) {
                l = "\u0000" + folded; // another U-label: equal to no ASCII label, fine below a .x or *.x pattern
            } else {
                return false;
            }
            norm.append(norm.length() == 0 ? "" : ".").append(l);
        }
        String n = norm.toString();
        for (String p : patterns) {
            String q = p.replace("bücher", "xn--bcher-kva");
            if (q.startsWith("[")) {
                continue;
            }
            if (q.startsWith("*.")) {
                if (n.endsWith(q.substring(1))) {
                    return true;
                }
            } else if (q.startsWith(".")) {
                if (n.equals(q.substring(1)) || n.endsWith(q)) {
                    return true;
                }
            } else if (n.equals(q)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether every character of a non-ASCII label is a letter, digit, mark or hyphen that case folding and NFKC
     * leave alone: IDNA2008 disallows the others (U+212A KELVIN SIGN, U+0130, full-width forms), so the reference
     * refuses them rather than guessing what they fold to.
     */
    static boolean isStableULabel(String label) {
        for (int k = 0; k < label.length(); k++) {
            char c = label.charAt(k);
            if (c < 0x80) {
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                    return false;
                }
                continue;
            }
            if (Character.isSurrogate(c) || unstable(c)) {
                return false;
            }
            int type = Character.getType(c);
            boolean letterOrMark = Character.isLetterOrDigit(c) || type == Character.NON_SPACING_MARK
                    || type == Character.COMBINING_SPACING_MARK;
            if (!letterOrMark) {
                return false;
            }
        }
        return true;
    }

    /** Whether lower-casing and NFKC change a non-ASCII character (IDNA2008 disallows such code points). */
    public static boolean unstable(char c) {
        String one = String.valueOf(c);
        return !java.text.Normalizer.normalize(one.toLowerCase(Locale.ROOT), java.text.Normalizer.Form.NFKC)
                .equals(one);
    }

    static String asciiLower(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return sb.toString();
    }
}

package io.github.relaypolicy.core.internal.match;

import io.github.relaypolicy.core.internal.Text;

/**
 * Parses an SMTP path argument ({@code <local@domain>}, {@code local@domain}, {@code <>}) by the RFC 5321
 * grammar (section 4.1.2), with RFC 6531 UTF-8 allowed, and finds every form of sender-specified routing.
 *
 * <p>The result is packed in a {@code long} so that parsing allocates nothing: a status, flags, and the bounds
 * of the domain in the input string. Use the static accessors to read it.
 */
public final class SmtpPath {

    /** The path is well-formed. */
    public static final int OK = 0;
    /** The path is {@code <>}: the null reverse-path. */
    public static final int NULL_PATH = 1;
    /** The path is missing or malformed. */
    public static final int SYNTAX = 2;
    /** The path is longer than 256 octets (RFC 5321 4.5.3.1.3). */
    public static final int PATH_TOO_LONG = 3;
    /** The local part is longer than 64 octets or the domain longer than 255 (RFC 5321 4.5.3.1.1-2). */
    public static final int PART_TOO_LONG = 4;

    /** The local part holds {@code @}, {@code %} or {@code !} (quoted or not), or there is a source route. */
    public static final int ROUTED = 1;
    /** The mailbox has a domain. */
    public static final int HAS_DOMAIN = 1 << 1;
    /** The domain is an address literal ({@code [192.0.2.1]}, {@code [IPv6:...]}). */
    public static final int LITERAL = 1 << 2;
    /** The domain holds non-ASCII characters (U-labels). */
    public static final int NON_ASCII = 1 << 3;
    /** The path has a source route ({@code @a,@b:user@c}). */
    public static final int SOURCE_ROUTE = 1 << 4;
    /** The path is {@code Postmaster} (any case, quoted or not) with no domain and no route. */
    public static final int POSTMASTER = 1 << 5;
    /** The local part holds an unquoted {@code @}: several {@code @} in the mailbox. */
    public static final int SEVERAL_AT = 1 << 6;
    /** The local part holds {@code %}. */
    public static final int PERCENT = 1 << 7;
    /** The local part holds {@code !}. */
    public static final int BANG = 1 << 8;
    /** The local part is quoted and holds {@code @}. */
    public static final int QUOTED_AT = 1 << 9;

    /** Paths longer than this many characters are refused before they are read. */
    private static final int MAX_CHARS = 1024;
    private static final int MAX_PATH_OCTETS = 256;
    private static final int MAX_LOCAL_OCTETS = 64;
    private static final int MAX_DOMAIN_OCTETS = 255;

    private SmtpPath() {
    }

    /** The status: {@link #OK}, {@link #NULL_PATH}, {@link #SYNTAX}, ... */
    public static int status(long result) {
        return (int) (result & 0xff);
    }

    /** The flags: {@link #ROUTED}, {@link #HAS_DOMAIN}, ... */
    public static int flags(long result) {
        return (int) ((result >>> 8) & 0xffff);
    }

    /** Where the domain starts in the input (after the {@code @}); for a literal, at its {@code [}. */
    public static int domainStart(long result) {
        return (int) ((result >>> 24) & 0xffff);
    }

    /** Where the domain ends in the input (exclusive, before a trailing dot). */
    public static int domainEnd(long result) {
        return (int) ((result >>> 40) & 0xffff);
    }

    private static long result(int status, int flags, int domainStart, int domainEnd) {
        return status | ((long) flags << 8) | ((long) domainStart << 24) | ((long) domainEnd << 40);
    }

    private static long fail(int status) {
        return result(status, 0, 0, 0);
    }

    /**
     * Parses a path argument. Leading and trailing spaces and tabs are ignored.
     *
     * @param s the argument as received, or null
     * @return the packed result
     */
    public static long parse(String s) {
        if (s == null) {
            return fail(SYNTAX);
        }
        long fast = parseCommon(s);
        return fast != NOT_COMMON ? fast : parseAny(s);
    }

    private static final long NOT_COMMON = -1;

    /**
     * One pass over the common form {@code <dot-atom@domain>}: printable ASCII, unquoted, no route, one
     * {@code @}, at most 256 characters. Anything else, well-formed or not, is left to {@link #parseAny}, which
     * gives the same answer for the common form (a test checks it).
     *
     * @return the packed result, or {@link #NOT_COMMON}
     */
    private static long parseCommon(String s) {
        int n = s.length();
        if (n < 5 || n > MAX_PATH_OCTETS || s.charAt(0) != '<' || s.charAt(n - 1) != '>') {
            return NOT_COMMON;
        }
        int flags = 0;
        int k = 1;
        boolean afterDot = true; // a dot may not lead, double or trail
        char c;
        while (true) {
            c = s.charAt(k);
            if (c >= 0x80) {
                return NOT_COMMON;
            }
            int cls = CLASS[c];
            if ((cls & C_ATEXT) != 0) {
                flags |= cls & 0xffff;
                afterDot = false;
            } else if (c == '.' && !afterDot) {
                afterDot = true;
            } else if (c == '@' && !afterDot) {
                break;
            } else {
                return NOT_COMMON;
            }
            if (++k == n - 1) {
                return NOT_COMMON; // no '@'
            }
        }
        int at = k;
        if (at - 1 > MAX_LOCAL_OCTETS) {
            return NOT_COMMON;
        }
        int domainStart = at + 1;
        int domainEnd = n - 1;
        if (s.charAt(domainEnd - 1) == '.') {
            domainEnd--; // one trailing dot: the root
        }
        // ASCII only: a U-label's octets are counted by parseAny
        if (DomainNames.check(s, domainStart, domainEnd, 0, Integer.MAX_VALUE) < 0) {
            return NOT_COMMON;
        }
        return result(OK, flags | HAS_DOMAIN, domainStart, domainEnd);
    }

    /** Parses any path; see {@link #parse}. Package-private so a test can compare it with the common case. */
    static long parseAny(String s) {
        if (s == null) {
            return fail(SYNTAX);
        }
        int n = s.length();
        if (n > MAX_CHARS) {
            return fail(PATH_TOO_LONG);
        }
        int from = 0;
        int to = n;
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        if (from == to) {
            return fail(SYNTAX);
        }
        // Octets of the whole path as UTF-8, brackets included even when the caller left them out. Printable
        // ASCII, the common case, costs one comparison per character; 'extra' counts octets beyond one per char.
        int extra = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                continue;
            }
            if (c < 0xa0) {
                return fail(SYNTAX); // C0, DEL, C1
            }
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 >= to || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return fail(SYNTAX);
                }
                extra += 2;
                i++;
            } else {
                extra += c < 0x800 ? 1 : 2;
            }
        }
        int octets = to - from + extra;
        boolean bracketed = s.charAt(from) == '<';
        if (bracketed != (s.charAt(to - 1) == '>') || (bracketed && to - from < 2)) {
            return fail(SYNTAX);
        }
        if (!bracketed) {
            octets += 2;
        } else {
            from++;
            to--;
        }
        if (octets > MAX_PATH_OCTETS) {
            return fail(PATH_TOO_LONG);
        }
        if (from == to) {
            return bracketed ? fail(NULL_PATH) : fail(SYNTAX);
        }
        int flags = 0;
        int i = from;
        if (s.charAt(i) == '@') {
            // A-d-l ":" -- a source route: routing by the sender, whatever follows.
            flags |= SOURCE_ROUTE | ROUTED;
            while (true) {
                int hop = i + 1;
                int end = hop;
                if (end < to && s.charAt(end) == '[') {
                    // An address literal: an IPv6 one holds colons, so it ends at its ']'.
                    int close = s.indexOf(']', end);
                    end = close < 0 || close >= to ? to : close + 1;
                } else {
                    while (end < to && s.charAt(end) != ',' && s.charAt(end) != ':') {
                        end++;
                    }
                }
                if (end == to || (s.charAt(end) != ',' && s.charAt(end) != ':') || !isDomainOrLiteral(s, hop, end)) {
                    return fail(SYNTAX);
                }
                i = end + 1;
                if (s.charAt(end) == ':') {
                    break;
                }
                if (i >= to || s.charAt(i) != '@') {
                    return fail(SYNTAX);
                }
            }
            if (i == to) {
                return fail(SYNTAX);
            }
        }
        int localStart = i;
        int localEnd;
        int at; // index of the '@' before the domain, or -1
        if (s.charAt(i) == '"') {
            i++;
            boolean closed = false;
            while (i < to) {
                char c = s.charAt(i);
                if (c == '\\') {
                    // quoted-pairSMTP is a backslash and printable ASCII; RFC 6531 extends qtext, not the pair
                    if (i + 1 >= to || s.charAt(i + 1) >= 0x7f) {
                        return fail(SYNTAX);
                    }
                    c = s.charAt(++i);
                } else if (c == '"') {
                    closed = true;
                    break;
                }
                flags |= routingFlag(c);
                i++;
            }
            if (!closed) {
                return fail(SYNTAX);
            }
            localEnd = i + 1;
            if (localEnd == to) {
                at = -1;
            } else if (s.charAt(localEnd) != '@') {
                return fail(SYNTAX);
            } else {
                at = s.lastIndexOf('@', to - 1);
                if (at != localEnd) {
                    // "a"@b@c: the '@'s after the quoted part route too, through domains or literals.
                    flags |= SEVERAL_AT | ROUTED;
                    if (!isRouteDomains(s, localEnd + 1, at)) {
                        return fail(SYNTAX);
                    }
                }
            }
            if (isPostmaster(s, localStart + 1, localEnd - 1) && at < 0 && (flags & SOURCE_ROUTE) == 0) {
                flags |= POSTMASTER;
            }
        } else {
            at = s.lastIndexOf('@', to - 1);
            if (at < localStart) {
                at = -1;
            }
            localEnd = at < 0 ? to : at;
            if (localEnd == localStart) {
                return fail(SYNTAX);
            }
            // a@b@c: the local part ends at the first '@'; what lies between it and the last routes through
            // domains or literals, and is checked as such, so that malformed text is a syntax error from anyone.
            int firstAt = at < 0 ? -1 : s.indexOf('@', localStart);
            int dotStringEnd = firstAt >= 0 && firstAt < at ? firstAt : localEnd;
            boolean afterDot = true; // a dot may not lead, double or trail
            for (int k = localStart; k < dotStringEnd; k++) {
                char c = s.charAt(k);
                int cls = c < 0x80 ? CLASS[c] : C_ATEXT; // non-ASCII was checked above (RFC 6531)
                if ((cls & C_ATEXT) != 0) {
                    flags |= cls & 0xffff;
                    afterDot = false;
                } else if (c == '.' && !afterDot) {
                    afterDot = true;
                } else {
                    return fail(SYNTAX);
                }
            }
            if (afterDot) {
                return fail(SYNTAX);
            }
            if (dotStringEnd != localEnd) {
                flags |= SEVERAL_AT | ROUTED;
                if (!isRouteDomains(s, dotStringEnd + 1, localEnd)) {
                    return fail(SYNTAX);
                }
            }
            if (at < 0 && (flags & SOURCE_ROUTE) == 0 && isPostmaster(s, localStart, localEnd)) {
                flags |= POSTMASTER;
            }
        }
        if ((extra == 0 ? localEnd - localStart : utf8Length(s, localStart, localEnd)) > MAX_LOCAL_OCTETS) {
            return fail(PART_TOO_LONG);
        }
        if (at < 0) {
            return result(OK, flags, 0, 0);
        }
        int domainStart = at + 1;
        int domainEnd = to;
        if (domainStart == domainEnd) {
            return fail(SYNTAX);
        }
        if ((extra == 0 ? domainEnd - domainStart : utf8Length(s, domainStart, domainEnd)) > MAX_DOMAIN_OCTETS) {
            return fail(PART_TOO_LONG);
        }
        flags |= HAS_DOMAIN;
        if (s.charAt(domainStart) == '[') {
            if (s.charAt(domainEnd - 1) != ']' || domainEnd - domainStart < 3) {
                return fail(SYNTAX);
            }
            if (!isAddressLiteral(s, domainStart, domainEnd)) {
                return fail(SYNTAX);
            }
            flags |= LITERAL;
            return result(OK, flags, domainStart, domainEnd);
        }
        if (s.charAt(domainEnd - 1) == '.') {
            domainEnd--; // one trailing dot: the root
        }
        int domainFlags = domainSyntax(s, domainStart, domainEnd);
        if (domainFlags < 0) {
            return fail(SYNTAX);
        }
        return result(OK, flags | domainFlags, domainStart, domainEnd);
    }

    private static int routingFlag(char c) {
        switch (c) {
            case '@':
                return ROUTED | QUOTED_AT;
            case '%':
                return ROUTED | PERCENT;
            case '!':
                return ROUTED | BANG;
            default:
                return 0;
        }
    }

    /** Character classes of ASCII: atext of RFC 5322, with routing flags in the low bits. */
    private static final int C_ATEXT = 1 << 16;
    private static final int[] CLASS = new int[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            CLASS[c] = C_ATEXT;
            CLASS[c - 32] = C_ATEXT;
        }
        for (char c = '0'; c <= '9'; c++) {
            CLASS[c] = C_ATEXT;
        }
        for (char c : "!#$%&'*+-/=?^_`{|}~".toCharArray()) {
            CLASS[c] = C_ATEXT;
        }
        CLASS['%'] |= ROUTED | PERCENT;
        CLASS['!'] |= ROUTED | BANG;
    }

    private static boolean isPostmaster(String s, int from, int to) {
        // ASCII case only: Unicode case folding would take "Postma\u017Fter" (long s) for the Postmaster.
        return to - from == 10 && Text.equalsAsciiIgnoreCase(s, from, "postmaster");
    }

    /** Text between the first and the last '@' of {@code a@b@c}: domains or address literals, '@' between them. */
    private static boolean isRouteDomains(String s, int from, int to) {
        int start = from;
        for (int k = from; k <= to; k++) {
            if (k == to || s.charAt(k) == '@') {
                if (!isDomainOrLiteral(s, start, k)) {
                    return false; // empty, or not a domain or literal
                }
                start = k + 1;
            }
        }
        return true;
    }

    private static boolean isDomainOrLiteral(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        if (s.charAt(from) == '[') {
            return to - from >= 3 && s.charAt(to - 1) == ']' && isAddressLiteral(s, from, to);
        }
        return domainSyntax(s, from, to) >= 0;
    }

    /** Whether {@code s[from, to)} is {@code [IPv4]} or {@code [IPv6:address]}. */
    private static boolean isAddressLiteral(String s, int from, int to) {
        int start = literalAddressStart(s, from, to);
        if (start < 0) {
            return false;
        }
        if (start == from + 1) {
            return IpText.parse4(s, start, to - 1) >= 0;
        }
        int zone = s.indexOf('%', start);
        return (zone < 0 || zone >= to) && NetworkSet.isIpv6(s, start, to - 1);
    }

    /**
     * Where the address inside an address literal {@code [..]} starts: after {@code [} for IPv4, after
     * {@code [IPv6:} (any case) for IPv6; -1 for a general address literal, which we do not accept.
     */
    public static int literalAddressStart(String s, int from, int to) {
        if (to - from > 6 && Text.equalsAsciiIgnoreCase(s, from + 1, "ipv6:")) {
            return from + 6;
        }
        for (int k = from + 1; k < to - 1; k++) {
            char c = s.charAt(k);
            if (c != '.' && (c < '0' || c > '9')) {
                return -1;
            }
        }
        return from + 1;
    }

    /**
     * Checks {@code sub-domain *("." sub-domain)} with labels of letters, digits and inner hyphens (or
     * non-ASCII characters, to be converted to A-labels later). The length is not checked: the caller counts the
     * domain's octets.
     *
     * @return {@link #NON_ASCII} or 0, or -1 if malformed
     */
    private static int domainSyntax(String s, int from, int to) {
        int r = DomainNames.check(s, from, to, DomainNames.ALLOW_NON_ASCII, Integer.MAX_VALUE);
        return r < 0 ? -1 : r == DomainNames.NON_ASCII ? NON_ASCII : 0;
    }

    private static int utf8Length(String s, int from, int to) {
        int octets = 0;
        for (int k = from; k < to; k++) {
            char c = s.charAt(k);
            octets += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return octets;
    }
}

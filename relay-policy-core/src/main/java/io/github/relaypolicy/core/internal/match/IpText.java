package io.github.relaypolicy.core.internal.match;

import java.util.Locale;

/**
 * Parses and formats IP address text without allocating on the parse path.
 */
public final class IpText {

    /** Returned by parsers for text that is not an address. */
    public static final int INVALID = Integer.MIN_VALUE;

    /** Receives the 128 bits of a parsed IPv6 address, so that parsing needs no result object. */
    public interface Sink6 {
        /**
         * Takes a parsed IPv6 address.
         *
         * @param hi the first 64 bits
         * @param lo the last 64 bits
         * @return whatever the caller wants {@link #parse6} to return; never {@link #INVALID} for a match
         */
        int accept(long hi, long lo);
    }

    /**
     * Whether {@code Inet4Address.hashCode()} is the address as an {@code int}, as every JDK has made it: then an
     * IPv4 address is read without the copy {@code getAddress()} makes. Checked once, on addresses whose hash
     * would differ under any other hash function, so a JDK that changed it only costs the copy.
     */
    private static final boolean HASH_IS_ADDRESS = hashIsAddress(new byte[] {(byte) 203, 0, 113, 9})
            && hashIsAddress(new byte[] {1, 2, 3, 4}) && hashIsAddress(new byte[] {(byte) 255, (byte) 254, 0, 7});

    private static boolean hashIsAddress(byte[] b) {
        try {
            return java.net.InetAddress.getByAddress(b).hashCode() == (((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16)
                    | ((b[2] & 0xff) << 8) | (b[3] & 0xff));
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /**
     * An IPv4 address as an unsigned 32-bit value, without allocating where the JDK allows it.
     *
     * @param address the address
     * @return its value, 0 to 2^32 - 1
     */
    public static long value(java.net.Inet4Address address) {
        if (HASH_IS_ADDRESS) {
            return address.hashCode() & 0xffffffffL;
        }
        byte[] b = address.getAddress();
        return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }

    /** The IPv4-mapped prefix ({@code ::ffff:0:0/96}) in the low 64 bits: an IPv4 address as 128 bits. */
    public static final long MAPPED = 0xffffL << 32;

    /**
     * Gives an address to {@code sink} as 128 bits, an IPv4 address in its IPv4-mapped form
     * ({@code ::ffff:a.b.c.d}), which every sink takes as IPv4: the one conversion of an {@code InetAddress} for
     * the network sets and the DNS lists. The bytes of an IPv4 address are not copied.
     *
     * @param address the address
     * @param sink takes the address
     * @return what {@code sink} returned
     */
    public static int address(java.net.InetAddress address, Sink6 sink) {
        if (address instanceof java.net.Inet4Address a) {
            return sink.accept(0, MAPPED | value(a));
        }
        byte[] b = address.getAddress();
        return sink.accept(high(b), low(b));
    }

    /**
     * Whether 128 bits are an IPv4-mapped IPv6 address, to be taken as the IPv4 address {@code lo & 0xffffffffL}.
     *
     * @param hi the first 64 bits
     * @param lo the last 64 bits
     * @return true for {@code ::ffff:0:0/96}
     */
    public static boolean isMapped(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0xffffL;
    }

    /**
     * The high 64 bits of a 16-byte IPv6 address, as {@link java.net.Inet6Address#getAddress()} gives it.
     *
     * @param b the 16 address bytes, network order
     * @return bytes 0 to 7 as one number
     */
    public static long high(byte[] b) {
        return bits(b, 0);
    }

    /**
     * The low 64 bits of a 16-byte IPv6 address.
     *
     * @param b the 16 address bytes, network order
     * @return bytes 8 to 15 as one number
     */
    public static long low(byte[] b) {
        return bits(b, 8);
    }

    private static long bits(byte[] b, int from) {
        long v = 0;
        for (int k = from; k < from + 8; k++) {
            v = (v << 8) | (b[k] & 0xffL);
        }
        return v;
    }

    private IpText() {
    }

    /**
     * Parses dotted-quad IPv4 text: four decimal octets, no leading zeros (their meaning is ambiguous: octal in
     * some C libraries), nothing else.
     *
     * @return the address as an unsigned value, or -1 if the text is not an IPv4 address
     */
    public static long parse4(String s, int from, int to) {
        if (to - from < 7 || to - from > 15) {
            return -1;
        }
        long addr = 0;
        int i = from;
        for (int octet = 0; octet < 4; octet++) {
            if (octet > 0) {
                if (i >= to || s.charAt(i) != '.') {
                    return -1;
                }
                i++;
            }
            int value = i < to ? digit(s.charAt(i)) : -1;
            if (value < 0) {
                return -1;
            }
            i++;
            int d = i < to ? digit(s.charAt(i)) : -1;
            if (d >= 0) {
                if (value == 0) {
                    return -1; // leading zero
                }
                value = value * 10 + d;
                i++;
                d = i < to ? digit(s.charAt(i)) : -1;
                if (d >= 0) {
                    value = value * 10 + d;
                    i++;
                    if (value > 255) {
                        return -1;
                    }
                }
            }
            addr = (addr << 8) | value;
        }
        return i == to ? addr : -1;
    }

    private static int digit(char c) {
        return c >= '0' && c <= '9' ? c - '0' : -1;
    }

    /** The longest IPv6 text without a zone: six groups of four hex digits and a dotted quad. */
    private static final int MAX_IPV6_CHARS = 45;
    /** The longest zone accepted: an interface name (Linux IFNAMSIZ - 1) or an interface number. */
    private static final int MAX_ZONE_CHARS = 15;

    /**
     * Parses IPv6 text (RFC 4291 section 2.2: hex groups, one {@code ::}, a trailing dotted quad). A zone
     * ({@code %eth0}, RFC 4007 section 11) is accepted only on a link-local address ({@code fe80::/10}), where
     * it names the interface, and only as a short interface name or number: 1 to 15 characters of
     * {@code [A-Za-z0-9_.-]}. Any other text after {@code %} makes the whole text invalid, so that junk appended
     * to an address by a client that can influence it (XCLIENT, PROXY v1, replayed logs) is never ignored. The
     * zone itself is not part of the address.
     *
     * @return what {@code sink} returned for the address, or {@link #INVALID}
     */
    public static int parse6(String s, int from, int to, Sink6 sink) {
        // The zone is found before the address is read, and looked for only where an address could end, so that
        // text of any length costs at most a few dozen character reads.
        int zone = -1;
        int limit = Math.min(to, from + MAX_IPV6_CHARS + 1);
        for (int k = from; k < limit; k++) {
            if (s.charAt(k) == '%') {
                zone = k;
                break;
            }
        }
        if (zone < 0 && limit < to) {
            return INVALID; // too long for an address, and no zone where one could start
        }
        if (zone >= 0 && !isInterfaceZone(s, zone + 1, to)) {
            return INVALID;
        }
        return parse6(s, from, zone < 0 ? to : zone, sink, zone >= 0);
    }

    /** Whether {@code s[from, to)} is a zone we accept: 1 to 15 characters of {@code [A-Za-z0-9_.-]}. */
    private static boolean isInterfaceZone(String s, int from, int to) {
        if (to - from < 1 || to - from > MAX_ZONE_CHARS) {
            return false;
        }
        for (int k = from; k < to; k++) {
            char c = s.charAt(k);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '.' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** Parses IPv6 text without a zone; if {@code zoned}, only a link-local address is valid. */
    private static int parse6(String s, int from, int to, Sink6 sink, boolean zoned) {
        if (to - from < 2) {
            return INVALID;
        }
        // The groups before "::" are the head, those after it the tail; tail groups are shifted in at the
        // right, head groups are shifted left into place once their count is known.
        long headHi = 0;
        long headLo = 0;
        int headGroups = 0;
        long tailHi = 0;
        long tailLo = 0;
        int tailGroups = 0;
        boolean compressed = false;
        int i = from;
        if (s.charAt(i) == ':') {
            if (s.charAt(i + 1) != ':') {
                return INVALID;
            }
            compressed = true;
            i += 2;
            if (i == to) {
                return zoned ? INVALID : sink.accept(0, 0); // "::" is not link-local
            }
        }
        while (true) {
            int start = i;
            int value = 0;
            while (i < to && i - start < 5) {
                int d = hex(s.charAt(i));
                if (d < 0) {
                    break;
                }
                value = (value << 4) | d;
                i++;
            }
            int digits = i - start;
            int groups = compressed ? tailGroups : headGroups;
            if (i < to && s.charAt(i) == '.') {
                // Embedded IPv4 in the last two groups.
                long v4 = parse4(s, start, to);
                if (v4 < 0 || groups > 6) {
                    return INVALID;
                }
                if (compressed) {
                    tailHi = (tailHi << 32) | (tailLo >>> 32);
                    tailLo = (tailLo << 32) | v4;
                    tailGroups += 2;
                } else {
                    headHi = (headHi << 32) | (headLo >>> 32);
                    headLo = (headLo << 32) | v4;
                    headGroups += 2;
                }
                i = to;
            } else {
                if (digits == 0 || digits > 4 || groups >= 8) {
                    return INVALID;
                }
                if (compressed) {
                    tailHi = (tailHi << 16) | (tailLo >>> 48);
                    tailLo = (tailLo << 16) | value;
                    tailGroups++;
                } else {
                    headHi = (headHi << 16) | (headLo >>> 48);
                    headLo = (headLo << 16) | value;
                    headGroups++;
                }
            }
            if (i == to) {
                break;
            }
            if (s.charAt(i) != ':') {
                return INVALID;
            }
            i++;
            if (i < to && s.charAt(i) == ':') {
                if (compressed) {
                    return INVALID;
                }
                compressed = true;
                i++;
                if (i == to) {
                    break;
                }
            } else if (i == to) {
                return INVALID;
            }
        }
        int total = headGroups + tailGroups;
        if (compressed ? total > 7 : total != 8) {
            return INVALID;
        }
        // Shift the head left by the groups that "::" stands for plus the tail.
        int shift = 16 * (8 - headGroups);
        long hi;
        long lo;
        if (shift == 0) {
            hi = headHi;
            lo = headLo;
        } else if (shift < 64) {
            hi = (headHi << shift) | (headLo >>> (64 - shift));
            lo = headLo << shift;
        } else if (shift == 64) {
            hi = headLo;
            lo = 0;
        } else if (shift < 128) {
            hi = headLo << (shift - 64);
            lo = 0;
        } else {
            hi = 0;
            lo = 0;
        }
        hi |= tailHi;
        lo |= tailLo;
        if (zoned && (hi >>> 54) != LINK_LOCAL_PREFIX) {
            return INVALID; // a zone means something only on a link-local address
        }
        return sink.accept(hi, lo);
    }

    /** The first 10 bits of fe80::/10. */
    private static final long LINK_LOCAL_PREFIX = 0xfe80L >>> 6;

    private static final byte[] HEX = new byte[128];

    static {
        java.util.Arrays.fill(HEX, (byte) -1);
        for (int c = '0'; c <= '9'; c++) {
            HEX[c] = (byte) (c - '0');
        }
        for (int c = 'a'; c <= 'f'; c++) {
            HEX[c] = (byte) (c - 'a' + 10);
            HEX[c - 32] = (byte) (c - 'a' + 10);
        }
    }

    private static int hex(char c) {
        return c < 128 ? HEX[c] : -1;
    }

    /** Formats an IPv4 address. */
    public static String format4(long addr) {
        return ((addr >>> 24) & 255) + "." + ((addr >>> 16) & 255) + "." + ((addr >>> 8) & 255) + "." + (addr & 255);
    }

    /** Formats an IPv6 address in RFC 5952 form (lower case, longest run of zero groups as "::"). */
    public static String format6(long hi, long lo) {
        int[] g = new int[8];
        for (int k = 0; k < 4; k++) {
            g[k] = (int) ((hi >>> (48 - 16 * k)) & 0xffff);
            g[k + 4] = (int) ((lo >>> (48 - 16 * k)) & 0xffff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int k = 0; k < 8; ) {
            if (g[k] != 0) {
                k++;
                continue;
            }
            int start = k;
            while (k < 8 && g[k] == 0) {
                k++;
            }
            if (k - start > bestLen) {
                bestStart = start;
                bestLen = k - start;
            }
        }
        StringBuilder sb = new StringBuilder(39);
        for (int k = 0; k < 8; k++) {
            if (k == bestStart) {
                sb.append("::");
                k += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[k]));
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }
}

package io.github.relaypolicy.core.internal.dns;

/**
 * Builds RFC 5782 query names: absolute (trailing dot, so no resolver search domain is ever appended) and
 * lower case.
 */
public final class QueryNames {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private QueryNames() {
    }

    /** {@code 192.0.2.99} in {@code bad.example.com} -> {@code 99.2.0.192.bad.example.com.} */
    public static String ip4(long address, String zone) {
        StringBuilder sb = new StringBuilder(16 + zone.length() + 1);
        for (int shift = 0; shift <= 24; shift += 8) {
            sb.append((address >>> shift) & 255).append('.');
        }
        return sb.append(zone).append('.').toString();
    }

    /** 32 reversed nibbles of the address, dot-separated, then the zone. */
    public static String ip6(long hi, long lo, String zone) {
        StringBuilder sb = new StringBuilder(64 + zone.length() + 1);
        for (int k = 0; k < 16; k++) {
            sb.append(HEX[(int) (lo >>> (4 * k)) & 15]).append('.');
        }
        for (int k = 0; k < 16; k++) {
            sb.append(HEX[(int) (hi >>> (4 * k)) & 15]).append('.');
        }
        return sb.append(zone).append('.').toString();
    }

    /** A domain list query: {@code example.net} in {@code dbl.example} -> {@code example.net.dbl.example.} */
    public static String domain(String asciiDomain, String zone) {
        return asciiDomain.toLowerCase(java.util.Locale.ROOT) + "." + zone + ".";
    }
}

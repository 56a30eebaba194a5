package io.github.relaypolicy.cli;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How much of the public Internet a {@code mynetworks} list trusts, counted exactly: the most specific entry
 * containing an address decides, as in the engine, and private, shared, loopback, link-local, documentation,
 * benchmarking and multicast space does not count. A policy that trusts more public space than any one
 * organisation holds (more than a /8 of IPv4 or a /16 of IPv6) relays for strangers.
 */
final class TrustedSpace {

    /** More public IPv4 addresses than this trusted: more than a /8. */
    static final BigInteger OPEN_V4 = BigInteger.TWO.pow(24);
    /** More public IPv6 addresses than this trusted: more than a /16. */
    static final BigInteger OPEN_V6 = BigInteger.TWO.pow(112);

    /** IPv4 space that is not the public Internet (RFC 6890 and friends). */
    private static final List<String> NOT_PUBLIC_V4 = List.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10",
            "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16",
            "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4");
    /** IPv6: the global unicast space, without the documentation prefix. */
    private static final String PUBLIC_V6 = "2000::/3";
    private static final String NOT_PUBLIC_V6 = "2001:db8::/32";

    /** One entry: the first address and the prefix length in its family's width, and whether it trusts. */
    private record Prefix(String text, BigInteger start, int length, int width, boolean trusted) {
        BigInteger size() {
            return BigInteger.TWO.pow(width - length);
        }

        BigInteger end() {
            return start.add(size());
        }

        boolean contains(Prefix other) {
            return other.width == width && other.length >= length && other.start.compareTo(start) >= 0
                    && other.end().compareTo(end()) <= 0;
        }

        /** The number of addresses this prefix shares with {@code other}: prefixes nest or are disjoint. */
        BigInteger overlap(Prefix other) {
            if (other.width != width) {
                return BigInteger.ZERO;
            }
            return contains(other) ? other.size() : other.contains(this) ? size() : BigInteger.ZERO;
        }
    }

    private final BigInteger publicV4;
    private final BigInteger publicV6;
    private final List<String> broadEntries;

    private TrustedSpace(BigInteger publicV4, BigInteger publicV6, List<String> broadEntries) {
        this.publicV4 = publicV4;
        this.publicV6 = publicV6;
        this.broadEntries = broadEntries;
    }

    /**
     * Counts what {@code mynetworks} trusts. Entries are those of a policy that was read without problems;
     * anything else is skipped.
     */
    static TrustedSpace of(List<String> mynetworks) {
        List<Prefix> entries = new ArrayList<>();
        for (String entry : mynetworks) {
            String text = entry.strip();
            boolean trusted = !text.startsWith("!");
            Prefix p = parse(text, trusted ? text : text.substring(1), trusted);
            if (p != null && entries.stream().noneMatch(e -> e.start().equals(p.start()) && e.length() == p.length()
                    && e.width() == p.width())) {
                entries.add(p);
            }
        }
        // prefixes nest or are disjoint: in address order, longest first, each entry's parent is the nearest
        // enclosing entry still open
        entries.sort(Comparator.comparingInt(Prefix::width).thenComparing(Prefix::start)
                .thenComparingInt(Prefix::length));
        Map<Prefix, List<Prefix>> children = new IdentityHashMap<>();
        Deque<Prefix> open = new ArrayDeque<>();
        for (Prefix e : entries) {
            while (!open.isEmpty() && !open.peek().contains(e)) {
                open.pop();
            }
            if (!open.isEmpty()) {
                children.computeIfAbsent(open.peek(), k -> new ArrayList<>()).add(e);
            }
            children.putIfAbsent(e, new ArrayList<>());
            open.push(e);
        }
        List<String> broad = new ArrayList<>();
        BigInteger v4 = BigInteger.ZERO;
        BigInteger v6 = BigInteger.ZERO;
        List<Prefix> notPublic4 = NOT_PUBLIC_V4.stream().map(t -> parse(t, t, true)).toList();
        Prefix public6 = parse(PUBLIC_V6, PUBLIC_V6, true);
        Prefix notPublic6 = parse(NOT_PUBLIC_V6, NOT_PUBLIC_V6, true);
        for (Prefix e : entries) {
            if (!e.trusted()) {
                continue;
            }
            List<Prefix> direct = children.get(e);
            BigInteger own;
            if (e.width() == 32) {
                own = own(e, direct, null);
                for (Prefix n : notPublic4) {
                    own = own.subtract(own(e, direct, n));
                }
                v4 = v4.add(own);
            } else {
                own = own(e, direct, public6).subtract(own(e, direct, notPublic6));
                v6 = v6.add(own);
            }
            if (own.compareTo(e.width() == 32 ? OPEN_V4 : OPEN_V6) > 0) {
                broad.add(e.text() + " (" + amount(own, e.width()) + ")");
            }
        }
        return new TrustedSpace(v4, v6, List.copyOf(broad));
    }

    /** The addresses {@code e} itself decides (not its children), within {@code range} (null: everywhere). */
    private static BigInteger own(Prefix e, List<Prefix> children, @Nullable Prefix range) {
        BigInteger own = range == null ? e.size() : e.overlap(range);
        for (Prefix c : children) {
            own = own.subtract(range == null ? c.size() : c.overlap(range));
        }
        return own;
    }

    /**
     * Whether network {@code outer} holds all of network {@code inner} (both ADDRESS[/BITS], as a policy file has
     * them; false if either is not an address literal).
     */
    static boolean covers(String outer, String inner) {
        Prefix o = parse(outer, outer.strip(), true);
        Prefix i = parse(inner, inner.strip(), true);
        return o != null && i != null && o.contains(i);
    }

    /** Whether a network is wider than a /24 (IPv4) or a /64 (IPv6), loopback aside. */
    static boolean broad(String entry) {
        Prefix p = parse(entry, entry.strip(), true);
        if (p == null) {
            return false;
        }
        boolean loopback = p.width() == 32 ? p.start().shiftRight(24).intValue() == 127
                : p.start().equals(BigInteger.ONE);
        return !loopback && p.length() < (p.width() == 32 ? 24 : 64);
    }

    private static @Nullable Prefix parse(String shown, String text, boolean trusted) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        if (!address.matches("[0-9a-fA-F:.]+")) {
            return null; // a literal only: never a name for the resolver
        }
        try {
            InetAddress a = InetAddress.getByName(address);
            int width = a instanceof Inet4Address ? 32 : 128;
            int length = slash < 0 ? width : Integer.parseInt(text.substring(slash + 1));
            if (a instanceof Inet4Address && address.indexOf(':') >= 0) {
                length -= 96; // ::ffff:192.0.2.0/120 is the IPv4 network 192.0.2.0/24
            }
            if (length < 0 || length > width) {
                return null;
            }
            return new Prefix(shown, new BigInteger(1, a.getAddress()), length, width, trusted);
        } catch (UnknownHostException | NumberFormatException e) {
            return null;
        }
    }

    /** Public IPv4 addresses trusted. */
    BigInteger publicV4() {
        return publicV4;
    }

    /** Public IPv6 addresses trusted. */
    BigInteger publicV6() {
        return publicV6;
    }

    /** Whether the policy trusts more public space than any one organisation holds, in either family. */
    boolean open() {
        return publicV4.compareTo(OPEN_V4) > 0 || publicV6.compareTo(OPEN_V6) > 0;
    }

    /** Entries that alone trust more than a /8 of public IPv4 or a /16 of public IPv6. */
    List<String> broadEntries() {
        return broadEntries;
    }

    /** What is trusted, in words. */
    String describe() {
        return "mynetworks trusts " + amounts();
    }

    /** The public addresses counted, in words: {@code 256 public IPv4 addresses (a /24) and ...}. */
    String amounts() {
        return amount(publicV4, 32) + " and " + amount(publicV6, 128);
    }

    /** Whether {@code entry} is an address or network literal (a cidr table's key), not a name or pattern. */
    static boolean isNetwork(String entry) {
        return parse(entry, entry.strip(), true) != null;
    }

    /** {@code 16777216 public IPv4 addresses (a /8)}, or about so many, for a person. */
    private static String amount(BigInteger count, int width) {
        String family = width == 32 ? "IPv4" : "IPv6";
        if (count.signum() == 0) {
            return "no public " + family + " addresses";
        }
        int log = count.bitLength() - 1;
        String size = count.bitCount() == 1 ? "a /" + (width - log) : "more than a /" + (width - log);
        return (width == 32 ? count.toString() : "2^" + log + (count.bitCount() == 1 ? "" : "+")) + " public "
                + family + " addresses (" + size + ")";
    }
}

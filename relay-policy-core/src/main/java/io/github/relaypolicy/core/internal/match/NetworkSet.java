package io.github.relaypolicy.core.internal.match;

import io.github.relaypolicy.core.internal.Text;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An immutable set of IPv4 and IPv6 networks, each with a value, answering "which listed network most
 * specifically contains this address". IPv4 and IPv6 networks live in separate tries, so an IPv6 client never
 * matches an IPv4 network or the other way round; an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) is
 * looked up as the IPv4 address it carries.
 */
public final class NetworkSet implements IpText.Sink6 {

    /** Returned by lookups when no network contains the address. */
    public static final int NO_MATCH = -1;

    /** The index of the network that a non-negative lookup result names, for {@link #network(int)}. */
    public static int index(int match) {
        return match >>> 1;
    }

    /** The value (0 or 1) of the network that a non-negative lookup result names, read without touching it. */
    public static int value(int match) {
        return match & 1;
    }

    /** One listed network. */
    public record Network(String text, boolean ipv6, long hi, long lo, int length, int value) {
        /** The network in canonical CIDR form. */
        public String cidr() {
            return (ipv6 ? IpText.format6(hi, lo) : IpText.format4(hi >>> 32)) + "/" + length;
        }
    }

    private static final NetworkSet EMPTY = new Builder("network").build();

    private final PrefixTrie v4;
    private final PrefixTrie v6;
    private final Network[] networks;
    /** Looks up a parsed IPv6 literal: IPv4-mapped ones match nothing (see {@link #lookupLiteral}). */
    private final IpText.Sink6 literal6 = (hi, lo) -> hi == 0 && (lo >>> 32) == 0xffffL ? NO_MATCH
            : lookup6(hi, lo);

    private NetworkSet(PrefixTrie v4, PrefixTrie v6, Network[] networks) {
        this.v4 = v4;
        this.v6 = v6;
        this.networks = networks;
    }

    /** A set with no networks. */
    public static NetworkSet empty() {
        return EMPTY;
    }

    /** The number of networks. */
    public int size() {
        return networks.length;
    }

    /** The network with the given index, as returned by a lookup. */
    public Network network(int index) {
        return networks[index];
    }

    /**
     * Looks up address text (IPv4 dotted quad or IPv6).
     *
     * @return the most specific network containing it (see {@link #index} and {@link #value}), {@link #NO_MATCH},
     *     or {@link IpText#INVALID} if the text is not an IP address
     */
    public int lookup(String s, int from, int to) {
        long a = IpText.parse4(s, from, to); // fails within a few characters on IPv6 text
        return a >= 0 ? lookup4(a) : IpText.parse6(s, from, to, this);
    }

    /**
     * Looks up the address text of an address literal ({@code 192.0.2.1} of {@code [192.0.2.1]},
     * {@code 2001:db8::1} of {@code [IPv6:2001:db8::1]}). Unlike a client, an IPv4-mapped IPv6 literal
     * ({@code [IPv6:::ffff:192.0.2.1]}) is not the IPv4 literal and matches nothing: a mail server that knows
     * itself as {@code [192.0.2.1]} does not know the mapped literal as itself, and would relay mail sent to it
     * back to itself.
     *
     * @return as {@link #lookup(String, int, int)}
     */
    public int lookupLiteral(String s, int from, int to) {
        long a = IpText.parse4(s, from, to);
        return a >= 0 ? lookup4(a) : IpText.parse6(s, from, to, literal6);
    }

    /** The IPv4 address an IPv4-mapped IPv6 text carries, or -1 if the text is not IPv4-mapped IPv6. */
    public static long mappedIpv4(String s, int from, int to) {
        long[] v4 = {-1};
        IpText.parse6(s, from, to, (hi, lo) -> {
            if (hi == 0 && (lo >>> 32) == 0xffffL) {
                v4[0] = lo & 0xffffffffL;
            }
            return 0;
        });
        return v4[0];
    }

    /** Looks up an address; the same rules as for text. */
    public int lookup(InetAddress address) {
        return IpText.address(address, this);
    }

    /** Looks up an IPv4 address given as an unsigned 32-bit value. */
    public int lookup4(long address) {
        return v4.lookup(address << 32, 0, 8);
    }

    /** Looks up an IPv6 address; IPv4-mapped addresses are looked up as IPv4. */
    @Override
    public int accept(long hi, long lo) {
        if (IpText.isMapped(hi, lo)) {
            return lookup4(lo & 0xffffffffL);
        }
        return lookup6(hi, lo);
    }

    private int lookup6(long hi, long lo) {
        return v6.lookup(hi, lo, 32);
    }

    /** Matches every IPv4 address and nothing else: IPv6 text that matches it is IPv4-mapped. */
    private static final NetworkSet ALL_IPV4 = new Builder("network").add("0.0.0.0/0", 0).build();

    /** Whether the text is an IPv4-mapped IPv6 address; used only to explain decisions. */
    public static boolean isMapped(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == ':') {
                return ALL_IPV4.lookup(s, from, to) == 0;
            }
        }
        return false;
    }

    /** Whether {@code s[from, to)} is IPv6 text, with or without a zone. */
    public static boolean isIpv6(String s, int from, int to) {
        return IpText.parse6(s, from, to, EMPTY) != IpText.INVALID;
    }

    /**
     * Collects networks and builds the set. Entries are {@code address}, {@code address/length}, or, where the
     * caller allows it, {@code !address[/length]} for an exclusion.
     */
    public static final class Builder {
        private final String what;
        private final List<Network> networks = new ArrayList<>();
        private final Map<String, Network> byCidr = new HashMap<>();

        /** @param what how errors name an entry, e.g. "trusted network" */
        public Builder(String what) {
            this.what = what;
        }

        /** A builder holding what {@code other} holds; the two are independent from then on. */
        public Builder(Builder other) {
            this.what = other.what;
            networks.addAll(other.networks);
            byCidr.putAll(other.byCidr);
        }

        /** How many networks this builder holds now: {@link #reset} returns to this point. */
        public int mark() {
            return networks.size();
        }

        /** Removes the networks added since {@code mark}, so that a setter refused half-way changes nothing. */
        public void reset(int mark) {
            List<Network> added = networks.subList(mark, networks.size());
            for (Network n : added) {
                byCidr.remove(n.cidr(), n);
            }
            added.clear();
        }

        /**
         * Adds a network.
         *
         * @throws IllegalArgumentException naming the entry if it is malformed, has host bits set, or conflicts
         *     with an earlier entry for the same network
         */
        public Builder add(String entry, int value) {
            return add(entry, entry, value);
        }

        /**
         * Adds a network given as {@code entry}, named {@code shown} in messages (e.g. with its {@code !}).
         *
         * @throws IllegalArgumentException as {@link #add(String, int)}
         */
        public Builder add(String shown, String entry, int value) {
            if (value != 0 && value != 1) {
                throw new IllegalArgumentException("network values are 0 or 1, not " + value);
            }
            Network n = parse(shown, entry, value);
            Network previous = byCidr.putIfAbsent(n.cidr(), n);
            if (previous != null) {
                if (previous.value() != value) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT,
                            "%s '%s' conflicts with '%s' for the same network %s", what, Text.escape(shown),
                            Text.escape(previous.text()), n.cidr()));
                }
                return this;
            }
            networks.add(n);
            return this;
        }

        private Network parse(String shown, String entry, int value) {
            String text = entry.strip();
            if (text.isEmpty()) {
                throw bad(shown, "empty entry");
            }
            int slash = text.indexOf('/');
            String addr = slash < 0 ? text : text.substring(0, slash);
            int length = -1;
            if (slash >= 0) {
                String len = text.substring(slash + 1);
                if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw bad(shown, "prefix length '" + Text.escape(len) + "' is not a number");
                }
                length = Integer.parseInt(len);
            }
            long v4 = IpText.parse4(addr, 0, addr.length());
            if (v4 >= 0) {
                if (length > 32) {
                    throw bad(shown, "IPv4 prefix length " + length + " is greater than 32");
                }
                int len = length < 0 ? 32 : length;
                long hi = v4 << 32;
                long mask = len == 0 ? 0 : (-1L << (64 - len));
                if ((hi & ~mask) != 0) {
                    throw bad(shown, "host bits set, did you mean " + IpText.format4((hi & mask) >>> 32) + "/" + len
                            + "?");
                }
                return new Network(shown, false, hi, 0, len, value);
            }
            long[] bits = new long[2];
            int ok = addr.indexOf('%') >= 0 ? IpText.INVALID
                    : IpText.parse6(addr, 0, addr.length(), (hi, lo) -> {
                        bits[0] = hi;
                        bits[1] = lo;
                        return 0;
                    });
            if (ok == IpText.INVALID) {
                throw bad(shown, "'" + Text.escape(addr) + "' is not an IPv4 or IPv6 address");
            }
            if (length > 128) {
                throw bad(shown, "IPv6 prefix length " + length + " is greater than 128");
            }
            int len = length < 0 ? 128 : length;
            long hiMask = len >= 64 ? -1L : (len == 0 ? 0 : -1L << (64 - len));
            long loMask = len <= 64 ? 0 : (len == 128 ? -1L : -1L << (128 - len));
            if ((bits[0] & ~hiMask) != 0 || (bits[1] & ~loMask) != 0) {
                throw bad(shown, "host bits set, did you mean " + IpText.format6(bits[0] & hiMask, bits[1] & loMask)
                        + "/" + len + "?");
            }
            if (len >= 96 && bits[0] == 0 && (bits[1] >>> 32) == 0xffffL) {
                // An IPv4-mapped network is the IPv4 network it carries: mapped clients are IPv4 clients.
                return new Network(shown, false, bits[1] << 32, 0, len - 96, value);
            }
            return new Network(shown, true, bits[0], bits[1], len, value);
        }

        private IllegalArgumentException bad(String entry, String why) {
            return new IllegalArgumentException(what + " '" + Text.escape(entry) + "': " + why);
        }

        /** Builds the immutable set. */
        public NetworkSet build() {
            Network[] all = networks.toArray(new Network[0]);
            Integer[] order = new Integer[all.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, Comparator.comparingInt(i -> all[i].length()));
            PrefixTrie.Builder b4 = new PrefixTrie.Builder();
            PrefixTrie.Builder b6 = new PrefixTrie.Builder();
            for (int i : order) {
                Network n = all[i];
                (n.ipv6() ? b6 : b4).add(n.hi(), n.lo(), n.length(), i << 1 | n.value());
            }
            return new NetworkSet(b4.build(), b6.build(), all);
        }
    }
}

package io.github.relaypolicy.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The data of the peer benchmarks ({@link NetworkPeersBenchmark}, {@link DomainPeersBenchmark},
 * {@link PathPeersBenchmark}, {@link DnsPeersBenchmark}, {@link DecisionPeersBenchmark}): networks, clients, domains
 * and queries from fixed seeds, the exact reference answer of every query (plain arithmetic on the address bits,
 * independent of every library measured), and the record of each peer's wrong answers on that data.
 *
 * <p>Each benchmark's setup runs the measured implementation over every query of its data before measuring and
 * counts the answers that differ from the reference. The count goes into the JSON-lines file named by the system
 * property {@code peers.checks} (the run script passes {@code -jvmArgsAppend -Dpeers.checks=...}), from which the
 * tables in BENCHMARKS.md print it next to the figure. Without the property the count is only printed.
 *
 * <p>Not thread-safe; use it in {@code @Setup} only.
 */
final class PeerData {

    /** Queries per data set; a power of two, so the cursors wrap with a mask. */
    static final int QUERIES = 1 << 10;
    static final int MASK = QUERIES - 1;

    private static final String[] TLDS = {"com", "net", "org", "de", "fr", "nl", "uk", "io", "eu", "info"};
    private static final char[] LETTERS = "abcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final char[] ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private PeerData() {
    }

    // ---------------------------------------------------------------- networks

    /** Networks and clients, IPv4 or IPv6, with the reference answer of every client. */
    static final class Networks {
        final boolean ipv6;
        /** The networks in CIDR form, as every library is given them. */
        final List<String> cidrs = new ArrayList<>();
        /** IPv4: {address, prefix length}. */
        final List<int[]> v4 = new ArrayList<>();
        /** IPv6: {high, low, prefix length}. */
        final List<long[]> v6 = new ArrayList<>();
        /** Client address text, as {@code InetAddress.getHostAddress()} writes it. */
        final String[] clients = new String[QUERIES];
        /** Whether any network contains the client (computed by plain bit arithmetic). */
        final boolean[] expected = new boolean[QUERIES];

        private Networks(boolean ipv6) {
            this.ipv6 = ipv6;
        }
    }

    /**
     * {@code n} distinct IPv4 networks, no host bits set, prefix lengths /8 to /32 (/16 to /32 above 1,024
     * networks, so that the set does not cover the whole address space), anywhere in 1.0.0.0 to 223.255.255.255;
     * and 1,024 clients: 45% inside some network (a tenth of them a network's first or last address), 45% IPv4
     * addresses in no network, 10% IPv6 addresses of the kind real clients have (2001::/16, 2400::/8 to 2c00::/8).
     */
    static Networks ipv4(int n) {
        SplittableRandom rnd = new SplittableRandom(0x5EED_1000L + n);
        Networks w = new Networks(false);
        int minPrefix = n <= 1_024 ? 8 : 16;
        Set<Long> seen = new LinkedHashSet<>();
        while (w.v4.size() < n) {
            int len = minPrefix + rnd.nextInt(33 - minPrefix);
            int addr = (1 + rnd.nextInt(223)) << 24 | rnd.nextInt(1 << 24);
            addr &= mask4(len);
            if (seen.add(((long) addr << 6) | len)) {
                w.v4.add(new int[] {addr, len});
                w.cidrs.add(dotted(addr) + "/" + len);
            }
        }
        for (int i = 0; i < QUERIES; i++) {
            int kind = i % 20; // 0-8 inside, 9-17 outside, 18-19 IPv6
            String client;
            if (kind <= 8) {
                int[] net = w.v4.get(rnd.nextInt(n));
                int host = ~mask4(net[1]);
                int addr = kind == 0 ? net[0] : kind == 1 ? net[0] | host : net[0] | (rnd.nextInt() & host);
                client = dotted(addr);
            } else if (kind <= 17) {
                int addr;
                do {
                    addr = (1 + rnd.nextInt(223)) << 24 | rnd.nextInt(1 << 24);
                } while (contains4(w.v4, addr));
                client = dotted(addr);
            } else {
                client = realIpv6Client(rnd);
            }
            w.clients[i] = client;
        }
        shuffle(w.clients, rnd);
        for (int i = 0; i < QUERIES; i++) {
            w.expected[i] = reference(w, w.clients[i]);
        }
        return w;
    }

    /**
     * {@code n} distinct IPv6 networks, /32 to /128, in 2000::/3, no host bits set; and 1,024 clients: 45% inside
     * some network (a tenth of them a network's first or last address), 45% IPv6 addresses in no network, 10% IPv4
     * addresses.
     */
    static Networks ipv6(int n) {
        SplittableRandom rnd = new SplittableRandom(0x5EED_6000L + n);
        Networks w = new Networks(true);
        Set<String> seen = new LinkedHashSet<>();
        while (w.v6.size() < n) {
            int len = 32 + rnd.nextInt(97);
            long hi = (0x2000_0000_0000_0000L | (rnd.nextLong() & 0x1FFF_FFFF_FFFF_FFFFL));
            long lo = rnd.nextLong();
            long[] m = mask6(len);
            hi &= m[0];
            lo &= m[1];
            if (seen.add(hi + ":" + lo + "/" + len)) {
                w.v6.add(new long[] {hi, lo, len});
                w.cidrs.add(hex6(hi, lo) + "/" + len);
            }
        }
        for (int i = 0; i < QUERIES; i++) {
            int kind = i % 20;
            String client;
            if (kind <= 8) {
                long[] net = w.v6.get(rnd.nextInt(n));
                long[] m = mask6((int) net[2]);
                long hi;
                long lo;
                if (kind == 0) {
                    hi = net[0];
                    lo = net[1];
                } else if (kind == 1) {
                    hi = net[0] | ~m[0];
                    lo = net[1] | ~m[1];
                } else {
                    hi = net[0] | (rnd.nextLong() & ~m[0]);
                    lo = net[1] | (rnd.nextLong() & ~m[1]);
                }
                client = hex6(hi, lo);
            } else if (kind <= 17) {
                long hi;
                long lo;
                do {
                    hi = 0x2000_0000_0000_0000L | (rnd.nextLong() & 0x1FFF_FFFF_FFFF_FFFFL);
                    lo = rnd.nextLong();
                } while (contains6(w.v6, hi, lo));
                client = hex6(hi, lo);
            } else {
                client = dotted((1 + rnd.nextInt(223)) << 24 | rnd.nextInt(1 << 24));
            }
            w.clients[i] = client;
        }
        shuffle(w.clients, rnd);
        for (int i = 0; i < QUERIES; i++) {
            w.expected[i] = reference(w, w.clients[i]);
        }
        return w;
    }

    /** A global unicast address of the kind mail clients connect from: 2001::/16 or 2400::/8 to 2c00::/8. */
    private static String realIpv6Client(SplittableRandom rnd) {
        long top = rnd.nextBoolean() ? 0x2001L : (0x24L + rnd.nextInt(9)) << 8 | rnd.nextInt(256);
        long hi = top << 48 | (rnd.nextLong() & 0xFFFF_FFFF_FFFFL);
        return hex6(hi, rnd.nextLong());
    }

    /** The reference answer: an IPv4 client only in IPv4 networks, an IPv6 client only in IPv6 networks. */
    static boolean reference(Networks w, String client) {
        if (client.indexOf(':') < 0) {
            return contains4(w.v4, parse4(client));
        }
        long[] a = parse6(client);
        return contains6(w.v6, a[0], a[1]);
    }

    /**
     * Hand-picked cases where libraries are known to go wrong, each a network list and a client: network and
     * broadcast addresses, a /32, an IPv6 client against an IPv4 network whose first octets equal its first bytes,
     * an IPv4 client (32.1.13.184, the bytes 20 01 0d b8) against IPv6 networks in 2001:db8::/32 longer than /32,
     * an IPv6 /128 and a /50 whose last bits matter. The
     * reference answers come from the same bit arithmetic as for the generated data.
     *
     * @param ipv4Only leave out the IPv6 networks (for a library that has none)
     */
    static Networks edges(boolean ipv4Only) {
        Networks w = new Networks(false);
        // IPv6 networks first: a library that scans in order meets them before the IPv4 ones
        List<String> nets = new ArrayList<>();
        if (!ipv4Only) {
            nets.addAll(List.of("2001:db8:1234:5678:9abc:def0:1234:5678/128", "2001:db8:5678:4000:0:0:0:0/50",
                    "2001:db8:ab00:0:0:0:0:0/48"));
        }
        nets.addAll(List.of("192.0.2.0/24", "198.51.100.7/32", "32.0.0.0/8"));
        for (String c : nets) {
            int slash = c.indexOf('/');
            int len = Integer.parseInt(c.substring(slash + 1));
            if (c.indexOf(':') < 0) {
                w.v4.add(new int[] {parse4(c.substring(0, slash)), len});
            } else {
                long[] a = parse6(c.substring(0, slash));
                w.v6.add(new long[] {a[0], a[1], len});
            }
            w.cidrs.add(c);
        }
        String[] clients = {"192.0.2.0", "192.0.2.255", "192.0.3.0", "198.51.100.7", "198.51.100.8",
            "32.1.13.184", "2001:db8:0:0:0:0:0:1", "2001:db8:1234:5678:0:0:0:1",
            "2001:db8:1234:5678:9abc:def0:1234:5678", "2001:db8:5678:0:0:0:0:1", "2001:db8:5678:4000:0:0:0:1",
            "2001:db8:ab00:0:0:0:0:1", "203.0.113.9"};
        for (int i = 0; i < QUERIES; i++) {
            w.clients[i] = clients[i % clients.length];
            w.expected[i] = reference(w, w.clients[i]);
        }
        return w;
    }

    /** How many distinct edge cases {@link #edges} has. */
    static final int EDGE_CASES = 13;

    static boolean contains4(List<int[]> nets, int addr) {
        for (int[] n : nets) {
            if ((addr & mask4(n[1])) == n[0]) {
                return true;
            }
        }
        return false;
    }

    static boolean contains6(List<long[]> nets, long hi, long lo) {
        for (long[] n : nets) {
            long[] m = mask6((int) n[2]);
            if ((hi & m[0]) == n[0] && (lo & m[1]) == n[1]) {
                return true;
            }
        }
        return false;
    }

    static int mask4(int len) {
        return len == 0 ? 0 : -1 << (32 - len);
    }

    static long[] mask6(int len) {
        long hi = len >= 64 ? -1L : len == 0 ? 0 : -1L << (64 - len);
        long lo = len <= 64 ? 0 : len == 128 ? -1L : -1L << (128 - len);
        return new long[] {hi, lo};
    }

    static String dotted(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF);
    }

    static int parse4(String s) {
        String[] p = s.split("\\.", -1);
        return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8
                | Integer.parseInt(p[3]);
    }

    /** Eight groups of hexadecimal, as {@code Inet6Address.getHostAddress()} writes them. */
    static String hex6(long hi, long lo) {
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            long word = i < 4 ? hi : lo;
            int shift = 48 - 16 * (i % 4);
            if (i > 0) {
                sb.append(':');
            }
            sb.append(Integer.toHexString((int) ((word >>> shift) & 0xFFFF)));
        }
        return sb.toString();
    }

    /** Parses what {@link #hex6} writes (eight groups, no {@code ::}). */
    static long[] parse6(String s) {
        String[] p = s.split(":", -1);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            long g = Long.parseLong(p[i], 16);
            if (i < 4) {
                hi = hi << 16 | g;
            } else {
                lo = lo << 16 | g;
            }
        }
        return new long[] {hi, lo};
    }

    // ---------------------------------------------------------------- domains

    /** Configured domains and queries, with the reference answer of every query. */
    static final class Domains {
        /** Each matches itself and every subdomain (Postfix's parent_domain_matches_subdomains). */
        final List<String> domains = new ArrayList<>();
        final String[] queries = new String[QUERIES];
        final boolean[] expected = new boolean[QUERIES];
    }

    /**
     * {@code n} distinct domains of 2 to 4 labels (none under another), each matching itself and its subdomains;
     * and 1,024 queries: 40% a configured domain, 20% one to three labels below one, 40% a domain that neither is
     * nor lies under a configured one. One query in ten is written in upper case, as a client may send it.
     */
    static Domains domains(int n) {
        SplittableRandom rnd = new SplittableRandom(0x5EED_D000L + n);
        Domains w = new Domains();
        Set<String> set = new LinkedHashSet<>();
        Set<String> parents = new LinkedHashSet<>(); // proper parents of configured domains, 2+ labels
        while (set.size() < n) {
            String d = domainShape(rnd);
            if (set.contains(d) || parents.contains(d) || hasParentIn(d, set)) {
                continue;
            }
            set.add(d);
            for (String p = parent(d); p != null && p.indexOf('.') > 0; p = parent(p)) {
                parents.add(p);
            }
        }
        w.domains.addAll(set);
        for (int i = 0; i < QUERIES; i++) {
            int kind = i % 10;
            String q;
            if (kind < 4) {
                q = w.domains.get(rnd.nextInt(n));
            } else if (kind < 6) {
                StringBuilder sb = new StringBuilder();
                for (int l = rnd.nextInt(3); l >= 0; l--) {
                    sb.append(label(rnd)).append('.');
                }
                q = sb.append(w.domains.get(rnd.nextInt(n))).toString();
            } else {
                do {
                    q = domainShape(rnd);
                } while (set.contains(q) || hasParentIn(q, set));
            }
            w.queries[i] = i % 10 == 3 || i % 10 == 7 ? q.toUpperCase(Locale.ROOT) : q;
        }
        shuffle(w.queries, rnd);
        for (int i = 0; i < QUERIES; i++) {
            String q = w.queries[i].toLowerCase(Locale.ROOT);
            w.expected[i] = set.contains(q) || hasParentIn(q, set);
        }
        return w;
    }

    private static boolean hasParentIn(String d, Set<String> set) {
        for (String p = parent(d); p != null; p = parent(p)) {
            if (set.contains(p)) {
                return true;
            }
        }
        return false;
    }

    private static @Nullable String parent(String d) {
        int dot = d.indexOf('.');
        return dot < 0 ? null : d.substring(dot + 1);
    }

    static String domainShape(SplittableRandom rnd) {
        int labels = 1 + rnd.nextInt(3);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < labels; i++) {
            sb.append(label(rnd)).append('.');
        }
        return sb.append(TLDS[rnd.nextInt(TLDS.length)]).toString();
    }

    static String label(SplittableRandom rnd) {
        int len = 3 + rnd.nextInt(10);
        char[] c = new char[len];
        c[0] = LETTERS[rnd.nextInt(LETTERS.length)];
        for (int i = 1; i < len; i++) {
            c[i] = ALNUM[rnd.nextInt(ALNUM.length)];
        }
        if (len > 4 && rnd.nextInt(5) == 0) {
            c[len / 2] = '-';
        }
        return new String(c);
    }

    static String localPart(SplittableRandom rnd) {
        String a = label(rnd);
        return rnd.nextInt(3) == 0 ? a + "." + label(rnd) : a;
    }

    private static void shuffle(String[] a, SplittableRandom rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            String t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    // ---------------------------------------------------------------- correctness records

    /**
     * Records a peer's answers on the benchmark data: how many of {@code total} queries it answered wrongly (or
     * threw on), and the first such query, escaped.
     *
     * @param benchmark the benchmark method's full name, as JMH reports it
     * @param params the parameters of the trial, as {@code name=value} joined with {@code ", "}, or empty
     */
    static void record(String benchmark, String params, int wrong, int total, @Nullable String example,
            String note) {
        String line = String.format(Locale.ROOT,
                "{\"benchmark\": \"%s\", \"params\": \"%s\", \"wrong\": %d, \"total\": %d, \"example\": %s,"
                        + " \"note\": \"%s\"}%n",
                json(benchmark), json(params), wrong, total, example == null ? "null" : "\"" + json(example) + "\"",
                json(note));
        System.out.print("[peers check] " + line);
        String file = System.getProperty("peers.checks");
        if (file == null || file.isEmpty()) {
            return;
        }
        try {
            Files.writeString(Path.of(file), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    /** JSON string content: quotes, backslashes and control characters escaped, capped at 400 characters. */
    private static String json(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 400; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return s.length() > 400 ? sb.append("...").toString() : sb.toString();
    }
}

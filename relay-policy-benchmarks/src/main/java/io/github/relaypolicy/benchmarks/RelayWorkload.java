package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.internal.match.IpText;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A large, deterministic policy and requests against it, for the benchmarks.
 *
 * <p>The policy: 10,000 trusted networks (6,800 IPv4 of /8 to /32, 200 {@code !} exclusions placed before the
 * network they cut into, 3,000 IPv6 of /32 to /128) and 100,000 domains (80,000 local, 20,000 relay; 70% exact,
 * 20% {@code .parent}, 10% {@code *.parent}; 2 to 4 labels). No host bits are set, no entry repeats, and no
 * domain lies under another, so every request has exactly one expected rule.
 *
 * <p>Untrusted clients come from 100.64.0.0/10 and 2001:db8::/32, which no trusted network touches. Foreign
 * domains look like the configured ones but neither they nor their parents are configured.
 *
 * <p>Everything comes from fixed-seed {@link SplittableRandom}s: every run and every JMH trial sees the same
 * policy and the same requests. Not thread-safe; use it in {@code @Setup} only.
 */
final class RelayWorkload {

    static final int IPV4_NETWORKS = 6_800;
    static final int IPV4_EXCLUSIONS = 200;
    static final int IPV6_NETWORKS = 3_000;
    static final int LOCAL_DOMAINS = 80_000;
    static final int RELAY_DOMAINS = 20_000;

    private static final long POLICY_SEED = 0x5EED_0001L;
    private static final long REQUEST_SEED = 0x5EED_0002L;

    /** 100.64.0.0/10 (RFC 6598): untrusted IPv4 clients live here; no trusted network overlaps it. */
    private static final int UNTRUSTED_V4 = 100 << 24 | 64 << 16;
    private static final int UNTRUSTED_V4_PREFIX = 10;
    /** 2001:db8::/32 (RFC 3849): untrusted IPv6 clients live here; no trusted network overlaps it. */
    private static final long UNTRUSTED_V6_TOP32 = 0x2001_0db8L;

    private static final String[] TLDS = {"com", "net", "org", "de", "fr", "nl", "uk", "io", "eu", "info"};
    private static final char[] LETTERS = "abcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final char[] ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    /** The rule a request is built to reach, and the verdict it must get. */
    enum Kind {
        LOCAL(Verdict.ACCEPT, RuleNames.LOCAL_DOMAINS),
        RELAY(Verdict.ACCEPT, RuleNames.RELAY_DOMAINS),
        FOREIGN(Verdict.REJECT, RuleNames.RELAY_DENIED),
        ROUTING(Verdict.REJECT, RuleNames.SENDER_ROUTING),
        TRUSTED(Verdict.ACCEPT, RuleNames.MYNETWORKS);

        final Verdict verdict;
        final String rule;

        Kind(Verdict verdict, String rule) {
            this.verdict = verdict;
            this.rule = rule;
        }
    }

    /** A request and what it must get. */
    record Sample(RelayRequest request, Kind expected) {
    }

    // the policy, as handed to the builder
    final List<String> trustedNetworks = new ArrayList<>();
    final List<String> localDomains = new ArrayList<>();
    final List<String> relayDomains = new ArrayList<>();

    // what requests are built from
    private final List<int[]> v4Included = new ArrayList<>(); // {address, prefix}
    private final List<int[]> v4Excluded = new ArrayList<>();
    private final List<long[]> v6Included = new ArrayList<>(); // {high, low, prefix}
    private final Set<String> domainBases = new HashSet<>(); // domains without "." or "*." prefix
    private final Set<String> domainAncestors = new HashSet<>(); // proper parents (2+ labels) of the bases
    private final List<String> localExact = new ArrayList<>();
    private final List<String> localDot = new ArrayList<>();
    private final List<String> localStar = new ArrayList<>();
    private final List<String> relayExact = new ArrayList<>();
    private final List<String> relayDot = new ArrayList<>();
    private final List<String> relayStar = new ArrayList<>();

    private SplittableRandom rnd = new SplittableRandom(POLICY_SEED);

    RelayWorkload() {
        generateIpv4Networks();
        generateIpv6Networks();
        generateDomains(LOCAL_DOMAINS, localDomains, localExact, localDot, localStar);
        generateDomains(RELAY_DOMAINS, relayDomains, relayExact, relayDot, relayStar);
        rnd = new SplittableRandom(REQUEST_SEED);
    }

    // ---------------------------------------------------------------- scenarios

    /** Untrusted IPv4 clients to exact local domains. */
    Sample[] localAccept(int n) {
        Sample[] s = new Sample[n];
        for (int i = 0; i < n; i++) {
            s[i] = sample(untrustedV4(), recipient(pick(localExact)), Kind.LOCAL);
        }
        return s;
    }

    /** Untrusted IPv4 clients to domains that are neither local nor relay. */
    Sample[] relayRefuse(int n) {
        Sample[] s = new Sample[n];
        for (int i = 0; i < n; i++) {
            s[i] = sample(untrustedV4(), recipient(foreignDomain()), Kind.FOREIGN);
        }
        return s;
    }

    /** Untrusted IPv4 clients sending the percent hack ({@code <user%foreign@local>}) to local domains. */
    Sample[] routingRefuse(int n) {
        Sample[] s = new Sample[n];
        for (int i = 0; i < n; i++) {
            s[i] = sample(untrustedV4(), routed(0), Kind.ROUTING);
        }
        return s;
    }

    /** Trusted IPv4 clients to foreign domains. */
    Sample[] trustedRelay(int n) {
        Sample[] s = new Sample[n];
        for (int i = 0; i < n; i++) {
            s[i] = sample(trustedV4(), recipient(foreignDomain()), Kind.TRUSTED);
        }
        return s;
    }

    /** Untrusted IPv6 clients to subdomains two to four labels below a local {@code .parent} entry. */
    Sample[] ipv6LocalAccept(int n) {
        Sample[] s = new Sample[n];
        for (int i = 0; i < n; i++) {
            s[i] = sample(untrustedV6(), recipient(subdomain(pick(localDot), 2 + rnd.nextInt(3))), Kind.LOCAL);
        }
        return s;
    }

    /**
     * A shuffled mix: 55% to local domains (exact, {@code .parent}, {@code *.parent}), 5% to relay domains, 25%
     * relay attempts refused, 10% trusted relay, 5% routing tricks (percent hack, bang path, quoted local part,
     * source route). Three in four untrusted clients and seven in ten trusted ones are IPv4, the rest IPv6.
     */
    Sample[] mix(int n) {
        int relay = n * 5 / 100;
        int foreign = n * 25 / 100;
        int trusted = n * 10 / 100;
        int routing = n * 5 / 100;
        int local = n - relay - foreign - trusted - routing;
        List<Sample> s = new ArrayList<>(n);
        for (int i = 0; i < local; i++) {
            s.add(sample(untrustedMixed(), recipient(patternTarget(localExact, localDot, localStar)), Kind.LOCAL));
        }
        for (int i = 0; i < relay; i++) {
            s.add(sample(untrustedMixed(), recipient(patternTarget(relayExact, relayDot, relayStar)), Kind.RELAY));
        }
        for (int i = 0; i < foreign; i++) {
            s.add(sample(untrustedMixed(), recipient(foreignDomain()), Kind.FOREIGN));
        }
        for (int i = 0; i < trusted; i++) {
            s.add(sample(rnd.nextInt(10) < 7 ? trustedV4() : trustedV6(), recipient(foreignDomain()),
                    Kind.TRUSTED));
        }
        for (int i = 0; i < routing; i++) {
            s.add(sample(untrustedMixed(), routed(i % 5), Kind.ROUTING));
        }
        Sample[] a = s.toArray(new Sample[0]);
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            Sample t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    // ---------------------------------------------------------------- requests

    private Sample sample(String client, String recipient, Kind expected) {
        String sender = rnd.nextInt(10) == 0 ? "<>" : "<" + localPart() + "@" + domainShape() + ">";
        RelayRequest r = RelayRequest.builder()
                .client(client)
                .helo("mail." + domainShape())
                .sender(sender)
                .recipient(recipient)
                .build();
        return new Sample(r, expected);
    }

    private String recipient(String domain) {
        return "<" + localPart() + "@" + domain + ">";
    }

    /** A routed recipient whose final domain is local: form 0 percent hack, 1 bang, 2-3 quoted, 4 source route. */
    private String routed(int form) {
        String user = localPart();
        String local = pick(localExact);
        String foreign = foreignDomain();
        switch (form) {
            case 0:
                return "<" + user + "%" + foreign + "@" + local + ">";
            case 1:
                return "<" + foreign + "!" + user + "@" + local + ">";
            case 2:
                return "<\"" + user + "@" + foreign + "\"@" + local + ">";
            case 3:
                return "<\"" + user + "%" + foreign + "\"@" + local + ">";
            default:
                return "<@" + local + ":" + user + "@" + foreign + ">";
        }
    }

    /** 70% an exact entry, 20% one to three labels below a {@code .parent}, 10% one label below {@code *.parent}. */
    private String patternTarget(List<String> exact, List<String> dot, List<String> star) {
        int r = rnd.nextInt(10);
        if (r < 7) {
            return pick(exact);
        }
        if (r < 9) {
            return subdomain(pick(dot), 1 + rnd.nextInt(3));
        }
        // one label only: "*.parent" then matches whether or not the engine lets "*" span several labels
        return subdomain(pick(star), 1);
    }

    private String subdomain(String base, int extraLabels) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < extraLabels; i++) {
            sb.append(label()).append('.');
        }
        return sb.append(base).toString();
    }

    private String foreignDomain() {
        while (true) {
            String d = domainShape();
            if (!domainBases.contains(d) && !domainAncestors.contains(d) && !hasParentIn(d, domainBases)) {
                return d;
            }
        }
    }

    private String untrustedMixed() {
        return rnd.nextInt(4) < 3 ? untrustedV4() : untrustedV6();
    }

    private String untrustedV4() {
        return v4(UNTRUSTED_V4 | (rnd.nextInt() & ~mask32(UNTRUSTED_V4_PREFIX)));
    }

    private String untrustedV6() {
        return v6Client(UNTRUSTED_V6_TOP32 << 32 | (rnd.nextLong() >>> 32), rnd.nextLong());
    }

    /** A host inside an included IPv4 network and outside every exclusion. */
    private String trustedV4() {
        while (true) {
            int[] net = pick(v4Included);
            int host = net[0] | (rnd.nextInt() & ~mask32(net[1]));
            if (!inAny(host, v4Excluded)) {
                return v4(host);
            }
        }
    }

    private String trustedV6() {
        long[] net = pick(v6Included);
        int p = (int) net[2];
        long hi = net[0] | (rnd.nextLong() & ~maskHigh(p));
        long lo = net[1] | (rnd.nextLong() & ~maskLow(p));
        return v6Client(hi, lo);
    }

    private String localPart() {
        return rnd.nextInt(4) == 0 ? label() + "." + label() : label();
    }

    // ---------------------------------------------------------------- policy

    private void generateIpv4Networks() {
        Set<Long> seen = new HashSet<>();
        while (v4Included.size() < IPV4_NETWORKS) {
            int p = ipv4Prefix();
            int a = rnd.nextInt() & mask32(p);
            int first = a >>> 24;
            if (first == 0 || first == 127 || first >= 224 || overlapsUntrustedV4(a, p)
                    || !seen.add(key(a, p))) {
                continue;
            }
            v4Included.add(new int[] {a, p});
        }
        // Exclusions cut into networks of /28 or wider; first match wins in Postfix, so "!" goes first.
        int[] exclusionOf = new int[v4Included.size()]; // index into v4Excluded, or -1
        Arrays.fill(exclusionOf, -1);
        while (v4Excluded.size() < IPV4_EXCLUSIONS) {
            int i = rnd.nextInt(v4Included.size());
            int[] net = v4Included.get(i);
            if (net[1] > 28 || exclusionOf[i] >= 0) {
                continue;
            }
            int q = net[1] + 1 + rnd.nextInt(Math.min(8, 32 - net[1]));
            int e = (net[0] | (rnd.nextInt() & ~mask32(net[1]))) & mask32(q);
            if (!seen.add(key(e, q))) {
                continue;
            }
            exclusionOf[i] = v4Excluded.size();
            v4Excluded.add(new int[] {e, q});
        }
        for (int i = 0; i < v4Included.size(); i++) {
            if (exclusionOf[i] >= 0) {
                int[] ex = v4Excluded.get(exclusionOf[i]);
                trustedNetworks.add("!" + v4(ex[0]) + "/" + ex[1]);
            }
            int[] net = v4Included.get(i);
            trustedNetworks.add(v4(net[0]) + "/" + net[1]);
        }
    }

    /** Mostly long prefixes, as in real configurations; a few wide ones. */
    private int ipv4Prefix() {
        int r = rnd.nextInt(100);
        if (r < 1) {
            return 8 + rnd.nextInt(5); // /8../12
        }
        if (r < 10) {
            return 13 + rnd.nextInt(8); // /13../20
        }
        if (r < 60) {
            return 21 + rnd.nextInt(8); // /21../28
        }
        return 29 + rnd.nextInt(4); // /29../32
    }

    private void generateIpv6Networks() {
        Set<String> seen = new HashSet<>();
        while (v6Included.size() < IPV6_NETWORKS) {
            int p = ipv6Prefix();
            // global unicast 2000::/3
            long hi = ((0x2000L + rnd.nextInt(0x2000)) << 48 | (rnd.nextLong() >>> 16)) & maskHigh(p);
            long lo = rnd.nextLong() & maskLow(p);
            if (hi >>> 32 == UNTRUSTED_V6_TOP32) {
                continue; // every prefix is /32 or longer, so this is the only way to overlap 2001:db8::/32
            }
            String cidr = IpText.format6(hi, lo) + "/" + p; // RFC 5952, as an administrator writes it
            if (seen.add(cidr)) {
                v6Included.add(new long[] {hi, lo, p});
                trustedNetworks.add(cidr);
            }
        }
    }

    private int ipv6Prefix() {
        int r = rnd.nextInt(100);
        if (r < 10) {
            return 32;
        }
        if (r < 40) {
            return 48;
        }
        if (r < 55) {
            return 56;
        }
        if (r < 80) {
            return 64;
        }
        if (r < 90) {
            return 128;
        }
        return 33 + rnd.nextInt(95); // anything /33../127
    }

    private void generateDomains(int count, List<String> entries, List<String> exact, List<String> dot,
            List<String> star) {
        while (exact.size() + dot.size() + star.size() < count) {
            String d = domainShape();
            // no domain equal to, above or below another one: each request then has exactly one matching entry
            if (domainBases.contains(d) || domainAncestors.contains(d) || hasParentIn(d, domainBases)) {
                continue;
            }
            domainBases.add(d);
            for (int i = d.indexOf('.'); d.indexOf('.', i + 1) > 0; i = d.indexOf('.', i + 1)) {
                domainAncestors.add(d.substring(i + 1));
            }
            int r = rnd.nextInt(10);
            if (r < 7) {
                exact.add(d);
                entries.add(d);
            } else if (r < 9) {
                dot.add(d);
                entries.add("." + d);
            } else {
                star.add(d);
                entries.add("*." + d);
            }
        }
    }

    /** A random name of 2 (50%), 3 (35%) or 4 (15%) labels under a common top-level domain. */
    private String domainShape() {
        int r = rnd.nextInt(100);
        int labels = r < 50 ? 2 : r < 85 ? 3 : 4;
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < labels; i++) {
            sb.append(label()).append('.');
        }
        return sb.append(TLDS[rnd.nextInt(TLDS.length)]).toString();
    }

    /** 3 to 10 characters, a letter first, sometimes a hyphen inside. */
    private String label() {
        int n = 3 + rnd.nextInt(8);
        char[] c = new char[n];
        c[0] = LETTERS[rnd.nextInt(LETTERS.length)];
        for (int i = 1; i < n; i++) {
            c[i] = ALNUM[rnd.nextInt(ALNUM.length)];
        }
        if (n >= 5 && rnd.nextInt(8) == 0) {
            c[1 + rnd.nextInt(n - 2)] = '-';
        }
        return new String(c);
    }

    // ---------------------------------------------------------------- helpers

    private <T> T pick(List<T> list) {
        return list.get(rnd.nextInt(list.size()));
    }

    /** Whether a proper parent of {@code d} with two or more labels is in {@code set}. */
    private static boolean hasParentIn(String d, Set<String> set) {
        for (int i = d.indexOf('.'); d.indexOf('.', i + 1) > 0; i = d.indexOf('.', i + 1)) {
            if (set.contains(d.substring(i + 1))) {
                return true;
            }
        }
        return false;
    }

    private static boolean inAny(int address, List<int[]> networks) {
        for (int[] n : networks) {
            if ((address & mask32(n[1])) == n[0]) {
                return true;
            }
        }
        return false;
    }

    private static boolean overlapsUntrustedV4(int a, int p) {
        int m = mask32(Math.min(p, UNTRUSTED_V4_PREFIX));
        return (a & m) == (UNTRUSTED_V4 & m);
    }

    private static long key(int address, int prefix) {
        return (long) prefix << 32 | (address & 0xFFFF_FFFFL);
    }

    private static int mask32(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    /** The mask of the high 64 bits, for a prefix of 1..128. */
    private static long maskHigh(int prefix) {
        return prefix >= 64 ? -1L : -1L << (64 - prefix);
    }

    /** The mask of the low 64 bits, for a prefix of 1..128. */
    private static long maskLow(int prefix) {
        return prefix <= 64 ? 0L : -1L << (128 - prefix);
    }

    private static String v4(int a) {
        return IpText.format4(a & 0xFFFFFFFFL);
    }

    /** The client text a Java server gets from {@code InetAddress.getHostAddress()}: eight groups, no "::". */
    private static String v6Client(long hi, long lo) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        try {
            return InetAddress.getByAddress(b).getHostAddress(); // no lookup: a literal address
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}

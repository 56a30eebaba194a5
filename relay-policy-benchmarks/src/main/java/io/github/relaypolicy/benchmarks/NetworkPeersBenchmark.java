package io.github.relaypolicy.benchmarks;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv4.IPv4AddressTrie;
import inet.ipaddr.ipv6.IPv6Address;
import inet.ipaddr.ipv6.IPv6AddressTrie;
import io.github.relaypolicy.core.internal.match.IpText;
import io.github.relaypolicy.core.internal.match.NetworkSet;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.dnsservice.library.netmatcher.NetMatcher;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.springframework.security.util.matcher.InetAddressMatcher;
import org.springframework.security.util.matcher.InetAddressMatchers;

/**
 * "Is this client in any of N networks?", answered by the libraries a Java mail server would use instead of
 * relay-policy, on the same networks and the same clients ({@link PeerData#ipv4} and {@link PeerData#ipv6}):
 * <ul>
 *   <li>{@link #ours}: relay-policy's {@code NetworkSet} (separate IPv4 and IPv6 prefix tries);
 *   <li>{@link #ipaddressTrie}: seancfoley IPAddress {@code IPv4AddressTrie} / {@code IPv6AddressTrie},
 *       {@code elementContains};
 *   <li>{@link #jamesNetMatcher}: Apache James {@code NetMatcher} (what James's {@code authorizedAddresses} uses), its
 *       {@code DNSService} answering IP literals only, so no DNS is asked;
 *   <li>{@link #springInetAddressMatchers}: Spring Security {@code InetAddressMatchers.builder().includeAddresses};
 *   <li>{@link #maskLoop}: the floor, a plain loop over {@code int} (IPv4) or {@code long} pairs (IPv6) of address
 *       and mask after relay-policy's allocation-free text parser.
 * </ul>
 * commons-net's {@code SubnetUtils} has no IPv6, so it is measured in {@link SubnetUtilsBenchmark}, on the IPv4 sets.
 *
 * <p>{@link #set}: {@code ipv4_16}, {@code ipv4_1024}, {@code ipv4_100000} ({@code n} IPv4 networks; the clients
 * are 45% inside, 45% outside, 10% IPv6) and {@code ipv6_1024} (1,024 IPv6 networks; 10% of the clients IPv4).
 * {@link #input}: {@code text} gives every library the client's address text (what an SMTP server logs and what
 * {@code RelayRequest} takes); {@code inet} gives it the {@link InetAddress} a socket returns, parsed before
 * measuring, so that only the membership test is timed.
 *
 * <p>Before measuring, the trial's setup runs the measured library over all 1,024 clients and compares each answer
 * with plain bit arithmetic ({@link PeerData#reference}); wrong answers and exceptions are recorded (see
 * {@link PeerData#record}) and shown next to the figure. A library that throws is called the way a caller must call
 * it, inside a {@code try}, and the exception counts as "not in the set".
 *
 * <p>Run: {@code relay-policy-benchmarks/run-peers.sh quick}, or by hand
 * {@code java -jar relay-policy-benchmarks/target/benchmarks.jar NetworkPeersBenchmark -p set=ipv4_1024 -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class NetworkPeersBenchmark {

    /** The networks and clients: see the class documentation. */
    @Param({"ipv4_16", "ipv4_1024", "ipv4_100000", "ipv6_1024"})
    public String set = "ipv4_1024";

    /** {@code text}: the address text; {@code inet}: a parsed {@link InetAddress}. */
    @Param({"text", "inet"})
    public String input = "text";

    private boolean text;
    private String[] clients;
    private InetAddress[] inets;
    private NetworkSet ours;
    private @Nullable IPv4AddressTrie trie4;
    private @Nullable IPv6AddressTrie trie6;
    private IPAddress[] ipaddressInputs;
    private NetMatcher james;
    private InetAddressMatcher spring;
    private MaskLoop floor;

    /** Each thread walks the clients on its own, so threads do not share a counter. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    /**
     * Builds the measured library's structure from the networks, and checks its answer for every client.
     *
     * @param params which benchmark method this trial measures
     */
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        PeerData.Networks w = data(set);
        Predicate<Integer> answer = build(method, w);
        NetworkPeersBenchmark edges = new NetworkPeersBenchmark();
        edges.input = input;
        PeerData.Networks e = PeerData.edges(false);
        check(params.getBenchmark(), "input=" + input + ", set=" + set, w, answer, e, edges.build(method, e));
    }

    /**
     * Builds the structure of the library that {@code method} measures from {@code w}'s networks, and takes its
     * clients.
     *
     * @return the library's answer for client {@code i}, called without the {@code try} the benchmark puts around
     *     a library that throws, so that the check sees the exceptions
     */
    Predicate<Integer> build(String method, PeerData.Networks w) {
        text = "text".equals(input);
        clients = w.clients;
        inets = new InetAddress[clients.length];
        for (int i = 0; i < clients.length; i++) {
            inets[i] = literal(clients[i]);
        }
        switch (method) {
            case "ours":
                NetworkSet.Builder b = new NetworkSet.Builder("network");
                w.cidrs.forEach(c -> b.add(c, 1));
                ours = b.build();
                return i -> text ? ours(i) : oursInet(i);
            case "ipaddressTrie":
                trie4 = new IPv4AddressTrie();
                trie6 = new IPv6AddressTrie();
                for (String c : w.cidrs) {
                    IPAddress net = new IPAddressString(c).getAddress();
                    if (net.isIPv4()) {
                        trie4.add(net.toIPv4());
                    } else {
                        trie6.add(net.toIPv6());
                    }
                }
                ipaddressInputs = new IPAddress[clients.length];
                for (int i = 0; i < clients.length; i++) {
                    InetAddress a = inets[i];
                    ipaddressInputs[i] = a instanceof Inet4Address
                            ? new IPv4Address((Inet4Address) a) : new IPv6Address((Inet6Address) a);
                }
                return i -> text ? ipaddressTrie(i) : ipaddressTrieInet(i);
            case "jamesNetMatcher":
                james = new NetMatcher(w.cidrs, new LiteralsOnly());
                return i -> text ? jamesNetMatcher(i) : jamesNetMatcherInet(i);
            case "springInetAddressMatchers":
                spring = InetAddressMatchers.builder().includeAddresses(w.cidrs).build();
                return i -> text ? spring.matches(clients[i]) : spring.matches(inets[i]);
            case "maskLoop":
                floor = new MaskLoop(w);
                return i -> text ? maskLoop(i) : maskLoopInet(i);
            default:
                throw new IllegalStateException("no setup for benchmark method '" + method + "'");
        }
    }

    static PeerData.Networks data(String set) {
        switch (set) {
            case "ipv4_16":
                return PeerData.ipv4(16);
            case "ipv4_1024":
                return PeerData.ipv4(1_024);
            case "ipv4_100000":
                return PeerData.ipv4(100_000);
            case "ipv6_1024":
                return PeerData.ipv6(1_024);
            default:
                throw new IllegalArgumentException("set '" + set + "' is unknown");
        }
    }

    /**
     * Runs {@code answer} over every client of {@code w} and {@code edgeAnswer} over the {@link PeerData#edges}
     * cases, and records the wrong answers; an exception is a wrong answer unless the right answer was "not in the
     * set" (what the caller's {@code catch} returns), and is counted apart either way.
     */
    static void check(String benchmark, String params, PeerData.Networks w, Predicate<Integer> answer,
            PeerData.Networks e, Predicate<Integer> edgeAnswer) {
        int wrong = 0;
        int thrown = 0;
        String example = null;
        for (int i = 0; i < PeerData.QUERIES; i++) {
            Answer a = Answer.of(answer, i);
            thrown += a.thrown() == null ? 0 : 1;
            if (!a.right(w.expected[i])) {
                if (wrong == 0) {
                    example = w.clients[i] + " -> " + a + ", expected " + w.expected[i];
                }
                wrong++;
            }
        }
        List<String> edgeWrong = new ArrayList<>();
        for (int i = 0; i < PeerData.EDGE_CASES; i++) {
            Answer a = Answer.of(edgeAnswer, i);
            if (!a.right(e.expected[i]) || a.thrown() != null) {
                edgeWrong.add(e.clients[i] + " -> " + a);
            }
        }
        String note = (thrown > 0 ? "threw on " + thrown + " clients; " : "")
                + "edge cases " + (PeerData.EDGE_CASES - edgeWrong.size()) + "/" + PeerData.EDGE_CASES + " right"
                + (edgeWrong.isEmpty() ? "" : ": " + String.join("; ", edgeWrong));
        PeerData.record(benchmark, params, wrong, PeerData.QUERIES, example, note);
    }

    /** A library's answer for one query: in the set or not, or the exception it threw instead. */
    private record Answer(boolean value, @Nullable String thrown) {
        static Answer of(Predicate<Integer> answer, int i) {
            try {
                return new Answer(answer.test(i), null);
            } catch (RuntimeException ex) {
                return new Answer(false, ex.getClass().getSimpleName());
            }
        }

        /** Right if it is the expected answer; a throw stands for "not in the set". */
        boolean right(boolean expected) {
            return value == expected;
        }

        @Override
        public String toString() {
            return thrown != null ? thrown : String.valueOf(value);
        }
    }

    static InetAddress literal(String s) {
        try {
            return InetAddress.getByName(s); // an IP literal: no DNS is asked
        } catch (UnknownHostException e) {
            throw new IllegalStateException("not an IP literal: " + s, e);
        }
    }

    // ------------------------------------------------------------------ text

    /**
     * relay-policy's {@code NetworkSet}, from the address text.
     *
     * @param c this thread's position in the clients
     * @return whether a network contains the client
     */
    @Benchmark
    public boolean ours(Cursor c) {
        return text ? ours(c.next++ & PeerData.MASK) : oursInet(c.next++ & PeerData.MASK);
    }

    private boolean ours(int i) {
        String s = clients[i];
        return ours.lookup(s, 0, s.length()) >= 0;
    }

    private boolean oursInet(int i) {
        return ours.lookup(inets[i]) >= 0;
    }

    /**
     * IPAddress tries: the text parsed by {@code IPAddressString}, then {@code elementContains} on the trie of its
     * version (an address of the other version is in no network).
     *
     * @param c this thread's position in the clients
     * @return whether a network contains the client
     */
    @Benchmark
    public boolean ipaddressTrie(Cursor c) {
        return text
                ? ipaddressTrie(c.next++ & PeerData.MASK) : ipaddressTrieInet(c.next++ & PeerData.MASK);
    }

    private boolean ipaddressTrie(int i) {
        IPAddress a = new IPAddressString(clients[i]).getAddress();
        return a != null && contains(a);
    }

    private boolean ipaddressTrieInet(int i) {
        return contains(ipaddressInputs[i]);
    }

    private boolean contains(IPAddress a) {
        return a.isIPv4() ? trie4.elementContains(a.toIPv4()) : trie6.elementContains(a.toIPv6());
    }

    /**
     * James's {@code NetMatcher.matchInetNetwork(String)}: {@code DNSService.getByName} of the text, then every
     * network in turn.
     *
     * @param c this thread's position in the clients
     * @return whether a network contains the client
     */
    @Benchmark
    public boolean jamesNetMatcher(Cursor c) {
        return text
                ? jamesNetMatcher(c.next++ & PeerData.MASK) : jamesNetMatcherInet(c.next++ & PeerData.MASK);
    }

    private boolean jamesNetMatcher(int i) {
        return james.matchInetNetwork(clients[i]);
    }

    private boolean jamesNetMatcherInet(int i) {
        return james.matchInetNetwork(inets[i]);
    }

    /**
     * Spring Security's {@code InetAddressMatcher.matches(String)}, inside the {@code try} a caller needs: it throws
     * {@code ArrayIndexOutOfBoundsException} for an IPv4 address against an IPv6 network longer than /32.
     *
     * @param c this thread's position in the clients
     * @return whether a network contains the client
     */
    @Benchmark
    public boolean springInetAddressMatchers(Cursor c) {
        return text ? springInetAddressMatchers(c.next++ & PeerData.MASK)
                : springInetAddressMatchersInet(c.next++ & PeerData.MASK);
    }

    private boolean springInetAddressMatchers(int i) {
        try {
            return spring.matches(clients[i]);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private boolean springInetAddressMatchersInet(int i) {
        try {
            return spring.matches(inets[i]);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The floor: relay-policy's text parser, then a plain loop over every network's address and mask.
     *
     * @param c this thread's position in the clients
     * @return whether a network contains the client
     */
    @Benchmark
    public boolean maskLoop(Cursor c) {
        return text ? maskLoop(c.next++ & PeerData.MASK) : maskLoopInet(c.next++ & PeerData.MASK);
    }

    private boolean maskLoop(int i) {
        String s = clients[i];
        long a = IpText.parse4(s, 0, s.length());
        return a >= 0 ? floor.contains4((int) a) : IpText.parse6(s, 0, s.length(), floor) == 1;
    }

    private boolean maskLoopInet(int i) {
        byte[] b = inets[i].getAddress();
        if (b.length == 4) {
            return floor.contains4((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff));
        }
        long hi = 0;
        long lo = 0;
        for (int k = 0; k < 8; k++) {
            hi = hi << 8 | (b[k] & 0xffL);
            lo = lo << 8 | (b[k + 8] & 0xffL);
        }
        return floor.accept(hi, lo) == 1;
    }

    /** Networks as parallel arrays of address and mask, scanned from the first to the last. */
    static final class MaskLoop implements IpText.Sink6 {
        private final int[] addr4;
        private final int[] mask4;
        private final long[] hi6;
        private final long[] lo6;
        private final long[] maskHi6;
        private final long[] maskLo6;

        MaskLoop(PeerData.Networks w) {
            addr4 = new int[w.v4.size()];
            mask4 = new int[w.v4.size()];
            for (int i = 0; i < addr4.length; i++) {
                addr4[i] = w.v4.get(i)[0];
                mask4[i] = PeerData.mask4(w.v4.get(i)[1]);
            }
            hi6 = new long[w.v6.size()];
            lo6 = new long[w.v6.size()];
            maskHi6 = new long[w.v6.size()];
            maskLo6 = new long[w.v6.size()];
            for (int i = 0; i < hi6.length; i++) {
                long[] n = w.v6.get(i);
                long[] m = PeerData.mask6((int) n[2]);
                hi6[i] = n[0];
                lo6[i] = n[1];
                maskHi6[i] = m[0];
                maskLo6[i] = m[1];
            }
        }

        boolean contains4(int a) {
            for (int i = 0; i < addr4.length; i++) {
                if ((a & mask4[i]) == addr4[i]) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public int accept(long hi, long lo) {
            for (int i = 0; i < hi6.length; i++) {
                if ((hi & maskHi6[i]) == hi6[i] && (lo & maskLo6[i]) == lo6[i]) {
                    return 1;
                }
            }
            return 0;
        }
    }

    /**
     * James's {@code DNSService}, reduced to what {@code NetMatcher} calls: {@code getByName} of IP literals (no DNS);
     * a host name is refused, so a benchmark can never ask a resolver.
     */
    static final class LiteralsOnly implements DNSService {
        @Override
        public Collection<String> findMXRecords(String hostname) {
            throw new UnsupportedOperationException("no DNS in benchmarks");
        }

        @Override
        public Collection<String> findTXTRecords(String hostname) {
            throw new UnsupportedOperationException("no DNS in benchmarks");
        }

        @Override
        public Collection<InetAddress> getAllByName(String host) throws UnknownHostException {
            return List.of(getByName(host));
        }

        @Override
        public InetAddress getByName(String host) throws UnknownHostException {
            for (int i = 0; i < host.length(); i++) {
                char c = host.charAt(i);
                if (Character.digit(c, 16) < 0 && c != '.' && c != ':') {
                    throw new UnknownHostException(host + ": not an IP literal (no DNS in benchmarks)");
                }
            }
            return InetAddress.getByName(host);
        }

        @Override
        public InetAddress getLocalHost() throws UnknownHostException {
            return InetAddress.getByName("127.0.0.1");
        }

        @Override
        public String getHostName(InetAddress addr) {
            return addr.getHostAddress();
        }
    }
}

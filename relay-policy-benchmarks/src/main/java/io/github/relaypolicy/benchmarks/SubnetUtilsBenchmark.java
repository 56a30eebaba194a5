package io.github.relaypolicy.benchmarks;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.util.SubnetUtils;
import org.apache.commons.net.util.SubnetUtils.SubnetInfo;
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

/**
 * commons-net's {@code SubnetUtils} on the IPv4 sets of {@link NetworkPeersBenchmark} (same networks, same
 * clients, same parameter names, so the tables put it in the same rows). It has no IPv6: an IPv6 network cannot be
 * built, and IPv6 client text makes {@code SubnetInfo.asInteger} throw, so the caller skips text with a colon
 * (the answer "not in any IPv4 network" is then right). One {@code SubnetUtils} per network, each with
 * {@code setInclusiveHostCount(true)} (without it the network's first and last addresses are not "in range"); the
 * client text is converted to an {@code int} once, then {@code isInRange(int)} is asked of every network in turn.
 *
 * <p>Run: {@code java -jar relay-policy-benchmarks/target/benchmarks.jar SubnetUtilsBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SubnetUtilsBenchmark {

    /** The IPv4 sets of {@link NetworkPeersBenchmark}. */
    @Param({"ipv4_16", "ipv4_1024", "ipv4_100000"})
    public String set = "ipv4_1024";

    /** {@code text}: the address text; {@code inet}: a parsed {@link InetAddress}. */
    @Param({"text", "inet"})
    public String input = "text";

    private boolean text;
    private String[] clients;
    private InetAddress[] inets;
    private SubnetInfo[] subnets;

    /**
     * Builds one {@code SubnetUtils} per network and checks the answer for every client.
     *
     * @param params which benchmark method this trial measures
     */
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        PeerData.Networks w = NetworkPeersBenchmark.data(set);
        if (w.ipv6) {
            throw new IllegalArgumentException("commons-net SubnetUtils has no IPv6: set '" + set + "'");
        }
        build(w);
        SubnetUtilsBenchmark edges = new SubnetUtilsBenchmark();
        edges.input = input;
        PeerData.Networks e = PeerData.edges(true);
        edges.build(e);
        NetworkPeersBenchmark.check(params.getBenchmark(), "input=" + input + ", set=" + set, w, this::answer, e,
                edges::answer);
    }

    private void build(PeerData.Networks w) {
        text = "text".equals(input);
        clients = w.clients;
        inets = new InetAddress[clients.length];
        for (int i = 0; i < clients.length; i++) {
            inets[i] = NetworkPeersBenchmark.literal(clients[i]);
        }
        subnets = new SubnetInfo[w.cidrs.size()];
        for (int i = 0; i < subnets.length; i++) {
            SubnetUtils u = new SubnetUtils(w.cidrs.get(i));
            u.setInclusiveHostCount(true);
            subnets[i] = u.getInfo();
        }
    }

    private boolean answer(int i) {
        return text ? contains(clients[i]) : contains(inets[i]);
    }

    /**
     * {@code SubnetInfo.isInRange(int)} of every network, after one {@code asInteger} of the client text.
     *
     * @param c this thread's position in the clients
     * @return whether a network contains the client
     */
    @Benchmark
    public boolean subnetUtils(NetworkPeersBenchmark.Cursor c) {
        return answer(c.next++ & PeerData.MASK);
    }

    private boolean contains(String client) {
        if (client.indexOf(':') >= 0) {
            return false; // IPv6: asInteger would throw
        }
        return contains(subnets[0].asInteger(client));
    }

    private boolean contains(InetAddress client) {
        byte[] b = client.getAddress();
        return b.length == 4
                && contains((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff));
    }

    private boolean contains(int address) {
        for (SubnetInfo s : subnets) {
            if (s.isInRange(address)) {
                return true;
            }
        }
        return false;
    }
}

package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.RelayEngine;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.james.dnsservice.library.netmatcher.NetMatcher;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The whole relay decision for one {@code RCPT TO}: {@link RelayEngine#decide} against the check Apache James
 * makes (its {@code authorizedAddresses} through {@code NetMatcher}, then the recipient's domain looked up in its
 * exact domain list), on the same policy and the same 1,024 requests, in {@code Mode.SampleTime} so that the JSON
 * holds the p99 and p99.9 besides the mean.
 *
 * <p>{@link #policy}: {@code small} is 16 trusted networks (12 IPv4, 4 IPv6) and 100 local domains, {@code large}
 * 1,024 networks (768 IPv4, 256 IPv6) and 100,000 domains; domains are exact (James's domain list has no parent
 * patterns). Requests (shuffled; three clients in four IPv4): 60% untrusted client to a local domain, 25% untrusted
 * client to a foreign domain, 10% trusted client to a foreign domain, 5% untrusted client sending the percent hack
 * to a local domain ({@code <user%foreign@local>}).
 *
 * <p>{@link #jamesRelayCheck} is given the James side's best case: the recipient's domain is cut out of the path
 * text with {@code lastIndexOf('@')}, not parsed (James parses it with its {@code MailAddress}). The setup checks
 * every request's verdict from {@code decide()} against the one it was built for (and fails the trial on any
 * difference), then records the requests on which the James check answers otherwise.
 *
 * <p>{@link #decide} runs in one thread, {@link #decideTwoThreads} in two sharing one engine (their percentiles
 * show what contention does to the tail); {@link #throughput} and {@link #throughputTwoThreads} measure the same
 * calls in {@code Mode.Throughput}, whose ratio is how {@code decide()} scales from one thread to two.
 *
 * <p>Run: {@code java -jar relay-policy-benchmarks/target/benchmarks.jar DecisionPeersBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DecisionPeersBenchmark {

    /** The size of the policy: see the class documentation. */
    @Param({"small", "large"})
    public String policy = "small";

    private RelayEngine engine;
    private NetMatcher james;
    private Set<String> jamesDomains;
    private RelayRequest[] requests;

    /**
     * Builds the policy, the engine and the James check, and checks every request's answer.
     *
     * @param params which benchmark method this trial measures
     */
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        boolean large = "large".equals(policy);
        if (!large && !"small".equals(policy)) {
            throw new IllegalArgumentException("policy '" + policy + "' is unknown");
        }
        PeerData.Networks v4 = PeerData.ipv4(large ? 768 : 12);
        PeerData.Networks v6 = PeerData.ipv6(large ? 256 : 4);
        List<String> networks = new ArrayList<>(v4.cidrs);
        networks.addAll(v6.cidrs);
        PeerData.Domains dw = PeerData.domains(large ? 100_000 : 100);
        List<String> domains = dw.domains;
        Set<String> domainSet = new HashSet<>(domains);

        // clients: inside and outside the networks, by family
        List<String> trusted4 = new ArrayList<>();
        List<String> untrusted4 = new ArrayList<>();
        for (int i = 0; i < PeerData.QUERIES; i++) {
            if (v4.clients[i].indexOf(':') < 0) {
                (v4.expected[i] ? trusted4 : untrusted4).add(v4.clients[i]);
            }
        }
        List<String> trusted6 = new ArrayList<>();
        List<String> untrusted6 = new ArrayList<>();
        for (int i = 0; i < PeerData.QUERIES; i++) {
            if (v6.clients[i].indexOf(':') >= 0) {
                (v6.expected[i] ? trusted6 : untrusted6).add(v6.clients[i]);
            }
        }

        SplittableRandom rnd = new SplittableRandom(0x5EED_C000L);
        requests = new RelayRequest[PeerData.QUERIES];
        Verdict[] expected = new Verdict[PeerData.QUERIES];
        for (int i = 0; i < PeerData.QUERIES; i++) {
            int kind = i % 20; // 0-11 local, 12-16 foreign, 17-18 trusted relay, 19 percent hack
            boolean v4client = rnd.nextInt(4) != 0;
            String untrusted = pick(rnd, v4client ? untrusted4 : untrusted6);
            String user = PeerData.localPart(rnd);
            String client;
            String rcpt;
            if (kind <= 11) {
                client = untrusted;
                rcpt = "<" + user + "@" + pick(rnd, domains) + ">";
                expected[i] = Verdict.ACCEPT;
            } else if (kind <= 16) {
                client = untrusted;
                rcpt = "<" + user + "@" + foreign(rnd, domainSet) + ">";
                expected[i] = Verdict.REJECT;
            } else if (kind <= 18) {
                client = pick(rnd, v4client ? trusted4 : trusted6);
                rcpt = "<" + user + "@" + foreign(rnd, domainSet) + ">";
                expected[i] = Verdict.ACCEPT;
            } else {
                client = untrusted;
                rcpt = "<" + user + "%" + foreign(rnd, domainSet) + "@" + pick(rnd, domains) + ">";
                expected[i] = Verdict.REJECT;
            }
            requests[i] = RelayRequest.of(client, "<" + PeerData.localPart(rnd) + "@example.net>", rcpt);
        }
        for (int i = requests.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            RelayRequest t = requests[i];
            requests[i] = requests[j];
            requests[j] = t;
            Verdict v = expected[i];
            expected[i] = expected[j];
            expected[j] = v;
        }

        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        engine = RelayEngine.builder().trustedNetworks(networks).localDomains(domains).build();
        for (int i = 0; i < requests.length; i++) {
            Decision d = engine.decide(requests[i]);
            if (d.verdict() != expected[i]) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "request %d: expected %s, got %s by %s%n  %s%n  trace: %s", i, expected[i], d.verdict(),
                        d.rule(), requests[i], d.trace()));
            }
        }
        int wrong = 0;
        String example = null;
        if ("jamesRelayCheck".equals(method)) {
            james = new NetMatcher(networks, new NetworkPeersBenchmark.LiteralsOnly());
            jamesDomains = domainSet;
            for (int i = 0; i < requests.length; i++) {
                boolean accepts = jamesAccepts(requests[i]);
                if (accepts != (expected[i] == Verdict.ACCEPT)) {
                    if (wrong == 0) {
                        example = requests[i].client() + " " + requests[i].recipient() + " -> "
                                + (accepts ? "ACCEPT" : "REJECT") + ", decide() " + expected[i];
                    }
                    wrong++;
                }
            }
        }
        PeerData.record(params.getBenchmark(), "policy=" + policy, wrong, requests.length, example,
                "answers differing from decide()");
    }

    private static String pick(SplittableRandom rnd, List<String> from) {
        return from.get(rnd.nextInt(from.size()));
    }

    private static String foreign(SplittableRandom rnd, Set<String> domains) {
        while (true) {
            String d = PeerData.domainShape(rnd);
            if (!domains.contains(d)) {
                boolean under = false;
                for (String p = d; p.indexOf('.') >= 0; p = p.substring(p.indexOf('.') + 1)) {
                    under |= domains.contains(p);
                }
                if (!under) {
                    return d;
                }
            }
        }
    }

    private boolean jamesAccepts(RelayRequest r) {
        if (james.matchInetNetwork(r.client())) {
            return true;
        }
        String rcpt = r.recipient();
        int at = rcpt.lastIndexOf('@');
        if (at < 0) {
            return false;
        }
        int end = rcpt.endsWith(">") ? rcpt.length() - 1 : rcpt.length();
        return jamesDomains.contains(rcpt.substring(at + 1, end).toLowerCase(Locale.ROOT));
    }

    /** Each thread walks the requests on its own, so threads do not share a counter. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    /**
     * {@code RelayEngine.decide}, one thread; the caller reads the verdict.
     *
     * @param c this thread's position in the requests
     * @return the verdict
     */
    @Benchmark
    public Verdict decide(Cursor c) {
        return engine.decide(requests[c.next++ & PeerData.MASK]).verdict();
    }

    /**
     * {@code RelayEngine.decide}, two threads sharing one engine.
     *
     * @param c this thread's position in the requests
     * @return the verdict
     */
    @Benchmark
    @Threads(2)
    public Verdict decideTwoThreads(Cursor c) {
        return engine.decide(requests[c.next++ & PeerData.MASK]).verdict();
    }

    /**
     * {@code RelayEngine.decide} in {@code Mode.Throughput}, one thread: decisions per microsecond, against which
     * {@link #throughputTwoThreads} shows how it scales. Unlike a mean of sampled times it is not moved by a few
     * long samples (a descheduled thread on this shared virtual machine).
     *
     * @param c this thread's position in the requests
     * @return the verdict
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Verdict throughput(Cursor c) {
        return engine.decide(requests[c.next++ & PeerData.MASK]).verdict();
    }

    /**
     * {@code RelayEngine.decide} in {@code Mode.Throughput}, two threads sharing one engine.
     *
     * @param c this thread's position in the requests
     * @return the verdict
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(2)
    public Verdict throughputTwoThreads(Cursor c) {
        return engine.decide(requests[c.next++ & PeerData.MASK]).verdict();
    }

    /**
     * James: {@code NetMatcher.matchInetNetwork(client)}, else the recipient's domain in an exact domain set.
     *
     * @param c this thread's position in the requests
     * @return whether James would accept the recipient
     */
    @Benchmark
    public boolean jamesRelayCheck(Cursor c) {
        return jamesAccepts(requests[c.next++ & PeerData.MASK]);
    }
}

package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.internal.match.DomainIndex;
import io.github.relaypolicy.core.internal.match.NetworkSet;
import io.github.relaypolicy.core.internal.match.SmtpPath;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The parts of a decision measured one by one on the {@link DecideBenchmark} policy (10,000 networks, 100,000
 * domains) and its {@code mix} requests: the trusted-network lookup of the client text, the RFC 5321 parse of
 * the recipient path, and the domain lookup. It shows where the time of {@code decide()} goes.
 *
 * <p>Run: {@code java -jar relay-policy-benchmarks/target/benchmarks.jar PartsBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PartsBenchmark {

    private static final int MASK = 1023;

    private NetworkSet networks;
    private DomainIndex domains;
    private String[] clients;
    private String[] recipients;
    private String[] domainNames;

    @Setup(Level.Trial)
    public void setUp() {
        RelayWorkload w = new RelayWorkload();
        NetworkSet.Builder nb = new NetworkSet.Builder("trusted network");
        for (String n : w.trustedNetworks) {
            boolean exclude = n.startsWith("!");
            nb.add(n, exclude ? n.substring(1) : n, exclude ? 0 : 1);
        }
        networks = nb.build();
        DomainIndex.Builder db = new DomainIndex.Builder();
        w.localDomains.forEach(d -> db.add(d, 0, "local domain", "local"));
        w.relayDomains.forEach(d -> db.add(d, 1, "relay domain", "relay"));
        domains = db.build();
        RelayWorkload.Sample[] mix = w.mix(MASK + 1);
        clients = new String[mix.length];
        recipients = new String[mix.length];
        domainNames = new String[mix.length];
        for (int i = 0; i < mix.length; i++) {
            RelayRequest r = mix[i].request();
            clients[i] = r.client();
            recipients[i] = r.recipient();
            String rcpt = r.recipient();
            domainNames[i] = rcpt.substring(rcpt.lastIndexOf('@') + 1, rcpt.length() - 1);
        }
    }

    /** Trusted-network lookup of the client address text: parse plus trie walk. */
    @Benchmark
    public int networkLookup(DecideBenchmark.Cursor c) {
        String s = clients[c.next++ & MASK];
        return networks.lookup(s, 0, s.length());
    }

    /** RFC 5321 parse of the recipient path, routing checks included. */
    @Benchmark
    public long pathParse(DecideBenchmark.Cursor c) {
        return SmtpPath.parse(recipients[c.next++ & MASK]);
    }

    /** Domain index lookup of the recipient domain. */
    @Benchmark
    public int domainLookup(DecideBenchmark.Cursor c) {
        String s = domainNames[c.next++ & MASK];
        return domains.lookup(s, 0, s.length());
    }
}

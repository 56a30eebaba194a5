package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.benchmarks.RelayWorkload.Sample;
import io.github.relaypolicy.core.RelayEngine;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of one {@link RelayEngine#decide} call, i.e. of one {@code RCPT TO}, against a large policy.
 *
 * <p>The policy (built once per trial, see {@link RelayWorkload}) has 10,000 trusted networks (IPv4 /8 to /32
 * with {@code !} exclusions, IPv6 /32 to /128) and 100,000 local and relay domains (exact, {@code .parent} and
 * {@code *.parent}). Each {@link #scenario} is 1,024 pre-built requests, cycled through, so the measurement holds
 * nothing but {@code decide} (and, in {@link #decide}, the reply). Client addresses are given as text, as
 * {@link RelayRequest#of} takes them, so parsing the address is part of the cost.
 *
 * <ul>
 *   <li>{@code local_accept}: untrusted IPv4 client to an exact local domain ({@code mydestination});
 *   <li>{@code relay_refuse}: untrusted IPv4 client to a foreign domain ({@code reject_unauth_destination});
 *   <li>{@code routing_refuse}: untrusted client, percent hack to a local domain ({@code allow_untrusted_routing});
 *   <li>{@code trusted_relay}: trusted IPv4 client to a foreign domain ({@code mynetworks});
 *   <li>{@code ipv6_local_accept}: untrusted IPv6 client to a subdomain 2-4 labels below a local {@code .parent};
 *   <li>{@code mix}: 60% accepted (local or relay domain), 25% relay refused, 10% trusted relay, 5% routing
 *       tricks, IPv4 and IPv6 clients, shuffled.
 * </ul>
 *
 * <p>{@link #decide} is what a server pays per recipient: the decision and its reply, whose text the engine
 * renders lazily. {@link #decideVerdict} stops at the verdict, before any reply text is rendered. A setup check
 * fails the trial if any request does not get its expected verdict and rule, so a broken policy is never measured.
 *
 * <p>Run from the repository root (the {@code results} directory must exist for {@code -rff}):
 * <pre>
 * mvn -q -pl relay-policy-benchmarks -am package -DskipTests
 * java -jar relay-policy-benchmarks/target/benchmarks.jar DecideBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc \
 *     -rf json -rff relay-policy-benchmarks/results/decide.json
 * </pre>
 * Add {@code -p scenario=mix} for one scenario, {@code -t 4} for contention between threads,
 * {@code -p listener=none,counting} to compare an engine without and with an {@code EngineListener}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class DecideBenchmark {

    /** Requests per scenario; a power of two, so the cursor wraps with a mask. */
    private static final int REQUESTS = 1 << 10;
    private static final int MASK = REQUESTS - 1;

    /** Which requests are sent: see the class documentation. */
    @Param({"local_accept", "relay_refuse", "routing_refuse", "trusted_relay", "ipv6_local_accept", "mix"})
    public String scenario = "mix";

    /**
     * The engine's {@link io.github.relaypolicy.core.EngineListener}: {@code none}, or {@code counting} (a
     * {@link CountingListener}); {@code -p listener=none,counting} compares them. A decision without DNS lists calls
     * no listener method, so the two must not differ.
     */
    @Param({"none"})
    public String listener = "none";

    private RelayEngine engine;
    private RelayRequest[] requests;

    /** Each thread walks the requests on its own, so threads do not share a counter. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    /**
     * Builds the policy and the scenario's requests, and checks that every request gets its expected decision.
     *
     * @throws IllegalStateException if a request gets another verdict or rule than expected
     */
    @Setup(Level.Trial)
    public void setUp() {
        RelayWorkload w = new RelayWorkload();
        engine = RelayEngine.builder()
                .trustedNetworks(w.trustedNetworks)
                .localDomains(w.localDomains)
                .relayDomains(w.relayDomains)
                .listener(CountingListener.named(listener))
                .build();
        Sample[] samples = samples(w, scenario);
        requests = new RelayRequest[samples.length];
        for (int i = 0; i < samples.length; i++) {
            requests[i] = samples[i].request();
            check(i, samples[i]);
        }
    }

    /**
     * Decides one request and consumes the decision and its reply, as a server that answers the client does.
     *
     * @param cursor this thread's position in the requests
     * @param bh sink for the decision and the reply
     */
    @Benchmark
    public void decide(Cursor cursor, Blackhole bh) {
        Decision d = engine.decide(requests[cursor.next++ & MASK]);
        bh.consume(d);
        bh.consume(d.reply());
    }

    /**
     * Decides one request and returns only the verdict: the cost before any reply text is rendered.
     *
     * @param cursor this thread's position in the requests
     * @return the verdict, consumed by JMH
     */
    @Benchmark
    public Verdict decideVerdict(Cursor cursor) {
        return engine.decide(requests[cursor.next++ & MASK]).verdict();
    }

    private static Sample[] samples(RelayWorkload w, String scenario) {
        switch (scenario) {
            case "local_accept":
                return w.localAccept(REQUESTS);
            case "relay_refuse":
                return w.relayRefuse(REQUESTS);
            case "routing_refuse":
                return w.routingRefuse(REQUESTS);
            case "trusted_relay":
                return w.trustedRelay(REQUESTS);
            case "ipv6_local_accept":
                return w.ipv6LocalAccept(REQUESTS);
            case "mix":
                return w.mix(REQUESTS);
            default:
                throw new IllegalArgumentException("scenario '" + scenario + "' is unknown");
        }
    }

    private void check(int index, Sample s) {
        Decision d = engine.decide(s.request());
        if (d.verdict() != s.expected().verdict || !d.rule().equals(s.expected().rule)
                || d.reply().verdict() != d.verdict()) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "scenario %s, request %d: expected %s by %s, got %s by %s (reply '%s')%n  %s%n  trace: %s",
                    scenario, index, s.expected().verdict, s.expected().rule, d.verdict(), d.rule(), d.reply(),
                    s.request(), d.trace()));
        }
    }
}

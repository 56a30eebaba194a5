package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.RateLimitFailure;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.testsupport.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine with its counts in Redis: {@code RelayEngine.decideAsync} with {@value #IN_FLIGHT} decisions in flight,
 * against the real Debian redis-server on 127.0.0.1 (started per trial on a free port, {@code --save ''
 * --appendonly no}). The policy: a local domain, two recipient limits (user and client) and a refusal limit (the
 * guard), all in Redis ({@code rate_limit_store = redis://...}); {@value #IDENTITIES} authenticated users on as many
 * client addresses relay one recipient each, so every decision runs one script that reads the guard and takes two
 * counts (the limits are never reached). {@link #pipelined} keeps {@value #IN_FLIGHT} decisions in flight (a server
 * with 64 sessions at RCPT TO) and records each decision's latency, from the call to the completion of its stage;
 * p50, p99 and p99.9 are printed after each iteration and written with the trial's totals to
 * {@code target/redis-decide-latency.json}.
 *
 * <pre>
 * mvn -q -pl relay-policy-benchmarks -am package -DskipTests
 * java -jar relay-policy-benchmarks/target/benchmarks.jar RedisDecideBenchmark -f 1 -wi 2 -w 5s -i 5 -r 5s \
 *     -rf json -rff relay-policy-benchmarks/results/redis-decide.json
 * </pre>
 */
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@State(Scope.Benchmark)
public class RedisDecideBenchmark {

    /** Decisions in flight at once. */
    static final int IN_FLIGHT = 64;
    private static final int IDENTITIES = 1 << 12;

    private RedisServer server;
    private RelayEngine engine;
    private final RelayRequest[] requests = new RelayRequest[IDENTITIES];
    private int cursor;

    private final InFlight flight = new InFlight(IN_FLIGHT);
    private final StringBuilder report = new StringBuilder();

    /**
     * Starts redis-server and the engine, and checks that a decision is accepted through Redis.
     *
     * @throws IllegalStateException if redis-server is missing or the first decision is not accepted
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = RedisServer.start();
        engine = RelayEngine.builder().localDomains("example.org")
                .recipientRateLimit("user:3000000/1h", "client:3000000/1h").refusalRateLimit("client:1000/1h")
                .rateLimitStore(server.uri()).rateLimitFailure(RateLimitFailure.DEFER)
                .dnsTimeout(Duration.ofSeconds(2)).build();
        for (int i = 0; i < IDENTITIES; i++) {
            requests[i] = RelayRequest.builder().client("10.1." + (i >> 8) + "." + (i & 255))
                    .authenticatedUser("user" + i).sender("<user" + i + "@example.org>")
                    .recipient("<friend@example.net>").build();
        }
        Decision first = engine.decideAsync(requests[0]).toCompletableFuture().get(10, TimeUnit.SECONDS);
        if (first.verdict() != Verdict.ACCEPT) {
            tearDown();
            throw new IllegalStateException("the first decision was not accepted: " + first);
        }
    }

    /**
     * Closes the engine, stops redis-server and writes the latency report.
     *
     * @throws IOException if the report cannot be written
     */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (engine != null) {
            engine.close();
        }
        server.close();
        if (report.length() > 0) {
            Path out = Path.of("relay-policy-benchmarks", "target", "redis-decide-latency.json");
            Files.createDirectories(out.getParent());
            Files.writeString(out, "[\n" + report + "\n]\n");
        }
    }

    /**
     * Waits for the decisions still in flight and prints the latency percentiles of the iteration.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    @TearDown(Level.Iteration)
    public void latencies() throws InterruptedException {
        String line = flight.drain();
        if (line != null) {
            System.out.printf(Locale.ROOT, "%nlatency %s%n", line);
            report.append(report.length() == 0 ? "  " : ",\n  ").append(line);
        }
    }

    /**
     * One decision started once one of the {@value #IN_FLIGHT} in flight has completed.
     *
     * @throws InterruptedException if interrupted while waiting for room
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void pipelined() throws InterruptedException {
        long start = flight.start();
        int i = cursor;
        cursor = (i + 1) & (IDENTITIES - 1);
        engine.decideAsync(requests[i]).whenComplete((d, e) -> flight.done(start, e != null
                || d.verdict() != Verdict.ACCEPT));
    }
}

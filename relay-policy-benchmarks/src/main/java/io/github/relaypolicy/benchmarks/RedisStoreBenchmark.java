package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.core.spi.RateLimitBucket;
import io.github.relaypolicy.core.spi.RateLimitOutcome;
import io.github.relaypolicy.core.spi.RateLimitStore;
import io.github.relaypolicy.core.spi.RateLimitStoreProvider;
import io.github.relaypolicy.testsupport.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The shared rate-limit store alone ({@code relay-policy-redis}), without the engine: one decision's
 * {@link RateLimitStore#acquire} (one refusal guard, {@link #buckets} buckets: e.g. a user and a client limit),
 * with {@value #IN_FLIGHT} decisions in flight on the store's one connection, against the real Debian redis-server on
 * 127.0.0.1 (started per trial on a free port through the tests' launcher {@code RedisServer}, {@code --save ''
 * --appendonly no}; loopback only). The store is found as the engine finds it, through {@link ServiceLoader} by the
 * scheme {@code redis}. Identities cycle through {@value #IDENTITIES} identities whose buckets have a burst of 10^9
 * (never full) and whose guard is never written, so every decision is accepted and writes its buckets, as the
 * common case does.
 *
 * <ul>
 *   <li>{@link #pipelined} (Throughput, decisions/s): the benchmark thread keeps {@value #IN_FLIGHT} acquires in
 *       flight, starting a new one as soon as one of them completes, as a server with 64 sessions at RCPT TO
 *       would. The latency of each decision (from the call to the completion of its stage) is recorded and its
 *       p50, p99 and p99.9 are printed after each iteration ({@code latency p50 ...}).
 *   <li>{@link #batch} (SampleTime): {@value #IN_FLIGHT} acquires issued at once, then waited for; JMH's
 *       percentiles are of the time until all 64 answered, an upper bound of each one's latency, and the score
 *       divided by 64 is the time per decision.
 * </ul>
 * Both measure the client (Lettuce, one connection, pipelined) and Redis running the script on this machine; Redis
 * and the benchmark share its cores.
 *
 * <p>Run from the repository root, with redis-server installed ({@code apt-get install -y redis-server}):
 * <pre>
 * mvn -q -pl relay-policy-benchmarks -am package -DskipTests
 * java -jar relay-policy-benchmarks/target/benchmarks.jar RedisStoreBenchmark -f 1 -wi 2 -w 5s -i 5 -r 5s
 * </pre>
 */
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@State(Scope.Benchmark)
public class RedisStoreBenchmark {

    /** Decisions in flight at once. */
    static final int IN_FLIGHT = 64;
    /** Distinct identities; a power of two, so the cursor wraps with a mask. */
    private static final int IDENTITIES = 1 << 12;

    /** Buckets per decision (the guard comes on top). */
    @Param({"2"})
    public int buckets = 2;

    private RedisServer server;
    private RateLimitStore store;
    private final List<List<RateLimitBucket>> guards = new ArrayList<>();
    private final List<List<RateLimitBucket>> cells = new ArrayList<>();
    private int cursor;

    private final InFlight flight = new InFlight(IN_FLIGHT);

    /**
     * Starts redis-server, opens the store through {@link ServiceLoader} and checks that a decision is accepted.
     *
     * @throws IllegalStateException if redis-server is missing, no provider serves {@code redis}, or the first
     *     decision is not accepted
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = RedisServer.start();
        try {
            RateLimitStoreProvider provider = ServiceLoader.load(RateLimitStoreProvider.class).stream()
                    .map(ServiceLoader.Provider::get).filter(p -> p.scheme().equals("redis")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no RateLimitStoreProvider for redis"));
            store = provider.open(URI.create(server.uri()), Duration.ofSeconds(2));
            for (int i = 0; i < IDENTITIES; i++) {
                guards.add(List.of(new RateLimitBucket("relay-policy:bench:refusals:10.0." + (i >> 8) + "."
                        + (i & 255), 60_000, 10)));
                RateLimitBucket[] b = new RateLimitBucket[buckets];
                for (int k = 0; k < buckets; k++) {
                    b[k] = new RateLimitBucket("relay-policy:bench:" + k + ":user" + i, 1, 1_000_000_000);
                }
                cells.add(List.of(b));
            }
            RateLimitOutcome first = store.acquire(guards.get(0), cells.get(0), System.currentTimeMillis(), false)
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            if (first.refused() != -1) {
                throw new IllegalStateException("the first decision was refused: " + first);
            }
        } catch (Exception | Error e) {
            tearDown();
            throw e;
        }
    }

    /** Closes the store and stops redis-server. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (store != null) {
            store.close();
        }
        server.close();
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
        }
    }

    private int next() {
        int i = cursor;
        cursor = (i + 1) & (IDENTITIES - 1);
        return i;
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
        int i = next();
        store.acquire(guards.get(i), cells.get(i), System.currentTimeMillis(), false).whenComplete((o, e) ->
                flight.done(start, e != null || o.refused() != -1));
    }

    /**
     * {@value #IN_FLIGHT} decisions issued at once, then all waited for.
     *
     * @return the last outcome, so that nothing is optimised away
     * @throws Exception if a decision fails or takes more than 10 s
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @OperationsPerInvocation(1)
    public RateLimitOutcome batch() throws Exception {
        List<CompletableFuture<RateLimitOutcome>> all = new ArrayList<>(IN_FLIGHT);
        long now = System.currentTimeMillis();
        for (int k = 0; k < IN_FLIGHT; k++) {
            int i = next();
            all.add(store.acquire(guards.get(i), cells.get(i), now, false).toCompletableFuture());
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture<?>[]::new)).get(10, TimeUnit.SECONDS);
        return all.get(IN_FLIGHT - 1).join();
    }
}

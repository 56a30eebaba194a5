package io.github.relaypolicy.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import io.github.bucket4j.Bucket;
import io.github.relaypolicy.core.internal.limit.Counters;
import java.util.concurrent.ConcurrentHashMap;
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
 * The time to admit a million new identities (the first count of each), one thread, into an empty table: the
 * engine's {@link Counters} of the default size (1,000,000 slots) against Bucket4j buckets made on first sight in a
 * {@code ConcurrentHashMap} and in a Caffeine cache bounded to 1,000,000 (see {@link RateLimitPeers}). This is what
 * an attacker rotating through addresses or logins makes the server do, and what a server's start under load costs.
 *
 * <p>{@code Mode.SingleShotTime}: each measured call admits the whole million into a table made just before it
 * (outside the measurement); the score is milliseconds per million, i.e. nanoseconds per identity divided by
 * 1,000,000. The identity texts are made once per trial and hashed inside the measurement, as the engine hashes a
 * request's identities. The fork has a fixed 2 GiB heap so that heap resizing does not land in one shot.
 *
 * <p>The engine's table is full after a million distinct identities: buckets of eight slots chosen by hash fill
 * unevenly, so some identities push out older ones ({@code RateLimitMemory} reports how many); the Caffeine cache
 * evicts too (asynchronously, in its maintenance), the plain map never does.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 5)
@Measurement(iterations = 10)
public class RateLimitAdmitBenchmark {

    /** How many new identities one call admits; also the tables' size. */
    static final int N = 1_000_000;

    private String[] ids;

    /** Makes the million identity texts. */
    @Setup(Level.Trial)
    public void setUp() {
        ids = new String[N];
        for (int i = 0; i < N; i++) {
            ids[i] = RateLimitPeers.identity(i);
        }
    }

    /** An empty engine table for each call. */
    @State(Scope.Thread)
    public static class Table {
        Counters counters;
        long origin;

        /** Makes it. */
        @Setup(Level.Invocation)
        public void fresh() {
            counters = new Counters(N);
            origin = System.nanoTime();
        }
    }

    /** An empty map for each call. */
    @State(Scope.Thread)
    public static class Unbounded {
        ConcurrentHashMap<String, Bucket> map;

        /** Makes it (sized for the million, as an embedder who knows the load would). */
        @Setup(Level.Invocation)
        public void fresh() {
            map = null;
            map = RateLimitPeers.newMap(N);
        }
    }

    /** An empty Caffeine cache for each call. */
    @State(Scope.Thread)
    public static class Bounded {
        Cache<String, Bucket> cache;

        /** Makes it. */
        @Setup(Level.Invocation)
        public void fresh() {
            cache = null;
            cache = RateLimitPeers.newCache(N);
        }
    }

    /**
     * A million first counts in the engine's table.
     *
     * @param t the empty table
     * @return how many fit (all)
     */
    @Benchmark
    public int counters(Table t) {
        Counters c = t.counters;
        int fit = 0;
        for (String id : ids) {
            if (c.take(RateLimitPeers.hash(id), RateLimitPeers.INTERVAL, RateLimitPeers.COUNT,
                    RateLimitPeers.now(t.origin))) {
                fit++;
            }
        }
        return fit;
    }

    /**
     * A million buckets made in a {@code ConcurrentHashMap}, one token taken from each.
     *
     * @param m the empty map
     * @return how many fit (all)
     */
    @Benchmark
    public int bucket4jMap(Unbounded m) {
        ConcurrentHashMap<String, Bucket> map = m.map;
        int fit = 0;
        for (String id : ids) {
            if (map.computeIfAbsent(id, RateLimitPeers.NEW_BUCKET).tryConsume(1)) {
                fit++;
            }
        }
        return fit;
    }

    /**
     * A million buckets made in a bounded Caffeine cache, one token taken from each.
     *
     * @param b the empty cache
     * @return how many fit (all)
     */
    @Benchmark
    public int bucket4jCaffeine(Bounded b) {
        Cache<String, Bucket> cache = b.cache;
        int fit = 0;
        for (String id : ids) {
            if (cache.get(id, RateLimitPeers.NEW_BUCKET).tryConsume(1)) {
                fit++;
            }
        }
        return fit;
    }
}

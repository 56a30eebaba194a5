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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One count taken for an identity already seen, its limit far from reached: the engine's {@link Counters} against
 * Bucket4j 8.14 buckets looked up in a map, the same limit (see {@link RateLimitPeers}).
 *
 * <ul>
 *   <li>{@link #counters}: the engine's path: hash the identity text (SipHash, case-folded), then
 *       {@link Counters#take} with the clock read as the engine reads it;
 *   <li>{@link #countersTake}: {@link Counters#take} alone, the hash already known;
 *   <li>{@link #bucket4jMap}: {@code ConcurrentHashMap<String, Bucket>.computeIfAbsent(identity, new bucket)}, then
 *       {@code tryConsume(1)}: the usual embedding, unbounded;
 *   <li>{@link #bucket4jCaffeine}: the same in a Caffeine cache bounded to the engine's default table size
 *       (1,000,000), as an embedder who must bound memory would write it;
 *   <li>{@link #bucket4jTryConsume}: {@code tryConsume(1)} alone, the bucket already looked up;
 *   <li>the {@code ...TwoThreads} methods: the same in two threads at once; with {@code identities = 1} both take
 *       from one identity's cell or bucket (the contended case: one stolen login used from many connections).
 * </ul>
 *
 * <p>Identity texts are looked up with their own String objects, equal to but not the ones the maps hold, so that
 * the map's {@code equals} compares characters as it would for a server's request; their {@code hashCode} is cached
 * after the first round, a small advantage to the maps (the engine's hash is computed every time, as in
 * {@code decide}). The maps are also given their best case in that the identities are not case-folded (an embedder
 * would lower-case each login, which allocates).
 *
 * <p>Every iteration starts from fresh tables in which each identity has taken one count, so that even the
 * fastest method takes far fewer than a billion counts from one identity per iteration; the tear-down fails the
 * trial if an identity has nothing left, i.e. if a measurement could have included refusals.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RateLimitCounterBenchmark {

    /** The table size: the engine's default {@code rate_limit_max_entries}. */
    static final int CAPACITY = 1_000_000;

    /** How many identities the calls cycle through. */
    @Param({"1", "1024"})
    public int identities = 1;

    private String[] lookups;
    private long[] hashes;
    private int mask;
    private long origin;
    private Counters counters;
    private ConcurrentHashMap<String, Bucket> map;
    private Cache<String, Bucket> cache;
    private Bucket[] buckets;

    /** Each thread walks the identities on its own. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    /** Makes the identity texts (two String objects each: one the maps hold, one to look up with). */
    @Setup(Level.Trial)
    public void setUp() {
        int n = Integer.highestOneBit(Math.max(1024, identities) - 1) << 1;
        lookups = new String[n];
        hashes = new long[n];
        mask = n - 1;
        for (int i = 0; i < n; i++) {
            lookups[i] = RateLimitPeers.identity(i % identities);
            hashes[i] = RateLimitPeers.hash(lookups[i]);
        }
    }

    /** Fresh tables, each identity counted once (a GCRA cell or a bucket made). */
    @Setup(Level.Iteration)
    public void fresh() {
        origin = System.nanoTime();
        counters = new Counters(CAPACITY);
        map = RateLimitPeers.newMap(identities);
        cache = RateLimitPeers.newCache(CAPACITY);
        Bucket[] made = new Bucket[identities];
        for (int i = 0; i < identities; i++) {
            String held = RateLimitPeers.identity(i);
            if (!counters.take(RateLimitPeers.hash(held), RateLimitPeers.INTERVAL, RateLimitPeers.COUNT,
                    RateLimitPeers.now(origin))) {
                throw new IllegalStateException("a new identity's first count did not fit");
            }
            made[i] = map.computeIfAbsent(held, RateLimitPeers.NEW_BUCKET);
            made[i].tryConsume(1);
            cache.get(held, RateLimitPeers.NEW_BUCKET).tryConsume(1);
        }
        buckets = new Bucket[lookups.length];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = made[i % identities];
        }
    }

    /**
     * Fails the trial if an identity's limit was reached: the iteration would have measured refusals too.
     *
     * @throws IllegalStateException then
     */
    @TearDown(Level.Iteration)
    public void checkNotLimited() {
        for (int i = 0; i < identities; i++) {
            String id = RateLimitPeers.identity(i);
            long h = RateLimitPeers.hash(id);
            long now = RateLimitPeers.now(origin);
            if (counters.remaining(h, RateLimitPeers.INTERVAL, RateLimitPeers.COUNT, now) < 1
                    || map.get(id).getAvailableTokens() < 1
                    || cache.asMap().get(id).getAvailableTokens() < 1) {
                throw new IllegalStateException("identity " + id + " reached its limit: the measurement is void");
            }
        }
    }

    /**
     * The engine's path: hash the identity text, take one count from its cell.
     *
     * @param c this thread's position in the identities
     * @return whether it fit (always)
     */
    @Benchmark
    public boolean counters(Cursor c) {
        String id = lookups[c.next++ & mask];
        return counters.take(RateLimitPeers.hash(id), RateLimitPeers.INTERVAL, RateLimitPeers.COUNT,
                RateLimitPeers.now(origin));
    }

    /**
     * {@link Counters#take} alone, the identity's hash known.
     *
     * @param c this thread's position in the identities
     * @return whether it fit (always)
     */
    @Benchmark
    public boolean countersTake(Cursor c) {
        return counters.take(hashes[c.next++ & mask], RateLimitPeers.INTERVAL, RateLimitPeers.COUNT,
                RateLimitPeers.now(origin));
    }

    /**
     * Bucket4j in a {@code ConcurrentHashMap}: look the bucket up (made if new), take one token.
     *
     * @param c this thread's position in the identities
     * @return whether it fit (always)
     */
    @Benchmark
    public boolean bucket4jMap(Cursor c) {
        return map.computeIfAbsent(lookups[c.next++ & mask], RateLimitPeers.NEW_BUCKET).tryConsume(1);
    }

    /**
     * Bucket4j in a bounded Caffeine cache: look the bucket up (made if new), take one token.
     *
     * @param c this thread's position in the identities
     * @return whether it fit (always)
     */
    @Benchmark
    public boolean bucket4jCaffeine(Cursor c) {
        return cache.get(lookups[c.next++ & mask], RateLimitPeers.NEW_BUCKET).tryConsume(1);
    }

    /**
     * {@code tryConsume(1)} alone, the bucket looked up.
     *
     * @param c this thread's position in the identities
     * @return whether it fit (always)
     */
    @Benchmark
    public boolean bucket4jTryConsume(Cursor c) {
        return buckets[c.next++ & mask].tryConsume(1);
    }

    /**
     * {@link #counters} in two threads.
     *
     * @param c this thread's position in the identities
     * @return whether it fit (always)
     */
    @Benchmark
    @Threads(2)
    public boolean countersTwoThreads(Cursor c) {
        return counters(c);
    }

    /**
     * {@link #bucket4jMap} in two threads.
     *
     * @param c this thread's position in the identities
     * @return whether it fit (always)
     */
    @Benchmark
    @Threads(2)
    public boolean bucket4jMapTwoThreads(Cursor c) {
        return bucket4jMap(c);
    }

    /**
     * {@link #bucket4jCaffeine} in two threads.
     *
     * @param c this thread's position in the identities
     * @return whether it fit (always)
     */
    @Benchmark
    @Threads(2)
    public boolean bucket4jCaffeineTwoThreads(Cursor c) {
        return bucket4jCaffeine(c);
    }
}

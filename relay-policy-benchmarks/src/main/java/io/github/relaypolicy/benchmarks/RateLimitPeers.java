package io.github.relaypolicy.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.relaypolicy.core.internal.SeededHash;
import io.github.relaypolicy.core.internal.limit.Counters;
import io.github.relaypolicy.core.internal.limit.LimitSpec;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What the rate-limit benchmarks share: one limit, the engine's own table ({@link Counters}) and Bucket4j buckets
 * kept in a map as an embedder would keep them, each counting the same limit for the same identities.
 *
 * <p>The limit is {@code user:1000000000/30d}, the largest the engine accepts, so that a measurement never reaches
 * it. Bucket4j's side is a bandwidth of the same capacity with a greedy refill of the same count per the same period:
 * greedy refill adds tokens continuously (one every PERIOD/COUNT), which is what a GCRA cell does, and a new bucket
 * starts full, as a new GCRA cell lets its whole burst through; an intervally refill would add COUNT at once at the
 * end of each period (a fixed window, with its double burst at the edge). The buckets are Bucket4j's default local
 * kind ({@code Bucket.builder()}: lock-free, millisecond clock) and share one {@link Bandwidth} object, the most
 * frugal way to build many.
 */
final class RateLimitPeers {

    /** The burst of the limit: how many fit in {@link #PERIOD}. */
    static final int COUNT = 1_000_000_000;
    /** The period of the limit. */
    static final Duration PERIOD = Duration.ofDays(30);
    /** The limit as the engine parses it. */
    static final LimitSpec SPEC = LimitSpec.parse("benchmark", "user:" + COUNT + "/30d");
    /** The limit's GCRA emission interval, as the engine computes it. */
    static final long INTERVAL = SPEC.intervalMillis();
    /** The limit for Bucket4j: the same capacity, refilled continuously at the same rate. */
    static final Bandwidth BANDWIDTH = Bandwidth.builder().capacity(COUNT).refillGreedy(COUNT, PERIOD).build();
    /** The function a map is given to make a new identity's bucket (static: no capturing lambda per call). */
    static final Function<String, Bucket> NEW_BUCKET = key -> newBucket();

    private RateLimitPeers() {
    }

    /** A new, full bucket of the limit. */
    static Bucket newBucket() {
        return Bucket.builder().addLimit(BANDWIDTH).build();
    }

    /** An unbounded map of buckets: what {@code ConcurrentHashMap<String, Bucket>} code does. */
    static ConcurrentHashMap<String, Bucket> newMap(int expected) {
        return new ConcurrentHashMap<>(Math.max(16, expected));
    }

    /** A bounded cache of buckets (the least recently and frequently used go first): what a careful embedder does. */
    static Cache<String, Bucket> newCache(int maximumSize) {
        return Caffeine.newBuilder().maximumSize(maximumSize).build();
    }

    /**
     * The {@code i}-th identity: a SASL login like a submission server sees, 19 characters.
     *
     * @param i from 0
     * @return a new String each call (a server's identity text is new per request, its hash code not yet cached)
     */
    static String identity(int i) {
        return String.format(Locale.ROOT, "u%07d@example.org", i);
    }

    /** The engine's hash of an identity (SASL logins are case-folded), as {@code Limits} computes it per request. */
    static long hash(String identity) {
        return SeededHash.fastFolded(identity, 0, identity.length());
    }

    /** The engine's clock for its tables: milliseconds since {@code origin}, a {@link System#nanoTime()} reading. */
    static long now(long origin) {
        return Math.max(0, (System.nanoTime() - origin) / 1_000_000L);
    }
}

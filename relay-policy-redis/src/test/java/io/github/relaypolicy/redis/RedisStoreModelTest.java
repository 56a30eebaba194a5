package io.github.relaypolicy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.spi.RateLimitBucket;
import io.github.relaypolicy.core.spi.RateLimitOutcome;
import io.github.relaypolicy.core.spi.RateLimitStore;
import io.github.relaypolicy.testsupport.RedisServer;
import io.github.relaypolicy.testsupport.RequiresRedis;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Thousands of random operations on a few cells, each answer of the Redis store compared with a plain Java model
 * written from {@link RateLimitBucket}'s javadoc, to the millisecond: the script and the engine's local counters
 * follow one arithmetic. The clock is the real time plus random jumps: it moves at least as fast as real time, so Redis's
 * own expiry of a cell, counted in real time, does not come before the model's, and it steps over the moment a cell
 * expires, which Redis may reach a millisecond before or after the engine's clock.
 */
@RequiresRedis
final class RedisStoreModelTest {

    /** Far more than the time between reading the clock and Redis running the script, even on a loaded machine. */
    private static final long MARGIN = 500;

    /** The javadoc's GCRA: a cell is its TAT; absent (or not after now) is empty. */
    private static final class Model {
        final Map<String, Long> tats = new HashMap<>();

        long tat(RateLimitBucket b, long now) {
            Long t = tats.get(b.key());
            return t == null ? now : Math.max(t, now);
        }

        /** The TAT of a cell that Redis may be about to forget (within {@link #MARGIN} of now), or 0. */
        long nextEdge(long now) {
            for (long t : tats.values()) {
                if (t > now && t - now < MARGIN) {
                    return t;
                }
            }
            return 0;
        }

        boolean fits(RateLimitBucket b, long now) {
            return tat(b, now) - now + b.intervalMillis() <= b.burst() * b.intervalMillis();
        }

        long remaining(RateLimitBucket b, long now) {
            return Math.max(0, (b.burst() * b.intervalMillis() - (tat(b, now) - now)) / b.intervalMillis());
        }

        RateLimitOutcome acquire(List<RateLimitBucket> guards, List<RateLimitBucket> buckets, long now,
                boolean dryRun) {
            List<RateLimitBucket> all = new ArrayList<>(guards);
            all.addAll(buckets);
            int refused = -1;
            for (int i = 0; i < all.size() && refused < 0; i++) {
                if (!fits(all.get(i), now)) {
                    refused = i;
                }
            }
            if (refused < 0 && !dryRun) {
                for (RateLimitBucket b : buckets) {
                    tats.put(b.key(), tat(b, now) + b.intervalMillis());
                }
            }
            List<Long> remaining = new ArrayList<>();
            for (RateLimitBucket b : buckets) {
                remaining.add(remaining(b, now));
            }
            return new RateLimitOutcome(refused, remaining);
        }

        void release(List<RateLimitBucket> buckets, long now) {
            for (RateLimitBucket b : buckets) {
                Long t = tats.get(b.key());
                if (t != null) {
                    long back = t - b.intervalMillis();
                    if (back > now) {
                        tats.put(b.key(), back);
                    } else {
                        tats.remove(b.key());
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void every_answer_matches_the_javadoc_arithmetic(long seed) throws Exception {
        Random random = new Random(seed);
        try (RedisServer server = RedisServer.start();
                RateLimitStore store = new RedisRateLimitStoreProvider().open(URI.create(server.uri()),
                        Duration.ofSeconds(5))) {
            // odd intervals and bursts, so that the division of "remaining" has remainders
            List<RateLimitBucket> cells = List.of(
                    new RateLimitBucket("relay-policy:m:a", 1_000, 1),
                    new RateLimitBucket("relay-policy:m:b", 333, 7),
                    new RateLimitBucket("relay-policy:m:c", 60_001, 3),
                    new RateLimitBucket("relay-policy:m:d", 71, 50),
                    new RateLimitBucket("relay-policy:m:e", 3_600_000, 2));
            Model model = new Model();
            long start = System.currentTimeMillis();
            long jumps = 0;
            int[] refusedAt = new int[3]; // refused by nothing, a guard, a bucket: the run must see all three
            for (int op = 0; op < 2_000; op++) {
                int r = random.nextInt(100);
                jumps += r < 70 ? 0 : r < 90 ? random.nextInt(400) : random.nextInt(120_000);
                long now = System.currentTimeMillis() + jumps; // real time passes in it too
                // Redis forgets a cell TAT - now after the script ran, in real time: one about to expire might be
                // gone a millisecond early or not, by the latency of the next command. Step over that edge.
                for (long edge = model.nextEdge(now); edge > 0; edge = model.nextEdge(now)) {
                    jumps += edge - now;
                    now = edge;
                }
                List<RateLimitBucket> guards = pick(cells, random, random.nextInt(3) == 0 ? 1 : 0);
                List<RateLimitBucket> buckets = pick(cells, random, 1 + random.nextInt(3));
                buckets.removeAll(guards);
                if (random.nextInt(10) == 0) {
                    store.release(buckets, now).toCompletableFuture().get(10, TimeUnit.SECONDS);
                    model.release(buckets, now);
                } else {
                    boolean dry = random.nextInt(8) == 0;
                    RateLimitOutcome got = store.acquire(guards, buckets, now, dry).toCompletableFuture()
                            .get(10, TimeUnit.SECONDS);
                    assertThat(got).as("operation %d at now=start+%d: guards %s, buckets %s, dry %s", op,
                            now - start, guards, buckets, dry).isEqualTo(model.acquire(guards, buckets, now, dry));
                    refusedAt[got.refused() < 0 ? 0 : got.refused() < guards.size() ? 1 : 2]++;
                }
            }
            assertThat(Arrays.stream(refusedAt).min().orElseThrow()).as("accepted, by guard, by bucket: %s",
                    Arrays.toString(refusedAt)).isGreaterThan(20);
        }
    }

    /** {@code n} distinct cells in random order. */
    private static List<RateLimitBucket> pick(List<RateLimitBucket> cells, Random random, int n) {
        List<RateLimitBucket> copy = new ArrayList<>(cells);
        List<RateLimitBucket> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(copy.remove(random.nextInt(copy.size())));
        }
        return out;
    }
}

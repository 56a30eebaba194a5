package io.github.relaypolicy.benchmarks;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A window of asynchronous operations kept in flight by a benchmark (a server with that many sessions waiting), and
 * the latency of each, from its start to its completion: the Redis benchmarks' common part.
 */
final class InFlight {

    private static final int LATENCIES = 1 << 22;

    private final int size;
    private final Semaphore window;
    private final long[] latencies = new long[LATENCIES];
    private final AtomicInteger recorded = new AtomicInteger();
    private final AtomicLong failures = new AtomicLong();

    InFlight(int size) {
        this.size = size;
        this.window = new Semaphore(size);
    }

    /** Waits for room in the window; the start time to hand to {@link #done}. */
    long start() throws InterruptedException {
        window.acquire();
        return System.nanoTime();
    }

    /** One operation completed ({@code failed}: not as expected), freeing its place. */
    void done(long start, boolean failed) {
        if (failed) {
            failures.incrementAndGet();
        }
        int at = recorded.getAndIncrement();
        if (at < LATENCIES) {
            latencies[at] = System.nanoTime() - start;
        }
        window.release();
    }

    /**
     * Waits for the operations still in flight and returns the latencies recorded since the last call, as one JSON
     * object ({@code decisions}, {@code failed}, {@code p50_ms}, {@code p99_ms}, {@code p999_ms}, {@code max_ms}), or
     * null if none was.
     *
     * @throws IllegalStateException if operations are still in flight after 10 s
     */
    String drain() throws InterruptedException {
        if (!window.tryAcquire(size, 10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("operations still in flight after 10 s");
        }
        window.release(size);
        int n = Math.min(recorded.getAndSet(0), LATENCIES);
        if (n == 0) {
            return null;
        }
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "{\"decisions\": %d, \"failed\": %d, \"p50_ms\": %.3f, \"p99_ms\": %.3f,"
                + " \"p999_ms\": %.3f, \"max_ms\": %.3f}", n, failures.getAndSet(0), ms(sorted, 0.50),
                ms(sorted, 0.99), ms(sorted, 0.999), sorted[n - 1] / 1e6);
    }

    private static double ms(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
    }
}

package io.github.relaypolicy.core.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The engine's clock for DNS answer lifetimes and deadlines: {@link #system()} in production; tests hand in one they
 * advance themselves, so that they need not sleep through a TTL or a deadline. Both the readings and the timers come
 * from here, so that a cache entry and a deadline never disagree about what time it is.
 */
public interface TimeSource {

    /**
     * The time now in nanoseconds, with an arbitrary origin (it may be negative), as {@link System#nanoTime()}:
     * only differences of readings mean anything.
     *
     * @return the reading
     */
    long nanoTime();

    /**
     * The wall-clock time in epoch milliseconds, for counters shared with other processes (a rate-limit store):
     * {@link System#currentTimeMillis()} unless a test clock says otherwise.
     *
     * @return the reading
     */
    default long epochMillis() {
        return System.currentTimeMillis();
    }

    /**
     * A timer: a future completed (with null) once {@code delayNanos} have passed on this clock. Cancelling it before
     * then cancels the timer, so that a timer that is no longer needed holds nothing until it would have fired.
     * Its dependents run on the thread that fires it: hand user-visible work over to an executor.
     *
     * @param delayNanos how long from now; at most 0 for at once
     * @return the timer
     */
    CompletableFuture<@Nullable Void> after(long delayNanos);

    /**
     * {@link System#nanoTime()}, and timers of the JDK's {@link CompletableFuture#completeOnTimeout} scheduler.
     *
     * @return the system clock
     */
    static TimeSource system() {
        return SystemTime.INSTANCE;
    }

    /** The one production time source. */
    final class SystemTime implements TimeSource {
        private static final SystemTime INSTANCE = new SystemTime();

        private SystemTime() {
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public CompletableFuture<@Nullable Void> after(long delayNanos) {
            // completeOnTimeout removes its scheduled task once the future completes otherwise (cancel included)
            return new CompletableFuture<@Nullable Void>()
                    .completeOnTimeout(null, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        }

        @Override
        public String toString() {
            return "TimeSource.system()";
        }
    }
}

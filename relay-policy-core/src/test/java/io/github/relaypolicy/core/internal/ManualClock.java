package io.github.relaypolicy.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TimeSource} that stands still until a test {@link #advance advances} it: answer lifetimes and deadlines
 * pass at once, without sleeping. Timers due fire on the advancing thread, in the order they are due. It starts at a
 * negative reading, as {@link System#nanoTime()} may. Thread-safe.
 */
public final class ManualClock implements TimeSource {

    private record Timer(long due, long order, CompletableFuture<@Nullable Void> future) {
    }

    private long now = -Duration.ofDays(1).toNanos();
    private long created;
    private final List<Timer> timers = new ArrayList<>();

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    /** A fixed wall-clock origin (2027-01-15) plus the time advanced: two manual clocks advanced alike agree. */
    @Override
    public synchronized long epochMillis() {
        return 1_800_000_000_000L + Math.floorDiv(now, 1_000_000L);
    }

    @Override
    public CompletableFuture<@Nullable Void> after(long delayNanos) {
        CompletableFuture<@Nullable Void> f = new CompletableFuture<>();
        if (delayNanos <= 0) {
            f.complete(null);
            return f;
        }
        synchronized (this) {
            timers.add(new Timer(now + delayNanos, created++, f));
        }
        return f;
    }

    /** Moves the clock on by {@code by} and fires the timers then due, on this thread. */
    public void advance(Duration by) {
        List<Timer> due = new ArrayList<>();
        synchronized (this) {
            now += by.toNanos();
            timers.removeIf(t -> t.future().isDone()); // cancelled: their futures completed otherwise
            for (Timer t : timers) {
                if (t.due() - now <= 0) {
                    due.add(t);
                }
            }
            timers.removeAll(due);
        }
        due.sort(Comparator.comparingLong(Timer::due).thenComparingLong(Timer::order));
        due.forEach(t -> t.future().complete(null));
    }

    /** The timers ever set on this clock. */
    public synchronized long timersSet() {
        return created;
    }

    /** The timers set and neither fired nor cancelled yet. */
    public synchronized int pendingTimers() {
        return (int) timers.stream().filter(t -> !t.future().isDone()).count();
    }

    /**
     * Waits, for at most {@code within} of real time, until at least {@code n} timers are pending (a decision on
     * another thread has set its deadline); false if they are not by then.
     */
    public boolean awaitTimers(int n, Duration within) throws InterruptedException {
        long until = System.nanoTime() + within.toNanos();
        while (pendingTimers() < n) {
            if (System.nanoTime() - until > 0) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
        return true;
    }

    @Override
    public String toString() {
        return "ManualClock[" + nanoTime() + "]";
    }
}

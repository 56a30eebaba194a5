package io.github.relaypolicy.core.internal.engine;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Periodic checks of files (policy files, local zone files). The one JVM-wide scheduler thread only times them; each
 * check runs on a worker thread, so that a slow or stuck check (a large zone file, a reload waiting for the engine's
 * lock, a file system that hangs) delays only its own engine, never another engine's checks. A check that is still
 * running when its next turn comes is skipped, so there is at most one worker per watch, and a check that throws
 * (an error included) is logged and never stops the watch.
 */
public final class Watch {

    private static final System.Logger LOG = System.getLogger(Reloader.LOGGER); // where users look for reload messages

    private static final AtomicInteger THREADS = new AtomicInteger();

    /** Workers are made when needed and end after a minute unused; at most one per running check. */
    private static final ExecutorService WORKERS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "relay-policy-reload-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private Watch() {
    }

    /**
     * Runs {@code check} every {@code interval} on a worker thread until the returned future is cancelled.
     *
     * @param what what is checked, for the log
     */
    static ScheduledFuture<?> every(Duration interval, String what, Runnable check) {
        AtomicBoolean running = new AtomicBoolean();
        Runnable guarded = () -> {
            try {
                check.run();
            } catch (Throwable e) { // NOPMD: a watch must outlive whatever one check throws
                LOG.log(System.Logger.Level.WARNING, "checking " + what + " failed; checking again later", e);
            } finally {
                running.set(false);
            }
        };
        long ms = interval.toMillis();
        return DnsExecutor.scheduler().scheduleWithFixedDelay(() -> {
            if (!running.compareAndSet(false, true)) {
                return; // the previous check still runs
            }
            try {
                WORKERS.execute(guarded);
            } catch (Throwable e) { // NOPMD: no thread now; the next turn tries again
                running.set(false);
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }
}

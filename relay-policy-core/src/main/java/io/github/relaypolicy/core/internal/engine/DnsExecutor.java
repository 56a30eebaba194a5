package io.github.relaypolicy.core.internal.engine;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that DNS list answers complete on: a small pool of daemon threads of our own, never the common
 * pool, shared by every engine of the process. DNS I/O itself is asynchronous (dnsjava's NIO loop); these threads
 * only classify answers and score decisions, so two are plenty.
 */
public final class DnsExecutor {

    /**
     * Tasks waiting for the pool. The queries in flight bound them already (each answer is one task); the bound
     * here keeps a flood of answers from growing the heap all the same: beyond it the thread that hands a task
     * over runs it itself (dnsjava's I/O thread, or a decision's), which slows the flood down and loses nothing.
     */
    private static final int QUEUE = 4096;
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService POOL = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE), r -> {
                Thread t = new Thread(r, "relay-policy-dns-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.CallerRunsPolicy());

    private static final java.util.concurrent.ScheduledExecutorService SCHEDULER =
            Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "relay-policy-zone-watch");
                t.setDaemon(true);
                return t;
            });

    private DnsExecutor() {
    }

    /** The daemon thread that checks local zone files for changes. */
    static java.util.concurrent.ScheduledExecutorService scheduler() {
        return SCHEDULER;
    }

    static Executor get() {
        return POOL;
    }
}

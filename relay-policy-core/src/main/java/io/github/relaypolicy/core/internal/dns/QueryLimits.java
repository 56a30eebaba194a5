package io.github.relaypolicy.core.internal.dns;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounds of one {@link ListLookups} under a DNS outage: queries in flight (this instance's and the whole
 * process's, each holding a socket) and decisions waiting for answers. Nothing here ever waits: at a bound the
 * caller is told no, and the list is then not asked.
 */
final class QueryLimits {

    /** Decisions that may wait for answers, per query in flight (several decisions may share one query). */
    private static final int WAITING_PER_QUERY = 4;
    /** The queries in flight in the whole process: each holds a socket, see {@link #processQueryLimit()}. */
    private static final Limit PROCESS_QUERIES = new Limit(processQueryLimit());

    private final Limit queries;
    private final Limit waiting;

    QueryLimits(int maxInFlight) {
        this.queries = new Limit(maxInFlight);
        this.waiting = new Limit(maxWaiting(maxInFlight));
    }

    /** The most decisions that may wait for answers: a few per query in flight, as decisions may share one. */
    static int maxWaiting(int maxInFlight) {
        return (int) Math.min(Integer.MAX_VALUE, (long) maxInFlight * WAITING_PER_QUERY);
    }

    /** One more decision waiting, unless at the bound. */
    boolean admit() {
        return waiting.tryAcquire();
    }

    void leave() {
        waiting.release();
    }

    /** A permit for one query, from this engine's limit and the process's; false if either is reached. */
    boolean acquireQuery() {
        if (!queries.tryAcquire()) {
            return false;
        }
        if (!PROCESS_QUERIES.tryAcquire()) {
            queries.release();
            return false;
        }
        return true;
    }

    void releaseQuery() {
        PROCESS_QUERIES.release();
        queries.release();
    }

    int inFlight() {
        return queries.used();
    }

    int waitingNow() {
        return waiting.used();
    }

    /**
     * A quarter of the process's limit of open files, where the platform tells it: with the sockets of finished
     * queries not yet closed by dnsjava, DNS sockets stay below half the limit, and the other half is the host
     * process's (its connections, its files), whatever the number of engines and their settings.
     */
    private static int processQueryLimit() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean()
                    instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
                long max = unix.getMaxFileDescriptorCount();
                if (max > 0) {
                    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, max / 4));
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // not told: only the configured limits apply
        }
        return Integer.MAX_VALUE;
    }

    /** A count with a ceiling that never waits: {@link #tryAcquire()} says no at the ceiling. */
    private static final class Limit {
        private final AtomicInteger used = new AtomicInteger();
        private final int max;

        Limit(int max) {
            this.max = max;
        }

        boolean tryAcquire() {
            for (int n = used.get(); n < max; n = used.get()) {
                if (used.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
            return false;
        }

        void release() {
            used.decrementAndGet();
        }

        int used() {
            return used.get();
        }
    }
}

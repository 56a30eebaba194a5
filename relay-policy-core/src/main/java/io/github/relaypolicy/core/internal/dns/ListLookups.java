package io.github.relaypolicy.core.internal.dns;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.relaypolicy.core.internal.TimeSource;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Asynchronous, cached A and TXT lookups of DNS list query names, with dnsjava for the wire protocol and
 * Caffeine for the cache: TTLs are honoured within a floor and a ceiling, negative answers are cached by the
 * SOA minimum (RFC 2308), and concurrent lookups of the same name share one query. A failure is an answer too
 * ({@link Raw#failed()}): it is cached only briefly and never throws at the caller.
 *
 * <p>Everything that grows with load is bounded, so that a flood of decisions while the DNS server is silent or
 * slow cannot exhaust the heap or the process's file descriptors (issue 9): at most {@code maxInFlight} queries
 * are in flight (each holds one socket until it is answered or times out), and never more than a quarter of the
 * process's limit of open files across all lookups of the process; at most {@link #maxWaiting(int)} decisions
 * wait for answers. A finished query's socket is closed for good by dnsjava's I/O thread on its next turn (a
 * channel registered with a selector is closed when it is deregistered), so the sockets may briefly outnumber the
 * queries in flight, never twice over: DNS sockets stay below half the limit of open files. Admission never waits: at a limit the list is not asked ({@link ListAnswer.Status#NOT_ASKED})
 * and the decision goes on at once as for a failure of the list. A query that was not asked, or could not be
 * sent for want of a socket, is not cached: it says nothing about the list, and the next decision asks again.
 */
public final class ListLookups {

    /**
     * What the server said: the A records (unsigned), or NXDOMAIN/NODATA, or a failure, and for how long. The
     * answers a list's filter can make of it are built with it, so that classifying a cached answer allocates
     * nothing.
     */
    public static final class Raw {

        private static final long[] NONE = new long[0];
        private static final ListAnswer[] NO_LISTINGS = new ListAnswer[0];

        private final long[] addresses;
        private final boolean failed;
        private final String failure;
        private final long ttlSeconds;
        private final long createdAt; // TimeSource.nanoTime(), the cache's clock
        /** The answer whatever the filter: the first answer outside 127/8, else the first error code; or null. */
        private final @Nullable ListAnswer regardless;
        /** A listing for each A record, in order: the first that passes a list's filter is its answer. */
        private final ListAnswer[] listings;
        /** Why the list was not asked, for an answer made because of a local condition; never cached. */
        private final @Nullable ListAnswer notAsked;

        /**
         * An answer made in-process, which no cache keeps.
         *
         * @param addresses the A records, as unsigned 32-bit values; kept, not copied: the caller hands it over
         * @param failure why there is no usable answer, when {@code failed}
         */
        public Raw(long[] addresses, boolean failed, String failure, long ttlSeconds) {
            this(addresses, failed, failure, ttlSeconds, 0);
        }

        private Raw(long[] addresses, boolean failed, String failure, long ttlSeconds, long createdAt) {
            this(addresses, failed, failure, ttlSeconds, createdAt, null);
        }

        private Raw(long[] addresses, boolean failed, String failure, long ttlSeconds, long createdAt,
                @Nullable ListAnswer notAsked) {
            this.notAsked = notAsked;
            this.createdAt = createdAt;
            this.addresses = addresses.length == 0 ? NONE : addresses;
            this.failed = failed;
            this.failure = failure;
            this.ttlSeconds = ttlSeconds;
            ListAnswer broken = null;
            ListAnswer error = null;
            ListAnswer[] found = this.addresses.length == 0 ? NO_LISTINGS : new ListAnswer[this.addresses.length];
            int n = 0;
            for (long a : this.addresses) {
                if ((a >>> 24) != 127) {
                    broken = broken == null ? new ListAnswer(ListAnswer.Status.BROKEN, a) : broken;
                } else if (ListAnswer.isErrorCode(a)) {
                    error = error == null ? new ListAnswer(ListAnswer.Status.ERROR_CODE, a) : error;
                } else {
                    found[n++] = new ListAnswer(ListAnswer.Status.LISTED, a);
                }
            }
            this.regardless = broken != null ? broken : error;
            this.listings = n == 0 ? NO_LISTINGS : n == found.length ? found : Arrays.copyOf(found, n);
        }

        /** NXDOMAIN, made in-process for no cache (a local zone's answer): made at no time of the clock. */
        static Raw nxdomain(long ttl) {
            return new Raw(NONE, false, "", ttl, 0);
        }

        /** A failure made in-process for no cache (a fallback of a decision): made at no time of the clock. */
        static Raw failure(String why) {
            return new Raw(NONE, true, why, 0, 0);
        }

        /** The answer when the list was not asked, for {@link ListAnswer#notAsked(int) why}; never cached. */
        static Raw notAsked(int why) {
            ListAnswer a = ListAnswer.notAsked(why);
            return new Raw(NONE, true, a.toString(), 0, 0, a);
        }

        /** Whether the list was not asked, for a reason of this process: such an answer is never cached. */
        public boolean wasNotAsked() {
            return notAsked != null;
        }

        /** The A records, as unsigned 32-bit values. */
        public long[] addresses() {
            return addresses.clone();
        }

        /** Whether no usable answer came (timeout, SERVFAIL, REFUSED, a network error). */
        public boolean failed() {
            return failed;
        }

        /** Why no usable answer came, or {@code ""}. */
        public String failure() {
            return failure;
        }

        /** The TTL of the answer, or the negative TTL (RFC 2308); 0 for failures. */
        public long ttlSeconds() {
            return ttlSeconds;
        }

        /**
         * The answer as the list meant it, through the list's filter, as {@link ListAnswer#classify(long[],
         * AnswerFilter)} gives it; allocates nothing.
         */
        public ListAnswer classify(AnswerFilter filter) {
            if (failed) {
                return notAsked != null ? notAsked : ListAnswer.unknown();
            }
            if (regardless != null) {
                return regardless;
            }
            for (ListAnswer listing : listings) {
                if (filter.isError(listing.answer())) {
                    return ListAnswer.allowListError(); // the one error code a filter adds, beside any listing
                }
            }
            for (ListAnswer listing : listings) {
                if (filter.test(listing.answer())) {
                    return listing;
                }
            }
            return ListAnswer.notListed();
        }

        @Override
        public String toString() {
            return failed ? "failed: " + failure : Arrays.toString(addresses) + " ttl " + ttlSeconds;
        }
    }

    private static final long FAILURE_TTL_SECONDS = 10;

    /** The default of {@code maxInFlight}: DNS queries in flight at once, per engine. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 2000;
    /** Decisions that may wait for answers, per query in flight (several decisions may share one query). */
    private static final int WAITING_PER_QUERY = 4;
    /** The queries in flight in the whole process: each holds a socket, see {@link #processQueryLimit()}. */
    private static final Limit PROCESS_QUERIES = new Limit(processQueryLimit());
    private static final Raw NOT_ASKED_QUERY_LIMIT = Raw.notAsked(ListAnswer.QUERY_LIMIT);
    private static final Raw NOT_ASKED_NO_SOCKET = Raw.notAsked(ListAnswer.NO_SOCKET);
    private static final Txt NOT_ASKED_TXT = new Txt("", 0, 0);

    private final Resolver resolver;
    private final Executor executor;
    private final boolean deadlinesOnExecutor;
    private final TimeSource time;
    private final long maxEntries;
    private final long floor;
    private final long ceiling;
    private final AsyncCache<QueryKey, Raw> addresses;
    private final AsyncCache<QueryKey, Txt> texts;
    private final Limit queries;
    private final Limit waiting;

    /**
     * A TXT answer ({@code ""} for none: Caffeine keeps no null values), its TTL, and when it was made
     * ({@link TimeSource#nanoTime()}, the cache's clock).
     */
    record Txt(String text, long ttlSeconds, long createdAt) {
    }

    /**
     * @param servers the DNS servers to ask; empty for the system resolvers
     * @param timeout how long one query may take, retries included
     */
    public ListLookups(List<InetSocketAddress> servers, Duration timeout, Duration ttlFloor, Duration ttlCeiling,
            long maxEntries, Executor executor) {
        this(servers, timeout, ttlFloor, ttlCeiling, maxEntries, DEFAULT_MAX_IN_FLIGHT, executor);
    }

    /**
     * @param servers the DNS servers to ask; empty for the system resolvers
     * @param timeout how long one query may take, retries included
     * @param maxInFlight the most queries in flight at once (A and TXT); see {@link #maxWaiting(int)}
     */
    public ListLookups(List<InetSocketAddress> servers, Duration timeout, Duration ttlFloor, Duration ttlCeiling,
            long maxEntries, int maxInFlight, Executor executor) {
        this(servers, timeout, ttlFloor, ttlCeiling, maxEntries, maxInFlight, executor, false, TimeSource.system());
    }

    /**
     * @param servers the DNS servers to ask; empty for the system resolvers
     * @param timeout how long one query may take, retries included (dnsjava's own timer: the system clock's)
     * @param maxInFlight the most queries in flight at once (A and TXT); see {@link #maxWaiting(int)}
     * @param executor where answers complete and the caches do their upkeep
     * @param deadlinesOnExecutor whether a {@link #completeOnTimeout deadline} completes its future on the executor
     *     too (a host's executor, which it expects every stage to run on), or on the timer's thread
     * @param time the clock of the answers' lifetimes and of the deadlines
     */
    public ListLookups(List<InetSocketAddress> servers, Duration timeout, Duration ttlFloor, Duration ttlCeiling,
            long maxEntries, int maxInFlight, Executor executor, boolean deadlinesOnExecutor, TimeSource time) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight " + maxInFlight + " must be at least 1");
        }
        this.resolver = resolver(servers, timeout);
        this.queries = new Limit(maxInFlight);
        this.waiting = new Limit(maxWaiting(maxInFlight));
        this.executor = executor;
        this.deadlinesOnExecutor = deadlinesOnExecutor;
        this.time = time;
        this.maxEntries = maxEntries;
        this.floor = ttlFloor.toNanos();
        this.ceiling = ttlCeiling.toNanos();
        this.addresses = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .executor(executor)
                .ticker(ticker())
                .expireAfter(new AnswerExpiry<Raw>(this::remaining))
                .buildAsync();
        this.texts = Caffeine.newBuilder()
                .maximumSize(Math.max(16, maxEntries / 16))
                .executor(executor)
                .ticker(ticker())
                .expireAfter(new AnswerExpiry<Txt>(this::remaining))
                .buildAsync();
    }

    /**
     * The time now on this instance's clock, which the answers' lifetimes are counted by.
     *
     * @return the reading, in nanoseconds from an arbitrary origin
     */
    public long nanoTime() {
        return time.nanoTime();
    }

    /** The caches' clock: this instance's; Caffeine's own for the system clock, as without one. */
    private Ticker ticker() {
        return time == TimeSource.system() ? Ticker.systemTicker() : time::nanoTime;
    }

    /**
     * Completes {@code f} with {@code value} once {@code timeout} has passed on this instance's clock, unless it is
     * complete by then, like {@link CompletableFuture#completeOnTimeout}. With {@code deadlinesOnExecutor}, {@code f}
     * is completed on the executor, where answers complete, so that what depends on it (a caller's stages of
     * {@code decideAsync}) runs there too, never on a timer thread. The timer is cancelled once {@code f} completes
     * otherwise.
     *
     * @param f the future, typically a copy of a shared lookup's
     * @param value what it completes with at the deadline
     * @param timeout how long from now, on this instance's clock
     * @param unit the unit of {@code timeout}
     * @param <T> the type of the value
     * @return {@code f}
     */
    public <T> CompletableFuture<T> completeOnTimeout(CompletableFuture<T> f, T value, long timeout, TimeUnit unit) {
        if (!deadlinesOnExecutor && time == TimeSource.system()) {
            return f.completeOnTimeout(value, timeout, unit); // as ever: the JDK's timer thread completes it
        }
        // a timer even for a future already complete (cancelled at once): every deadline is set on the clock, which
        // a test that advances the clock counts on
        CompletableFuture<@Nullable Void> timer = time.after(unit.toNanos(timeout));
        timer.thenRun(() -> {
            if (f.isDone()) {
                return;
            }
            if (!deadlinesOnExecutor) {
                f.complete(value);
                return;
            }
            try {
                executor.execute(() -> f.complete(value));
            } catch (Throwable t) { // NOPMD: refused, or no thread for it: the deadline holds all the same
                f.complete(value);
            }
        });
        f.whenComplete((v, e) -> timer.cancel(false));
        return f;
    }

    /** How much longer an answer may be kept at a time ({@link TimeSource#nanoTime()}), in nanoseconds. */
    @FunctionalInterface
    interface Remaining<V> {
        long at(V answer, long now);
    }

    /**
     * Each answer lives as long as its TTL allows from when it was made, whichever way the cache comes to ask:
     * when it is created, when its completed future replaces the pending one, and when it is read. With
     * {@code Expiry.creating} an update or a read keeps the current duration, and the duration of an entry whose
     * future was still pending is "forever" to Caffeine; should the completion be recorded as an update, or a
     * read come between completion and its handling, the answer would be kept for good. Here a read can only
     * shorten what is left, never extend it.
     */
    static final class AnswerExpiry<V> implements Expiry<QueryKey, V> {

        private final Remaining<V> remaining;

        AnswerExpiry(Remaining<V> remaining) {
            this.remaining = remaining;
        }

        @Override
        public long expireAfterCreate(QueryKey key, V answer, long currentTime) {
            return Math.max(0, remaining.at(answer, currentTime));
        }

        @Override
        public long expireAfterUpdate(QueryKey key, V answer, long currentTime, long currentDuration) {
            return Math.max(0, remaining.at(answer, currentTime));
        }

        @Override
        public long expireAfterRead(QueryKey key, V answer, long currentTime, long currentDuration) {
            return Math.min(currentDuration, Math.max(0, remaining.at(answer, currentTime)));
        }
    }

    /** How long an answer is cached, in nanoseconds: its TTL within the floor and ceiling; a failure briefly. */
    private long lifetime(Raw raw) {
        if (raw.wasNotAsked()) {
            return 0; // says nothing about the list: never kept, nor anything derived from it
        }
        return raw.failed() ? TimeUnit.SECONDS.toNanos(FAILURE_TTL_SECONDS) : clamp(raw.ttlSeconds());
    }

    private long lifetime(Txt txt) {
        return txt == NOT_ASKED_TXT ? 0 : clamp(txt.ttlSeconds());
    }

    private long clamp(long ttlSeconds) {
        return Math.max(floor, Math.min(ceiling, TimeUnit.SECONDS.toNanos(ttlSeconds)));
    }

    /**
     * How much longer, at most, the cache keeps an answer it holds, at {@code now} ({@link #nanoTime()}):
     * the cache starts an answer's lifetime when it receives it, not before it was made.
     */
    long remaining(Raw raw, long now) {
        // a not-asked answer was made at no time of the clock (0 stands for none): nothing left, whatever the clock
        // reads (like System.nanoTime(), it may be negative)
        return raw.wasNotAsked() ? -1 : lifetime(raw) - (now - raw.createdAt);
    }

    /** Like {@link #remaining(Raw, long)}, for a TXT answer. */
    long remaining(Txt txt, long now) {
        return txt == NOT_ASKED_TXT ? -1 : lifetime(txt) - (now - txt.createdAt());
    }

    /**
     * A cache of what is derived from the cached answers, on the same executor and as large as the answer
     * cache. It has no expiry of its own: every entry is put with a lifetime ({@code Policy.expireVariably()})
     * that must not outlast the answers it was derived from, see {@link #remaining(Raw, long)}.
     */
    <K, V> Cache<K, V> derivedCache() {
        return Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .executor(executor)
                .ticker(ticker())
                .expireAfter(Expiry.<K, V>creating((key, value) -> Duration.ZERO))
                .build();
    }

    private static Resolver resolver(List<InetSocketAddress> servers, Duration timeout) {
        Resolver r;
        if (servers.isEmpty()) {
            r = new ExtendedResolver();
        } else {
            List<Resolver> each = new ArrayList<>();
            for (InetSocketAddress server : servers) {
                SimpleResolver s = new SimpleResolver(server);
                s.setTimeout(timeout);
                each.add(s);
            }
            r = each.size() == 1 ? each.get(0) : new ExtendedResolver(each);
        }
        r.setTimeout(timeout);
        return r;
    }

    /**
     * The cached answer to the query if it is already there and complete, without waiting, without I/O and
     * without allocating; {@code key} may be a {@link QueryKey#probe()}.
     */
    public @Nullable Raw cached(QueryKey key) {
        CompletableFuture<Raw> f = addresses.getIfPresent(key);
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return null;
        }
        Raw raw = f.join();
        // Caffeine records an answer's lifetime in a completion handler of its future; until that has run (the
        // dependents registered after it run first, on the same thread, for as long as they take) the entry has
        // the "forever" of a pending future. An answer is never used past its TTL, whatever is recorded yet.
        return remaining(raw, time.nanoTime()) > 0 ? raw : null;
    }

    /**
     * The A records of the query; never completes exceptionally. A query already in flight or cached is shared;
     * a new one is sent only if the limit of queries in flight allows, else the answer is at once
     * {@link ListAnswer#QUERY_LIMIT not asked}. {@code key} is kept: never a probe.
     */
    public CompletableFuture<Raw> lookup(QueryKey key) {
        CompletableFuture<Raw> known = addresses.getIfPresent(key);
        if (known != null) {
            if (!known.isDone() || known.isCompletedExceptionally() || remaining(known.join(), time.nanoTime()) > 0) {
                return known;
            }
            addresses.asMap().remove(key, known); // past its TTL, though the cache has not recorded it yet: ask again
        }
        if (!acquireQuery()) {
            return CompletableFuture.completedFuture(NOT_ASKED_QUERY_LIMIT); // never cached
        }
        boolean[] asked = {false};
        CompletableFuture<Raw> f;
        try {
            f = addresses.get(key, (k, exec) -> {
                asked[0] = true;
                return releasing(sent(k.name(), Type.A).handle((m, e) -> {
                    try {
                        return e != null ? notSent(e) ? NOT_ASKED_NO_SOCKET : failure(describe(e)) : toRaw(m);
                    } catch (RuntimeException x) {
                        return failure(describe(x));
                    }
                }), e -> NOT_ASKED_NO_SOCKET);
            });
        } catch (RuntimeException | Error e) {
            if (!asked[0]) {
                releaseQuery();
            }
            if (e instanceof Error) {
                throw e;
            }
            return CompletableFuture.completedFuture(Raw.failure(describe(e)));
        }
        if (!asked[0]) {
            releaseQuery(); // asked meanwhile by another decision: shared
        } else {
            // Kept for no time (its lifetime is 0) and removed: says nothing about the list.
            f.thenAccept(raw -> {
                if (raw.wasNotAsked()) {
                    addresses.asMap().remove(key, f);
                }
            });
        }
        return f;
    }

    /**
     * The TXT text at the query name (strings of one record joined), or null; never fails. Like
     * {@link #lookup}, null at once at the limit of queries in flight, and not cached then. Never a probe.
     */
    public CompletableFuture<@Nullable String> txt(QueryKey key) {
        CompletableFuture<Txt> known = texts.getIfPresent(key);
        if (known != null && known.isDone() && !known.isCompletedExceptionally()
                && remaining(known.join(), time.nanoTime()) <= 0) {
            texts.asMap().remove(key, known); // past its TTL, though the cache has not recorded it yet: ask again
            known = null;
        }
        if (known == null) {
            if (!acquireQuery()) {
                return CompletableFuture.completedFuture(null);
            }
            boolean[] asked = {false};
            try {
                known = texts.get(key, (k, exec) -> {
                    asked[0] = true;
                    return releasing(sent(k.name(), Type.TXT).handle((m, e) -> {
                        try {
                            return e != null ? notSent(e) ? NOT_ASKED_TXT : txt("", FAILURE_TTL_SECONDS)
                                    : toText(m);
                        } catch (RuntimeException x) {
                            return txt("", FAILURE_TTL_SECONDS);
                        }
                    }), e -> NOT_ASKED_TXT);
                });
            } catch (RuntimeException | Error e) {
                if (!asked[0]) {
                    releaseQuery();
                }
                if (e instanceof Error) {
                    throw e;
                }
                return CompletableFuture.completedFuture(null);
            }
            if (!asked[0]) {
                releaseQuery();
            } else {
                CompletableFuture<Txt> f = known;
                f.thenAccept(txt -> {
                    if (txt == NOT_ASKED_TXT) {
                        texts.asMap().remove(key, f);
                    }
                });
            }
        }
        return known.thenApply(t -> t.text().isEmpty() ? null : t.text());
    }

    /**
     * Admits one more decision to wait for answers, without waiting: false at the limit, and then the decision
     * must not ask (it takes what is cached, else {@link ListAnswer#WAITING_LIMIT not asked}). Every admission
     * is followed by exactly one {@link #leave()}.
     */
    public boolean admit() {
        return waiting.tryAcquire();
    }

    /** A decision admitted by {@link #admit()} has its answers, or gave up waiting for them. */
    public void leave() {
        waiting.release();
    }

    /** The most decisions that may wait for answers: a few per query in flight, as decisions may share one. */
    static int maxWaiting(int maxInFlight) {
        return (int) Math.min(Integer.MAX_VALUE, (long) maxInFlight * WAITING_PER_QUERY);
    }

    /** A permit for one query, from this engine's limit and the process's; false if either is reached. */
    private boolean acquireQuery() {
        if (!queries.tryAcquire()) {
            return false;
        }
        if (!PROCESS_QUERIES.tryAcquire()) {
            queries.release();
            return false;
        }
        return true;
    }

    /**
     * The query sent, or a query that never left this process if sending it threw (an {@code Error} included): the
     * caller holds the query's place, which {@link #releasing} gives back only once the future it chains exists.
     */
    private CompletableFuture<Message> sent(String name, int type) {
        try {
            return query(name, type);
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedFuture(new NotSent(e));
        }
    }

    /**
     * The answer, once the query's place is given back. The place is given back on the executor (by then dnsjava has
     * closed the query's socket), but never only there: if the executor cannot take the task (refused, no thread)
     * it is given back here, and if handling the answer failed (an {@code Error}, say) the answer is
     * {@code failed}'s, never an exceptional completion, which would keep the place for good and break
     * {@link #lookup}'s promise.
     */
    private <T> CompletableFuture<T> releasing(CompletableFuture<T> answer, java.util.function.Function<Throwable,
            T> failed) {
        CompletableFuture<T> done = new CompletableFuture<>();
        answer.whenComplete((value, error) -> {
            java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
            Runnable finish = () -> {
                if (!once.compareAndSet(false, true)) {
                    return;
                }
                releaseQuery();
                try {
                    done.complete(error == null ? value : failed.apply(error));
                } catch (Throwable t) { // NOPMD: the place is back; the caller sees a failure, never a hang
                    done.completeExceptionally(t);
                }
            };
            try {
                executor.execute(finish);
            } catch (Throwable t) { // NOPMD: refused, or no thread for it: the place must come back all the same
                finish.run();
            }
        });
        return done;
    }

    private void releaseQuery() {
        PROCESS_QUERIES.release();
        queries.release();
    }

    /** Queries in flight now, of this instance. */
    int inFlight() {
        return queries.used();
    }

    /** Decisions waiting for answers now, of this instance. */
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

    /** Whether a query failed because it could not be sent from here (no socket, no port), not by the server. */
    private static boolean notSent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NotSent) {
                return true;
            }
        }
        return false;
    }

    /** A query that never left this process: no socket could be opened, bound or connected for it. */
    private static final class NotSent extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        NotSent(@Nullable Throwable cause) {
            super("not sent: " + (cause == null ? "no socket" : describe(cause)), cause);
        }
    }

    /**
     * The cached TXT answer of the query, without waiting and without allocating (its text is {@code ""} if
     * the name has no TXT record), or null if the TXT is not cached (yet); {@code key} may be a
     * {@link QueryKey#probe()}.
     */
    @Nullable Txt cachedTxt(QueryKey key) {
        CompletableFuture<Txt> f = texts.getIfPresent(key);
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return null;
        }
        Txt txt = f.join();
        return remaining(txt, time.nanoTime()) > 0 ? txt : null; // see cached(QueryKey)
    }

    private CompletableFuture<Message> query(String name, int type) {
        Message query;
        try {
            query = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
        } catch (TextParseException | RuntimeException e) { // a failure of this query, cached as such
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Message> sent;
        try {
            sent = resolver.sendAsync(query, executor).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new NotSent(e));
        }
        if (!sent.isCompletedExceptionally() || sent.handle((m, e) -> afterSending(e)).join()) {
            return sent;
        }
        // dnsjava opens, binds and connects a query's socket before sendAsync returns, and fails the query at once
        // if it cannot (too many open files, no free port): a condition of this process, not an answer of the
        // list. A query that was sent cannot have failed yet: its failures take a round trip or the timeout.
        CompletableFuture<Message> notSent = new CompletableFuture<>();
        sent.whenComplete((m, e) -> notSent.completeExceptionally(new NotSent(
                e instanceof CompletionException && e.getCause() != null ? e.getCause() : e)));
        return notSent;
    }

    /**
     * Whether a failure can only have come after the query was sent: an ICMP port unreachable (on loopback it can
     * arrive before sendAsync returns), a timeout, a short read.
     */
    private static boolean afterSending(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.PortUnreachableException || t instanceof java.net.SocketTimeoutException
                    || t instanceof java.io.EOFException) {
                return true;
            }
        }
        return false;
    }

    private Raw toRaw(Message m) {
        int rcode = m.getRcode();
        if (rcode == Rcode.NXDOMAIN) {
            return nxdomain(negativeTtl(m));
        }
        if (rcode != Rcode.NOERROR) {
            return failure(Rcode.string(rcode));
        }
        if (m.getHeader().getFlag(org.xbill.DNS.Flags.TC)) {
            return failure("truncated answer");
        }
        List<Long> found = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        for (Record r : m.getSection(Section.ANSWER)) {
            if (r instanceof ARecord a) {
                byte[] b = a.getAddress().getAddress();
                found.add(((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL));
                ttl = Math.min(ttl, r.getTTL());
            }
        }
        if (found.isEmpty()) {
            return nxdomain(negativeTtl(m)); // NODATA: not listed
        }
        return new Raw(found.stream().mapToLong(Long::longValue).toArray(), false, "", ttl, time.nanoTime());
    }

    /** NXDOMAIN or NODATA, for the cache: made now. */
    private Raw nxdomain(long ttl) {
        return new Raw(Raw.NONE, false, "", ttl, time.nanoTime());
    }

    /** A failure, for the cache: made now. */
    private Raw failure(String why) {
        return new Raw(Raw.NONE, true, why, 0, time.nanoTime());
    }

    /** A TXT answer, for the cache: made now. */
    private Txt txt(String text, long ttlSeconds) {
        return new Txt(text, ttlSeconds, time.nanoTime());
    }

    private static String describe(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                ? e.getCause() : e;
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static long negativeTtl(Message m) {
        for (Record r : m.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return Math.min(soa.getTTL(), soa.getMinimum()); // RFC 2308 section 5
            }
        }
        return 0; // no SOA: the floor applies
    }

    private Txt toText(Message m) {
        for (Record r : m.getSection(Section.ANSWER)) {
            if (r instanceof TXTRecord t) {
                return txt(String.join("", t.getStrings()), r.getTTL());
            }
        }
        return txt("", m.getRcode() == Rcode.NOERROR || m.getRcode() == Rcode.NXDOMAIN ? negativeTtl(m)
                : FAILURE_TTL_SECONDS);
    }
}

package io.github.relaypolicy.core.internal.dns;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.relaypolicy.core.EngineListener;
import io.github.relaypolicy.core.EngineListener.QueryOutcome;
import io.github.relaypolicy.core.internal.TimeSource;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Asynchronous, cached A and TXT lookups of DNS list query names, with dnsjava for the wire protocol and
 * Caffeine for the cache: TTLs are honoured within a floor and a ceiling, negative answers are cached by the
 * SOA minimum (RFC 2308), and concurrent lookups of the same name share one query. A failure is an answer too
 * ({@link RawAnswer#failed()}): it is cached only briefly and never throws at the caller.
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


    /** How long a failure is cached: briefly, so that a list that recovers is asked again soon. */
    static final long FAILURE_TTL_SECONDS = 10;

    /** The default of {@code maxInFlight}: DNS queries in flight at once, per engine. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 2000;
    private static final RawAnswer NOT_ASKED_QUERY_LIMIT = RawAnswer.notAsked(ListAnswer.QUERY_LIMIT);
    private static final RawAnswer NOT_ASKED_NO_SOCKET = RawAnswer.notAsked(ListAnswer.NO_SOCKET);
    private static final Txt NOT_ASKED_TXT = new Txt("", 0, 0);

    private final Resolver resolver;
    private final Executor executor;
    private final boolean deadlinesOnExecutor;
    private final TimeSource time;
    private final long maxEntries;
    private final long floor;
    private final long ceiling;
    private final AsyncCache<QueryKey, RawAnswer> addresses;
    private final AsyncCache<QueryKey, Txt> texts;
    private final QueryLimits limits;
    private final EngineListener listener;
    /** The name each zone is reported by ({@link ListNames#displayName}), worked out once per zone. */
    private final ConcurrentHashMap<String, String> listNames = new ConcurrentHashMap<>();

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
     * @param maxInFlight the most queries in flight at once (A and TXT); see {@link QueryLimits#maxWaiting(int)}
     */
    public ListLookups(List<InetSocketAddress> servers, Duration timeout, Duration ttlFloor, Duration ttlCeiling,
            long maxEntries, int maxInFlight, Executor executor) {
        this(servers, timeout, ttlFloor, ttlCeiling, maxEntries, maxInFlight, executor, false, TimeSource.system());
    }

    /**
     * @param servers the DNS servers to ask; empty for the system resolvers
     * @param timeout how long one query may take, retries included (dnsjava's own timer: the system clock's)
     * @param maxInFlight the most queries in flight at once (A and TXT); see {@link QueryLimits#maxWaiting(int)}
     * @param executor where answers complete and the caches do their upkeep
     * @param deadlinesOnExecutor whether a {@link #completeOnTimeout deadline} completes its future on the executor
     *     too (a host's executor, which it expects every stage to run on), or on the timer's thread
     * @param time the clock of the answers' lifetimes and of the deadlines
     */
    public ListLookups(List<InetSocketAddress> servers, Duration timeout, Duration ttlFloor, Duration ttlCeiling,
            long maxEntries, int maxInFlight, Executor executor, boolean deadlinesOnExecutor, TimeSource time) {
        this(servers, timeout, ttlFloor, ttlCeiling, maxEntries, maxInFlight, executor, deadlinesOnExecutor, time,
                EngineListener.NONE);
    }

    /**
     * @param servers the DNS servers to ask; empty for the system resolvers
     * @param timeout how long one query may take, retries included (dnsjava's own timer: the system clock's)
     * @param maxInFlight the most queries in flight at once (A and TXT); see {@link QueryLimits#maxWaiting(int)}
     * @param executor where answers complete and the caches do their upkeep
     * @param deadlinesOnExecutor whether a {@link #completeOnTimeout deadline} completes its future on the executor
     *     too (a host's executor, which it expects every stage to run on), or on the timer's thread
     * @param time the clock of the answers' lifetimes and of the deadlines
     * @param listener told of every query sent, or not sent at a limit ({@link EngineListener#dnsQuery}); guarded
     */
    public ListLookups(List<InetSocketAddress> servers, Duration timeout, Duration ttlFloor, Duration ttlCeiling,
            long maxEntries, int maxInFlight, Executor executor, boolean deadlinesOnExecutor, TimeSource time,
            EngineListener listener) {
        this.listener = listener;
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight " + maxInFlight + " must be at least 1");
        }
        this.resolver = resolver(servers, timeout);
        this.limits = new QueryLimits(maxInFlight);
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
                .expireAfter(new AnswerExpiry<RawAnswer>(this::remaining))
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
    private long lifetime(RawAnswer raw) {
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
    long remaining(RawAnswer raw, long now) {
        // a not-asked answer was made at no time of the clock (0 stands for none): nothing left, whatever the clock
        // reads (like System.nanoTime(), it may be negative)
        return raw.wasNotAsked() ? -1 : lifetime(raw) - (now - raw.createdAt());
    }

    /** Like {@link #remaining(RawAnswer, long)}, for a TXT answer. */
    long remaining(Txt txt, long now) {
        return txt == NOT_ASKED_TXT ? -1 : lifetime(txt) - (now - txt.createdAt());
    }

    /**
     * A cache of what is derived from the cached answers, on the same executor and as large as the answer
     * cache. It has no expiry of its own: every entry is put with a lifetime ({@code Policy.expireVariably()})
     * that must not outlast the answers it was derived from, see {@link #remaining(RawAnswer, long)}.
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
    public @Nullable RawAnswer cached(QueryKey key) {
        CompletableFuture<RawAnswer> f = addresses.getIfPresent(key);
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return null;
        }
        RawAnswer raw = f.join();
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
    public CompletableFuture<RawAnswer> lookup(QueryKey key) {
        return lookup(key, EngineListener.NONE);
    }

    /**
     * {@link #lookup(QueryKey)} for a decision, which tells {@code cache} whether it needed a new query
     * ({@link EngineListener#dnsAnswerCache}): not for one in flight already, nor for a cached answer.
     */
    CompletableFuture<RawAnswer> lookup(QueryKey key, EngineListener cache) {
        CompletableFuture<RawAnswer> known = addresses.getIfPresent(key);
        if (known != null) {
            if (!known.isDone() || known.isCompletedExceptionally() || remaining(known.join(), time.nanoTime()) > 0) {
                cache.dnsAnswerCache(true);
                return known;
            }
            addresses.asMap().remove(key, known); // past its TTL, though the cache has not recorded it yet: ask again
        }
        if (!limits.acquireQuery()) {
            cache.dnsAnswerCache(false);
            notSent(key);
            return CompletableFuture.completedFuture(NOT_ASKED_QUERY_LIMIT); // never cached
        }
        boolean[] asked = {false};
        CompletableFuture<RawAnswer> f;
        try {
            f = addresses.get(key, (k, exec) -> {
                asked[0] = true;
                cache.dnsAnswerCache(false); // before the query: its answer may be reported before get() returns
                long sentAt = System.nanoTime(); // real time, as dnsjava's timeout: the latency, not a lifetime
                return releasing(sent(k.name(), Type.A).handle((m, e) -> {
                    RawAnswer raw;
                    try {
                        raw = e != null ? DnsReplies.notSent(e) ? NOT_ASKED_NO_SOCKET : failure(DnsReplies.describe(e))
                                : DnsReplies.toRaw(m, time.nanoTime());
                    } catch (RuntimeException x) {
                        raw = failure(DnsReplies.describe(x));
                    }
                    report(k, e != null ? outcomeOf(e) : raw.failed() ? QueryOutcome.FAILURE
                            : raw.hasAddresses() ? QueryOutcome.LISTED : QueryOutcome.NOT_LISTED,
                            raw.wasNotAsked() ? 0 : System.nanoTime() - sentAt);
                    return raw;
                }), e -> NOT_ASKED_NO_SOCKET);
            });
        } catch (RuntimeException | Error e) {
            if (!asked[0]) {
                limits.releaseQuery();
                cache.dnsAnswerCache(false);
            }
            if (e instanceof Error) {
                throw e;
            }
            return CompletableFuture.completedFuture(RawAnswer.failure(DnsReplies.describe(e)));
        }
        if (!asked[0]) {
            cache.dnsAnswerCache(true);
            limits.releaseQuery(); // asked meanwhile by another decision: shared
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
            if (!limits.acquireQuery()) {
                notSent(key);
                return CompletableFuture.completedFuture(null);
            }
            boolean[] asked = {false};
            try {
                known = texts.get(key, (k, exec) -> {
                    asked[0] = true;
                    long sentAt = System.nanoTime();
                    return releasing(sent(k.name(), Type.TXT).handle((m, e) -> {
                        Txt txt;
                        QueryOutcome outcome;
                        try {
                            txt = e != null ? DnsReplies.notSent(e) ? NOT_ASKED_TXT : txt("", FAILURE_TTL_SECONDS)
                                    : DnsReplies.toText(m, time.nanoTime());
                            outcome = e != null ? outcomeOf(e) : !txt.text().isEmpty() ? QueryOutcome.LISTED
                                    : m.getRcode() == Rcode.NOERROR || m.getRcode() == Rcode.NXDOMAIN
                                    ? QueryOutcome.NOT_LISTED : QueryOutcome.FAILURE;
                        } catch (RuntimeException x) {
                            txt = txt("", FAILURE_TTL_SECONDS);
                            outcome = QueryOutcome.FAILURE;
                        }
                        report(k, outcome, outcome == QueryOutcome.NOT_SENT ? 0 : System.nanoTime() - sentAt);
                        return txt;
                    }), e -> NOT_ASKED_TXT);
                });
            } catch (RuntimeException | Error e) {
                if (!asked[0]) {
                    limits.releaseQuery();
                }
                if (e instanceof Error) {
                    throw e;
                }
                return CompletableFuture.completedFuture(null);
            }
            if (!asked[0]) {
                limits.releaseQuery();
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
        return limits.admit();
    }

    /** A decision admitted by {@link #admit()} has its answers, or gave up waiting for them. */
    public void leave() {
        limits.leave();
    }

    /**
     * The query sent, or a query that never left this process if sending it threw (an {@code Error} included): the
     * caller holds the query's place, which {@link #releasing} gives back only once the future it chains exists.
     */
    private CompletableFuture<Message> sent(String name, int type) {
        try {
            return query(name, type);
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedFuture(new DnsReplies.NotSent(e));
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
                limits.releaseQuery();
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

    /** Queries in flight now, of this instance. */
    int inFlight() {
        return limits.inFlight();
    }

    /** Decisions waiting for answers now, of this instance. */
    int waitingNow() {
        return limits.waitingNow();
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
            return CompletableFuture.failedFuture(new DnsReplies.NotSent(e));
        }
        if (!sent.isCompletedExceptionally() || sent.handle((m, e) -> DnsReplies.afterSending(e)).join()) {
            return sent;
        }
        // dnsjava opens, binds and connects a query's socket before sendAsync returns, and fails the query at once
        // if it cannot (too many open files, no free port): a condition of this process, not an answer of the
        // list. A query that was sent cannot have failed yet: its failures take a round trip or the timeout.
        CompletableFuture<Message> notSent = new CompletableFuture<>();
        sent.whenComplete((m, e) -> notSent.completeExceptionally(new DnsReplies.NotSent(
                e instanceof CompletionException && e.getCause() != null ? e.getCause() : e)));
        return notSent;
    }

    /** Tells the listener how a query of {@code key}'s list ended; without one, not even its name is looked up. */
    private void report(QueryKey key, QueryOutcome outcome, long nanos) {
        if (listener == EngineListener.NONE) {
            return;
        }
        String zone = key.zone();
        String name = listNames.get(zone); // a plain read first: computeIfAbsent may lock the bin
        if (name == null) {
            name = listNames.computeIfAbsent(zone, ListNames::displayName);
        }
        listener.dnsQuery(name, outcome, nanos);
    }

    /** Reports a query that was not sent, for a reason of this process (a limit). */
    void notSent(QueryKey key) {
        report(key, QueryOutcome.NOT_SENT, 0);
    }

    /** How a query that failed to give a reply ended: not sent from here, timed out, or failed otherwise. */
    private static QueryOutcome outcomeOf(Throwable e) {
        if (DnsReplies.notSent(e)) {
            return QueryOutcome.NOT_SENT;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException || t instanceof java.util.concurrent.TimeoutException) {
                return QueryOutcome.TIMEOUT;
            }
        }
        return QueryOutcome.FAILURE;
    }

    /** A failure, for the cache: made now. */
    private RawAnswer failure(String why) {
        return new RawAnswer(RawAnswer.NONE, true, why, 0, time.nanoTime());
    }

    /** A TXT answer, for the cache: made now. */
    private Txt txt(String text, long ttlSeconds) {
        return new Txt(text, ttlSeconds, time.nanoTime());
    }
}

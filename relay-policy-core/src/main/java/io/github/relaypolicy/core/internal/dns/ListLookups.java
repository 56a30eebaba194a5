package io.github.relaypolicy.core.internal.dns;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
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
        private final long createdAt; // System.nanoTime(), the cache's clock
        /** The answer whatever the filter: the first answer outside 127/8, else the first error code; or null. */
        private final @Nullable ListAnswer regardless;
        /** A listing for each A record, in order: the first that passes a list's filter is its answer. */
        private final ListAnswer[] listings;

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

        static Raw nxdomain(long ttl) {
            return new Raw(NONE, false, "", ttl, System.nanoTime());
        }

        static Raw failure(String why) {
            return new Raw(NONE, true, why, 0, System.nanoTime());
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
                return ListAnswer.unknown();
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

    private final Resolver resolver;
    private final Executor executor;
    private final long maxEntries;
    private final long floor;
    private final long ceiling;
    private final AsyncCache<QueryKey, Raw> addresses;
    private final AsyncCache<QueryKey, Txt> texts;

    /**
     * A TXT answer ({@code ""} for none: Caffeine keeps no null values), its TTL, and when it was made
     * ({@link System#nanoTime()}, the cache's clock).
     */
    record Txt(String text, long ttlSeconds, long createdAt) {
        Txt(String text, long ttlSeconds) {
            this(text, ttlSeconds, System.nanoTime());
        }
    }

    /**
     * @param servers the DNS servers to ask; empty for the system resolvers
     * @param timeout how long one query may take, retries included
     */
    public ListLookups(List<InetSocketAddress> servers, Duration timeout, Duration ttlFloor, Duration ttlCeiling,
            long maxEntries, Executor executor) {
        this.resolver = resolver(servers, timeout);
        this.executor = executor;
        this.maxEntries = maxEntries;
        this.floor = ttlFloor.toNanos();
        this.ceiling = ttlCeiling.toNanos();
        this.addresses = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .executor(executor)
                .expireAfter(Expiry.<QueryKey, Raw>creating((key, raw) -> Duration.ofNanos(lifetime(raw))))
                .buildAsync();
        this.texts = Caffeine.newBuilder()
                .maximumSize(Math.max(16, maxEntries / 16))
                .executor(executor)
                .expireAfter(Expiry.<QueryKey, Txt>creating((key, txt) -> Duration.ofNanos(lifetime(txt))))
                .buildAsync();
    }

    /** How long an answer is cached, in nanoseconds: its TTL within the floor and ceiling; a failure briefly. */
    private long lifetime(Raw raw) {
        return raw.failed() ? TimeUnit.SECONDS.toNanos(FAILURE_TTL_SECONDS) : clamp(raw.ttlSeconds());
    }

    private long lifetime(Txt txt) {
        return clamp(txt.ttlSeconds());
    }

    private long clamp(long ttlSeconds) {
        return Math.max(floor, Math.min(ceiling, TimeUnit.SECONDS.toNanos(ttlSeconds)));
    }

    /**
     * How much longer, at most, the cache keeps an answer it holds, at {@code now} ({@link System#nanoTime()}):
     * the cache starts an answer's lifetime when it receives it, not before it was made.
     */
    long remaining(Raw raw, long now) {
        return lifetime(raw) - (now - raw.createdAt);
    }

    /** Like {@link #remaining(Raw, long)}, for a TXT answer. */
    long remaining(Txt txt, long now) {
        return lifetime(txt) - (now - txt.createdAt());
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
        return f != null && f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
    }

    /** The A records of the query; never completes exceptionally. {@code key} is kept: never a probe. */
    public CompletableFuture<Raw> lookup(QueryKey key) {
        return addresses.get(key, (k, exec) -> query(k.name(), Type.A).thenApply(ListLookups::toRaw)
                .exceptionally(e -> Raw.failure(describe(e))));
    }

    /** The TXT text at the query name (strings of one record joined), or null; never fails. Never a probe. */
    public CompletableFuture<@Nullable String> txt(QueryKey key) {
        return texts.get(key, (k, exec) -> query(k.name(), Type.TXT).thenApply(ListLookups::toText)
                .exceptionally(e -> new Txt("", FAILURE_TTL_SECONDS)))
                .thenApply(t -> t.text().isEmpty() ? null : t.text());
    }

    /**
     * The cached TXT answer of the query, without waiting and without allocating (its text is {@code ""} if
     * the name has no TXT record), or null if the TXT is not cached (yet); {@code key} may be a
     * {@link QueryKey#probe()}.
     */
    @Nullable Txt cachedTxt(QueryKey key) {
        CompletableFuture<Txt> f = texts.getIfPresent(key);
        return f != null && f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
    }

    private CompletableFuture<Message> query(String name, int type) {
        Message query;
        try {
            query = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
        } catch (TextParseException e) {
            return CompletableFuture.failedFuture(e);
        }
        return resolver.sendAsync(query, executor).toCompletableFuture();
    }

    private static Raw toRaw(Message m) {
        int rcode = m.getRcode();
        if (rcode == Rcode.NXDOMAIN) {
            return Raw.nxdomain(negativeTtl(m));
        }
        if (rcode != Rcode.NOERROR) {
            return Raw.failure(Rcode.string(rcode));
        }
        if (m.getHeader().getFlag(org.xbill.DNS.Flags.TC)) {
            return Raw.failure("truncated answer");
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
            return Raw.nxdomain(negativeTtl(m)); // NODATA: not listed
        }
        return new Raw(found.stream().mapToLong(Long::longValue).toArray(), false, "", ttl, System.nanoTime());
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

    private static Txt toText(Message m) {
        for (Record r : m.getSection(Section.ANSWER)) {
            if (r instanceof TXTRecord t) {
                return new Txt(String.join("", t.getStrings()), r.getTTL());
            }
        }
        return new Txt("", m.getRcode() == Rcode.NOERROR || m.getRcode() == Rcode.NXDOMAIN ? negativeTtl(m)
                : FAILURE_TTL_SECONDS);
    }
}

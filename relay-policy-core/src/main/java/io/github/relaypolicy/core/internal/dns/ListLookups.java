package io.github.relaypolicy.core.internal.dns;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
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

    /** What the server said: the A records (unsigned), or NXDOMAIN/NODATA, or a failure, and for how long. */
    public record Raw(long[] addresses, boolean failed, String failure, long ttlSeconds) {

        static Raw nxdomain(long ttl) {
            return new Raw(new long[0], false, "", ttl);
        }

        static Raw failure(String why) {
            return new Raw(new long[0], true, why, 0);
        }

        /** The answer as the list meant it, through the list's filter. */
        public ListAnswer classify(AnswerFilter filter) {
            return failed ? ListAnswer.unknown() : ListAnswer.classify(addresses, filter);
        }
    }

    private static final long FAILURE_TTL_SECONDS = 10;

    private final Resolver resolver;
    private final Executor executor;
    private final AsyncCache<String, Raw> addresses;
    private final AsyncCache<String, Txt> texts;

    /** A TXT answer ("" for none: Caffeine keeps no null values) and how long it may be kept. */
    private record Txt(String text, long ttlSeconds) {
    }

    /**
     * @param servers the DNS servers to ask; empty for the system resolvers
     * @param timeout how long one query may take, retries included
     */
    public ListLookups(List<InetSocketAddress> servers, Duration timeout, Duration ttlFloor, Duration ttlCeiling,
            long maxEntries, Executor executor) {
        this.resolver = resolver(servers, timeout);
        this.executor = executor;
        long floor = ttlFloor.toNanos();
        long ceiling = ttlCeiling.toNanos();
        this.addresses = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .executor(executor)
                .expireAfter(Expiry.<String, Raw>creating((key, raw) -> raw.failed()
                        ? Duration.ofSeconds(FAILURE_TTL_SECONDS)
                        : Duration.ofNanos(Math.max(floor, Math.min(ceiling,
                                Duration.ofSeconds(raw.ttlSeconds()).toNanos())))))
                .buildAsync();
        this.texts = Caffeine.newBuilder()
                .maximumSize(Math.max(16, maxEntries / 16))
                .executor(executor)
                .expireAfter(Expiry.<String, Txt>creating((key, txt) -> Duration.ofNanos(Math.max(floor,
                        Math.min(ceiling, Duration.ofSeconds(txt.ttlSeconds()).toNanos())))))
                .buildAsync();
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

    /** The cached answer for the name if it is already there and complete, without waiting and without I/O. */
    public @Nullable Raw cached(String name) {
        CompletableFuture<Raw> f = addresses.getIfPresent(name);
        return f != null && f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
    }

    /** The A records of an absolute query name; never completes exceptionally. */
    public CompletableFuture<Raw> lookup(String name) {
        return addresses.get(name, (key, exec) -> query(key, Type.A).thenApply(ListLookups::toRaw)
                .exceptionally(e -> Raw.failure(describe(e))));
    }

    /** The TXT text at an absolute query name (strings of one record joined), or null; never fails. */
    public CompletableFuture<@Nullable String> txt(String name) {
        return texts.get(name, (key, exec) -> query(key, Type.TXT).thenApply(ListLookups::toText)
                .exceptionally(e -> new Txt("", FAILURE_TTL_SECONDS)))
                .thenApply(t -> t.text().isEmpty() ? null : t.text());
    }

    /** Whether the TXT at the name is cached; {@link #txt} then completes at once. */
    public boolean txtCached(String name) {
        CompletableFuture<Txt> f = texts.getIfPresent(name);
        return f != null && f.isDone();
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
        return new Raw(found.stream().mapToLong(Long::longValue).toArray(), false, "", ttl);
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

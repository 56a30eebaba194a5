package io.github.relaypolicy.core.internal.limit;

import io.github.relaypolicy.core.internal.TimeSource;
import io.github.relaypolicy.core.spi.RateLimitStore;
import io.github.relaypolicy.core.spi.RateLimitStoreProvider;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/**
 * The counters behind an engine's rate limits, kept across reloads while the store and the table size stay the same:
 * the local table, the open transactions and, with {@code rate_limit_store = redis://...}, the shared store (opened
 * on first use, so that a configuration that is replaced before it decides anything never connects).
 */
public final class LimitState implements AutoCloseable {

    private final String store;
    private final int maxEntries;
    private final TimeSource time;
    private final long origin;
    private final Duration timeout;
    private final java.util.concurrent.Executor executor;
    private volatile @Nullable Counters counters;
    private volatile @Nullable Transactions transactions;
    private final @Nullable RateLimitStoreProvider provider;
    private volatile @Nullable RateLimitStore remote;
    private volatile boolean closed;

    /**
     * The state for a configuration.
     *
     * @param store {@code local} or a URI whose provider {@link #provider} found
     * @param maxEntries the local table's size
     * @param time the engine's clock
     * @param timeout how long a shared store operation may take
     * @param executor where the stages that follow a shared store's answer run (never the store's I/O thread)
     */
    public LimitState(String store, int maxEntries, TimeSource time, Duration timeout,
            java.util.concurrent.Executor executor) {
        this.store = store;
        this.maxEntries = maxEntries;
        this.time = time;
        this.origin = time.nanoTime();
        this.timeout = timeout;
        this.executor = executor;
        this.provider = LimitConfig.LOCAL.equals(store) ? null : provider(URI.create(store));
    }

    /**
     * The provider of a store URI's scheme, found with {@link ServiceLoader}.
     *
     * @throws IllegalArgumentException if none is on the class path or module path
     */
    public static RateLimitStoreProvider provider(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        for (RateLimitStoreProvider p : ServiceLoader.load(RateLimitStoreProvider.class,
                LimitState.class.getClassLoader())) {
            if (p.scheme().equals(scheme)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no rate-limit store for '" + scheme + "://' URIs is installed"
                + (scheme.equals("redis") ? ": add the relay-policy-redis module to the class path" : "")
                + "; expected local or redis://HOST:PORT[/DB]");
    }

    /** A store URI with its password (userinfo) masked, for messages and the effective policy. */
    public static String masked(String store) {
        // The last '@': a password may hold one (clients take the last as the end of the user information), and a
        // URI without a scheme or one that is not even a URI is masked too, since it is echoed in errors.
        int at = store.lastIndexOf('@');
        if (at < 0) {
            return store;
        }
        int scheme = store.indexOf("://");
        int start = scheme >= 0 && scheme < at ? scheme + 3 : store.startsWith("//") ? 2 : 0;
        return store.substring(0, start) + "***@" + store.substring(at + 1);
    }

    /** Whether a new configuration can keep this state (and its counts). */
    public boolean fits(String otherStore, int otherMaxEntries, TimeSource otherTime, Duration otherTimeout) {
        return !closed && store.equals(otherStore) && maxEntries == otherMaxEntries && time == otherTime
                && (provider == null || timeout.equals(otherTimeout)); // a store is opened with its timeout
    }

    /** The engine's clock. */
    public TimeSource time() {
        return time;
    }

    /** The local table, made on first use (a configuration replaced by a reload before it counted never makes it). */
    public Counters counters() {
        Counters c = counters;
        if (c == null) {
            synchronized (this) {
                c = counters;
                if (c == null) {
                    c = new Counters(maxEntries);
                    counters = c;
                }
            }
        }
        return c;
    }

    /**
     * Forgets an ended transaction, if the table exists (it is not made for this).
     *
     * @param hash the transaction id's {@code SeededHash.of}
     * @return whether the transaction was remembered
     */
    public boolean endTransaction(long hash) {
        Transactions t = transactions;
        return t != null && t.forget(hash, localMillis());
    }

    /** The open transactions (a sixteenth of the identities, at least 8), made on first use. */
    public Transactions transactions() {
        Transactions t = transactions;
        if (t == null) {
            synchronized (this) {
                t = transactions;
                if (t == null) {
                    t = new Transactions(Math.max(Counters.WAYS, maxEntries / 16));
                    transactions = t;
                }
            }
        }
        return t;
    }

    /** Milliseconds on the engine's clock since this state was made: the local tables' time. */
    public long localMillis() {
        return Math.max(0, (time.nanoTime() - origin) / 1_000_000L);
    }

    /** The wall clock for the shared store. */
    public long epochMillis() {
        return time.epochMillis();
    }

    /** Where the stages that follow a shared store's answer run. */
    public java.util.concurrent.Executor executor() {
        return executor;
    }

    /** How long a shared store operation may take. */
    public Duration timeout() {
        return timeout;
    }

    /** The shared store, opened now if it was not; null for the local store. */
    public @Nullable RateLimitStore remote() {
        RateLimitStoreProvider p = provider;
        if (p == null) {
            return null;
        }
        RateLimitStore r = remote;
        if (r == null) {
            synchronized (this) { // once per engine: the first decision that needs the store opens it
                r = remote;
                if (r == null && !closed) {
                    r = p.open(URI.create(store), timeout);
                    remote = r;
                }
            }
        }
        return r;
    }

    /** {@code local} or the store URI. */
    public String store() {
        return store;
    }

    /** Closes the shared store, if it was opened. */
    @Override
    public synchronized void close() {
        closed = true;
        RateLimitStore r = remote;
        remote = null;
        if (r != null) {
            try {
                r.close();
            } catch (RuntimeException e) {
                // closing is best effort: the engine is going away or has moved to another store
            }
        }
    }
}

package io.github.relaypolicy.redis;

import io.github.relaypolicy.core.spi.RateLimitStore;
import io.github.relaypolicy.core.spi.RateLimitStoreProvider;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * The provider of scheme {@code redis}: {@code rate_limit_store = redis://[[USER]:PASSWORD@]HOST:PORT[/DB]} (DB 0 to
 * 15, default 0; a password in the user information is sent with {@code AUTH} and never shown). Found by the engine
 * through {@link java.util.ServiceLoader}; applications do not call it.
 *
 * <p>Each store it opens has its own Lettuce client and threads (two I/O threads and two computation threads, Lettuce's least), which
 * {@link RateLimitStore#close()} stops. The store works on one standalone Redis server (or a primary reached through
 * one address); Redis Cluster is not supported, since one decision's keys would live in different slots.
 *
 * @since 0.1.0
 */
public final class RedisRateLimitStoreProvider implements RateLimitStoreProvider {

    /** The scheme served. */
    public static final String SCHEME = RedisUri.SCHEME;

    /** The constructor {@link java.util.ServiceLoader} calls. */
    public RedisRateLimitStoreProvider() {
        // stateless: every store holds its own client
    }

    /**
     * {@inheritDoc}
     *
     * @return {@value #SCHEME}
     */
    @Override
    public String scheme() {
        return SCHEME;
    }

    /**
     * Checks {@code redis://[[USER]:PASSWORD@]HOST:PORT[/DB]}: a host, a port in 1..65535, at most a path
     * {@code /DB} with DB a number in 0..15, no query and no fragment. The message says what is wrong (the
     * engine puts the setting and the URI, password masked, in front), e.g. for {@code redis://10.0.0.5:6379/16}:
     * {@code database 16 is not in 0..15 (expected redis://HOST:PORT[/DB])}. It never contains the password.
     *
     * @param uri the URI
     * @throws IllegalArgumentException naming what is wrong with it
     */
    @Override
    public void validate(URI uri) {
        RedisUri.parse(Objects.requireNonNull(uri, "uri"));
    }

    /**
     * Opens a store on the Redis server of {@code uri}. It connects in the background and does not fail if Redis
     * cannot be reached now: its operations fail at once until Redis answers, and work again after an outage
     * without being reopened.
     *
     * @param uri the URI, as {@link #validate} accepts it
     * @param timeout how long connecting and each operation may take, at least a millisecond
     * @return the store; close it
     * @throws IllegalArgumentException if the URI is not valid or the timeout is below a millisecond
     */
    @Override
    public RateLimitStore open(URI uri, Duration timeout) {
        RedisUri parsed = RedisUri.parse(Objects.requireNonNull(uri, "uri"));
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("Redis store timeout " + timeout + ": at least 1 ms");
        }
        return new RedisRateLimitStore(parsed, timeout);
    }
}

package io.github.relaypolicy.core.spi;

import java.net.URI;
import java.time.Duration;

/**
 * Opens {@link RateLimitStore}s for the URIs of one scheme. Registered for {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.github.relaypolicy.core.spi.RateLimitStoreProvider}, or {@code provides} in a module
 * declaration); the engine picks the provider whose {@link #scheme()} is the scheme of {@code rate_limit_store}.
 *
 * @since 0.1.0
 */
public interface RateLimitStoreProvider {

    /**
     * The URI scheme served, in lower case.
     *
     * @return e.g. {@code redis}
     */
    String scheme();

    /**
     * Checks a URI of this scheme without connecting: the engine calls it when the setting is given, so that a
     * mistake is reported with the setting.
     *
     * @param uri the URI
     * @throws IllegalArgumentException naming what is wrong with it
     */
    void validate(URI uri);

    /**
     * Opens a store. It must not fail because the store is unreachable now: the store connects in the background
     * and its operations fail until it answers.
     *
     * @param uri the URI, already {@linkplain #validate validated}
     * @param timeout how long one operation may take before it fails (the engine's DNS deadline)
     * @return the store
     * @throws IllegalArgumentException if the URI cannot be used
     */
    RateLimitStore open(URI uri, Duration timeout);
}

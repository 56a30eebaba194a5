/**
 * The service interface of shared rate-limit stores: what a module such as {@code relay-policy-redis} implements so
 * that several engines (several MX or submission nodes) enforce one combined limit. The engine finds an
 * implementation with {@link java.util.ServiceLoader} by the scheme of the {@code rate_limit_store} URI.
 *
 * <p>The counters are GCRA cells (the generic cell rate algorithm, a leaky bucket kept as one timestamp): see
 * {@link io.github.relaypolicy.core.spi.RateLimitBucket} for the exact arithmetic every store must follow, so that
 * a store and the engine's own in-process counters give the same answers.
 *
 * <p>It also holds the service interface of the pattern engine of {@code regexp:} and {@code pcre:} access tables
 * ({@link io.github.relaypolicy.core.spi.RegexpEngineProvider}), which the module {@code relay-policy-regexp}
 * implements with RE2/J.
 *
 * @since 0.1.0
 */
@NullMarked
package io.github.relaypolicy.core.spi;

import org.jspecify.annotations.NullMarked;

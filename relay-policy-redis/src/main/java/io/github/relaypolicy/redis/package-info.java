/**
 * A {@link io.github.relaypolicy.core.spi.RateLimitStore} on Redis, so that several relay-policy engines (several MX
 * or submission nodes) enforce one combined rate limit: put this module beside {@code relay-policy-core} and set
 * {@code rate_limit_store = redis://HOST:PORT/DB}. The engine finds {@link
 * io.github.relaypolicy.redis.RedisRateLimitStoreProvider} with {@link java.util.ServiceLoader}; nothing else here is
 * meant to be called directly. See {@code docs/redis.md}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.github.relaypolicy.redis;

import org.jspecify.annotations.NullMarked;

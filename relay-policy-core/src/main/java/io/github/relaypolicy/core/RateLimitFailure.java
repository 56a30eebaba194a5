package io.github.relaypolicy.core;

/**
 * What the rate limits do while a shared store ({@code rate_limit_store = redis://...}) cannot be reached: it does
 * not answer, answers with an error, or not within the DNS deadline.
 *
 * @since 0.1.0
 */
public enum RateLimitFailure {
    /** Count in this process until the store answers again (the default): limits hold per node meanwhile. */
    LOCAL,
    /** Defer every recipient that a limit would count: {@code 451 4.3.0}, rule {@code rate_limit_unavailable}. */
    DEFER,
    /** Let recipients through uncounted: the limits are off while the store is away. */
    IGNORE
}

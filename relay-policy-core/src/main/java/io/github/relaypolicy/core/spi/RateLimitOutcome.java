package io.github.relaypolicy.core.spi;

import java.util.List;
import java.util.Objects;

/**
 * What {@link RateLimitStore#acquire} found.
 *
 * @param refused the index of the first cell that did not fit, counting the guards first and then the buckets, or
 *     {@code -1} if everything fit (and, unless it was a dry run, the buckets took one event each)
 * @param remaining the remaining count of each bucket after the operation, in the order given (guards not included)
 * @since 0.1.0
 */
public record RateLimitOutcome(int refused, List<Long> remaining) {

    /**
     * Validates and copies the parts.
     *
     * @param refused the index of the first cell that did not fit, or {@code -1}
     * @param remaining the remaining count of each bucket
     * @throws IllegalArgumentException if {@code refused} is below {@code -1}
     */
    public RateLimitOutcome {
        if (refused < -1) {
            throw new IllegalArgumentException("refused must be -1 or an index, got " + refused);
        }
        remaining = List.copyOf(Objects.requireNonNull(remaining, "remaining"));
    }
}

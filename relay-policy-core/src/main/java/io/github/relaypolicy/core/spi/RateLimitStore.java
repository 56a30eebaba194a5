package io.github.relaypolicy.core.spi;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A store of rate-limit cells shared by several engines. Every operation is atomic over all the cells it names (a
 * Redis script), so two engines racing on one identity never let more events through than the limit allows, and a
 * decision that one limit refuses takes nothing from the others.
 *
 * <p>Implementations are thread-safe and never block the caller: the engine waits for the returned stage at most
 * until its DNS deadline, and a stage that fails or is late is handled by {@code rate_limit_failure}. A stage
 * completes exceptionally when the store cannot be reached; it should then fail fast (not queue the command) so that
 * decisions go on while the store is away, and use the store again once it answers.
 *
 * @since 0.1.0
 */
public interface RateLimitStore extends AutoCloseable {

    /**
     * Atomically: if a guard is full (one more event would not fit), refuses with that guard; otherwise, if a bucket
     * is full, refuses with that bucket; otherwise, unless {@code dryRun}, takes one event from every bucket. Guards
     * are only read. The arithmetic is {@link RateLimitBucket}'s.
     *
     * @param guards cells that must not be full (a client blocked for too many refusals); read, never changed
     * @param buckets cells that each take one event, all or none
     * @param nowMillis the engine's clock in epoch milliseconds (all engines sharing a store should keep their
     *     clocks in step, e.g. with NTP)
     * @param dryRun whether to only report (the command line's {@code check}), changing nothing
     * @return the outcome
     */
    CompletionStage<RateLimitOutcome> acquire(List<RateLimitBucket> guards, List<RateLimitBucket> buckets,
            long nowMillis, boolean dryRun);

    /**
     * Gives back one event to each bucket, as {@link RateLimitBucket} describes: the engine took it for a recipient
     * that a later stage (a DNS list) then refused.
     *
     * @param buckets the cells
     * @param nowMillis the engine's clock in epoch milliseconds
     * @return a stage completed when done
     */
    CompletionStage<Void> release(List<RateLimitBucket> buckets, long nowMillis);

    /**
     * A short description for traces and logs, without secrets (no password of the URI).
     *
     * @return e.g. {@code redis://127.0.0.1:6379/0}
     */
    String describe();

    /** Closes the connections. Operations after closing complete exceptionally. */
    @Override
    void close();
}

package io.github.relaypolicy.core.internal.limit;

import io.github.relaypolicy.core.RateLimitFailure;
import io.github.relaypolicy.core.internal.match.NetworkSet;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The rate-limit settings, validated and immutable.
 *
 * @param recipient the recipient rate limits
 * @param message the message rate limits
 * @param recipientsPerMessage the most recipients of one transaction, 0 for no limit
 * @param refusal the refusal rate limit (a client limit), or null
 * @param exemptText the exempt networks as written
 * @param exempt the exempt networks, built
 * @param store {@code local} or the shared store's URI
 * @param failure what the limits do while the shared store is away
 * @param maxEntries the most identities the local table tracks
 */
public record LimitConfig(List<LimitSpec> recipient, List<LimitSpec> message, int recipientsPerMessage,
        @Nullable LimitSpec refusal, List<String> exemptText, NetworkSet exempt, String store,
        RateLimitFailure failure, int maxEntries) {

    /** The default of {@code rate_limit_max_entries}. */
    public static final int DEFAULT_MAX_ENTRIES = 1_000_000;
    /** The local store's name. */
    public static final String LOCAL = "local";

    /** Whether any limit is configured. */
    public boolean any() {
        return !recipient.isEmpty() || !message.isEmpty() || recipientsPerMessage > 0 || refusal != null;
    }
}

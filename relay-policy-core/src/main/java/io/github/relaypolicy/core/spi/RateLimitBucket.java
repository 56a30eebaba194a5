package io.github.relaypolicy.core.spi;

import java.util.Objects;

/**
 * One counter of a rate limit for one identity: a GCRA cell that lets {@code burst} events through at once and then
 * one every {@code intervalMillis}, so {@code COUNT/PERIOD} is {@code burst = COUNT} and
 * {@code intervalMillis = ceil(PERIOD / COUNT)}.
 *
 * <p>The state of a cell is its theoretical arrival time {@code TAT} in epoch milliseconds (absent: the cell is
 * empty). At time {@code now}, with {@code tat = max(TAT, now)}:
 * <ul>
 *   <li>one more event <em>fits</em> if {@code tat - now + intervalMillis <= burst * intervalMillis};
 *   <li>taking it sets {@code TAT = tat + intervalMillis}; a store may forget the cell once {@code TAT <= now}
 *       (Redis: {@code PEXPIRE} of {@code TAT - now});
 *   <li>the <em>remaining</em> count is {@code max(0, (burst * intervalMillis - (tat - now)) / intervalMillis)}
 *       (integer division): how many events would fit now;
 *   <li>giving an event back sets {@code TAT = TAT - intervalMillis}, and forgets the cell if that is not after
 *       {@code now}.
 * </ul>
 *
 * @param key the store key, already namespaced by the engine ({@code relay-policy:...}); a store uses it as is
 * @param intervalMillis the emission interval, at least 1
 * @param burst how many events fit in an empty cell, at least 1
 * @since 0.1.0
 */
public record RateLimitBucket(String key, long intervalMillis, int burst) {

    /**
     * Validates the parts.
     *
     * @param key the store key
     * @param intervalMillis the emission interval, at least 1
     * @param burst the burst, at least 1
     * @throws IllegalArgumentException if the interval or the burst is below 1
     */
    public RateLimitBucket {
        Objects.requireNonNull(key, "key");
        if (intervalMillis < 1 || burst < 1) {
            throw new IllegalArgumentException("intervalMillis and burst must be at least 1, got "
                    + intervalMillis + " and " + burst);
        }
    }
}

package io.github.relaypolicy.core.internal.limit;

import io.github.relaypolicy.core.internal.Text;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One rate limit as configured: {@code KIND:COUNT/PERIOD}, e.g. {@code user:500/1h}. A GCRA cell per identity lets
 * COUNT through at once, then one every {@link #intervalMillis()} = ceil(PERIOD / COUNT).
 *
 * @param kind what is counted per identity
 * @param count the burst: how many fit in PERIOD
 * @param period the period
 * @param text the limit as written, canonical ({@code user:500/1h})
 */
public record LimitSpec(Kind kind, int count, Duration period, String text) {

    /** The longest period. */
    public static final Duration MAX_PERIOD = Duration.ofDays(30);
    private static final Pattern SYNTAX = Pattern.compile(
            "([A-Za-z_]+):([0-9]{1,10})/([0-9]{0,10})(ms|s|m|h|d|w)?");

    /** What a limit counts per. */
    public enum Kind {
        /** The SASL login of an authenticated client (unauthenticated requests are not counted). */
        USER("user"),
        /** The client address; IPv6 clients per /64. */
        CLIENT("client"),
        /** The MAIL FROM address, case folded (the null sender is not counted). */
        SENDER("sender");

        private final String word;

        Kind(String word) {
            this.word = word;
        }

        /** The kind as written. */
        public String word() {
            return word;
        }
    }

    /** The GCRA emission interval in milliseconds: ceil(PERIOD / COUNT), at least 1. */
    public long intervalMillis() {
        long ms = period.toMillis();
        return (ms + count - 1) / count;
    }

    /**
     * Parses a limit.
     *
     * @param setting the builder setting, for messages
     * @param value the text, e.g. {@code client:200/1m}
     * @throws IllegalArgumentException naming the setting, the value and what was expected
     */
    public static LimitSpec parse(String setting, String value) {
        String v = value.strip();
        Matcher m = SYNTAX.matcher(v);
        if (!m.matches()) {
            throw bad(setting, value, "expected KIND:COUNT/PERIOD, e.g. user:500/1h or client:200/1m");
        }
        Kind kind = null;
        for (Kind k : Kind.values()) {
            if (k.word.equals(m.group(1).toLowerCase(Locale.ROOT))) {
                kind = k;
            }
        }
        if (kind == null) {
            throw bad(setting, value, "the kind must be user, client or sender");
        }
        long count = Long.parseLong(m.group(2));
        if (count < 1 || count > 1_000_000_000L) {
            throw bad(setting, value, "the count must be from 1 to 1000000000");
        }
        String unit = m.group(4);
        if (unit == null) {
            throw bad(setting, value, "the period needs a unit: ms, s, m, h, d or w (e.g. 1h)");
        }
        long n = m.group(3).isEmpty() ? 1 : Long.parseLong(m.group(3));
        Duration period = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
        if (period.compareTo(Duration.ofSeconds(1)) < 0 || period.compareTo(MAX_PERIOD) > 0) {
            throw bad(setting, value, "the period must be from 1s to 30d");
        }
        if (count > period.toMillis()) {
            throw bad(setting, value, "more than one per millisecond cannot be counted; the finest rate is 1000/1s");
        }
        return new LimitSpec(kind, (int) count, period,
                kind.word + ":" + count + "/" + (m.group(3).isEmpty() ? "1" : Long.toString(n)) + unit);
    }

    private static IllegalArgumentException bad(String setting, String value, String expected) {
        return new IllegalArgumentException(String.format(Locale.ROOT, "%s '%s': %s", setting, Text.escape(value),
                expected));
    }

    @Override
    public String toString() {
        return text;
    }
}

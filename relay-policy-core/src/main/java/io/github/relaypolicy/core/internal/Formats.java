package io.github.relaypolicy.core.internal;

import java.time.Duration;

/**
 * Durations and sizes as the policy file writes them. The builder's messages use the same form, so that an error
 * about a value shows it as the administrator would write it.
 */
public final class Formats {

    private Formats() {
    }

    /** A duration: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 1d}. */
    public static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0 || ms == 0) {
            return ms == 0 ? "0s" : ms + "ms";
        }
        long s = ms / 1000;
        if (s % 86400 == 0) {
            return s / 86400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        return s % 60 == 0 ? s / 60 + "m" : s + "s";
    }

    /** A size in the largest binary unit that divides it: {@code 256m}, {@code 64k}, {@code 1000}. */
    public static String size(long bytes) {
        for (int shift = 30; shift >= 10; shift -= 10) {
            if (bytes % (1L << shift) == 0) {
                return (bytes >> shift) + (shift == 30 ? "g" : shift == 20 ? "m" : "k");
            }
        }
        return Long.toString(bytes);
    }
}

package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.core.internal.Text;
import java.util.BitSet;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Which A answers of a list count, in Postfix's postscreen syntax: {@code 127.0.0.2} (exact), a range per octet
 * {@code 127.0.0.[2..11]}, a list {@code 127.0.0.[2;4;10]} (ranges may appear in lists: {@code [2..4;10]}), or a
 * bit mask for bit-encoded lists, {@code &0.0.0.4} or {@code &4} (the answer has any of the mask's bits). No
 * filter means any answer in 127.0.0.0/8.
 */
public final class AnswerFilter {

    private static final AnswerFilter ANY = new AnswerFilter("", null, 0, false);

    private final String text;
    private final BitSet @Nullable [] octets; // null = any answer (mask may still apply)
    private final long mask;                    // 0 = no mask
    private final boolean allowList;            // 127.0.0.255 is an error code too (ListAnswer.ALLOW_LIST_ERROR)

    private AnswerFilter(String text, BitSet @Nullable [] octets, long mask, boolean allowList) {
        this.text = text;
        this.octets = octets;
        this.mask = mask;
        this.allowList = allowList;
    }

    /** This filter for an allow list, for which 127.0.0.255 is an error code ({@link ListAnswer#ALLOW_LIST_ERROR}). */
    public AnswerFilter forAllowList() {
        return allowList ? this : new AnswerFilter(text, octets, mask, true);
    }

    /** Whether an answer in 127.0.0.0/8 is an error code of this list, never a listing whatever the filter. */
    public boolean isError(long answer) {
        return ListAnswer.isErrorCode(answer) || (allowList && answer == ListAnswer.ALLOW_LIST_ERROR);
    }

    /** The filter that lets every answer through. */
    public static AnswerFilter any() {
        return ANY;
    }

    /**
     * Parses {@code d.d.d.d} with per-octet {@code [..]} patterns.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static AnswerFilter parse(String text) {
        String[] parts = octets(text);
        if (parts.length != 4) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "filter '%s' must have four octets, like 127.0.0.2 or 127.0.0.[2..11]", Text.escape(text)));
        }
        BitSet[] octets = new BitSet[4];
        for (int k = 0; k < 4; k++) {
            octets[k] = octet(text, parts[k]);
        }
        if (!canList(octets)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "filter '%s' matches no answer that can be"
                    + " a listing: listings are in 127.0.0.0/8, except 127.0.0.1 and the error codes"
                    + " 127.255.255.0/24, 127.0.1.255 and 127.0.2.255, e.g. 127.0.0.[2..11]", Text.escape(text)));
        }
        return new AnswerFilter(text, octets, 0, false);
    }

    /** Whether some answer in 127/8 that is not an error code (127.0.0.1 is one) passes the octet sets. */
    private static boolean canList(BitSet[] o) {
        if (!o[0].get(127)) {
            return false;
        }
        for (int b = o[1].nextSetBit(0); b >= 0; b = o[1].nextSetBit(b + 1)) {
            for (int c = o[2].nextSetBit(0); c >= 0; c = o[2].nextSetBit(c + 1)) {
                for (int d = o[3].nextSetBit(0); d >= 0; d = o[3].nextSetBit(d + 1)) {
                    if (!ListAnswer.isErrorCode(0x7f000000L | (b << 16) | (c << 8) | d)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Parses a bit mask: {@code 0.0.0.4} or a plain number.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static AnswerFilter parseMask(String text) {
        long mask;
        if (text.indexOf('.') >= 0) {
            String[] parts = text.split("\\.", -1);
            if (parts.length != 4) {
                throw new IllegalArgumentException("mask '" + Text.escape(text) + "' must be a number or four octets, like 0.0.0.4");
            }
            mask = 0;
            for (String p : parts) {
                mask = (mask << 8) | number(text, p, 255);
            }
        } else {
            mask = number(text, text, 0xffffffffL);
        }
        if (mask == 0) {
            throw new IllegalArgumentException("mask '" + Text.escape(text) + "' has no bits set");
        }
        return new AnswerFilter("&" + text, null, mask, false);
    }

    /** Splits at the dots that are not inside brackets. */
    private static String[] octets(String text) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            } else if (c == '.' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts.toArray(new String[0]);
    }

    private static BitSet octet(String filter, String part) {
        BitSet set = new BitSet(256);
        if (part.startsWith("[") && part.endsWith("]") && part.length() > 2) {
            for (String item : part.substring(1, part.length() - 1).split(";", -1)) {
                int dots = item.indexOf("..");
                if (dots >= 0) {
                    int lo = (int) number(filter, item.substring(0, dots), 255);
                    int hi = (int) number(filter, item.substring(dots + 2), 255);
                    if (lo > hi) {
                        throw new IllegalArgumentException(String.format(Locale.ROOT,
                                "filter '%s': range [%d..%d] is empty", Text.escape(filter), lo, hi));
                    }
                    set.set(lo, hi + 1);
                } else {
                    set.set((int) number(filter, item, 255));
                }
            }
        } else {
            set.set((int) number(filter, part, 255));
        }
        return set;
    }

    private static long number(String filter, String digits, long max) {
        if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "filter '%s': '%s' is not a number from 0 to %d", Text.escape(filter), Text.escape(digits), max));
        }
        long v = Long.parseLong(digits);
        if (v > max) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "filter '%s': %d is greater than %d", Text.escape(filter), v, max));
        }
        return v;
    }

    /** Whether the answer (an IPv4 address as an unsigned value) passes. */
    public boolean test(long answer) {
        if (mask != 0 && (answer & mask) == 0) {
            return false;
        }
        BitSet[] o = octets;
        if (o == null) {
            return true;
        }
        return o[0].get((int) (answer >>> 24) & 255) && o[1].get((int) (answer >>> 16) & 255)
                && o[2].get((int) (answer >>> 8) & 255) && o[3].get((int) answer & 255);
    }

    /** The filter as written, {@code ""} for none. */
    @Override
    public String toString() {
        return text;
    }
}

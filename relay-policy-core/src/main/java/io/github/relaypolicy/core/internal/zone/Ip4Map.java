package io.github.relaypolicy.core.internal.zone;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * IPv4 space cut into intervals, each with the answer of the most specific entry covering it (null: not listed).
 * A lookup is a binary search in the intervals that start in the address's /16 (found through a 65,537-entry
 * index when there are many intervals): no allocation, a few cache misses.
 */
final class Ip4Map {

    private static final int INDEX_THRESHOLD = 512;

    /** Interval starts, sign bit flipped so that signed comparison orders them as unsigned; starts[0] is 0. */
    private final int[] starts;
    private final @Nullable ZoneAnswer[] answers;
    /** index[k]: the first interval whose start's top 16 bits are at least k; null for small maps. */
    private final int @Nullable [] index;

    private Ip4Map(int[] starts, @Nullable ZoneAnswer[] answers) {
        this.starts = starts;
        this.answers = answers;
        if (starts.length < INDEX_THRESHOLD) {
            this.index = null;
        } else {
            int[] idx = new int[65537];
            int i = 0;
            for (int top = 0; top <= 65536; top++) {
                while (i < starts.length && ((starts[i] ^ Integer.MIN_VALUE) >>> 16) < top) {
                    i++;
                }
                idx[top] = i;
            }
            this.index = idx;
        }
    }

    @Nullable ZoneAnswer lookup(long address) {
        int key = (int) address ^ Integer.MIN_VALUE;
        int from;
        int to;
        int[] idx = index;
        if (idx != null) {
            int top = (int) (address >>> 16);
            from = idx[top];
            to = idx[top + 1];
        } else {
            from = 0;
            to = starts.length;
        }
        // The last interval starting at or before the address: in this /16, or the one before it.
        while (from < to) {
            int mid = (from + to) >>> 1;
            if (starts[mid] <= key) {
                from = mid + 1;
            } else {
                to = mid;
            }
        }
        return answers[from - 1];
    }

    int intervals() {
        return starts.length;
    }

    /**
     * Collects prefixes (address, length, value) in any order and turns them into a map. Entries with the same
     * address and length are one entry: an exclusion among them wins (as in rbldnsd's ip4set), else the first.
     */
    static final class Builder {

        /** Entries beyond this would not fit the sequence number packed into a sort key. */
        static final int MAX_ENTRIES = 1 << 26;

        /** (address << 32 | length << 26 | sequence) with the sign bit flipped, so that a signed sort orders them. */
        private long[] keys = new long[1024];
        /** By sequence: the value index, or -1 for an exclusion. */
        private int[] values = new int[1024];
        private int count;

        /** Adds a prefix; returns false if the map is full. */
        boolean add(long address, int length, int value) {
            if (count == MAX_ENTRIES) {
                return false;
            }
            if (count == keys.length) {
                keys = Arrays.copyOf(keys, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            keys[count] = ((address << 32) | ((long) length << 26) | count) ^ Long.MIN_VALUE;
            values[count] = value;
            count++;
            return true;
        }

        Ip4Map build(@Nullable ZoneAnswer[] answersByValue) {
            long[] k = Arrays.copyOf(keys, count);
            if (count > 100_000) {
                Arrays.parallelSort(k);
            } else {
                Arrays.sort(k);
            }
            Intervals out = new Intervals(Math.max(16, count + count / 2));
            for (int i = 0; i < count; ) {
                long group = k[i] >>> 26;
                int chosen = -1;
                boolean excluded = false;
                int j = i;
                for (; j < count && (k[j] >>> 26) == group; j++) {
                    int v = values[(int) (k[j] & (MAX_ENTRIES - 1))];
                    if (v < 0) {
                        excluded = true;
                    } else if (chosen < 0) {
                        chosen = v;
                    }
                }
                long key = k[i] ^ Long.MIN_VALUE;
                long start = key >>> 32;
                int length = (int) (key >>> 26) & 63;
                long end = start | (0xffffffffL >>> length);
                out.prefix(start, end, excluded ? null : answersByValue[chosen]);
                i = j;
            }
            return out.finish();
        }
    }

    /**
     * Turns nested or disjoint prefixes, given in order of start and then of length, into intervals: a stack holds
     * the prefixes that cover the cursor, the innermost deciding.
     */
    private static final class Intervals {

        private int[] starts;
        private @Nullable ZoneAnswer[] answers;
        private int count;
        private final long[] stackEnd = new long[34];
        private final @Nullable ZoneAnswer[] stackAnswer = new ZoneAnswer[34];
        private int depth;
        /** The first address not yet in an interval. */
        private long cursor;

        Intervals(int capacity) {
            starts = new int[capacity];
            answers = new ZoneAnswer[capacity];
        }

        void prefix(long start, long end, @Nullable ZoneAnswer answer) {
            close(start);
            if (cursor < start) {
                emit(cursor, depth > 0 ? stackAnswer[depth - 1] : null);
                cursor = start;
            }
            stackEnd[depth] = end;
            stackAnswer[depth] = answer;
            depth++;
        }

        /** Closes the prefixes that end before {@code start}, emitting what is left of each. */
        private void close(long start) {
            while (depth > 0 && stackEnd[depth - 1] < start) {
                long end = stackEnd[depth - 1];
                if (cursor <= end) {
                    emit(cursor, stackAnswer[depth - 1]);
                    cursor = end + 1;
                }
                depth--;
            }
        }

        private void emit(long start, @Nullable ZoneAnswer answer) {
            if (count > 0 && answers[count - 1] == answer) {
                return; // same answer as the interval before: extend it
            }
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count * 2);
                answers = Arrays.copyOf(answers, count * 2);
            }
            starts[count] = (int) start ^ Integer.MIN_VALUE;
            answers[count] = answer;
            count++;
        }

        Ip4Map finish() {
            close(Long.MAX_VALUE);
            if (cursor <= 0xffffffffL) {
                emit(cursor, null);
            }
            return new Ip4Map(Arrays.copyOf(starts, count), Arrays.copyOf(answers, count));
        }
    }
}

package io.github.relaypolicy.core.internal.zone;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * IPv6 space cut into intervals, each with the answer of the longest prefix covering it (null: not listed), looked
 * up by binary search (narrowed by the first 16 bits when there are many intervals). No allocation per lookup.
 */
final class Ip6Map {

    private static final int INDEX_THRESHOLD = 512;

    /** Interval starts, each half with its sign bit flipped so that signed comparison is unsigned order. */
    private final long[] startHi;
    private final long[] startLo;
    private final @Nullable ZoneAnswer[] answers;
    private final int @Nullable [] index;

    private Ip6Map(long[] startHi, long[] startLo, @Nullable ZoneAnswer[] answers) {
        this.startHi = startHi;
        this.startLo = startLo;
        this.answers = answers;
        if (startHi.length < INDEX_THRESHOLD) {
            this.index = null;
        } else {
            int[] idx = new int[65537];
            int i = 0;
            for (int top = 0; top <= 65536; top++) {
                while (i < startHi.length && (int) ((startHi[i] ^ Long.MIN_VALUE) >>> 48) < top) {
                    i++;
                }
                idx[top] = i;
            }
            this.index = idx;
        }
    }

    @Nullable ZoneAnswer lookup(long hi, long lo) {
        long kh = hi ^ Long.MIN_VALUE;
        long kl = lo ^ Long.MIN_VALUE;
        int from;
        int to;
        int[] idx = index;
        if (idx != null) {
            int top = (int) (hi >>> 48);
            from = idx[top];
            to = idx[top + 1];
        } else {
            from = 0;
            to = startHi.length;
        }
        while (from < to) {
            int mid = (from + to) >>> 1;
            long h = startHi[mid];
            if (h < kh || (h == kh && startLo[mid] <= kl)) {
                from = mid + 1;
            } else {
                to = mid;
            }
        }
        return answers[from - 1];
    }

    int intervals() {
        return startHi.length;
    }

    /** Collects prefixes in any order; entries with the same prefix are one, an exclusion among them winning. */
    static final class Builder {

        private long[] his = new long[256];
        private long[] los = new long[256];
        private byte[] lengths = new byte[256];
        private int[] values = new int[256];
        private int count;

        void add(long hi, long lo, int length, int value) {
            if (count == his.length) {
                int n = count * 2;
                his = Arrays.copyOf(his, n);
                los = Arrays.copyOf(los, n);
                lengths = Arrays.copyOf(lengths, n);
                values = Arrays.copyOf(values, n);
            }
            his[count] = hi;
            los[count] = lo;
            lengths[count] = (byte) length;
            values[count] = value;
            count++;
        }

        Ip6Map build(@Nullable ZoneAnswer[] answersByValue) {
            int[] order = sortedOrder();
            Intervals out = new Intervals(Math.max(16, 2 * count + 1));
            for (int i = 0; i < count; ) {
                int first = order[i];
                int chosen = -1;
                boolean excluded = false;
                int j = i;
                for (; j < count && samePrefix(order[j], first); j++) {
                    int v = values[order[j]];
                    if (v < 0) {
                        excluded = true;
                    } else if (chosen < 0) {
                        chosen = v;
                    }
                }
                int length = lengths[first] & 0xff;
                long hi = his[first];
                long lo = los[first];
                long endHi = length >= 64 ? hi : hi | (-1L >>> length);
                long endLo = length >= 128 ? lo : length <= 64 ? -1L : lo | (-1L >>> (length - 64));
                out.prefix(hi, lo, endHi, endLo, excluded ? null : answersByValue[chosen]);
                i = j;
            }
            return out.finish();
        }

        private boolean samePrefix(int a, int b) {
            return his[a] == his[b] && los[a] == los[b] && lengths[a] == lengths[b];
        }

        private int compare(int a, int b) {
            int c = Long.compareUnsigned(his[a], his[b]);
            if (c == 0) {
                c = Long.compareUnsigned(los[a], los[b]);
            }
            if (c == 0) {
                c = Integer.compare(lengths[a] & 0xff, lengths[b] & 0xff);
            }
            return c != 0 ? c : Integer.compare(a, b);
        }

        /** Entry indexes by address, then length, then order in the file: a bottom-up merge sort. */
        private int[] sortedOrder() {
            int[] a = new int[count];
            for (int i = 0; i < count; i++) {
                a[i] = i;
            }
            int[] tmp = new int[count];
            for (int width = 1; width < count; width *= 2) {
                for (int lo = 0; lo < count; lo += 2 * width) {
                    int mid = Math.min(lo + width, count);
                    int hi = Math.min(lo + 2 * width, count);
                    int x = lo;
                    int y = mid;
                    int o = lo;
                    while (x < mid && y < hi) {
                        tmp[o++] = compare(a[x], a[y]) <= 0 ? a[x++] : a[y++];
                    }
                    while (x < mid) {
                        tmp[o++] = a[x++];
                    }
                    while (y < hi) {
                        tmp[o++] = a[y++];
                    }
                }
                int[] swap = a;
                a = tmp;
                tmp = swap;
            }
            return a;
        }
    }

    /** Like {@link Ip4Map}'s: nested or disjoint prefixes in order of start, then length, into intervals. */
    private static final class Intervals {

        private long[] startHi;
        private long[] startLo;
        private @Nullable ZoneAnswer[] answers;
        private int count;
        private final long[] stackHi = new long[130];
        private final long[] stackLo = new long[130];
        private final @Nullable ZoneAnswer[] stackAnswer = new ZoneAnswer[130];
        private int depth;
        private long cursorHi;
        private long cursorLo;
        /** The cursor went past the last address. */
        private boolean done;

        Intervals(int capacity) {
            startHi = new long[capacity];
            startLo = new long[capacity];
            answers = new ZoneAnswer[capacity];
        }

        void prefix(long hi, long lo, long endHi, long endLo, @Nullable ZoneAnswer answer) {
            close(hi, lo, false);
            if (!done && less(cursorHi, cursorLo, hi, lo)) {
                emit(cursorHi, cursorLo, depth > 0 ? stackAnswer[depth - 1] : null);
                cursorHi = hi;
                cursorLo = lo;
            }
            stackHi[depth] = endHi;
            stackLo[depth] = endLo;
            stackAnswer[depth] = answer;
            depth++;
        }

        private void close(long hi, long lo, boolean all) {
            while (depth > 0 && (all || less(stackHi[depth - 1], stackLo[depth - 1], hi, lo))) {
                long endHi = stackHi[depth - 1];
                long endLo = stackLo[depth - 1];
                if (!done && !less(endHi, endLo, cursorHi, cursorLo)) {
                    emit(cursorHi, cursorLo, stackAnswer[depth - 1]);
                    if (endLo != -1L) {
                        cursorHi = endHi;
                        cursorLo = endLo + 1;
                    } else if (endHi != -1L) {
                        cursorHi = endHi + 1;
                        cursorLo = 0;
                    } else {
                        done = true;
                    }
                }
                depth--;
            }
        }

        private static boolean less(long aHi, long aLo, long bHi, long bLo) {
            int c = Long.compareUnsigned(aHi, bHi);
            return c < 0 || (c == 0 && Long.compareUnsigned(aLo, bLo) < 0);
        }

        private void emit(long hi, long lo, @Nullable ZoneAnswer answer) {
            if (count > 0 && answers[count - 1] == answer) {
                return;
            }
            if (count == startHi.length) {
                startHi = Arrays.copyOf(startHi, count * 2);
                startLo = Arrays.copyOf(startLo, count * 2);
                answers = Arrays.copyOf(answers, count * 2);
            }
            startHi[count] = hi ^ Long.MIN_VALUE;
            startLo[count] = lo ^ Long.MIN_VALUE;
            answers[count] = answer;
            count++;
        }

        Ip6Map finish() {
            close(0, 0, true);
            if (!done) {
                emit(cursorHi, cursorLo, null);
            }
            return new Ip6Map(Arrays.copyOf(startHi, count), Arrays.copyOf(startLo, count),
                    Arrays.copyOf(answers, count));
        }
    }
}

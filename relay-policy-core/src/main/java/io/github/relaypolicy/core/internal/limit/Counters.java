package io.github.relaypolicy.core.internal.limit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine's own rate-limit cells: a bounded, lock-free table of GCRA cells (the arithmetic of
 * {@code io.github.relaypolicy.core.spi.RateLimitBucket}), eight bytes per identity.
 *
 * <p>Each slot is one {@code long}: a 24-bit tag from the identity's hash and the cell's theoretical arrival time
 * (TAT) in milliseconds since the table was made, 40 bits (35 years). An identity lives in one bucket of eight
 * slots (one cache line) chosen by its hash, so a cell is read and changed with one compare-and-set and no lock,
 * and N threads racing on one identity never let more than its burst through. A new identity takes an empty slot of
 * its bucket, else one whose cell has drained (its TAT is past: that identity's state is as if new), else the
 * coldest (the smallest TAT: the identity closest to being drained), so the table never holds more than its
 * capacity, whatever an attacker rotates through, and forgetting an identity only ever forgets the least it could.
 *
 * <p>Two identities share a cell when their hashes agree in bucket and tag (24 bits, keyed per process: about one
 * pair among a full million-entry table); sharing only makes both stricter.
 */
public final class Counters {

    /** Slots of one bucket: 8 longs, one 64-byte cache line. */
    static final int WAYS = 8;
    private static final int TAG_SHIFT = 40;
    private static final long TIME_MASK = (1L << TAG_SHIFT) - 1;
    /** The latest TAT a slot can hold; reached after 35 years of uptime, then cells stay full (stricter, never looser). */
    static final long MAX_TIME = TIME_MASK;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] slots;
    private final int buckets;
    private final LongAdder evictions = new LongAdder();

    /**
     * A table for at most {@code maxEntries} identities (rounded up to a multiple of eight).
     *
     * @param maxEntries from 8 to 2^28
     */
    public Counters(int maxEntries) {
        if (maxEntries < WAYS || maxEntries > (1 << 28)) {
            throw new IllegalArgumentException("maxEntries " + maxEntries + " must be from 8 to 268435456");
        }
        this.buckets = (maxEntries + WAYS - 1) / WAYS;
        this.slots = new long[buckets * WAYS];
    }

    /** How many identities the table holds at most. */
    public int capacity() {
        return slots.length;
    }

    /** How many live identities were pushed out to make room for new ones. */
    public long evictions() {
        return evictions.sum();
    }

    /** The bytes the table takes on the heap (its one array). */
    public long bytes() {
        return 16L + 8L * slots.length;
    }

    private int base(long hash) {
        // Lemire's multiply-shift range reduction of the high 32 bits: no modulo, any bucket count
        return (int) (((hash >>> 32) * buckets) >>> 32) * WAYS;
    }

    private static long tag(long hash) {
        long t = hash & 0xFFFFFFL;
        return (t == 0 ? 1 : t) << TAG_SHIFT;
    }

    private static long time(long slot) {
        return slot & TIME_MASK;
    }

    private static boolean fits(long tat, long now, long interval, int burst) {
        return Math.max(tat, now) - now + interval <= burst * interval;
    }

    /** The slot index holding {@code hash}'s cell, or -1. */
    private int find(long hash) {
        int base = base(hash);
        long tag = tag(hash);
        for (int k = base; k < base + WAYS; k++) {
            long v = (long) SLOT.getVolatile(slots, k);
            if (v != 0 && (v & ~TIME_MASK) == tag) {
                return k;
            }
        }
        return -1;
    }

    /**
     * Whether one more event would fit in {@code hash}'s cell now; changes nothing.
     *
     * @param now milliseconds since the table was made
     */
    public boolean fits(long hash, long interval, int burst, long now) {
        int k = find(hash);
        return k < 0 || fits(time((long) SLOT.getVolatile(slots, k)), now, interval, burst);
    }

    /** How many events would fit in {@code hash}'s cell now. */
    public long remaining(long hash, long interval, int burst, long now) {
        int k = find(hash);
        long tat = k < 0 ? now : Math.max(now, time((long) SLOT.getVolatile(slots, k)));
        return Math.max(0, (burst * interval - (tat - now)) / interval);
    }

    /**
     * Takes one event from {@code hash}'s cell if it fits.
     *
     * @return whether it fit (and was taken)
     */
    public boolean take(long hash, long interval, int burst, long now) {
        int base = base(hash);
        long tag = tag(hash);
        while (true) {
            int empty = -1;
            int drained = -1;
            int coldest = -1;
            long coldestTime = Long.MAX_VALUE;
            long drainedValue = 0;
            long coldestValue = 0;
            boolean raced = false;
            for (int k = base; k < base + WAYS; k++) {
                long v = (long) SLOT.getVolatile(slots, k);
                if (v == 0) {
                    if (empty < 0) {
                        empty = k;
                    }
                    continue;
                }
                long t = time(v);
                if ((v & ~TIME_MASK) == tag) {
                    if (!fits(t, now, interval, burst)) {
                        return false;
                    }
                    long next = Math.min(MAX_TIME, Math.max(t, now) + interval);
                    if (SLOT.compareAndSet(slots, k, v, tag | next)) {
                        return true;
                    }
                    raced = true; // someone else changed it: read the bucket again
                    break;
                }
                if (t <= now && drained < 0) {
                    drained = k;
                    drainedValue = v;
                }
                if (t < coldestTime) {
                    coldestTime = t;
                    coldest = k;
                    coldestValue = v;
                }
            }
            if (raced) {
                continue;
            }
            // A new identity (its first event always fits: burst >= 1).
            int k;
            long expected;
            if (empty >= 0) {
                k = empty;
                expected = 0;
            } else if (drained >= 0) {
                k = drained;
                expected = drainedValue;
            } else {
                k = coldest;
                expected = coldestValue;
            }
            long mine = tag | Math.min(MAX_TIME, now + interval);
            if (!SLOT.compareAndSet(slots, k, expected, mine)) {
                continue;
            }
            if (expected != 0 && time(expected) > now) {
                evictions.increment();
            }
            if (duplicated(base, k, tag)) {
                // Another thread placed the same new identity in another slot at the same moment (the two saw
                // different free slots, e.g. at clock readings a millisecond apart): give this slot up and count in
                // that one, so that no event is counted twice nor in a cell nobody reads. Every slot is checked, not
                // only the earlier ones: of two such inserts, the later one's check always sees the earlier one,
                // wherever it is (if both see each other, both give up and try again). A third thread that counts in
                // this slot before it is given up makes the give-up fail: that event and this one stay here, in a
                // cell that find() may not read (left as it is; it needs three threads on one new identity).
                if (SLOT.compareAndSet(slots, k, mine, 0L)) {
                    continue;
                }
            }
            return true;
        }
    }

    /** Whether a slot of the bucket other than {@code k} holds {@code tag} too. */
    private boolean duplicated(int base, int k, long tag) {
        for (int j = base; j < base + WAYS; j++) {
            if (j == k) {
                continue;
            }
            long v = (long) SLOT.getVolatile(slots, j);
            if (v != 0 && (v & ~TIME_MASK) == tag) {
                return true;
            }
        }
        return false;
    }

    /** Gives one event back to {@code hash}'s cell (taken for a recipient a later stage refused). */
    public void giveBack(long hash, long interval, long now) {
        while (true) {
            int k = find(hash);
            if (k < 0) {
                return;
            }
            long v = (long) SLOT.getVolatile(slots, k);
            if ((v & ~TIME_MASK) != tag(hash)) {
                continue; // changed under us: find it again
            }
            long t = time(v) - interval;
            long next = t <= now ? 0 : (v & ~TIME_MASK) | t;
            if (SLOT.compareAndSet(slots, k, v, next)) {
                return;
            }
        }
    }

    /** How many slots hold a cell that has not drained at {@code now}. */
    public int live(long now) {
        int n = 0;
        for (int k = 0; k < slots.length; k++) {
            long v = (long) SLOT.getVolatile(slots, k);
            if (v != 0 && time(v) > now) {
                n++;
            }
        }
        return n;
    }
}

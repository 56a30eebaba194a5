package io.github.relaypolicy.core.internal.limit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What the engine remembers of open mail transactions (the recipients of one message, named by the request's
 * transaction id): how many recipients it accepted, and whether the message was counted by the message rate limits.
 * A bounded, lock-free table like {@link Counters}: one {@code long} per transaction holding a 24-bit tag, the
 * counted and pending flags, the recipient count (16 bits) and the minute it was last used (22 bits, counted modulo 8
 * years); a transaction unused for {@link #IDLE_MINUTES} is forgotten, and when a bucket is full the least recently used
 * one goes.
 *
 * <p>A message is counted by the message limits in two steps: the first recipient marks the transaction pending
 * ({@link #take} returns {@link #FIRST}), takes the message counts, then {@link #confirm}s (or gives back). A
 * recipient of the same transaction that comes while it is pending (pipelined recipients decided at once) takes the
 * message counts too ({@link #FIRST} and {@link #RACING}): it can neither skip the message limits (the message may
 * yet be refused) nor wait; the first to confirm keeps its count and the others give theirs back at once.
 */
public final class Transactions {

    /** A transaction unused this long is forgotten (an SMTP server times a client out long before). */
    public static final long IDLE_MINUTES = 60;
    /** The most recipients counted in one transaction. */
    public static final int MAX_RECIPIENTS = (1 << 16) - 1;

    private static final int WAYS = Counters.WAYS;
    private static final long TAG_MASK = 0xFFFFFFL << 40;
    private static final long COUNTED = 1L << 39;
    private static final long PENDING = 1L << 38;
    private static final int COUNT_SHIFT = 22;
    private static final long COUNT_MASK = (long) MAX_RECIPIENTS << COUNT_SHIFT;
    private static final long MINUTE_MASK = (1L << COUNT_SHIFT) - 1;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    /** {@link #take}: the recipient was counted. */
    public static final int TAKEN = 1;
    /** {@link #take}: the message had not been counted by the message limits yet: now it is pending. */
    public static final int FIRST = 2;
    /** {@link #take}: another recipient of the transaction is counting the message right now: count it too. */
    public static final int RACING = 4;
    /** {@link #giveBack}: the recipient was the one that marked the message pending, and its counts failed. */
    public static final int CLEAR_PENDING = 1;
    /** {@link #giveBack}: the message's counts are given back after it was confirmed: the next recipient counts it. */
    public static final int CLEAR_COUNTED = 2;

    private final long[] slots;
    private final int buckets;

    /** A table for at most {@code maxEntries} transactions (rounded up to a multiple of eight). */
    public Transactions(int maxEntries) {
        this.buckets = Math.max(1, (maxEntries + WAYS - 1) / WAYS);
        this.slots = new long[buckets * WAYS];
    }

    /** The bytes the table takes on the heap. */
    public long bytes() {
        return 16L + 8L * slots.length;
    }

    private int base(long hash) {
        return (int) (((hash >>> 32) * buckets) >>> 32) * WAYS;
    }

    private static long tag(long hash) {
        long t = hash & 0xFFFFFFL;
        return (t == 0 ? 1 : t) << 40;
    }

    private static boolean live(long v, long minute) {
        return v != 0 && ((minute - (v & MINUTE_MASK)) & MINUTE_MASK) < IDLE_MINUTES;
    }

    private static int count(long v) {
        return (int) ((v & COUNT_MASK) >>> COUNT_SHIFT);
    }

    /** The recipients accepted so far in the transaction. */
    public int recipients(long hash, long nowMillis) {
        return count(slot(hash, nowMillis));
    }

    /** Whether the message limits counted the transaction (or are counting it now). */
    public boolean messageCounted(long hash, long nowMillis) {
        return (slot(hash, nowMillis) & (COUNTED | PENDING)) != 0;
    }

    /** The transaction's slot value, or 0 if it is not in the table. */
    private long slot(long hash, long nowMillis) {
        long minute = nowMillis / 60_000 & MINUTE_MASK;
        int base = base(hash);
        long tag = tag(hash);
        for (int k = base; k < base + WAYS; k++) {
            long v = (long) SLOT.getVolatile(slots, k);
            if (live(v, minute) && (v & TAG_MASK) == tag) {
                return v;
            }
        }
        return 0;
    }

    /**
     * Counts one recipient if fewer than {@code max} were counted.
     *
     * @param max the most recipients a transaction may have (at most {@link #MAX_RECIPIENTS})
     * @param messages whether message limits will count the message (then the first recipient marks it pending)
     * @return {@link #TAKEN} and maybe {@link #FIRST} (and {@link #RACING}), or 0 if the transaction is full
     */
    public int take(long hash, int max, boolean messages, long nowMillis) {
        long minute = nowMillis / 60_000 & MINUTE_MASK;
        int base = base(hash);
        long tag = tag(hash);
        retry:
        while (true) {
            int free = -1;
            long freeValue = 0;
            int oldest = -1;
            long oldestAge = -1;
            long oldestValue = 0;
            for (int k = base; k < base + WAYS; k++) {
                long v = (long) SLOT.getVolatile(slots, k);
                if (!live(v, minute)) {
                    if (free < 0) {
                        free = k;
                        freeValue = v;
                    }
                    continue;
                }
                if ((v & TAG_MASK) == tag) {
                    int c = count(v);
                    if (c >= max) {
                        return 0;
                    }
                    boolean racing = messages && (v & PENDING) != 0 && (v & COUNTED) == 0;
                    boolean first = messages && (v & COUNTED) == 0;
                    long flags = first ? PENDING : v & (COUNTED | PENDING);
                    long next = tag | flags | (long) (c + 1) << COUNT_SHIFT | minute;
                    if (SLOT.compareAndSet(slots, k, v, next)) {
                        return TAKEN | (first ? FIRST : 0) | (racing ? RACING : 0);
                    }
                    continue retry;
                }
                long age = (minute - (v & MINUTE_MASK)) & MINUTE_MASK;
                if (age > oldestAge) {
                    oldestAge = age;
                    oldest = k;
                    oldestValue = v;
                }
            }
            if (max < 1) {
                return 0;
            }
            int k = free >= 0 ? free : oldest;
            long expected = free >= 0 ? freeValue : oldestValue;
            long mine = tag | (messages ? PENDING : 0) | 1L << COUNT_SHIFT | minute;
            if (SLOT.compareAndSet(slots, k, expected, mine)) {
                return TAKEN | (messages ? FIRST : 0);
            }
        }
    }

    /**
     * Forgets a transaction that ended (its message was sent or abandoned), so that it never takes the place of an
     * open one; a later recipient with the same id starts a new transaction.
     *
     * @return whether the transaction was in the table
     */
    public boolean forget(long hash, long nowMillis) {
        return update(hash, nowMillis, v -> 0L) != 0;
    }

    /**
     * The message counts of a pending transaction were taken: it is counted now.
     *
     * @return whether this was the first confirmation; if not, another racing recipient's counts stand and the
     *     caller gives its own message counts back
     */
    public boolean confirm(long hash, long nowMillis) {
        long was = update(hash, nowMillis, v -> (v & ~PENDING) | COUNTED);
        return was == 0 || (was & COUNTED) == 0; // forgotten meanwhile: nothing else counted it here
    }

    /**
     * Gives back a recipient counted by {@link #take} that a later check refused; {@code mode}: {@link #CLEAR_PENDING}
     * (it marked the message pending and its counts failed), {@link #CLEAR_COUNTED} (the message's confirmed counts
     * are given back), or 0.
     */
    public void giveBack(long hash, int mode, long nowMillis) {
        long clear = ((mode & CLEAR_PENDING) != 0 ? PENDING : 0) | ((mode & CLEAR_COUNTED) != 0 ? COUNTED | PENDING : 0);
        update(hash, nowMillis, v -> {
            int c = Math.max(0, count(v) - 1);
            return (v & ~COUNT_MASK & ~clear) | (long) c << COUNT_SHIFT;
        });
    }

    /** Changes the transaction's slot; returns its value before the change, or 0 if it is not in the table. */
    private long update(long hash, long nowMillis, java.util.function.LongUnaryOperator change) {
        long minute = nowMillis / 60_000 & MINUTE_MASK;
        int base = base(hash);
        long tag = tag(hash);
        retry:
        while (true) {
            for (int k = base; k < base + WAYS; k++) {
                long v = (long) SLOT.getVolatile(slots, k);
                if (live(v, minute) && (v & TAG_MASK) == tag) {
                    if (SLOT.compareAndSet(slots, k, v, change.applyAsLong(v))) {
                        return v;
                    }
                    continue retry;
                }
            }
            return 0;
        }
    }
}

package io.github.relaypolicy.core.internal.match;

import java.util.Arrays;

/**
 * A longest-prefix-match trie over 128-bit keys with a 4-bit stride and controlled prefix expansion. IPv4
 * keys sit in the top 32 bits. A lookup reads at most one node per nibble of the address (8 for IPv4, 32 for
 * IPv6) and stops at the first missing child, whatever the number of prefixes: no scans, no allocation.
 *
 * <p>Each node is 16 slots of two ints, side by side for locality: the child node (0 = none; the root is never
 * a child) and the value + 1 of the longest prefix that ends in this node and covers the slot (0 = none).
 */
public final class PrefixTrie {

    private static final int SLOT_INTS = 2;
    private static final int NODE_INTS = 16 * SLOT_INTS;

    private final int[] slots;
    private final int rootValue;

    private PrefixTrie(int[] slots, int rootValue) {
        this.slots = slots;
        this.rootValue = rootValue;
    }

    /**
     * The value of the longest prefix containing the address, or -1.
     *
     * @param nibbles how many nibbles the key has: 8 for IPv4, 32 for IPv6
     */
    public int lookup(long hi, long lo, int nibbles) {
        int[] s = slots;
        int best = rootValue;
        int node = 0;
        long word = hi;
        for (int k = 0; k < nibbles; k++) {
            if (k == 16) {
                word = lo;
            }
            int base = node * NODE_INTS + ((int) (word >>> 60) << 1);
            word <<= 4;
            int value = s[base + 1];
            if (value != 0) {
                best = value;
            }
            node = s[base];
            if (node == 0) {
                break;
            }
        }
        return best - 1;
    }

    /** Builds a trie; prefixes must be added in order of increasing length so longer ones overwrite shorter. */
    public static final class Builder {

        /** An empty builder. */
        public Builder() {
        }

        private int[] slots = new int[NODE_INTS * 64];
        private int nodes = 1;
        private int rootValue;
        private int lastLength;

        /** Adds a prefix of {@code length} bits with a value of 0 or more. */
        public void add(long hi, long lo, int length, int value) {
            if (length < lastLength) {
                throw new IllegalStateException("prefixes must be added shortest first");
            }
            lastLength = length;
            if (length == 0) {
                rootValue = value + 1;
                return;
            }
            int depth = (length - 1) / 4;
            int node = 0;
            for (int k = 0; k < depth; k++) {
                int base = node * NODE_INTS + nibble(hi, lo, k) * SLOT_INTS;
                int child = slots[base];
                if (child == 0) {
                    child = newNode();
                    slots[base] = child;
                }
                node = child;
            }
            int bits = length - 4 * depth;
            int span = 1 << (4 - bits);
            int first = nibble(hi, lo, depth) & ~(span - 1);
            for (int n = first; n < first + span; n++) {
                slots[node * NODE_INTS + n * SLOT_INTS + 1] = value + 1;
            }
        }

        private int newNode() {
            if ((nodes + 1) * NODE_INTS > slots.length) {
                slots = Arrays.copyOf(slots, slots.length * 2);
            }
            return nodes++;
        }

        private static int nibble(long hi, long lo, int k) {
            long word = k < 16 ? hi : lo;
            return (int) (word >>> (60 - 4 * (k & 15))) & 15;
        }

        /** The immutable trie. */
        public PrefixTrie build() {
            return new PrefixTrie(Arrays.copyOf(slots, nodes * NODE_INTS), rootValue);
        }
    }
}

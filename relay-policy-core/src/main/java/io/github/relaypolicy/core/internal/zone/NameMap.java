package io.github.relaypolicy.core.internal.zone;

import java.util.Arrays;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The names of a dnset zone in an open-addressing table. Each slot holds a name's exact entry ({@code name},
 * {@code .name}) and its wildcard entry ({@code *.name}, {@code .name}). The hash runs from the end of the name,
 * so that one pass over a queried name yields the hash of every parent domain: no substring, no allocation.
 */
final class NameMap {

    private static final byte EXACT = 1;
    private static final byte WILDCARD = 2;

    private final @Nullable String[] keys;
    private final int[] hashes;
    private final byte[] kinds;
    private final @Nullable ZoneAnswer[] exact;
    private final @Nullable ZoneAnswer[] wildcard;
    private final int mask;

    private NameMap(int capacity) {
        keys = new String[capacity];
        hashes = new int[capacity];
        kinds = new byte[capacity];
        exact = new ZoneAnswer[capacity];
        wildcard = new ZoneAnswer[capacity];
        mask = capacity - 1;
    }

    /**
     * As rbldnsd's dnset: the name's own entry if it has one (an exclusion included), else the wildcard entry of
     * its nearest parent that has one.
     *
     * @param name a domain name, any ASCII case, a trailing dot ignored
     */
    @Nullable ZoneAnswer lookup(String name) {
        int end = name.length();
        if (end > 0 && name.charAt(end - 1) == '.') {
            end--;
        }
        int h = 0;
        int wildSlot = -1;
        for (int i = end - 1; i >= 0; i--) {
            h = 31 * h + lower(name.charAt(i));
            if (i == 0) {
                int slot = find(mix(h), name, 0, end);
                if (slot >= 0 && (kinds[slot] & EXACT) != 0) {
                    return exact[slot];
                }
            } else if (name.charAt(i - 1) == '.') {
                int slot = find(mix(h), name, i, end);
                if (slot >= 0 && (kinds[slot] & WILDCARD) != 0) {
                    wildSlot = slot; // a longer parent found later overrides a shorter one
                }
            }
        }
        return wildSlot >= 0 ? wildcard[wildSlot] : null;
    }

    private int find(int hash, String name, int from, int to) {
        int len = to - from;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            String k = keys[i];
            if (k == null) {
                return -1;
            }
            if (hashes[i] == hash && k.length() == len && sameIgnoringAsciiCase(k, name, from)) {
                return i;
            }
        }
    }

    private static boolean sameIgnoringAsciiCase(String key, String name, int from) {
        int n = key.length();
        for (int i = 0; i < n; i++) {
            if (key.charAt(i) != lower(name.charAt(from + i))) {
                return false;
            }
        }
        return true;
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return h;
    }

    static int hash(String name) {
        int h = 0;
        for (int i = name.length() - 1; i >= 0; i--) {
            h = 31 * h + lower(name.charAt(i));
        }
        return mix(h);
    }

    /** Collects entries; an exclusion wins over a listing of the same kind and name, else the first listing. */
    static final class Builder {

        private String[] names = new String[256];
        private byte[] entryKinds = new byte[256];
        private int[] values = new int[256];
        private int count;

        /** Adds {@code name} (lower case), its exact and/or wildcard entry, with a value index or -1 to exclude. */
        void add(String name, boolean exactEntry, boolean wildcardEntry, int value) {
            if (count == names.length) {
                names = Arrays.copyOf(names, count * 2);
                entryKinds = Arrays.copyOf(entryKinds, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            names[count] = name;
            entryKinds[count] = (byte) ((exactEntry ? EXACT : 0) | (wildcardEntry ? WILDCARD : 0));
            values[count] = value;
            count++;
        }

        /**
         * Builds the table; answers whose template mentions the subject get the entry's name put in, as rbldnsd
         * substitutes the listed name, interned in {@code interned}.
         */
        NameMap build(@Nullable ZoneAnswer[] answersByValue, Map<ZoneAnswer, ZoneAnswer> interned) {
            int capacity = Integer.highestOneBit(Math.max(8, count) * 2 - 1) * 2;
            NameMap m = new NameMap(capacity);
            // An exclusion marks the kind and leaves a null answer that no later listing replaces.
            for (int e = 0; e < count; e++) {
                String name = names[e];
                int hash = hash(name);
                int slot = hash & m.mask;
                while (m.keys[slot] != null && !(m.hashes[slot] == hash && m.keys[slot].equals(name))) {
                    slot = (slot + 1) & m.mask;
                }
                if (m.keys[slot] == null) {
                    m.keys[slot] = name;
                    m.hashes[slot] = hash;
                }
                int v = values[e];
                byte kind = entryKinds[e];
                ZoneAnswer answer = v < 0 ? null : named(answersByValue[v], name, interned);
                if ((kind & EXACT) != 0) {
                    if (v < 0 || (m.kinds[slot] & EXACT) == 0) {
                        m.exact[slot] = answer;
                    }
                    m.kinds[slot] |= EXACT;
                }
                if ((kind & WILDCARD) != 0) {
                    if (v < 0 || (m.kinds[slot] & WILDCARD) == 0) {
                        m.wildcard[slot] = answer;
                    }
                    m.kinds[slot] |= WILDCARD;
                }
            }
            return m;
        }

        private static @Nullable ZoneAnswer named(@Nullable ZoneAnswer answer, String name,
                Map<ZoneAnswer, ZoneAnswer> interned) {
            String t = answer == null ? null : answer.txtTemplate();
            if (t == null || !ZoneAnswer.hasSubject(t)) {
                return answer;
            }
            ZoneAnswer baked = new ZoneAnswer(answer.address(), Substitutions.bake(t, name));
            ZoneAnswer known = interned.putIfAbsent(baked, baked);
            return known != null ? known : baked;
        }
    }
}

package io.github.relaypolicy.core.internal.match;

import io.github.relaypolicy.core.internal.Text;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An immutable index of domain patterns, each with a value, answering "which pattern most specifically matches
 * this domain" with one hash probe per label of the domain.
 *
 * <p>Patterns: {@code example.org} matches exactly that domain; {@code .example.org} that domain and every
 * subdomain; {@code *.example.org} only subdomains. Matching is by whole labels, case-insensitive, ignores one
 * trailing dot, and compares internationalized names in their A-label form ({@code xn--...}).
 *
 * <p>The table is keyed by the domain of each pattern (lower-case ASCII, no trailing dot) and holds, per key,
 * the pattern that matches the key itself and the one that matches its subdomains. The hash of a key is taken
 * over its characters from right to left, so a lookup hashes each suffix of the query incrementally and probes
 * only at label boundaries: O(domain length), no allocation, whatever the number of patterns.
 */
public final class DomainIndex {

    /** Returned by lookups when no pattern matches. */
    public static final int NO_MATCH = -1;

    /** The index of the pattern that a non-negative lookup result names, for {@link #pattern(int)}. */
    public static int index(int match) {
        return match >>> 1;
    }

    /** The value (0 or 1) of the pattern that a non-negative lookup result names, read without touching it. */
    public static int value(int match) {
        return match & 1;
    }

    /** One pattern as configured. */
    public record Pattern(String text, String domain, boolean exact, boolean subdomains, int value) {
    }

    // Open addressing, one slot of four ints per key so that a probe reads one cache line: the key's hash,
    // where its text starts in the pool (+ 1; 0 = empty slot), the pattern index + 1 matching the key itself
    // and the one matching its strict subdomains (0 = none).
    private static final int SLOT = 4;
    private static final int HASH = 0;
    private static final int KEY = 1;
    private static final int EXACT = 2;
    private static final int SUBDOMAINS = 3;

    private final int[] table;
    private final int mask;
    // A one-hash Bloom filter over the keys that match their subdomains, 8 or more bits per key: most probes for
    // parent domains (a.b.example.org -> b.example.org -> example.org) end here, in a small array that stays in
    // cache, instead of in the large table. The domain itself is probed in the table directly: it is the probe
    // that usually hits.
    private final long[] filter;
    private final int filterMask;
    private final byte[] pool; // each key: its length, then its lower-case ASCII characters
    private final Pattern[] patterns;

    private DomainIndex(int[] table, long[] filter, byte[] pool, Pattern[] patterns) {
        this.table = table;
        this.filter = filter;
        this.filterMask = filter.length * 64 - 1;
        this.mask = table.length / SLOT - 1;
        this.pool = pool;
        this.patterns = patterns;
    }

    /** The number of patterns. */
    public int size() {
        return patterns.length;
    }

    /** The pattern with the given index, as returned by a lookup. */
    public Pattern pattern(int index) {
        return patterns[index];
    }

    /**
     * Looks up an ASCII domain {@code s[from, to)} (no trailing dot; case is ignored).
     *
     * @return the most specific matching pattern (see {@link #index} and {@link #value}), or {@link #NO_MATCH}
     */
    public int lookup(String s, int from, int to) {
        int best = NO_MATCH;
        int h = 0;
        for (int p = to - 1; p >= from; p--) {
            char c = s.charAt(p);
            if (c == '.') {
                // s[p + 1, to) is a parent domain; the filter tells whether any pattern may cover its subdomains.
                int bit = filterBit(h) & filterMask;
                if ((filter[bit >>> 6] & (1L << bit)) != 0) {
                    int match = probe(h, s, p + 1, to, SUBDOMAINS);
                    if (match >= 0) {
                        best = match; // longer suffixes come later and are more specific
                    }
                }
            }
            h = 31 * h + lower(c);
        }
        // The domain itself: the probe that usually hits, so it goes to the table directly.
        int match = probe(h, s, from, to, EXACT);
        return match >= 0 ? match : best;
    }

    /** The value of {@code field} for the key {@code s[from, to)}, or -1. */
    private int probe(int h, String s, int from, int to, int field) {
        int slot = find(h, s, from, to);
        return slot < 0 ? -1 : table[slot + field] - 1;
    }

    /** The table offset of the slot holding {@code s[from, to)}, or -1. */
    private int find(int h, String s, int from, int to) {
        int[] t = table;
        int i = mix(h) & mask;
        while (true) {
            int slot = i * SLOT;
            int key = t[slot + KEY];
            if (key == 0) {
                return -1;
            }
            if (t[slot + HASH] == h && equalsLower(key - 1, s, from, to)) {
                return slot;
            }
            i = (i + 1) & mask;
        }
    }

    private boolean equalsLower(int offset, String s, int from, int to) {
        byte[] p = pool;
        int n = to - from;
        if ((p[offset] & 0xff) != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (p[offset + 1 + i] != lower(s.charAt(from + i))) {
                return false;
            }
        }
        return true;
    }

    private static final char[] LOWER = new char[128];

    static {
        for (char c = 0; c < 128; c++) {
            LOWER[c] = c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
        }
    }

    private static char lower(char c) {
        return c < 128 ? LOWER[c] : c;
    }

    private static int filterBit(int h) {
        int x = h * 0x9e3779b9;
        return x ^ (x >>> 15);
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return h;
    }

    private static int hash(String key) {
        int h = 0;
        for (int p = key.length() - 1; p >= 0; p--) {
            h = 31 * h + key.charAt(p);
        }
        return h;
    }

    /** Collects patterns and builds the index. */
    public static final class Builder {
        private final List<Pattern> patterns = new ArrayList<>();
        private final Map<String, Pattern> exactByDomain = new HashMap<>();
        private final Map<String, Pattern> subByDomain = new HashMap<>();

        /** An empty builder. */
        public Builder() {
        }

        /** A builder holding what {@code other} holds; the two are independent from then on. */
        public Builder(Builder other) {
            patterns.addAll(other.patterns);
            exactByDomain.putAll(other.exactByDomain);
            subByDomain.putAll(other.subByDomain);
        }

        /** How many patterns this builder holds now: {@link #reset} returns to this point. */
        public int mark() {
            return patterns.size();
        }

        /** Removes the patterns added since {@code mark}, so that a setter refused half-way changes nothing. */
        public void reset(int mark) {
            List<Pattern> added = patterns.subList(mark, patterns.size());
            for (Pattern p : added) { // add() puts a pattern in the maps only once it passed every check
                exactByDomain.remove(p.domain(), p);
                subByDomain.remove(p.domain(), p);
            }
            added.clear();
        }

        /**
         * Adds a pattern.
         *
         * @param what how errors name the pattern's list, e.g. "local domain"
         * @param valueName how errors name the value, e.g. "local" or "relay"
         * @throws IllegalArgumentException naming the pattern if it is not a domain pattern, or if the same pattern
         *     was added with another value
         */
        public Builder add(String pattern, int value, String what, String valueName) {
            if (value != 0 && value != 1) {
                throw new IllegalArgumentException("domain values are 0 or 1, not " + value);
            }
            String text = pattern.strip();
            boolean exactMatch = true;
            boolean subdomainMatch = false;
            String domain = text;
            if (text.startsWith("*.")) {
                exactMatch = false;
                subdomainMatch = true;
                domain = text.substring(2);
            } else if (text.startsWith(".")) {
                subdomainMatch = true;
                domain = text.substring(1);
            }
            String ascii = text.isEmpty() ? null : DomainNames.toAscii(domain);
            if (ascii == null) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s '%s': not a domain name (expected example.org, .example.org or *.example.org; write an"
                                + " internationalized name that IDNA2003 and IDNA2008 read differently, such as one"
                                + " with ß or ς, as its A-label xn--...)", what,
                        Text.escape(pattern)));
            }
            Pattern p = new Pattern(pattern, ascii, exactMatch, subdomainMatch, value);
            // checked before anything is put, so that a refused pattern leaves the builder as it was
            boolean added = exactMatch && claimable(exactByDomain, p, what, valueName);
            added |= subdomainMatch && claimable(subByDomain, p, what, valueName);
            if (added) {
                if (exactMatch) {
                    exactByDomain.putIfAbsent(p.domain(), p);
                }
                if (subdomainMatch) {
                    subByDomain.putIfAbsent(p.domain(), p);
                }
                patterns.add(p);
            }
            return this;
        }

        /** Whether {@code p} is new in {@code byDomain}; throws if it conflicts with the pattern there. */
        private static boolean claimable(Map<String, Pattern> byDomain, Pattern p, String what, String valueName) {
            Pattern previous = byDomain.get(p.domain());
            if (previous == null) {
                return true;
            }
            if (previous.value() != p.value()) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s '%s' conflicts with '%s': the same domain cannot be both %s and another kind", what,
                        Text.escape(p.text()), Text.escape(previous.text()), valueName));
            }
            return false;
        }

        /** Builds the immutable index. */
        public DomainIndex build() {
            Pattern[] all = patterns.toArray(new Pattern[0]);
            Map<String, int[]> byKey = new HashMap<>();
            for (int i = 0; i < all.length; i++) {
                int[] slots = byKey.computeIfAbsent(all[i].domain(), k -> new int[2]);
                int match = i << 1 | all[i].value();
                if (all[i].exact()) {
                    slots[0] = match + 1;
                }
                if (all[i].subdomains()) {
                    slots[1] = match + 1;
                }
            }
            int capacity = Integer.highestOneBit(Math.max(4, byKey.size() * 2 - 1)) << 1;
            int[] table = new int[capacity * SLOT];
            long[] filter = new long[Math.max(1, capacity / 16)]; // 4 bits per slot, 8 or more per key
            int filterMask = filter.length * 64 - 1;
            java.io.ByteArrayOutputStream pool = new java.io.ByteArrayOutputStream();
            for (Map.Entry<String, int[]> e : byKey.entrySet()) {
                String key = e.getKey(); // lower-case ASCII, at most 253 characters
                int h = hash(key);
                int i = mix(h) & (capacity - 1);
                while (table[i * SLOT + KEY] != 0) {
                    i = (i + 1) & (capacity - 1);
                }
                int slot = i * SLOT;
                table[slot + HASH] = h;
                table[slot + KEY] = pool.size() + 1;
                table[slot + EXACT] = e.getValue()[0];
                table[slot + SUBDOMAINS] = e.getValue()[1];
                if (table[slot + SUBDOMAINS] != 0) {
                    int bit = filterBit(h) & filterMask;
                    filter[bit >>> 6] |= 1L << bit;
                }
                pool.write(key.length());
                pool.writeBytes(key.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            return new DomainIndex(table, filter, pool.toByteArray(), all);
        }
    }
}

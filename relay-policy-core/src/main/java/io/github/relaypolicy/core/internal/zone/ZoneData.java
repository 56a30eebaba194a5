package io.github.relaypolicy.core.internal.zone;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The entries of one rbldnsd data file, immutable and safe to share between threads. Lookups follow rbldnsd: an
 * {@link ZoneType#IP4SET} address matches the entries of the most specific of /32, /24, /16, /8 that has one
 * (ranges are stored as such blocks; at one level an exclusion wins); {@link ZoneType#IP4TRIE} and {@link
 * ZoneType#IP6TRIE} answer the longest matching prefix (the first of duplicate prefixes counts); a {@link
 * ZoneType#DNSET} name matches its own entry, else the wildcard entry of its nearest listed parent. An exclusion
 * ({@code !entry}) that decides means not listed. Where rbldnsd would answer several A records (two ip4set or dnset
 * entries for the same block or name with different values) the first in the file is the answer.
 *
 * <p>Lookups allocate nothing and take a binary search (IPv4, IPv6) or a few hash probes (names).
 *
 * @since 0.1.0
 */
public final class ZoneData {

    private final ZoneType type;
    private final int ttl;
    private final int size;
    private final List<String> warnings;
    private final @Nullable Ip4Map ip4;
    private final @Nullable Ip6Map ip6;
    private final @Nullable NameMap names;

    ZoneData(ZoneType type, int ttl, int size, List<String> warnings, @Nullable Ip4Map ip4, @Nullable Ip6Map ip6,
            @Nullable NameMap names) {
        this.type = type;
        this.ttl = ttl;
        this.size = size;
        this.warnings = warnings;
        this.ip4 = ip4;
        this.ip6 = ip6;
        this.names = names;
    }

    /**
     * Reads an rbldnsd data file.
     *
     * @param file the file (rbldnsd's gzip support is not offered: give the plain file)
     * @param type what the file holds
     * @param strict whether the first malformed line refuses the whole file; if not, malformed lines are skipped and
     *     listed in {@link #warnings()}
     * @return the data
     * @throws ZoneFileException if the file cannot be read, changes while read, is not a regular file or is larger
     *     than {@link LocalZone#DEFAULT_MAX_SIZE}, or in strict mode for the first malformed line
     *     ({@code FILE:LINE: what is wrong: 'the line'})
     * @since 0.1.0
     */
    public static ZoneData load(Path file, ZoneType type, boolean strict) throws ZoneFileException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(type, "type");
        return ZoneParser.parse(file.toString(), ZoneFiles.read(file, LocalZone.DEFAULT_MAX_SIZE).content(), type,
                strict);
    }

    /** Parses file content; {@code fileName} is how messages name it. */
    static ZoneData parse(String fileName, byte[] content, ZoneType type, boolean strict) throws ZoneFileException {
        return ZoneParser.parse(fileName, content, type, strict);
    }

    /**
     * The malformed lines skipped by a lenient load, each {@code FILE:LINE: what is wrong: 'the line'}, in file
     * order; after 1,000 a last line says how many more there were.
     *
     * @return the warnings, empty after a strict load
     * @since 0.1.0
     */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * The number of entry lines loaded, exclusions included (a range counts once).
     *
     * @return the number of entries
     * @since 0.1.0
     */
    public int size() {
        return size;
    }

    /**
     * The TTL of the answers: the last {@code $TTL} of the file, else rbldnsd's default of 2100 seconds.
     *
     * @return seconds
     * @since 0.1.0
     */
    public int ttlSeconds() {
        return ttl;
    }

    /**
     * What the file holds.
     *
     * @return the type
     * @since 0.1.0
     */
    public ZoneType type() {
        return type;
    }

    /**
     * Looks up an IPv4 address in an {@link ZoneType#IP4SET} or {@link ZoneType#IP4TRIE} zone.
     *
     * @param address the address as an unsigned 32-bit value
     * @return the answer, or null if not listed (NXDOMAIN)
     * @throws IllegalArgumentException if the address is outside 0 to 2^32-1
     * @throws IllegalStateException if the zone holds no IPv4 entries
     * @since 0.1.0
     */
    public @Nullable ZoneAnswer lookup4(long address) {
        Ip4Map m = ip4;
        if (m == null) {
            throw new IllegalStateException("lookup4 needs an ip4set or ip4trie zone, not " + type);
        }
        if ((address >>> 32) != 0) {
            throw new IllegalArgumentException("address " + address + " is not an unsigned 32-bit value");
        }
        return m.lookup(address);
    }

    /**
     * Looks up an IPv6 address in an {@link ZoneType#IP6TRIE} zone.
     *
     * @param hi the first 64 bits of the address
     * @param lo the last 64 bits
     * @return the answer, or null if not listed (NXDOMAIN)
     * @throws IllegalStateException if the zone holds no IPv6 entries
     * @since 0.1.0
     */
    public @Nullable ZoneAnswer lookup6(long hi, long lo) {
        Ip6Map m = ip6;
        if (m == null) {
            throw new IllegalStateException("lookup6 needs an ip6trie zone, not " + type);
        }
        return m.lookup(hi, lo);
    }

    /**
     * Looks up a domain name in a {@link ZoneType#DNSET} zone.
     *
     * @param name the name without the zone suffix, e.g. {@code mail.example.com}; ASCII case and a trailing dot
     *     are ignored
     * @return the answer, or null if not listed (NXDOMAIN)
     * @throws IllegalStateException if the zone holds no names
     * @since 0.1.0
     */
    public @Nullable ZoneAnswer lookupName(String name) {
        Objects.requireNonNull(name, "name");
        NameMap m = names;
        if (m == null) {
            throw new IllegalStateException("lookupName needs a dnset zone, not " + type);
        }
        return m.lookup(name);
    }

    /** Intervals of the IPv4 or IPv6 map, for tests; 0 for names. */
    int intervals() {
        return ip4 != null ? ip4.intervals() : ip6 != null ? ip6.intervals() : 0;
    }

    @Override
    public String toString() {
        return type + " zone, " + size + " entries, TTL " + ttl + (warnings.isEmpty() ? "" : ", "
                + warnings.size() + " warnings");
    }
}

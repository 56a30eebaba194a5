package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.core.internal.match.IpText;
import io.github.relaypolicy.core.internal.SeededHash;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a DNS list is asked about, an IPv4 or IPv6 address or a domain, and in which zone: one query. A key whose
 * zone is empty is a subject, not yet a query: {@link #in} makes the query about it in a zone. It keys the
 * answer caches: hashing and comparing it costs a few field reads, where a query name would first have to be
 * built as a string. The name ({@link #name()}) is built only when a query is sent or a trace is shown.
 *
 * <p>Keys held by a cache are never changed after construction. A decision made from the cache probes it with
 * its thread's {@link #probe()}, which it changes before each probe; a probe is never stored anywhere, so
 * checking the cache allocates nothing.
 *
 * <p>What is asked about is chosen by SMTP clients (the sender domain, an address in the client's own IPv6
 * prefix), so the hash is {@link SeededHash}'s, not a function of {@code String.hashCode()}, and keys are
 * {@link Comparable}, so that the caches' bins stay logarithmic even if hashes collided.
 */
public final class QueryKey implements Comparable<QueryKey> {

    private static final byte IP4 = 4;
    private static final byte IP6 = 6;
    private static final byte DOMAIN = 1;

    private static final ThreadLocal<QueryKey> PROBES = ThreadLocal.withInitial(QueryKey::new);

    // Not final only for the per-thread probes; see the class comment.
    private String zone;
    private byte family;
    private long hi;
    private long lo;
    private @Nullable String domain;
    private int hash; // 0: not computed yet (as in String; a benign race for keys shared between threads)

    private QueryKey() {
        this.zone = "";
    }

    private QueryKey(String zone, byte family, long hi, long lo, @Nullable String domain) {
        this.zone = zone;
        this.family = family;
        this.hi = hi;
        this.lo = lo;
        this.domain = domain;
    }

    /** The query about an IPv4 address (an unsigned 32-bit value) in {@code zone}; {@code ""} for a subject. */
    public static QueryKey ip4(String zone, long address) {
        return new QueryKey(zone, IP4, 0, address, null);
    }

    /** The query about an IPv6 address in {@code zone}; {@code ""} for a subject. */
    public static QueryKey ip6(String zone, long hi, long lo) {
        return new QueryKey(zone, IP6, hi, lo, null);
    }

    /** The query about a domain (lower-case A-labels) in {@code zone}; {@code ""} for a subject. */
    public static QueryKey domain(String zone, String domain) {
        return new QueryKey(zone, DOMAIN, 0, 0, domain);
    }

    /** The query about the same subject in {@code zone}. */
    public QueryKey in(String zone) {
        return new QueryKey(zone, family, hi, lo, domain);
    }

    /** This thread's probe; valid until the thread's next call. */
    static QueryKey probe() {
        return PROBES.get();
    }

    /** Sets this probe to a domain in a zone. */
    void setDomain(String zone, String domain) {
        this.zone = zone;
        this.family = DOMAIN;
        this.hi = 0;
        this.lo = 0;
        this.domain = domain;
        this.hash = 0;
    }

    /** Sets this probe to an address in a zone: IPv6 {@code (hi, lo)}, or IPv4 {@code lo} with {@code hi} 0. */
    void setAddress(String zone, boolean ipv6, long hi, long lo) {
        this.zone = zone;
        this.family = ipv6 ? IP6 : IP4;
        this.hi = hi;
        this.lo = lo;
        this.domain = null;
        this.hash = 0;
    }

    /** The zone asked, lower case without the trailing dot. */
    public String zone() {
        return zone;
    }

    /** Whether the query is about an IPv6 address. */
    public boolean ipv6() {
        return family == IP6;
    }

    /** The first 64 bits of an IPv6 address, else 0. */
    public long hi() {
        return hi;
    }

    /** The last 64 bits of an IPv6 address, or the IPv4 address, else 0. */
    public long lo() {
        return lo;
    }

    /** The domain asked about (lower-case A-labels), or null for an address. */
    public @Nullable String domain() {
        return domain;
    }

    /** What is asked about as text: the address, or the domain (rbldnsd's {@code $} in TXT). */
    public String subjectText() {
        return domain != null ? domain : family == IP6 ? IpText.format6(hi, lo) : IpText.format4(lo);
    }

    /** The absolute query name (RFC 5782). */
    public String name() {
        if (domain != null) {
            return QueryNames.domain(domain, zone);
        }
        return family == IP6 ? QueryNames.ip6(hi, lo, zone) : QueryNames.ip4(lo, zone);
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof QueryKey k && family == k.family && lo == k.lo && hi == k.hi && zone.equals(k.zone)
                && Objects.equals(domain, k.domain);
    }

    /**
     * The keyed hash of what is asked about, mixed with the zone's (configured, not chosen by clients): no
     * allocation, and computed once per key (per setting, for a probe).
     */
    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            long subject = domain != null ? SeededHash.of(domain) : SeededHash.of(hi ^ ((long) family << 56), lo);
            h = SeededHash.fold(subject + zone.hashCode() * 0x9E3779B97F4A7C15L);
            h = h == 0 ? 1 : h;
            hash = h;
        }
        return h;
    }

    /** An order consistent with {@link #equals}, for the caches' tree bins: family, address, zone, domain. */
    @Override
    public int compareTo(QueryKey o) {
        int c = Byte.compare(family, o.family);
        if (c == 0) {
            c = Long.compare(hi, o.hi);
        }
        if (c == 0) {
            c = Long.compare(lo, o.lo);
        }
        if (c == 0) {
            c = zone.compareTo(o.zone);
        }
        if (c == 0 && domain != o.domain) {
            c = domain == null ? -1 : o.domain == null ? 1 : domain.compareTo(o.domain);
        }
        return c;
    }

    @Override
    public String toString() {
        return name();
    }
}

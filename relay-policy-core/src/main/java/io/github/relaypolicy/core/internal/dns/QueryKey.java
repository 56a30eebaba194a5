package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.core.internal.IpText;
import io.github.relaypolicy.core.internal.SeededHash;
import java.net.InetAddress;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One DNS list query: a zone and what it is asked about, an IPv4 or IPv6 address or a domain. It keys the answer
 * caches: hashing and comparing it costs a few field reads, where a query name would first have to be built as a
 * string. The name ({@link #name()}) is built only when a query is sent or a trace is shown.
 *
 * <p>Keys held by a cache are never changed after construction. A decision made from the cache probes it with
 * its thread's {@link #probe()}, which it changes before each probe; a probe is never stored anywhere, so
 * checking the cache allocates nothing.
 *
 * <p>What is asked about is chosen by SMTP clients (the sender domain, an address in the client's own IPv6
 * prefix), so the hash is {@link SeededHash}'s, not a function of {@code String.hashCode()}, and keys are
 * {@link Comparable}, so that the caches' bins stay logarithmic even if hashes collided.
 */
public final class QueryKey implements IpText.Sink6, Comparable<QueryKey> {

    private static final byte NONE = 0;
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

    /** The query about {@code subject} in {@code zone}. */
    public static QueryKey of(String zone, DnsLists.Subject subject) {
        String domain = subject.domain();
        return domain != null ? new QueryKey(zone, DOMAIN, 0, 0, domain)
                : new QueryKey(zone, subject.ipv6() ? IP6 : IP4, subject.ipv6() ? subject.hi() : 0, subject.lo(), null);
    }

    /** A key to be set by {@link #client}, for one caller's own use. */
    static QueryKey blank() {
        return new QueryKey();
    }

    /** This thread's probe; valid until the thread's next call. */
    static QueryKey probe() {
        return PROBES.get();
    }

    /**
     * Sets this probe to the request's client address, IPv4-mapped addresses as IPv4, with no zone yet.
     *
     * @return false if the client is not an address (the probe is then unset)
     */
    boolean client(@Nullable InetAddress address, @Nullable String text) {
        zone = "";
        domain = null;
        family = NONE;
        hash = 0;
        if (address instanceof java.net.Inet4Address a) {
            accept4(IpText.value(a)); // no copy of the address bytes
            return true;
        }
        if (address != null) {
            byte[] b = address.getAddress();
            accept(IpText.high(b), IpText.low(b));
            return true;
        }
        if (text == null) {
            return false;
        }
        long v4 = IpText.parse4(text, 0, text.length());
        if (v4 >= 0) {
            accept4(v4);
            return true;
        }
        return IpText.parse6(text, 0, text.length(), this) != IpText.INVALID;
    }

    private void accept4(long v4) {
        hash = 0;
        family = IP4;
        hi = 0;
        lo = v4;
    }

    /** Takes a parsed IPv6 client address; IPv4-mapped is IPv4. Part of parsing in {@link #client}. */
    @Override
    public int accept(long h, long l) {
        if (h == 0 && (l >>> 32) == 0xffffL) {
            accept4(l & 0xffffffffL);
        } else {
            hash = 0;
            family = IP6;
            hi = h;
            lo = l;
        }
        return 0;
    }

    /** Sets this probe to a domain in a zone. */
    void domain(String zone, String domain) {
        this.zone = zone;
        this.family = DOMAIN;
        this.hi = 0;
        this.lo = 0;
        this.domain = domain;
        this.hash = 0;
    }

    /** Sets this probe to an address, as saved by {@link #family()}, {@link #hi()} and {@link #lo()}. */
    void address(String zone, byte family, long hi, long lo) {
        this.zone = zone;
        this.family = family;
        this.hi = hi;
        this.lo = lo;
        this.domain = null;
        this.hash = 0;
    }

    /** The zone asked, lower case without the trailing dot. */
    public String zone() {
        return zone;
    }

    byte family() {
        return family;
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

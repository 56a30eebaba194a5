package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.internal.match.DomainNames;
import io.github.relaypolicy.core.internal.match.IpText;
import io.github.relaypolicy.core.internal.match.SmtpPath;
import java.net.InetAddress;
import org.jspecify.annotations.Nullable;

/**
 * What the DNS lists of one request are asked about: its client address (IPv4-mapped addresses as IPv4) and its
 * MAIL FROM domain, parsed once per decision. The rules parse both fields anyway: when the rule set has DNS lists,
 * {@code Rules} parses them into its thread's instance ({@link #forThread()}) and, when the recipient is
 * accepted, marks it as holding that request ({@link #filled}); the lists then read the parsed form ({@link #of})
 * instead of parsing the request again. For any other request (a reply or trace rendered later, on another
 * thread) {@link #of} parses on demand.
 *
 * <p>One instance per thread, changed for each request and valid until the thread's next one: no allocation,
 * no lock. It holds on to the last request its thread parsed.
 */
public final class ListSubjects implements IpText.Sink6 {

    private static final ThreadLocal<ListSubjects> SCRATCH = ThreadLocal.withInitial(ListSubjects::new);

    private @Nullable RelayRequest request; // the request the fields describe; null while they are being set
    private boolean client;                 // the client is an IP address
    private boolean ipv6;
    private long hi;                        // an IPv6 client's first 64 bits, else 0
    private long lo;                        // its last 64 bits, or the IPv4 address
    private long senderPath;                // SmtpPath.parse of MAIL FROM
    private boolean senderDomainKnown;      // senderDomain has been worked out from senderPath
    private @Nullable String senderDomain;

    private ListSubjects() {
    }

    /**
     * This thread's instance, emptied, for {@code Rules} to fill while it evaluates a request: it calls
     * {@link #parseClient}, {@link #sender} and, if the lists come next, {@link #filled}.
     *
     * @return this thread's instance
     */
    public static ListSubjects forThread() {
        ListSubjects s = SCRATCH.get();
        s.request = null;
        return s;
    }

    /**
     * The subjects of {@code request}: as {@code Rules} left them on this thread if it evaluated this request
     * last, else parsed now. Read it at once: it is valid until this thread's next request.
     */
    public static ListSubjects of(RelayRequest request) {
        ListSubjects s = SCRATCH.get();
        if (s.request != request) {
            s.request = null;
            s.parseClient(request.clientAddress(), request.client());
            s.sender(SmtpPath.parse(request.sender()));
            s.request = request;
        }
        return s;
    }

    /**
     * Parses the client, as the request holds it: its address, else its text.
     *
     * @param address the client's address, or null
     * @param text the client's text, used if {@code address} is null
     * @return whether the client is an IP address (IPv4 dotted quad or IPv6 text)
     */
    public boolean parseClient(@Nullable InetAddress address, @Nullable String text) {
        client = false;
        if (address != null) {
            IpText.address(address, this);
        } else if (text == null) {
            return false;
        } else {
            long v4 = IpText.parse4(text, 0, text.length());
            if (v4 >= 0) {
                setIpv4(v4);
            } else if (IpText.parse6(text, 0, text.length(), this) == IpText.INVALID) {
                return false;
            }
        }
        client = true;
        return true;
    }

    /** Takes a parsed client address; part of {@link #parseClient}. IPv4-mapped is IPv4. */
    @Override
    public int accept(long h, long l) {
        if (IpText.isMapped(h, l)) {
            setIpv4(l & 0xffffffffL);
        } else {
            ipv6 = true;
            hi = h;
            lo = l;
        }
        return 0;
    }

    private void setIpv4(long v4) {
        ipv6 = false;
        hi = 0;
        lo = v4;
    }

    /** Whether the client parsed last is IPv6 (not IPv4-mapped). */
    public boolean clientIpv6() {
        return ipv6;
    }

    /** The first 64 bits of an IPv6 client, else 0. */
    public long clientHi() {
        return hi;
    }

    /** The last 64 bits of an IPv6 client, or the IPv4 client as an unsigned 32-bit value. */
    public long clientLo() {
        return lo;
    }

    /**
     * Takes the parsed MAIL FROM path.
     *
     * @param path what {@link SmtpPath#parse} returned for it
     */
    public void sender(long path) {
        senderPath = path;
        senderDomainKnown = false;
        senderDomain = null;
    }

    /** What {@link SmtpPath#parse} returned for MAIL FROM. */
    public long senderPath() {
        return senderPath;
    }

    /**
     * Marks this instance as holding the subjects of {@code r}, whose client and MAIL FROM it has taken.
     *
     * @param r the request being evaluated
     */
    public void filled(RelayRequest r) {
        request = r;
    }

    /** Whether the client is an IP address. */
    public boolean hasClient() {
        return client;
    }

    /** Sets {@code probe} to the client in {@code zone}; only if {@link #hasClient()}. */
    void clientIn(QueryKey probe, String zone) {
        probe.setAddress(zone, ipv6, hi, lo);
    }

    /** The client as a subject (a key with no zone), or null if it is not an address. */
    @Nullable QueryKey client() {
        return !client ? null : ipv6 ? QueryKey.ip6("", hi, lo) : QueryKey.ip4("", lo);
    }

    /**
     * The MAIL FROM domain as lower-case A-labels, or null for the null sender, address literals, no domain; worked
     * out once per request.
     */
    @Nullable String senderDomain() {
        if (!senderDomainKnown) {
            senderDomain = domainOf(request == null ? null : request.sender(), senderPath);
            senderDomainKnown = true;
        }
        return senderDomain;
    }

    /** The MAIL FROM domain as a subject (a key with no zone), or null. */
    @Nullable QueryKey sender() {
        String d = senderDomain();
        return d == null ? null : QueryKey.domain("", d);
    }

    private static @Nullable String domainOf(@Nullable String sender, long path) {
        if (sender == null || SmtpPath.status(path) != SmtpPath.OK) {
            return null;
        }
        int flags = SmtpPath.flags(path);
        if ((flags & SmtpPath.HAS_DOMAIN) == 0 || (flags & SmtpPath.LITERAL) != 0) {
            return null;
        }
        return DomainNames.toAscii(sender.substring(SmtpPath.domainStart(path), SmtpPath.domainEnd(path)));
    }
}

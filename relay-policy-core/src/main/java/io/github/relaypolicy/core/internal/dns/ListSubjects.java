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
    private boolean heloKnown;              // heloName has been worked out from the request
    private @Nullable String heloName;
    private boolean clientNameKnown;
    private @Nullable String clientName;

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
        s.heloKnown = false;
        s.clientNameKnown = false;
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
            s.heloKnown = false;
            s.clientNameKnown = false;
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

    /**
     * The HELO name as a domain list is asked about it: lower-case A-labels without a trailing dot; null if there
     * is none, or it is an address literal, a single label or not a valid host name ({@link #whyNotAsked}). Worked
     * out once per request.
     */
    @Nullable String heloName() {
        if (!heloKnown) {
            heloName = hostName(request == null ? null : request.helo());
            heloKnown = true;
        }
        return heloName;
    }

    /**
     * The verified client name as a domain list is asked about it, as {@link #heloName()}; null also for
     * {@code unknown}.
     */
    @Nullable String clientName() {
        if (!clientNameKnown) {
            String name = request == null ? null : request.clientName();
            clientName = name == null || name.equalsIgnoreCase("unknown") ? null : hostName(name);
            clientNameKnown = true;
        }
        return clientName;
    }

    /**
     * The subject of a list asked about {@code which} ({@code ListSet.CLIENT}, {@code SENDER}, {@code HELO},
     * {@code NAME}) as a key with no zone, or null if the request has none.
     */
    @Nullable QueryKey subject(int which) {
        return switch (which) {
            case ListSet.SENDER -> sender();
            case ListSet.HELO -> helo();
            case ListSet.NAME -> name();
            default -> client();
        };
    }

    /** The domain a domain list asked about {@code which} is asked with, or null; never for the client. */
    @Nullable String domain(int which) {
        return switch (which) {
            case ListSet.SENDER -> senderDomain();
            case ListSet.HELO -> heloName();
            case ListSet.NAME -> clientName();
            default -> null;
        };
    }

    /** The HELO name as a subject (a key with no zone), or null. */
    @Nullable QueryKey helo() {
        String h = heloName();
        return h == null ? null : QueryKey.domain("", h);
    }

    /** The verified client name as a subject (a key with no zone), or null. */
    @Nullable QueryKey name() {
        String n = clientName();
        return n == null ? null : QueryKey.domain("", n);
    }

    /**
     * Why a HELO or client name was not asked: for the trace. {@code what} is "HELO name" or "client name".
     *
     * @param name the name as the request gives it, or null
     */
    static String whyNotAsked(String what, @Nullable String name) {
        if (name == null || name.isEmpty() || what.equals("client name") && name.equalsIgnoreCase("unknown")) {
            return "no " + what + " was given: not asked";
        }
        String shown = what + " '" + io.github.relaypolicy.core.internal.Text.escape(name) + "'";
        if (name.startsWith("[")) {
            return shown + " is an address literal: not asked";
        }
        String d = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (!d.isEmpty() && d.indexOf('.') < 0 && DomainNames.toAscii(d) != null) {
            return shown + " is a single label: not asked";
        }
        return shown + " is not a valid host name: not asked";
    }

    /**
     * A host name as domain lists are asked about it (lower-case A-labels, no trailing dot), or null for an address
     * literal, a single label or an invalid name: Postfix asks none of those either way it matters (a literal is
     * no domain; a single label or a broken name lists nothing but the client's own fancy).
     */
    private static @Nullable String hostName(@Nullable String name) {
        if (name == null || name.isEmpty() || name.charAt(0) == '[') {
            return null;
        }
        String ascii = DomainNames.toAscii(name);
        return ascii == null || ascii.indexOf('.') < 0 ? null : ascii;
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

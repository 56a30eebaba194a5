package io.github.relaypolicy.core.internal.dns;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;

/**
 * What a DNS reply, or the failure of a query, means for a list: the answers {@link ListLookups} caches, made from
 * dnsjava's messages, and the failures it tells apart (a query that never left this process is not the list's
 * failure).
 */
final class DnsReplies {

    private DnsReplies() {
    }

    /** The answer of an A query's reply, stamped {@code now} on the lookups' clock. */
    static RawAnswer toRaw(Message m, long now) {
        int rcode = m.getRcode();
        if (rcode == Rcode.NXDOMAIN) {
            return nxdomain(negativeTtl(m), now);
        }
        if (rcode != Rcode.NOERROR) {
            return failure(Rcode.string(rcode), now);
        }
        if (m.getHeader().getFlag(org.xbill.DNS.Flags.TC)) {
            return failure("truncated answer", now);
        }
        List<Long> found = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        for (Record r : m.getSection(Section.ANSWER)) {
            if (r instanceof ARecord a) {
                byte[] b = a.getAddress().getAddress();
                found.add(((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL));
                ttl = Math.min(ttl, r.getTTL());
            }
        }
        if (found.isEmpty()) {
            return nxdomain(negativeTtl(m), now); // NODATA: not listed
        }
        return new RawAnswer(found.stream().mapToLong(Long::longValue).toArray(), false, "", ttl, now);
    }

    /** The text of a TXT query's reply ({@code ""} for none), stamped {@code now} on the lookups' clock. */
    static ListLookups.Txt toText(Message m, long now) {
        for (Record r : m.getSection(Section.ANSWER)) {
            if (r instanceof TXTRecord t) {
                return new ListLookups.Txt(String.join("", t.getStrings()), r.getTTL(), now);
            }
        }
        return new ListLookups.Txt("", m.getRcode() == Rcode.NOERROR || m.getRcode() == Rcode.NXDOMAIN
                ? negativeTtl(m) : ListLookups.FAILURE_TTL_SECONDS, now);
    }

    private static RawAnswer nxdomain(long ttl, long now) {
        return new RawAnswer(RawAnswer.NONE, false, "", ttl, now);
    }

    private static RawAnswer failure(String why, long now) {
        return new RawAnswer(RawAnswer.NONE, true, why, 0, now);
    }

    /** How long a negative answer may be kept: the SOA's minimum or TTL, whichever is less (RFC 2308 section 5). */
    static long negativeTtl(Message m) {
        for (Record r : m.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return Math.min(soa.getTTL(), soa.getMinimum());
            }
        }
        return 0; // no SOA: the floor applies
    }

    /** A failure's class and message, without the CompletionException around it. */
    static String describe(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /**
     * Whether a failure can only have come after the query was sent: an ICMP port unreachable (on loopback it can
     * arrive before sendAsync returns), a timeout, a short read.
     */
    static boolean afterSending(@Nullable Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.PortUnreachableException || t instanceof java.net.SocketTimeoutException
                    || t instanceof java.io.EOFException) {
                return true;
            }
        }
        return false;
    }

    /** Whether a query failed because it could not be sent from here (no socket, no port), not by the server. */
    static boolean notSent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NotSent) {
                return true;
            }
        }
        return false;
    }

    /** A query that never left this process: no socket could be opened, bound or connected for it. */
    static final class NotSent extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        NotSent(@Nullable Throwable cause) {
            super("not sent: " + (cause == null ? "no socket" : describe(cause)), cause);
        }
    }
}

package io.github.relaypolicy.core.internal.dns;

import java.util.List;
import java.util.Locale;

/**
 * What one list said about one query, after RFC 5782 and real-world rules: only an A record in 127.0.0.0/8 other
 * than 127.0.0.1 that passes the list's filter is a listing; 127.255.255.0/24, DBL's 127.0.1.255 and ZRD's
 * 127.0.2.255 are the list's error codes (Spamhaus answers them to public resolvers, for excessive queries, for
 * typos in the zone, for a disabled DQS key, for an IP asked of a domain list), and for allow lists 127.0.0.255
 * (dnswl.org's answer to resolvers it blocks), never listings; an answer outside
 * 127/8 means the zone is broken for this query. The table and its sources are in {@code docs/dns-lists.md}.
 *
 * @param status what the answers mean
 * @param answer the A record that decided (the listing, the error code or the broken answer), or 0; for
 *     {@link Status#NOT_ASKED}, why: {@link #QUERY_LIMIT}, {@link #WAITING_LIMIT} or {@link #NO_SOCKET}
 */
public record ListAnswer(Status status, long answer) {

    /** The meaning of a list's answer. */
    public enum Status {
        /** An A record passed the filter. */
        LISTED,
        /** NXDOMAIN, no A record, or only answers the filter rejects. */
        NOT_LISTED,
        /** The list answered one of its error codes. */
        ERROR_CODE,
        /** The list answered outside 127.0.0.0/8. */
        BROKEN,
        /** No usable answer: timeout, SERVFAIL, REFUSED, a network error. */
        UNKNOWN,
        /**
         * The list was not asked, for a reason of this process (a limit reached, no socket to be had): unknown
         * like {@link #UNKNOWN}, but it says nothing about the list, so it is never cached as the list's answer.
         */
        NOT_ASKED
    }

    /** Why a list was not asked: the limit of DNS queries in flight was reached. */
    public static final int QUERY_LIMIT = 1;
    /** Why a list was not asked: the limit of decisions waiting for DNS answers was reached. */
    public static final int WAITING_LIMIT = 2;
    /** Why a list was not asked: no socket could be opened for the query. */
    public static final int NO_SOCKET = 3;

    private static final ListAnswer[] NOT_ASKED = {null, new ListAnswer(Status.NOT_ASKED, QUERY_LIMIT),
        new ListAnswer(Status.NOT_ASKED, WAITING_LIMIT), new ListAnswer(Status.NOT_ASKED, NO_SOCKET)};

    private static final ListAnswer NOT_LISTED = new ListAnswer(Status.NOT_LISTED, 0);
    private static final ListAnswer UNKNOWN = new ListAnswer(Status.UNKNOWN, 0);
    private static final ListAnswer ALLOW_LIST_ERROR_ANSWER = new ListAnswer(Status.ERROR_CODE, 0x7f0000ffL);

    /** Not listed. */
    public static ListAnswer notListed() {
        return NOT_LISTED;
    }

    /** An allow list's error code 127.0.0.255 ({@link #ALLOW_LIST_ERROR}). */
    static ListAnswer allowListError() {
        return ALLOW_LIST_ERROR_ANSWER;
    }

    /** Unknown. */
    public static ListAnswer unknown() {
        return UNKNOWN;
    }

    /**
     * Not asked, for a reason of this process.
     *
     * @param why {@link #QUERY_LIMIT}, {@link #WAITING_LIMIT} or {@link #NO_SOCKET}
     */
    public static ListAnswer notAsked(int why) {
        return NOT_ASKED[why];
    }

    /**
     * Classifies the A records a list answered for one query.
     *
     * @param addresses the A records, as unsigned 32-bit values
     */
    public static ListAnswer classify(List<Long> addresses, AnswerFilter filter) {
        return classify(addresses.stream().mapToLong(Long::longValue).toArray(), filter);
    }

    /** Classifies the A records a list answered, as unsigned 32-bit values; allocates only for a listing. */
    public static ListAnswer classify(long[] addresses, AnswerFilter filter) {
        ListAnswer listed = null;
        ListAnswer error = null;
        for (long a : addresses) {
            if ((a >>> 24) != 127) {
                return new ListAnswer(Status.BROKEN, a); // one answer outside 127/8 spoils the query
            }
            if (filter.isError(a)) {
                error = error == null ? new ListAnswer(Status.ERROR_CODE, a) : error;
            } else if (listed == null && filter.test(a)) {
                listed = new ListAnswer(Status.LISTED, a);
            }
        }
        // An error code beside a listing still means the list would not answer this query properly.
        return error != null ? error : listed != null ? listed : NOT_LISTED;
    }

    /**
     * Whether an answer in 127.0.0.0/8 is an error code rather than a listing: 127.0.0.1 (RFC 5782: never a
     * listing), 127.255.255.0/24 (Spamhaus's error range: .250 DQS key disabled, .251 DQS key misused, .252 typo in
     * the zone, .254 public resolver, .255 excessive queries; Spamhaus reserves the whole range for errors),
     * 127.0.1.255 (DBL asked about an IP) and 127.0.2.255 (ZRD: query error, e.g. asked about an IP). Sources:
     * docs.spamhaus.com "Available Zones" and spamhaus.org news article 788, quoted in {@code docs/dns-lists.md}.
     * Allow lists have one more ({@link #ALLOW_LIST_ERROR}).
     */
    static boolean isErrorCode(long a) {
        return a == 0x7f000001L || (a & 0xffffff00L) == 0x7fffff00L || a == 0x7f0001ffL || a == 0x7f0002ffL;
    }

    /**
     * 127.0.0.255, an error code for allow lists: dnswl.org answers it to every query from a resolver it blocks
     * (over its fair-use limit), and read as a trust listing it would vouch for every client and cancel every block
     * listing. Block lists keep it as a listing (DroneBL lists "uncategorized threats" as 127.0.0.255).
     */
    static final long ALLOW_LIST_ERROR = 0x7f0000ffL;

    /** The answer as text for traces, e.g. {@code LISTED 127.0.0.2}. */
    @Override
    public String toString() {
        if (status == Status.NOT_ASKED) {
            return "not asked: " + switch ((int) answer) {
                case QUERY_LIMIT -> "the local limit of DNS queries in flight (dns_max_in_flight) was reached";
                case WAITING_LIMIT -> "the local limit of decisions waiting for DNS answers was reached";
                default -> "no socket could be opened for the query";
            };
        }
        return answer == 0 ? status.toString()
                : String.format(Locale.ROOT, "%s %d.%d.%d.%d", status, answer >>> 24, (answer >>> 16) & 255,
                        (answer >>> 8) & 255, answer & 255);
    }
}

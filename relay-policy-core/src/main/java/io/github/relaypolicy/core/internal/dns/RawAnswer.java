package io.github.relaypolicy.core.internal.dns;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * What the server said: the A records (unsigned), or NXDOMAIN/NODATA, or a failure, and for how long. The
 * answers a list's filter can make of it are built with it, so that classifying a cached answer allocates
 * nothing.
 */
public final class RawAnswer {

    static final long[] NONE = new long[0];
    private static final ListAnswer[] NO_LISTINGS = new ListAnswer[0];

    private final long[] addresses;
    private final boolean failed;
    private final String failure;
    private final long ttlSeconds;
    private final long createdAt; // TimeSource.nanoTime(), the cache's clock
    /** The answer whatever the filter: the first answer outside 127/8, else the first error code; or null. */
    private final @Nullable ListAnswer regardless;
    /** A listing for each A record, in order: the first that passes a list's filter is its answer. */
    private final ListAnswer[] listings;
    /** Why the list was not asked, for an answer made because of a local condition; never cached. */
    private final @Nullable ListAnswer notAsked;

    /**
     * An answer made in-process, which no cache keeps.
     *
     * @param addresses the A records, as unsigned 32-bit values; kept, not copied: the caller hands it over
     * @param failure why there is no usable answer, when {@code failed}
     */
    public RawAnswer(long[] addresses, boolean failed, String failure, long ttlSeconds) {
        this(addresses, failed, failure, ttlSeconds, 0);
    }

    RawAnswer(long[] addresses, boolean failed, String failure, long ttlSeconds, long createdAt) {
        this(addresses, failed, failure, ttlSeconds, createdAt, null);
    }

    private RawAnswer(long[] addresses, boolean failed, String failure, long ttlSeconds, long createdAt,
            @Nullable ListAnswer notAsked) {
        this.notAsked = notAsked;
        this.createdAt = createdAt;
        this.addresses = addresses.length == 0 ? NONE : addresses;
        this.failed = failed;
        this.failure = failure;
        this.ttlSeconds = ttlSeconds;
        ListAnswer broken = null;
        ListAnswer error = null;
        ListAnswer[] found = this.addresses.length == 0 ? NO_LISTINGS : new ListAnswer[this.addresses.length];
        int n = 0;
        for (long a : this.addresses) {
            if ((a >>> 24) != 127) {
                broken = broken == null ? new ListAnswer(ListAnswer.Status.BROKEN, a) : broken;
            } else if (ListAnswer.isErrorCode(a)) {
                error = error == null ? new ListAnswer(ListAnswer.Status.ERROR_CODE, a) : error;
            } else {
                found[n++] = new ListAnswer(ListAnswer.Status.LISTED, a);
            }
        }
        this.regardless = broken != null ? broken : error;
        this.listings = n == 0 ? NO_LISTINGS : n == found.length ? found : Arrays.copyOf(found, n);
    }

    /** NXDOMAIN, made in-process for no cache (a local zone's answer): made at no time of the clock. */
    static RawAnswer nxdomain(long ttl) {
        return new RawAnswer(NONE, false, "", ttl, 0);
    }

    /** A failure made in-process for no cache (a fallback of a decision): made at no time of the clock. */
    static RawAnswer failure(String why) {
        return new RawAnswer(NONE, true, why, 0, 0);
    }

    /** The answer when the list was not asked, for {@link ListAnswer#notAsked(int) why}; never cached. */
    static RawAnswer notAsked(int why) {
        ListAnswer a = ListAnswer.notAsked(why);
        return new RawAnswer(NONE, true, a.toString(), 0, 0, a);
    }

    /** Whether the list was not asked, for a reason of this process: such an answer is never cached. */
    public boolean wasNotAsked() {
        return notAsked != null;
    }

    /** The A records, as unsigned 32-bit values. */
    public long[] addresses() {
        return addresses.clone();
    }

    /** Whether the server answered A records (of any value). */
    boolean hasAddresses() {
        return addresses.length > 0;
    }

    /** Whether no usable answer came (timeout, SERVFAIL, REFUSED, a network error). */
    public boolean failed() {
        return failed;
    }

    /** Why no usable answer came, or {@code ""}. */
    public String failure() {
        return failure;
    }

    /** The TTL of the answer, or the negative TTL (RFC 2308); 0 for failures. */
    public long ttlSeconds() {
        return ttlSeconds;
    }

    /**
     * The answer as the list meant it, through the list's filter, as {@link ListAnswer#classify(long[],
     * AnswerFilter)} gives it; allocates nothing.
     */
    public ListAnswer classify(AnswerFilter filter) {
        if (failed) {
            return notAsked != null ? notAsked : ListAnswer.unknown();
        }
        if (regardless != null) {
            return regardless;
        }
        for (ListAnswer listing : listings) {
            if (filter.isError(listing.answer())) {
                return ListAnswer.allowListError(); // the one error code a filter adds, beside any listing
            }
        }
        for (ListAnswer listing : listings) {
            if (filter.test(listing.answer())) {
                return listing;
            }
        }
        return ListAnswer.notListed();
    }

    /** When the answer was made, on the cache's clock ({@code TimeSource.nanoTime()}); 0 for none. */
    long createdAt() {
        return createdAt;
    }

    @Override
    public String toString() {
        return failed ? "failed: " + failure : Arrays.toString(addresses) + " ttl " + ttlSeconds;
    }
}

package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The DNS block and allow lists of one rule set (Postfix postscreen): every list is queried in parallel under one
 * deadline; listings add their weights (allow lists subtract); a total at or above the threshold refuses. A list
 * that does not answer usably counts as "could be either": if that could change the outcome and the administrator
 * chose to defer for that list, the recipient is deferred, else the list is ignored.
 *
 * <p>What the engine calls; the work is done by one class per job: {@link ListSubjects} (what a request's lists
 * are asked about, parsed once per decision), {@code OutcomeMemo} (outcomes kept by request), {@code ListQueries}
 * (the cached and the asynchronous queries of a decision), {@code ListScore} (scoring), {@link ListOutcome} (the
 * verdict and its reply and trace) and {@link ListHealth} (the RFC 5782 test).
 */
public final class DnsLists {

    /** Answers for lists served in-process (rbldnsd data files), by zone. */
    public interface LocalAnswers {
        /** The in-process answer to a query, or null if its zone is not served here. */
        @Nullable RawAnswer lookup(QueryKey query);

        /** The TXT for a listing in an in-process zone, or null. */
        @Nullable String txt(QueryKey query);

        /** Whether the zone is served in-process (then it is never asked by DNS). */
        boolean serves(String zone);
    }

    private final ListSet set;
    private final ListQueries queries;
    /** Null without DNS lookups: outcomes that consulted an in-process zone are not kept (a reload may change them). */
    private final @Nullable OutcomeMemo memo;

    /**
     * @param ignoreFailures per zone: true to ignore its failures, false to defer; zones not named use the default
     * @param replies per zone reply templates ({@code {client}}, {@code {domain}}, {@code {zone}}, {@code {txt}})
     * @param lookups the DNS lookups, null if every list is served in-process
     */
    public DnsLists(List<ListSpec> specs, Map<String, Boolean> ignoreFailures, boolean ignoreByDefault,
            int threshold, Duration deadline, Map<String, SmtpReply> replies, @Nullable ListLookups lookups,
            LocalAnswers local) {
        this.set = new ListSet(specs, ignoreFailures, ignoreByDefault, threshold, deadline, replies, lookups, local);
        this.queries = new ListQueries(set);
        this.memo = lookups == null ? null : new OutcomeMemo(lookups.derivedCache());
    }

    /** The configured lists. */
    public List<ListSpec> specs() {
        return set.specs;
    }

    /** The overall deadline of one check. */
    public Duration deadline() {
        return set.deadline;
    }

    /**
     * The outcome if every answer it needs is already cached or served in-process, computed on the calling
     * thread without waiting; null if anything must be asked first. A decision for a request the memo holds is
     * one hash probe and allocates nothing.
     */
    public @Nullable ListOutcome cached(RelayRequest request) {
        OutcomeMemo.RequestKey key = null;
        if (memo != null) {
            key = OutcomeMemo.probe(request, set.domainLists);
            ListOutcome known = memo.get(key);
            if (known != null) {
                return known;
            }
        }
        return queries.compose(request, memo, key);
    }

    /**
     * Checks a request whose recipient is already acceptable, asking every list at once under {@link #deadline};
     * never completes exceptionally (see {@code ListQueries.check}).
     */
    public CompletableFuture<ListOutcome> check(RelayRequest request) {
        return queries.check(request);
    }

    /** Queries every list's test points (RFC 5782 section 5), bypassing nothing but the filters. */
    public CompletableFuture<List<ListHealth>> health() {
        return ListHealth.check(set);
    }
}

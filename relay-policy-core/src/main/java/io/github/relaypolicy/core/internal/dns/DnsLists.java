package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.EngineListener;
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
 * <p>The lists asked only for authenticated clients ({@code auth_dnsbl_sites}) are a group of their own,
 * {@link #authenticated()}: another instance that shares this one's lookups, answer caches and outcome memo (its
 * outcomes under keys of their own), and is scored apart against the same threshold. This instance asks the
 * other lists, those for clients that are neither trusted nor authenticated, and has none if all lists are of
 * that group ({@link #isEmpty()}); its {@link #health()} checks every list of the rule set.
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
    /** {@link OutcomeMemo#UNAUTHENTICATED} or {@link OutcomeMemo#AUTHENTICATED}: part of every memo key. */
    private final int group;
    /** Every list of the rule set, in configuration order, both groups. */
    private final List<ListSpec> all;
    private final @Nullable DnsLists authenticated;

    /**
     * @param ignoreFailures per zone: true to ignore its failures, false to defer; zones not named use the default
     * @param replies per zone reply templates ({@code {client}}, {@code {domain}}, {@code {zone}}, {@code {txt}})
     * @param specs every list of the rule set, those for authenticated clients included
     * @param lookups the DNS lookups, null if every list is served in-process
     * @param listener told of the use of the outcome memo and the answer cache by decisions
     */
    public DnsLists(List<ListSpec> specs, Map<String, Boolean> ignoreFailures, boolean ignoreByDefault,
            int threshold, Duration deadline, Map<String, SmtpReply> replies, @Nullable ListLookups lookups,
            LocalAnswers local, EngineListener listener) {
        this.all = List.copyOf(specs);
        this.set = new ListSet(all.stream().filter(s -> !s.kind().forAuthenticated()).toList(), ignoreFailures,
                ignoreByDefault, threshold, deadline, replies, lookups, local, listener);
        this.queries = new ListQueries(set);
        this.memo = lookups == null ? null : new OutcomeMemo(lookups.derivedCache());
        this.group = OutcomeMemo.UNAUTHENTICATED;
        List<ListSpec> auth = all.stream().filter(s -> s.kind().forAuthenticated()).toList();
        this.authenticated = auth.isEmpty() ? null : new DnsLists(this, new ListSet(auth, ignoreFailures,
                ignoreByDefault, threshold, deadline, replies, lookups, local, listener));
    }

    /** The group of lists asked only for authenticated clients, sharing everything but its lists with {@code of}. */
    private DnsLists(DnsLists of, ListSet set) {
        this.all = of.all;
        this.set = set;
        this.queries = new ListQueries(set);
        this.memo = of.memo;
        this.group = OutcomeMemo.AUTHENTICATED;
        this.authenticated = null;
    }

    /** Every list of the rule set, in configuration order: this group's and the other's. */
    public List<ListSpec> specs() {
        return all;
    }

    /** Whether this group has no list: the rule set's lists are all asked only for authenticated clients. */
    public boolean isEmpty() {
        return set.size() == 0;
    }

    /** The lists asked only for authenticated clients ({@code auth_dnsbl_sites}), or null if there are none. */
    public @Nullable DnsLists authenticated() {
        return authenticated;
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
            key = OutcomeMemo.probe(group, request, set.domainLists, set.heloLists, set.nameLists);
            ListOutcome known = memo.get(key);
            set.listener.dnsOutcomeMemo(known != null);
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

    /**
     * Queries the test points (RFC 5782 section 5) of every list of the rule set, both groups, bypassing nothing but
     * the filters.
     */
    public CompletableFuture<List<ListHealth>> health() {
        return ListHealth.check(all, set);
    }
}

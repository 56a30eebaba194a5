package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.internal.dns.ListAnswer.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Asks the lists of one rule set about a request: from the caches (and the in-process zones) on the calling
 * thread without waiting ({@link #compose}), or all lists at once under one deadline ({@link #check}).
 */
final class ListQueries {

    private static final RawAnswer NO_RESOLVER = RawAnswer.failure("no DNS resolver configured");
    private static final RawAnswer NOT_ADMITTED = RawAnswer.notAsked(ListAnswer.WAITING_LIMIT);

    private final ListSet set;
    private final @Nullable ListLookups lookups;
    private final DnsLists.LocalAnswers local;
    /**
     * Indexed by {@link #present}: every list that has something to ask about answered "not listed" (null for
     * the others), and the pass outcome those answers make, shared by all such decisions.
     */
    private final ListAnswer[][] unlisted = new ListAnswer[16][];
    private final ListOutcome[] passes = new ListOutcome[16];

    ListQueries(ListSet set) {
        this.set = set;
        this.lookups = set.lookups;
        this.local = set.local;
        int n = set.size();
        for (int p = 0; p < 16; p++) {
            unlisted[p] = new ListAnswer[n];
            for (int i = 0; i < n; i++) {
                boolean asked = (p >> set.subject[i] & 1) != 0;
                unlisted[p][i] = asked ? ListAnswer.notListed() : null;
            }
            passes[p] = new ListOutcome(set, unlisted[p], ListScore.tally(set, unlisted[p]), null);
        }
    }

    /**
     * The index into {@link #unlisted} and {@link #passes}: which subjects a request has for the lists, one bit per
     * {@code ListSet.CLIENT}, {@code SENDER}, {@code HELO}, {@code NAME}.
     */
    private static int present(boolean client, @Nullable String sender, @Nullable String helo,
            @Nullable String name) {
        return (client ? 1 : 0) | (sender != null ? 1 << ListSet.SENDER : 0) | (helo != null ? 1 << ListSet.HELO : 0)
                | (name != null ? 1 << ListSet.NAME : 0);
    }

    /**
     * The outcome from each list's cached (or in-process) answer, probing the caches with this thread's
     * {@link QueryKey#probe()}: no query name is built, and when no list has anything against the request
     * nothing is allocated. Null if an answer is not cached; kept in {@code memo} under {@code memoKey} if
     * they are not null and every answer came from the DNS cache.
     */
    @Nullable ListOutcome compose(RelayRequest request, @Nullable OutcomeMemo memo,
            OutcomeMemo.@Nullable RequestKey memoKey) {
        ListSubjects subjects = ListSubjects.of(request);
        boolean hasClient = subjects.hasClient();
        String sender = set.domainLists ? subjects.senderDomain() : null;
        String helo = set.heloLists ? subjects.heloName() : null;
        String name = set.nameLists ? subjects.clientName() : null;
        int present = present(hasClient, sender, helo, name);
        QueryKey probe = QueryKey.probe();
        boolean keep = memo != null && memoKey != null;
        long now = keep ? clock() : 0;
        long remaining = Long.MAX_VALUE; // until the first answer used leaves the cache
        int fromCache = 0; // answers taken from the DNS answer cache, reported only if all were there
        ListAnswer[] answers = null; // made only when a list answers anything but "not listed"
        for (int i = 0; i < set.size(); i++) {
            String zone = set.lists[i].zone();
            int which = set.subject[i];
            if (which != ListSet.CLIENT) {
                String domain = which == ListSet.SENDER ? sender : which == ListSet.HELO ? helo : name;
                if (domain == null) {
                    continue;
                }
                probe.setDomain(zone, domain);
            } else {
                if (!hasClient) {
                    continue;
                }
                subjects.clientIn(probe, zone);
            }
            RawAnswer raw;
            if (set.served[i] || lookups == null) {
                raw = set.served[i] ? local.lookup(probe) : NO_RESOLVER;
                keep = false;
            } else {
                raw = lookups.cached(probe);
                if (raw == null) {
                    return null; // check() asks, and reports each list's use of the cache then
                }
                fromCache++;
                remaining = keep ? Math.min(remaining, lookups.remaining(raw, now)) : remaining;
            }
            ListAnswer a = raw.classify(set.lists[i].filter());
            if (a.status() != Status.NOT_LISTED) {
                if (answers == null) {
                    answers = unlisted[present].clone();
                }
                answers[i] = a;
            }
        }
        ListOutcome outcome;
        if (answers == null) {
            outcome = passes[present];
        } else {
            long tally = ListScore.tally(set, answers);
            String txt = null;
            if (ListScore.kindOf(tally) == ListOutcome.Kind.REJECT && set.usesTxt[ListScore.decidedOf(tally)]) {
                int d = ListScore.decidedOf(tally);
                int which = set.subject[d];
                if (which != ListSet.CLIENT) {
                    probe.setDomain(set.lists[d].zone(),
                            which == ListSet.SENDER ? sender : which == ListSet.HELO ? helo : name);
                } else {
                    subjects.clientIn(probe, set.lists[d].zone());
                }
                if (set.served[d] || lookups == null) {
                    txt = local.txt(probe);
                } else {
                    ListLookups.Txt t = lookups.cachedTxt(probe);
                    if (t == null) {
                        return null; // the reason is not cached yet: ask for it under the deadline
                    }
                    remaining = keep ? Math.min(remaining, lookups.remaining(t, now)) : remaining;
                    txt = t.text().isEmpty() ? null : t.text();
                }
            }
            outcome = new ListOutcome(set, answers, tally, txt);
        }
        for (int i = 0; i < fromCache; i++) {
            set.listener.dnsAnswerCache(true);
        }
        if (keep) {
            remaining -= clock() - now; // the time spent composing: never outlive an answer
            if (remaining > 0) {
                memo.keep(memoKey, outcome, remaining);
            }
        }
        return outcome;
    }

    /**
     * Checks a request whose recipient is already acceptable; never completes exceptionally. The decision waits
     * for DNS only if {@link ListLookups#admit() admitted}; else, and for every query the limit of queries in
     * flight refuses, it takes what is cached and the other lists are {@link Status#NOT_ASKED not asked}: it
     * completes at once, as if those lists had failed.
     */
    CompletableFuture<ListOutcome> check(RelayRequest request) {
        boolean admitted = lookups != null && lookups.admit();
        try {
            CompletableFuture<ListOutcome> outcome = check(request, admitted);
            if (admitted) {
                outcome.whenComplete((o, e) -> lookups.leave());
            }
            return outcome;
        } catch (RuntimeException | Error e) {
            if (admitted) {
                lookups.leave();
            }
            throw e;
        }
    }

    private CompletableFuture<ListOutcome> check(RelayRequest request, boolean admitted) {
        ListSubjects subjects = ListSubjects.of(request);
        QueryKey[] subjectKeys = new QueryKey[4];
        for (int which = 0; which < 4; which++) {
            boolean needed = which == ListSet.CLIENT || which == ListSet.SENDER && set.domainLists
                    || which == ListSet.HELO && set.heloLists || which == ListSet.NAME && set.nameLists;
            subjectKeys[which] = needed ? subjects.subject(which) : null;
        }
        int n = set.size();
        QueryKey[] keys = new QueryKey[n];
        List<CompletableFuture<RawAnswer>> futures = new ArrayList<>(n);
        long deadlineMillis = set.deadline.toMillis();
        for (int i = 0; i < n; i++) {
            QueryKey subject = subjectKeys[set.subject[i]];
            if (subject == null) {
                futures.add(null); // null sender, address literal, no domain or name: nothing to ask a domain list
                continue;
            }
            QueryKey key = subject.in(set.lists[i].zone());
            keys[i] = key;
            RawAnswer inProcess = set.served[i] ? local.lookup(key) : null;
            CompletableFuture<RawAnswer> f;
            if (inProcess != null) {
                f = CompletableFuture.completedFuture(inProcess);
            } else if (lookups == null) {
                f = CompletableFuture.completedFuture(NO_RESOLVER);
            } else if (!admitted) {
                RawAnswer known = lookups.cached(key);
                set.listener.dnsAnswerCache(known != null);
                if (known == null) {
                    lookups.notSent(key);
                }
                f = CompletableFuture.completedFuture(known != null ? known : NOT_ADMITTED);
            } else {
                f = lookups.completeOnTimeout(lookups.lookup(key, set.listener).copy(),
                        RawAnswer.failure("no answer within " + deadlineMillis + " ms"),
                        deadlineMillis, TimeUnit.MILLISECONDS);
            }
            futures.add(f);
        }
        long started = clock();
        CompletableFuture<?>[] all = futures.stream().filter(f -> f != null).toArray(CompletableFuture<?>[]::new);
        return CompletableFuture.allOf(all).handle((v, e) -> {
            ListAnswer[] answers = new ListAnswer[n];
            for (int i = 0; i < n; i++) {
                CompletableFuture<RawAnswer> f = futures.get(i);
                if (f != null) {
                    answers[i] = f.getNow(RawAnswer.failure("no answer")).classify(set.lists[i].filter());
                }
            }
            return answers;
        }).thenCompose(answers -> judge(answers, keys, started, admitted));
    }

    private CompletableFuture<ListOutcome> judge(ListAnswer[] answers, QueryKey[] keys, long started,
            boolean admitted) {
        long tally = ListScore.tally(set, answers);
        if (ListScore.kindOf(tally) != ListOutcome.Kind.REJECT) {
            return CompletableFuture.completedFuture(new ListOutcome(set, answers, tally, null));
        }
        int d = ListScore.decidedOf(tally);
        return txt(d, keys[d], started, admitted).thenApply(text -> new ListOutcome(set, answers, tally, text));
    }

    /** The TXT of a listing, asked for within what is left of the deadline. */
    private CompletableFuture<@Nullable String> txt(int list, QueryKey key, long started, boolean admitted) {
        if (!set.usesTxt[list]) {
            return CompletableFuture.completedFuture(null); // the reply does not show it: not asked
        }
        if (set.served[list] || lookups == null) {
            return CompletableFuture.completedFuture(local.txt(key));
        }
        if (!admitted) { // a listing from the cache: its reason only if that is cached too
            ListLookups.Txt t = lookups.cachedTxt(key);
            return CompletableFuture.completedFuture(t == null || t.text().isEmpty() ? null : t.text());
        }
        long left = set.deadline.toNanos() - (lookups.nanoTime() - started);
        return lookups.completeOnTimeout(lookups.txt(key).copy(), null, Math.max(0, left), TimeUnit.NANOSECONDS);
    }

    /** The lists' clock: the lookups' time source (which tests advance), or the system's without lookups. */
    private long clock() {
        return lookups != null ? lookups.nanoTime() : System.nanoTime();
    }
}

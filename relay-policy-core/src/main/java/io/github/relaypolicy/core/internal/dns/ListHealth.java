package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.core.internal.dns.ListAnswer.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The result of one list's RFC 5782 section 5 test: what the listed and the unlisted test point answered
 * (127.0.0.2 and 127.0.0.1, or {@code TEST} and {@code INVALID} for domain lists).
 *
 * @param spec the list
 * @param listedPoint the answer for the test point every list lists
 * @param unlistedPoint the answer for the test point no list lists
 */
public record ListHealth(ListSpec spec, ListAnswer listedPoint, ListAnswer unlistedPoint) {

    /** The problem, or {@code ""}. */
    public String problem() {
        if (listedPoint.status() == Status.NOT_ASKED || unlistedPoint.status() == Status.NOT_ASKED) {
            return (listedPoint.status() == Status.NOT_ASKED ? listedPoint : unlistedPoint).toString();
        }
        if (listedPoint.status() == Status.UNKNOWN || unlistedPoint.status() == Status.UNKNOWN) {
            return "unreachable";
        }
        if (listedPoint.status() == Status.BROKEN || unlistedPoint.status() == Status.BROKEN) {
            return "broken: answers outside 127.0.0.0/8";
        }
        if (unlistedPoint.status() == Status.LISTED || unlistedPoint.answer() == 0x7f000001L) {
            return "lists the world";
        }
        if (listedPoint.status() == Status.ERROR_CODE || unlistedPoint.status() == Status.ERROR_CODE) {
            return "answers error codes (refused, rate-limited, or asked through a public resolver)";
        }
        return listedPoint.status() == Status.LISTED ? "" : "dead";
    }

    /**
     * Queries the test points of {@code specs}, bypassing nothing but the filters, each under the lists' deadline.
     *
     * @param set where the lists are answered: its in-process zones, lookups and deadline
     */
    static CompletableFuture<List<ListHealth>> check(List<ListSpec> specs, ListSet set) {
        List<CompletableFuture<ListHealth>> checks = new ArrayList<>();
        for (ListSpec spec : specs) {
            QueryKey listed;
            QueryKey unlisted;
            if (spec.kind().domains()) {
                listed = QueryKey.domain(spec.zone(), "test");
                unlisted = QueryKey.domain(spec.zone(), "invalid");
            } else {
                listed = QueryKey.ip4(spec.zone(), 0x7f000002L);
                unlisted = QueryKey.ip4(spec.zone(), 0x7f000001L);
            }
            CompletableFuture<ListAnswer> a = point(set, listed);
            CompletableFuture<ListAnswer> b = point(set, unlisted);
            checks.add(a.thenCombine(b, (x, y) -> new ListHealth(spec, x, y)));
        }
        return CompletableFuture.allOf(checks.toArray(new CompletableFuture<?>[0]))
                .thenApply(v -> checks.stream().map(CompletableFuture::join).toList());
    }

    private static CompletableFuture<ListAnswer> point(ListSet set, QueryKey key) {
        RawAnswer inProcess = set.local.lookup(key);
        if (inProcess != null) {
            return CompletableFuture.completedFuture(inProcess.classify(AnswerFilter.any()));
        }
        if (set.lookups == null) {
            return CompletableFuture.completedFuture(ListAnswer.unknown());
        }
        return set.lookups.completeOnTimeout(set.lookups.lookup(key).copy(), RawAnswer.failure("no answer"),
                set.deadline.toMillis(), TimeUnit.MILLISECONDS).thenApply(raw -> raw.classify(AnswerFilter.any()));
    }
}

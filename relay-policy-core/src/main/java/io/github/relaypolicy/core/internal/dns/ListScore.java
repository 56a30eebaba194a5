package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.core.internal.dns.ListAnswer.Status;
import io.github.relaypolicy.core.internal.dns.ListOutcome.Kind;

/**
 * Scores the lists' answers (Postfix postscreen): listings add their list's weight (allow lists subtract); a list
 * without a usable answer whose failures are not ignored could be either, so it may defer if its weight could
 * reach the threshold. The score is packed in a {@code long} so that a decision made from the cache allocates no
 * result: see {@link #kindOf}, {@link #decidedOf} and {@link #scoreOf}.
 */
final class ListScore {

    private static final Kind[] KINDS = Kind.values();

    private ListScore() {
    }

    /**
     * The score of {@code answers}, one per list of {@code set} (null where it had nothing to be asked about).
     *
     * @return the kind of ending, the list that decided it (the heaviest listing for a refusal, the first list
     *     that could be either for a deferral) and the score, packed
     */
    static long tally(ListSet set, ListAnswer[] answers) {
        ListSpec[] lists = set.lists;
        int score = 0;
        int low = 0;
        int high = 0;
        int top = -1;
        int deferring = -1;
        for (int i = 0; i < answers.length; i++) {
            ListAnswer a = answers[i];
            if (a == null) {
                continue;
            }
            int w = lists[i].weight();
            Status status = a.status();
            if (status == Status.LISTED) {
                score += w;
                if (w > 0 && (top < 0 || w > lists[top].weight())) {
                    top = i;
                }
            } else if (status != Status.NOT_LISTED && !set.ignores[i]) {
                // could be either: a block list might have listed, an allow list might have vouched
                if (w > 0) {
                    high += w;
                } else {
                    low += w;
                }
                if (deferring < 0) {
                    deferring = i;
                }
            }
        }
        Kind kind;
        int decided;
        if (score + low >= set.threshold && top >= 0) {
            kind = Kind.REJECT;
            decided = top;
        } else if (score + high >= set.threshold && deferring >= 0) {
            kind = Kind.DEFER;
            decided = deferring;
        } else {
            kind = Kind.PASS;
            decided = -1;
        }
        return ((long) kind.ordinal() << 56) | ((long) (decided + 1) << 32) | (score & 0xffffffffL);
    }

    static Kind kindOf(long tally) {
        return KINDS[(int) (tally >>> 56)];
    }

    /** The list that refused or deferred, or -1. */
    static int decidedOf(long tally) {
        return (int) ((tally >>> 32) & 0xffffff) - 1;
    }

    static int scoreOf(long tally) {
        return (int) tally;
    }
}

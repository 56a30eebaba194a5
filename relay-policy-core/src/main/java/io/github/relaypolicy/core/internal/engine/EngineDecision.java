package io.github.relaypolicy.core.internal.engine;

import io.github.relaypolicy.core.internal.ReplyTemplate;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.internal.dns.ListOutcome;
import io.github.relaypolicy.core.internal.dns.ListAnswer;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A decision of the engine: how it ended, for which request, under which rules. The reply text and the trace
 * are rendered only when asked for, so deciding costs one small object and the caller pays for text it uses.
 * The trace is recomputed from the same immutable rules the decision was made with, so it always agrees.
 */
public final class EngineDecision implements Decision {

    private final Rules.Ending ending;
    private final @Nullable RelayRequest request;
    private final Rules rules;
    private final @Nullable ListOutcome lists;
    private final Rules.@Nullable Ending limited; // the rate-limit stage's ending, when it decided
    // Rendered on first use. A racy write is harmless: every thread renders an equal, immutable reply.
    private @Nullable SmtpReply reply;
    // Kept once asked for: with rate limits it shows the counts left at that moment.
    private @Nullable List<TraceStep> trace;

    public EngineDecision(Rules.Ending ending, @Nullable RelayRequest request, Rules rules) {
        this(ending, request, rules, null, null);
    }

    /** A decision that consulted DNS lists after {@code ending} accepted the recipient domain. */
    public EngineDecision(Rules.Ending ending, @Nullable RelayRequest request, Rules rules,
            @Nullable ListOutcome lists) {
        this(ending, request, rules, lists, null);
    }

    /**
     * A decision of every stage.
     *
     * @param ending the relay stage's ending (with sender binding)
     * @param lists the DNS lists' outcome, if they were asked
     * @param limited the rate-limit stage's ending, if a limit decided (then the lists were not asked)
     */
    public EngineDecision(Rules.Ending ending, @Nullable RelayRequest request, Rules rules,
            @Nullable ListOutcome lists, Rules.@Nullable Ending limited) {
        this.ending = ending;
        this.request = request;
        this.rules = rules;
        this.lists = lists;
        this.limited = limited;
    }

    private boolean listsDecided() {
        return lists != null && lists.kind() != ListOutcome.Kind.PASS;
    }

    @Override
    public Verdict verdict() {
        if (limited != null) {
            return limited.verdict();
        }
        if (listsDecided()) {
            return lists.refuses() ? Verdict.REJECT : Verdict.TEMPFAIL;
        }
        return ending.verdict();
    }

    @Override
    public SmtpReply reply() {
        SmtpReply r = reply;
        if (r == null && limited != null) {
            r = limited.reply().render(request);
            reply = r;
        } else if (r == null) {
            SmtpReply listed = listsDecided() && request != null ? lists.reply(request) : null;
            // A list's reply may echo a long TXT record: cut to an SMTP line as rule replies are.
            r = listed != null ? ReplyTemplate.fit(listed) : ending.reply().render(request);
            reply = r;
        }
        return r;
    }

    @Override
    public List<io.github.relaypolicy.HostAction> hostActions() {
        return verdict() == Verdict.ACCEPT ? ending.hostActions() : List.of();
    }

    @Override
    public String rule() {
        if (limited != null) {
            return limited.rule();
        }
        return listsDecided() ? lists.rule() : ending.rule();
    }

    @Override
    public List<TraceStep> trace() {
        List<TraceStep> t = trace;
        if (t == null) {
            t = explain();
            trace = t;
        }
        return t;
    }

    private List<TraceStep> explain() {
        List<TraceStep> trace = rules.explain(request);
        if (trace.isEmpty() || !trace.get(trace.size() - 1).rule().equals(ending.rule())) {
            // Only when evaluation itself failed: say so rather than show a trace of another ending.
            return List.of(new TraceStep(ending.rule(), TraceStep.Outcome.TEMPFAIL,
                    "evaluation failed unexpectedly; deferred"));
        }
        Limits limits = rules.limits();
        boolean limitSteps = limits != null && request != null
                && (limited != null || ending.verdict() == Verdict.ACCEPT);
        if ((lists == null && !limitSteps) || request == null) {
            return trace;
        }
        List<TraceStep> steps = new ArrayList<>(trace.subList(0, trace.size() - 1));
        TraceStep domain = trace.get(trace.size() - 1);
        if (limitSteps) {
            if (ending.verdict() == Verdict.ACCEPT) {
                steps.add(new TraceStep(domain.rule(), TraceStep.Outcome.MATCH, domain.detail() + "; rate limits next"));
            } else {
                steps.add(domain);
            }
            steps.addAll(limits.explain(request, limited));
            if (limited != null) {
                steps.add(new TraceStep(limited.rule(), TraceStep.Outcome.TEMPFAIL, limitDetail(limited)));
                return List.copyOf(steps);
            }
            if (lists == null) {
                steps.add(new TraceStep(domain.rule(), domain.outcome(), "rate limits passed: " + domain.detail()));
                return List.copyOf(steps);
            }
            steps.add(new TraceStep(domain.rule(), TraceStep.Outcome.MATCH, "rate limits passed; DNS lists next"));
        } else {
            steps.add(new TraceStep(domain.rule(), TraceStep.Outcome.MATCH, domain.detail() + "; DNS lists next"));
        }
        for (ListOutcome.Step s : lists.steps(request)) {
            ListAnswer a = s.answer();
            if (a == null) { // a HELO or client-name list with nothing to ask about
                steps.add(new TraceStep(s.spec().kind().setting() + ":" + s.spec().maskedZone(),
                        TraceStep.Outcome.SKIP, String.valueOf(s.notAsked())));
                continue;
            }
            TraceStep.Outcome outcome = switch (a.status()) {
                case LISTED -> TraceStep.Outcome.MATCH;
                case NOT_LISTED -> TraceStep.Outcome.NO_MATCH;
                default -> TraceStep.Outcome.SKIP;
            };
            String weight = (s.spec().weight() > 0 ? "+" : "") + s.spec().weight();
            String detail = switch (a.status()) {
                case LISTED -> "listed: " + s.query() + " answered " + a + " (weight " + weight + ")";
                case NOT_LISTED -> "not listed: " + s.query();
                default -> "no usable answer for " + s.query() + " (" + a + "); "
                        + (s.failureIgnored() ? "ignored" : "its failures defer");
            };
            steps.add(new TraceStep(s.spec().kind().setting() + ":" + s.spec().maskedZone(), outcome, detail));
        }
        if (listsDecided()) {
            steps.add(new TraceStep(lists.rule(), lists.refuses() ? TraceStep.Outcome.REJECT
                    : TraceStep.Outcome.TEMPFAIL, lists.detail(request)));
        } else {
            steps.add(new TraceStep(domain.rule(), domain.outcome(), "DNS lists: " + lists.detail(request)));
        }
        return List.copyOf(steps);
    }

    private static String limitDetail(Rules.Ending limited) {
        return switch (limited.rule()) {
            case RuleNames.REFUSAL_RATE_LIMIT -> "the client has had its fill of refusals: every recipient is deferred";
            case RuleNames.RECIPIENTS_PER_MESSAGE -> "the transaction has its fill of recipients";
            case RuleNames.RATE_LIMIT_UNAVAILABLE -> "the rate-limit store did not answer and rate_limit_failure = defer";
            default -> "a limit is used up: deferred, and nothing was counted";
        };
    }

    @Override
    public String toString() {
        String client = request == null ? null : request.client();
        String rcpt = request == null ? null : request.recipient();
        return verdict() + " " + reply() + " [rule " + rule() + ", client "
                + (client == null ? "-" : Text.escape(client)) + ", rcpt " + (rcpt == null ? "-" : Text.escape(rcpt))
                + "]";
    }
}

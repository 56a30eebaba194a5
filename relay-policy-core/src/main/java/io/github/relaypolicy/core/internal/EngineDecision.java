package io.github.relaypolicy.core.internal;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
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
    // Rendered on first use. A racy write is harmless: every thread renders an equal, immutable reply.
    private @Nullable SmtpReply reply;

    public EngineDecision(Rules.Ending ending, @Nullable RelayRequest request, Rules rules) {
        this.ending = ending;
        this.request = request;
        this.rules = rules;
    }

    @Override
    public Verdict verdict() {
        return ending.verdict();
    }

    @Override
    public SmtpReply reply() {
        SmtpReply r = reply;
        if (r == null) {
            r = ending.reply().render(request);
            reply = r;
        }
        return r;
    }

    @Override
    public String rule() {
        return ending.rule();
    }

    @Override
    public List<TraceStep> trace() {
        List<TraceStep> trace = rules.explain(request);
        if (trace.isEmpty() || !trace.get(trace.size() - 1).rule().equals(ending.rule())) {
            // Only when evaluation itself failed: say so rather than show a trace of another ending.
            return List.of(new TraceStep(ending.rule(), TraceStep.Outcome.TEMPFAIL,
                    "evaluation failed unexpectedly; deferred"));
        }
        return trace;
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

package io.github.relaypolicy.server;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayPolicy;
import io.github.relaypolicy.server.PolicyAnswers.AcceptAction;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The answer a policy server owes to a request, found without the server: the request's bytes read by a
 * {@link PolicyRequestReader} of its own, an RCPT request decided by a reference policy's {@code decide()}, the
 * decision written by {@link PolicyAnswers}; every other state answered {@code DUNNO}. Counts the rules that decided,
 * so a run can show it reached the rules it meant to. Thread-safe if the reference policy is.
 */
final class ReferenceAnswers {

    /** The key under which requests that are not decided (every state but RCPT) are counted. */
    static final String NOT_DECIDED = "(not decided)";

    private static final ThreadLocal<PolicyRequestReader> READERS =
            ThreadLocal.withInitial(PolicyRequestReader::new);

    private final RelayPolicy reference;
    private final PolicyAnswers answers;
    private final Map<String, LongAdder> rules = new ConcurrentHashMap<>();

    /**
     * @param reference a policy whose decisions do not depend on earlier requests (no rate limits)
     * @param acceptAction the accept action the server under test was given
     */
    ReferenceAnswers(RelayPolicy reference, AcceptAction acceptAction) {
        this.reference = reference;
        this.answers = PolicyAnswers.of(acceptAction);
    }

    /**
     * The answer to one request.
     *
     * @param request the bytes of exactly one well-formed request
     * @return the whole answer, {@code action=...} and the empty line
     * @throws IllegalArgumentException if the bytes are not exactly one request
     */
    byte[] answer(byte[] request) {
        PolicyRequest r;
        ByteBuffer in = ByteBuffer.wrap(request);
        try {
            // one reader per thread, not per request: each holds an 8 KiB line buffer
            r = READERS.get().next(in);
        } catch (PolicyProtocolException e) {
            READERS.remove(); // spent
            throw new IllegalArgumentException("not a well-formed request: " + e.getMessage(), e);
        }
        if (r == null || in.hasRemaining()) {
            READERS.remove(); // holds part of a request
            throw new IllegalArgumentException("not exactly one request: " + PolicyTraffic.show(request));
        }
        if (!r.isDecided()) {
            count(NOT_DECIDED);
            return PolicyAnswers.dunno();
        }
        Decision d = reference.decide(r.toRelayRequest());
        count(d.rule());
        return answers.answer(d);
    }

    private void count(String rule) {
        rules.computeIfAbsent(rule, k -> new LongAdder()).increment();
    }

    /**
     * How many answers each rule decided so far.
     *
     * @return rule name to count, sorted by name; {@link #NOT_DECIDED} for the requests not decided
     */
    Map<String, Long> rules() {
        Map<String, Long> copy = new TreeMap<>();
        rules.forEach((k, v) -> copy.put(k, v.sum()));
        return copy;
    }
}

package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Assertions on a {@link Decision} that follow the engine contract (docs/CONTRACT-draft.md) and nothing else:
 * the black-box tests in this package share them so that every test checks the reply and the trace the same way.
 */
final class ContractAssertions {

    /** The rules in the order the contract evaluates them; a trace never goes backwards in this list. */
    static final List<String> RULE_ORDER = List.of(
            "request",
            "client_address",
            "helo",
            "authenticated_user",
            "sender_missing",
            "sender_syntax",
            "sender_path_too_long",
            "sender_too_long",
            "recipient_syntax",
            "recipient_path_too_long",
            "recipient_too_long",
            "postmaster",
            "mynetworks",
            "permit_authenticated",
            "allow_untrusted_routing",
            "reject_non_fqdn_recipient",
            "mydestination",
            "relay_domains",
            "reject_unauth_destination",
            "internal_error");

    static final String OK = "Ok";
    static final String RELAY_DENIED = "Relay access denied";

    /** Replies may echo input; longer than this means the echo was not capped. */
    private static final int MAX_REPLY_TEXT = 300;
    /** A trace detail may echo several capped values; longer than this means one was not capped. */
    private static final int MAX_TRACE_DETAIL = 1000;

    private static final Set<TraceStep.Outcome> NOT_DECIDING =
            EnumSet.of(TraceStep.Outcome.PASS, TraceStep.Outcome.MATCH, TraceStep.Outcome.NO_MATCH,
                    TraceStep.Outcome.SKIP);

    private static final Pattern ESCAPE = Pattern.compile("\\\\u([0-9a-fA-F]{4})");

    private ContractAssertions() {
    }

    /**
     * Asserts the whole decision: verdict, rule, reply (code, enhanced status, exact text) and a trace that agrees
     * with it. Hex digits of {@code \\uXXXX} escapes compare case-insensitively (the contract does not fix their
     * case); write them in upper case in {@code text}.
     */
    static void assertDecision(Decision decision, Verdict verdict, String rule, int code, String status,
            String text) {
        assertThat(decision).as("decision").isNotNull();
        String what = describe(decision);
        assertThat(decision.verdict()).as("verdict of %s", what).isEqualTo(verdict);
        assertThat(decision.rule()).as("rule of %s", what).isEqualTo(rule);
        assertThat(decision.reply().code()).as("reply code of %s", what).isEqualTo(code);
        assertThat(decision.reply().enhancedStatus()).as("enhanced status of %s", what).isEqualTo(status);
        assertThat(normalizeEscapes(decision.reply().text())).as("reply text of %s", what).isEqualTo(text);
        assertWellFormed(decision);
    }

    /** Asserts a refusal from the relay rules: {@code 554 5.7.1 <recipient>: Relay access denied}. */
    static void assertRelayDenied(Decision decision, String rule, String echoedRecipient) {
        assertDecision(decision, Verdict.REJECT, rule, 554, "5.7.1",
                "<" + echoedRecipient + ">: " + RELAY_DENIED);
    }

    /** Asserts an acceptance by {@code rule} with the default {@code 250 2.1.5 Ok}. */
    static void assertAccepted(Decision decision, String rule) {
        assertDecision(decision, Verdict.ACCEPT, rule, 250, "2.1.5", OK);
    }

    /**
     * Asserts what holds for every decision: the verdict agrees with the reply code and with {@code accepted()},
     * the last trace step is the deciding rule with the matching outcome, earlier steps do not decide, the trace
     * follows the contract's rule order, and echoed input is printable ASCII and capped.
     */
    static void assertWellFormed(Decision decision) {
        String what = describe(decision);
        assertThat(decision.verdict()).as("verdict agrees with reply code in %s", what)
                .isEqualTo(decision.reply().verdict());
        assertThat(decision.accepted()).as("accepted() of %s", what)
                .isEqualTo(decision.verdict() == Verdict.ACCEPT);
        assertPrintableAndCapped("reply text of " + what, decision.reply().text(), MAX_REPLY_TEXT);

        List<TraceStep> trace = decision.trace();
        assertThat(trace).as("trace of %s", what).isNotEmpty();
        TraceStep last = trace.get(trace.size() - 1);
        assertThat(last.rule()).as("last trace step of %s", what).isEqualTo(decision.rule());
        assertThat(last.outcome()).as("last trace step of %s", what).isEqualTo(outcomeOf(decision.verdict()));
        int previous = -1;
        for (int i = 0; i < trace.size(); i++) {
            TraceStep step = trace.get(i);
            int index = RULE_ORDER.indexOf(step.rule());
            assertThat(index).as("step %d '%s' of %s is a contract rule", i, step.rule(), what)
                    .isNotNegative();
            assertThat(index).as("step %d '%s' of %s keeps the contract's rule order", i, step.rule(), what)
                    .isGreaterThanOrEqualTo(previous);
            previous = index;
            if (i < trace.size() - 1) {
                assertThat(step.outcome()).as("step %d '%s' of %s does not decide", i, step.rule(), what)
                        .isIn(NOT_DECIDING);
            }
            assertPrintableAndCapped("detail of step " + i + " of " + what, step.detail(), MAX_TRACE_DETAIL);
        }
    }

    /** The outcome of the step that decided, for a verdict. */
    static TraceStep.Outcome outcomeOf(Verdict verdict) {
        switch (verdict) {
            case ACCEPT:
                return TraceStep.Outcome.ACCEPT;
            case REJECT:
                return TraceStep.Outcome.REJECT;
            default:
                return TraceStep.Outcome.TEMPFAIL;
        }
    }

    /** The trace step of {@code rule}, which must occur exactly once. */
    static TraceStep stepOf(Decision decision, String rule) {
        List<TraceStep> steps = decision.trace().stream().filter(s -> s.rule().equals(rule)).toList();
        assertThat(steps).as("steps named %s in %s", rule, describe(decision)).hasSize(1);
        return steps.get(0);
    }

    /** Upper-cases the hex digits of every {@code \\uXXXX} escape. */
    static String normalizeEscapes(String s) {
        Matcher m = ESCAPE.matcher(s);
        return m.replaceAll(r -> Matcher.quoteReplacement("\\u" + r.group(1).toUpperCase(Locale.ROOT)));
    }

    /** A valid domain name of exactly {@code length} characters (labels of at most 63), ending in ".example". */
    static String domainOfLength(int length) {
        StringBuilder sb = new StringBuilder("example");
        int remaining = length - sb.length();
        char letter = 'a';
        while (remaining > 0) {
            int label = Math.min(63, remaining - 1);
            if (remaining - (label + 1) == 1) {
                label--; // never leave a single character: it would need an empty label
            }
            sb.insert(0, String.valueOf(letter).repeat(label) + ".");
            letter++;
            remaining -= label + 1;
        }
        assertThat(sb).hasSize(length);
        return sb.toString();
    }

    private static void assertPrintableAndCapped(String what, String s, int max) {
        assertThat(s.length()).as("length of %s", what).isLessThan(max);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new AssertionError(String.format(Locale.ROOT,
                        "%s contains unescaped character U+%04X at index %d: %s", what, (int) c, i,
                        printable(s)));
            }
        }
    }

    private static String describe(Decision decision) {
        try {
            return printable(decision.rule() + " " + decision.reply() + " " + decision.trace());
        } catch (RuntimeException e) {
            return "a decision whose description threw " + e;
        }
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 600; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                sb.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
            } else {
                sb.append(c);
            }
        }
        return s.length() > 600 ? sb + "...(" + s.length() + " chars)" : sb.toString();
    }
}

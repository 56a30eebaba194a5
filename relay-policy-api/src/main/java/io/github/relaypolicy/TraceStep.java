package io.github.relaypolicy;

import java.util.Objects;

/**
 * One rule consulted while deciding, and what it found: a line of an {@code exim -bh}-style explanation.
 *
 * @param rule the rule's name, one of {@link RuleNames}
 * @param outcome what the rule found
 * @param detail a sentence for a person, e.g. {@code client 192.0.2.7 is not in mynetworks}; input echoed here
 *     is escaped and length-capped
 * @since 0.1.0
 */
public record TraceStep(String rule, Outcome outcome, String detail) {

    /**
     * What one rule found.
     *
     * @since 0.1.0
     */
    public enum Outcome {
        /** The rule's check passed (e.g. the input is well-formed); evaluation went on. */
        PASS,
        /** The rule matched but did not decide on its own; evaluation went on. */
        MATCH,
        /** The rule did not match; evaluation went on. */
        NO_MATCH,
        /** The rule does not apply to this request or is disabled. */
        SKIP,
        /** The rule decided: accept. */
        ACCEPT,
        /** The rule decided: refuse permanently. */
        REJECT,
        /** The rule decided: refuse for now. */
        TEMPFAIL
    }

    /**
     * Validates the parts.
     *
     * @param rule the rule's name, one of {@link RuleNames}
     * @param outcome what the rule found
     * @param detail a sentence for a person
     * @throws NullPointerException if a part is null
     */
    public TraceStep {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
    }

    /**
     * The step as one line: {@code rule: OUTCOME - detail}.
     *
     * @return the line
     */
    @Override
    public String toString() {
        return rule + ": " + outcome + " - " + detail;
    }
}

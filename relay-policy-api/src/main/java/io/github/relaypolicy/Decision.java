package io.github.relaypolicy;

import java.util.List;

/**
 * The answer of a {@link RelayPolicy} for one recipient: what to do, what to reply, which rule decided and why.
 *
 * <p>Implementations are immutable and thread-safe. The reply and the trace may be rendered lazily, the first
 * time they are asked for.
 *
 * @since 0.1.0
 */
public interface Decision {

    /**
     * What the server does with the recipient.
     *
     * @return the verdict; it always agrees with {@code reply().code()}
     * @since 0.1.0
     */
    Verdict verdict();

    /**
     * The reply to send to the client's {@code RCPT TO}.
     *
     * @return the SMTP reply; client input echoed in it is escaped and length-capped
     * @since 0.1.0
     */
    SmtpReply reply();

    /**
     * The rule that decided, one of the names in {@link RuleNames}.
     *
     * @return the rule's name, e.g. {@code relay_denied}
     * @since 0.1.0
     */
    String rule();

    /**
     * Every rule consulted, in order, and its outcome; the last step is the rule that decided.
     *
     * @return an immutable list of steps
     * @since 0.1.0
     */
    List<TraceStep> trace();

    /**
     * What the mail server itself must do with the message when it accepts this recipient: {@code DISCARD},
     * {@code HOLD}, {@code FILTER}, {@code REDIRECT} and {@code PREPEND} entries of access tables, in the order they
     * matched. Always empty unless the verdict is {@link Verdict#ACCEPT}.
     *
     * @return an immutable list, usually empty
     * @since 0.1.0
     */
    default List<HostAction> hostActions() {
        return List.of();
    }

    /**
     * Whether the verdict is {@link Verdict#ACCEPT}.
     *
     * @return true if the recipient may be accepted
     * @since 0.1.0
     */
    default boolean accepted() {
        return verdict() == Verdict.ACCEPT;
    }
}

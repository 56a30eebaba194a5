package io.github.relaypolicy.server;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.HostAction;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.Verdict;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Writes the answer of the policy protocol: one {@code action=...} line and an empty line, in UTF-8
 * ({@code SMTPD_POLICY_README}). Immutable and thread-safe.
 *
 * <ul>
 *   <li>A refusal or deferral: {@code action=CODE ENHANCED TEXT}, the decision's reply, e.g.
 *       {@code action=554 5.7.1 <x@victim.example>: Relay access denied}.</li>
 *   <li>An acceptance: the accept action, {@code DUNNO} by default (relay-policy only narrows what the mail server
 *       already allows) or {@code OK} (relay-policy is the whole relay policy).</li>
 *   <li>An acceptance with host actions ({@link Decision#hostActions()}): Postfix takes one action per answer, so
 *       one of them is sent, instead of the accept action: {@code DISCARD} before {@code HOLD} before
 *       {@code REDIRECT} before {@code FILTER} before {@code PREPEND} (the first discards the message whatever
 *       the others say, so it goes first, and a held message is one an administrator looks at before any
 *       redirection or filter applies); of several of one kind, the last matched, as Postfix applies the last
 *       {@code FILTER} and {@code REDIRECT}. The others are not sent. Postfix evaluates its further restrictions
 *       after such an action as after {@code DUNNO}, also with the accept action {@code OK}.</li>
 * </ul>
 *
 * <p>No text can add a line to the answer: control characters (CR, LF and NUL among them) and the Unicode line
 * separators in a reply or action argument are sent as spaces.
 *
 * @since 0.1.0
 */
public final class PolicyAnswers {

    /**
     * The answer to an accepted recipient.
     *
     * @since 0.1.0
     */
    public enum AcceptAction {
        /** {@code action=DUNNO}: Postfix goes on with its other restrictions. */
        DUNNO,
        /** {@code action=OK}: Postfix accepts the recipient for this restriction list. */
        OK
    }

    private static final byte[] DUNNO = answerBytes("DUNNO");
    private static final byte[] OK = answerBytes("OK");
    private static final List<HostAction.Kind> PRECEDENCE = List.of(HostAction.Kind.DISCARD, HostAction.Kind.HOLD,
            HostAction.Kind.REDIRECT, HostAction.Kind.FILTER, HostAction.Kind.PREPEND);

    private final AcceptAction acceptAction;

    private PolicyAnswers(AcceptAction acceptAction) {
        this.acceptAction = acceptAction;
    }

    /**
     * The answers with the given accept action.
     *
     * @param acceptAction what to answer to an accepted recipient without host actions
     * @return the answers
     * @throws NullPointerException if {@code acceptAction} is null
     * @since 0.1.0
     */
    public static PolicyAnswers of(AcceptAction acceptAction) {
        return new PolicyAnswers(Objects.requireNonNull(acceptAction, "acceptAction"));
    }

    /**
     * The accept action these answers use.
     *
     * @return {@link AcceptAction#DUNNO} or {@link AcceptAction#OK}
     * @since 0.1.0
     */
    public AcceptAction acceptAction() {
        return acceptAction;
    }

    /**
     * The answer {@code action=DUNNO}, for the requests relay-policy does not decide (every state but
     * {@code RCPT}).
     *
     * @return {@code action=DUNNO\n\n} in a new array
     * @since 0.1.0
     */
    public static byte[] dunno() {
        return DUNNO.clone();
    }

    /**
     * The action for a decision, without {@code action=} and line end.
     *
     * @param decision the engine's decision
     * @return e.g. {@code 554 5.7.1 <x@victim.example>: Relay access denied}, {@code DUNNO},
     *     {@code HOLD suspicious sender}
     * @throws NullPointerException if {@code decision} is null
     * @since 0.1.0
     */
    public String action(Decision decision) {
        Objects.requireNonNull(decision, "decision");
        if (decision.verdict() != Verdict.ACCEPT) {
            SmtpReply reply = decision.reply();
            return PolicyText.safe(reply.code() + " " + reply.enhancedStatus() + " " + reply.text());
        }
        HostAction chosen = choose(decision.hostActions());
        if (chosen == null) {
            return acceptAction.name();
        }
        return chosen.argument().isEmpty() ? chosen.kind().name()
                : chosen.kind().name() + " " + PolicyText.safe(chosen.argument());
    }

    /**
     * The whole answer for a decision.
     *
     * @param decision the engine's decision
     * @return {@code action=}, the {@link #action(Decision) action}, LF, LF, in UTF-8
     * @throws NullPointerException if {@code decision} is null
     * @since 0.1.0
     */
    public byte[] answer(Decision decision) {
        byte[] answer = shared(decision);
        return answer == OK || answer == DUNNO ? answer.clone() : answer;
    }

    /**
     * {@link #answer} for the server, which only reads the bytes: the accept action's answer is one shared array,
     * not a copy per recipient.
     */
    byte[] shared(Decision decision) {
        Objects.requireNonNull(decision, "decision");
        if (decision.verdict() == Verdict.ACCEPT && decision.hostActions().isEmpty()) {
            return acceptAction == AcceptAction.OK ? OK : DUNNO;
        }
        return answerBytes(action(decision));
    }

    private static @Nullable HostAction choose(List<HostAction> actions) {
        @Nullable HostAction chosen = null;
        int rank = PRECEDENCE.size();
        for (HostAction a : actions) {
            int r = PRECEDENCE.indexOf(a.kind());
            // <= : of one kind, the last matched wins
            if (r >= 0 && r <= rank) {
                chosen = a;
                rank = r;
            }
        }
        return chosen;
    }

    private static byte[] answerBytes(String action) {
        return ("action=" + action + "\n\n").getBytes(StandardCharsets.UTF_8);
    }
}

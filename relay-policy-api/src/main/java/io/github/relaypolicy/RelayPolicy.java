package io.github.relaypolicy;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Answers, for one recipient of one message, whether this server may accept it.
 *
 * <p>Implementations are thread-safe. A mail server calls {@link #decide} (or {@link #decideAsync}) once per
 * {@code RCPT TO} and sends {@link Decision#reply()} to the client.
 *
 * @since 0.1.0
 */
public interface RelayPolicy {

    /**
     * Decides whether the recipient of {@code request} may be accepted.
     *
     * <p>Never throws because of what an SMTP client sent: malformed, hostile or missing input yields a refusing
     * decision ({@link Verdict#REJECT} or {@link Verdict#TEMPFAIL}) with a precise reply, never {@link
     * Verdict#ACCEPT}.
     *
     * @param request what the client sent and who it is; a {@code null} request is refused like bad input
     * @return the decision, never {@code null}
     * @since 0.1.0
     */
    Decision decide(@Nullable RelayRequest request);

    /**
     * Decides like {@link #decide} without blocking the calling thread on any lookup.
     *
     * @param request what the client sent and who it is; a {@code null} request is refused like bad input
     * @return a stage completed with the decision; it never completes exceptionally because of the request
     * @since 0.1.0
     */
    CompletionStage<Decision> decideAsync(@Nullable RelayRequest request);
}

package io.github.relaypolicy.server;

import java.util.Objects;

/**
 * A request that breaks the policy protocol. {@code SMTPD_POLICY_README} prescribes what the service does then: log
 * the reason, send nothing, close the connection (Postfix retries later or applies its {@code default_action}).
 * The message names the problem, with any echoed input escaped and shortened, so it can be logged as it is.
 *
 * @since 0.1.0
 */
public final class PolicyProtocolException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * What was wrong with the request.
     *
     * @since 0.1.0
     */
    public enum Reason {
        /** A line longer than {@link PolicyRequestReader#MAX_LINE_BYTES} bytes, its line end not counted. */
        LINE_TOO_LONG,
        /** More than {@link PolicyRequestReader#MAX_ATTRIBUTES} attribute lines in one request. */
        TOO_MANY_ATTRIBUTES,
        /** A line without {@code =}, or with nothing before it. */
        NOT_AN_ATTRIBUTE,
        /** A NUL byte anywhere in the input. */
        NUL_BYTE,
        /** A request without {@code request=smtpd_access_policy}, or with another request type. */
        NOT_A_POLICY_REQUEST
    }

    /** What was wrong with the request. */
    private final Reason reason;

    /**
     * Makes the exception.
     *
     * @param reason what was wrong
     * @param message the whole message, input already escaped
     */
    PolicyProtocolException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * What was wrong with the request.
     *
     * @return the reason
     * @since 0.1.0
     */
    public Reason reason() {
        return reason;
    }
}

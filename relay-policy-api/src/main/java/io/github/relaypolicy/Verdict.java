package io.github.relaypolicy;

/**
 * What the server does with the recipient.
 *
 * @since 0.1.0
 */
public enum Verdict {
    /** Accept the recipient: reply 2xx to {@code RCPT TO}. */
    ACCEPT,
    /** Refuse the recipient permanently: reply 5xx. */
    REJECT,
    /** Refuse the recipient for now, the client should retry later: reply 4xx. */
    TEMPFAIL;

    /**
     * The verdict that an SMTP reply code stands for: 2xx and 3xx accept, 4xx defers, 5xx refuses.
     *
     * @param code a three-digit SMTP reply code
     * @return the verdict of that code
     * @throws IllegalArgumentException if {@code code} is not between 200 and 599
     * @since 0.1.0
     */
    public static Verdict ofReplyCode(int code) {
        if (code >= 200 && code < 400) {
            return ACCEPT;
        }
        if (code >= 400 && code < 500) {
            return TEMPFAIL;
        }
        if (code >= 500 && code < 600) {
            return REJECT;
        }
        throw new IllegalArgumentException("SMTP reply code " + code + " is not between 200 and 599");
    }
}

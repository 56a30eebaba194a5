package io.github.relaypolicy.core.internal.access;

/** The four access-table families, in the order Postfix's restrictions consult them. */
public enum Family {
    /** {@code check_client_access}: the client's verified name, then its address. */
    CLIENT("check_client_access", "Client host"),
    /** {@code check_helo_access}: the HELO/EHLO name and its parent domains. */
    HELO("check_helo_access", "Helo command"),
    /** {@code check_sender_access}: the MAIL FROM address. */
    SENDER("check_sender_access", "Sender address"),
    /** {@code check_recipient_access}: the RCPT TO address. */
    RECIPIENT("check_recipient_access", "Recipient address");

    private final String setting;
    private final String replyClass;

    Family(String setting, String replyClass) {
        this.setting = setting;
        this.replyClass = replyClass;
    }

    /** The policy-file key and rule name, e.g. {@code check_client_access}. */
    public String setting() {
        return setting;
    }

    /** What Postfix's replies call the checked thing, e.g. {@code Client host} ("Client host rejected: ..."). */
    public String replyClass() {
        return replyClass;
    }

    /** Whether {@code RELAY} may be written in this family's tables (client and recipient tables only). */
    public boolean mayRelay() {
        return this == CLIENT || this == RECIPIENT;
    }
}

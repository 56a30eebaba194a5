package io.github.relaypolicy.core.internal.access;
/** STUB (lead) */
public enum Family { CLIENT, HELO, SENDER, RECIPIENT;
    public String setting() { return "check_" + name().toLowerCase(java.util.Locale.ROOT) + "_access"; }
    public String replyClass() { return switch (this) { case CLIENT -> "Client host"; case HELO -> "Helo command"; case SENDER -> "Sender address"; case RECIPIENT -> "Recipient address"; }; }
}

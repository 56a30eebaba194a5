package io.github.relaypolicy.server;

import io.github.relaypolicy.RelayRequest;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One Postfix policy request ({@code request=smtpd_access_policy}) as {@link PolicyRequestReader} read it: the
 * attributes relay-policy uses, as sent (a repeated attribute keeps its last value; attributes relay-policy does not
 * use are not kept). Immutable.
 *
 * <p>Postfix sends every attribute in every state, empty when it has no value ({@code SMTPD_POLICY_README}: "the
 * client either does not send the attribute, sends the attribute with an empty value, or sends a zero value");
 * Exim's {@code readsocket} sends what its ACL writes. {@link #toRelayRequest()} therefore treats an empty value like
 * an absent one, except for {@code sender}, where an empty value is the null sender {@code <>}.
 *
 * @since 0.1.0
 */
public final class PolicyRequest {

    /**
     * The SMTP protocol state a request is sent in ({@code protocol_state}).
     *
     * @since 0.1.0
     */
    public enum ProtocolState {
        /** The client connected. */
        CONNECT,
        /** {@code EHLO}. */
        EHLO,
        /** {@code HELO}. */
        HELO,
        /** {@code MAIL FROM}. */
        MAIL,
        /** {@code RCPT TO}: the state relay-policy decides. */
        RCPT,
        /** {@code DATA} (and {@code BDAT}, Postfix 3.4 and later); {@code recipient_count} is set. */
        DATA,
        /** The end of the message ({@code END-OF-MESSAGE}); {@code recipient_count} is set. */
        END_OF_MESSAGE,
        /** {@code VRFY}. */
        VRFY,
        /** {@code ETRN}. */
        ETRN,
        /** Absent, empty, or a state this version does not know. */
        OTHER;

        static ProtocolState of(@Nullable String text) {
            if (text == null) {
                return OTHER;
            }
            return switch (text.toUpperCase(Locale.ROOT)) {
                case "CONNECT" -> CONNECT;
                case "EHLO" -> EHLO;
                case "HELO" -> HELO;
                case "MAIL" -> MAIL;
                case "RCPT" -> RCPT;
                case "DATA", "BDAT" -> DATA;
                case "END-OF-MESSAGE" -> END_OF_MESSAGE;
                case "VRFY" -> VRFY;
                case "ETRN" -> ETRN;
                default -> OTHER;
            };
        }
    }

    /** The attributes kept, in the order of {@link #NAMES}; the reader fills an array of this size. */
    static final int REQUEST = 0;
    static final int PROTOCOL_STATE = 1;
    static final int CLIENT_ADDRESS = 2;
    static final int CLIENT_NAME = 3;
    static final int REVERSE_CLIENT_NAME = 4;
    static final int HELO_NAME = 5;
    static final int SENDER = 6;
    static final int RECIPIENT = 7;
    static final int RECIPIENT_COUNT = 8;
    static final int SASL_USERNAME = 9;
    static final int CCERT_FINGERPRINT = 10;
    static final int CCERT_PUBKEY_FINGERPRINT = 11;
    static final int INSTANCE = 12;
    static final String[] NAMES = {"request", "protocol_state", "client_address", "client_name",
        "reverse_client_name", "helo_name", "sender", "recipient", "recipient_count", "sasl_username",
        "ccert_fingerprint", "ccert_pubkey_fingerprint", "instance"};

    /** Postfix's {@code client_name} and {@code reverse_client_name} when it has no name. */
    private static final String UNKNOWN = "unknown";

    private final @Nullable String[] values;
    private final ProtocolState state;

    PolicyRequest(@Nullable String[] values) {
        this.values = values.clone();
        this.state = ProtocolState.of(values[PROTOCOL_STATE]);
    }

    /**
     * The index of an attribute relay-policy keeps.
     *
     * @param name the attribute name as sent
     * @return its index, or -1 if relay-policy ignores it
     */
    static int indexOf(String name) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The value of an attribute relay-policy keeps, as sent.
     *
     * @param name an attribute name, e.g. {@code helo_name}
     * @return the last value sent, or {@code null} if the request did not have it or relay-policy does not keep
     *     that attribute
     * @since 0.1.0
     */
    public @Nullable String attribute(String name) {
        int i = indexOf(name);
        return i < 0 ? null : values[i];
    }

    /**
     * The protocol state ({@code protocol_state}).
     *
     * @return the state, {@link ProtocolState#OTHER} if absent or unknown
     * @since 0.1.0
     */
    public ProtocolState protocolState() {
        return state;
    }

    /**
     * Whether relay-policy decides this request: requests at {@code RCPT}, and requests without a
     * {@code protocol_state} (absent or empty) that name a recipient, which Postfix never sends but a hand-written
     * Exim {@code readsocket} request may: a request that forgets its state must not accept every recipient. The
     * answer to every other state, a state this version does not know included, is {@code DUNNO}
     * ({@link PolicyAnswers#dunno()}).
     *
     * @return true at {@link ProtocolState#RCPT}, or without a state but with a recipient
     * @since 0.1.0
     */
    public boolean isDecided() {
        if (state == ProtocolState.RCPT) {
            return true;
        }
        String sent = values[PROTOCOL_STATE];
        String recipient = values[RECIPIENT];
        return (sent == null || sent.isEmpty()) && recipient != null && !recipient.isEmpty();
    }

    /**
     * The client's host name as the client's address maps to it, not verified ({@code reverse_client_name}). It is
     * not part of {@link RelayRequest}: relay-policy never grants or refuses on an unverified name.
     *
     * @return the name, or {@code null} if absent, empty or {@code unknown}
     * @since 0.1.0
     */
    public @Nullable String reverseClientName() {
        return name(values[REVERSE_CLIENT_NAME]);
    }

    /**
     * The number of recipients Postfix accepted for the message ({@code recipient_count}); Postfix sends it only in
     * the {@code DATA} and {@code END-OF-MESSAGE} states, 0 elsewhere.
     *
     * @return the count, 0 if absent, empty or not a number from 0 to {@link Integer#MAX_VALUE}
     * @since 0.1.0
     */
    public int recipientCount() {
        String v = values[RECIPIENT_COUNT];
        if (v == null || v.isEmpty() || v.length() > 10) {
            return 0;
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            n = n * 10 + (c - '0');
        }
        return n > Integer.MAX_VALUE ? 0 : (int) n;
    }

    /**
     * The request as relay-policy decides it: {@code client_address} the client, {@code client_name} (the name
     * Postfix verified; {@code unknown} is none) the client name, {@code helo_name}, {@code sender} (empty is the
     * null sender {@code <>}), {@code recipient}, {@code sasl_username} the authenticated user,
     * {@code ccert_fingerprint} and {@code ccert_pubkey_fingerprint} the certificate fingerprints (relay-policy
     * compares SHA-256 fingerprints: set {@code smtpd_tls_fingerprint_digest = sha256} in Postfix before 3.8), and
     * {@code instance} the transaction id. Other empty values are absent.
     *
     * @return a new request
     * @since 0.1.0
     */
    public RelayRequest toRelayRequest() {
        String sender = values[SENDER];
        return RelayRequest.builder()
                .client(value(values[CLIENT_ADDRESS]))
                .clientName(name(values[CLIENT_NAME]))
                .helo(value(values[HELO_NAME]))
                .sender(sender == null ? null : sender.isEmpty() ? "<>" : sender)
                .recipient(value(values[RECIPIENT]))
                .authenticatedUser(value(values[SASL_USERNAME]))
                .tlsClientFingerprints(value(values[CCERT_FINGERPRINT]), value(values[CCERT_PUBKEY_FINGERPRINT]))
                .transactionId(value(values[INSTANCE]))
                .build();
    }

    private static @Nullable String value(@Nullable String v) {
        return v == null || v.isEmpty() ? null : v;
    }

    private static @Nullable String name(@Nullable String v) {
        return v == null || v.isEmpty() || v.equalsIgnoreCase(UNKNOWN) ? null : v;
    }

    /**
     * The kept attributes, for logs; values escaped.
     *
     * @return e.g. {@code PolicyRequest[protocol_state=RCPT, client_address=192.0.2.1, ...]}
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("PolicyRequest[");
        boolean first = true;
        for (int i = 0; i < NAMES.length; i++) {
            if (values[i] != null) {
                b.append(first ? "" : ", ").append(NAMES[i]).append('=').append(PolicyText.escape(values[i]));
                first = false;
            }
        }
        return b.append(']').toString();
    }
}

package io.github.relaypolicy;

/**
 * The names of the rules that a {@link Decision} and its {@link TraceStep}s report. They are stable: log
 * analysers and tests may match on them. Postfix's parameter names are used where the concept is the same.
 *
 * @since 0.1.0
 */
public final class RuleNames {

    /** The request itself was missing. */
    public static final String REQUEST = "request";
    /** The client address: missing or not an IP address refuses. */
    public static final String CLIENT_ADDRESS = "client_address";
    /** The HELO name: control characters or an over-long name refuse; it never grants relay. */
    public static final String HELO = "helo";
    /** No MAIL FROM was given. */
    public static final String SENDER_MISSING = "sender_missing";
    /** The MAIL FROM path is malformed; the sender never grants relay. */
    public static final String SENDER_SYNTAX = "sender_syntax";
    /** The MAIL FROM path is longer than 256 octets (RFC 5321 section 4.5.3.1.3). */
    public static final String SENDER_PATH_TOO_LONG = "sender_path_too_long";
    /** The MAIL FROM local part is longer than 64 octets or its domain longer than 255. */
    public static final String SENDER_TOO_LONG = "sender_too_long";
    /** The RCPT TO path is missing or malformed. */
    public static final String RECIPIENT_SYNTAX = "recipient_syntax";
    /** The RCPT TO path is longer than 256 octets (RFC 5321 section 4.5.3.1.3). */
    public static final String RECIPIENT_PATH_TOO_LONG = "recipient_path_too_long";
    /** The RCPT TO local part is longer than 64 octets or its domain longer than 255. */
    public static final String RECIPIENT_TOO_LONG = "recipient_too_long";
    /** The authenticated user name: control characters refuse. */
    public static final String AUTHENTICATED_USER = "authenticated_user";
    /** {@code RCPT TO:<Postmaster>} without a domain is always accepted (RFC 5321 section 4.5.1). */
    public static final String POSTMASTER = "postmaster";
    /** The client is in the trusted networks: relay to anywhere. */
    public static final String MYNETWORKS = "mynetworks";
    /** The client authenticated and authenticated relay is permitted: relay to anywhere. */
    public static final String AUTHENTICATED = "permit_authenticated";
    /**
     * The recipient uses sender-specified routing (a source route, or {@code %}, {@code !} or {@code @} in the
     * local part) and the client may not relay.
     */
    public static final String SENDER_ROUTING = "allow_untrusted_routing";
    /** The recipient has no domain and the client may not relay. */
    public static final String UNQUALIFIED_RECIPIENT = "reject_non_fqdn_recipient";
    /** The recipient domain is one of ours (final destination). */
    public static final String LOCAL_DOMAINS = "mydestination";
    /** The recipient domain is one we relay for (backup MX, smarthost). */
    public static final String RELAY_DOMAINS = "relay_domains";
    /**
     * The client may relay (or the recipient domain is ours), but the MAIL FROM address is not one that the sender
     * login maps give to the authenticated user, or (in mode {@code all}) an unauthenticated client outside the
     * trusted networks uses an address that belongs to a login. Checked only after a rule accepted the recipient.
     *
     * @since 0.1.0
     */
    public static final String SENDER_LOGIN_MISMATCH = "sender_login_mismatch";
    /** Nothing granted relay: the recipient is refused. */
    public static final String RELAY_DENIED = "reject_unauth_destination";
    /** The client's DNS list score reached the threshold (the deciding list is a client list). */
    public static final String DNSBL = "reject_rbl_client";
    /** The DNS list score reached the threshold (the deciding list is a sender-domain list). */
    public static final String RHSBL = "reject_rhsbl_sender";
    /**
     * The client authenticated, and its address's score on the lists asked only for authenticated clients
     * ({@code auth_dnsbl_sites}, Spamhaus AuthBL style: addresses seen using stolen credentials) reached the
     * threshold: its authenticated mail is refused. The default reply names neither the list nor its reason.
     *
     * @since 0.1.0
     */
    public static final String AUTH_DNSBL = "reject_auth_dnsbl_client";
    /** A DNS list that could decide did not answer, and the administrator chose to defer. */
    public static final String DNS_UNAVAILABLE = "dnsbl_unavailable";
    /** The client's refused recipients reached {@code refusal_rate_limit}: every recipient is deferred for now. */
    public static final String REFUSAL_RATE_LIMIT = "refusal_rate_limit";
    /** The transaction has {@code recipients_per_message} recipients already: {@code 452 4.5.3}. */
    public static final String RECIPIENTS_PER_MESSAGE = "recipients_per_message";
    /** A {@code recipient_rate_limit} (per user, client or sender) is used up for now. */
    public static final String RECIPIENT_RATE_LIMIT = "recipient_rate_limit";
    /** A {@code message_rate_limit} (per user, client or sender) is used up for now. */
    public static final String MESSAGE_RATE_LIMIT = "message_rate_limit";
    /**
     * The shared rate-limit store could not be reached and {@code rate_limit_failure = defer}: the recipient is
     * deferred.
     */
    public static final String RATE_LIMIT_UNAVAILABLE = "rate_limit_unavailable";
    /** A trace step only: the client is in {@code rate_limit_exempt}, so no rate limit counts it. */
    public static final String RATE_LIMIT_EXEMPT = "rate_limit_exempt";
    /** A client certificate listed in {@code relay_clientcerts} granted relay ({@code permit_tls_clientcerts}). */
    public static final String TLS_CLIENT_CERTS = "permit_tls_clientcerts";
    /** An entry of a client access table ({@code check_client_access}) decided. */
    public static final String CLIENT_ACCESS = "check_client_access";
    /** An entry of a HELO access table ({@code check_helo_access}) decided. */
    public static final String HELO_ACCESS = "check_helo_access";
    /** An entry of a sender access table ({@code check_sender_access}) decided. */
    public static final String SENDER_ACCESS = "check_sender_access";
    /** An entry of a recipient access table ({@code check_recipient_access}) decided. */
    public static final String RECIPIENT_ACCESS = "check_recipient_access";
    /** A block list of HELO names ({@code rhsbl_helo_sites}) listed the client's HELO name. */
    public static final String RHSBL_HELO = "reject_rhsbl_helo";
    /** A block list of host names ({@code rhsbl_client_sites}) listed the client's verified host name. */
    public static final String RHSBL_CLIENT = "reject_rhsbl_client";

    /** An unexpected internal failure: the recipient is deferred, never accepted. */
    public static final String INTERNAL_ERROR = "internal_error";

    private RuleNames() {
    }
}

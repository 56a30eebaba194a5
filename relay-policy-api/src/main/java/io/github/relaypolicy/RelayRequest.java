package io.github.relaypolicy;

import java.net.InetAddress;
import java.security.cert.X509Certificate;
import org.jspecify.annotations.Nullable;

/**
 * What a relay decision is about: who the client is and what it sent.
 *
 * <p>Values are taken as the SMTP server received them and are not validated here: a request with a malformed,
 * hostile or missing part is a valid request that {@link RelayPolicy#decide} refuses with a precise reply. Sender
 * and recipient are SMTP path arguments, with or without angle brackets ({@code <a@b>}, {@code a@b}, {@code <>}).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class RelayRequest {

    private final @Nullable String client;
    private final @Nullable InetAddress clientAddress;
    private final @Nullable String helo;
    private final @Nullable String sender;
    private final @Nullable String recipient;
    private final @Nullable String authenticatedUser;
    private final @Nullable String transactionId;
    private final @Nullable String clientName;
    private final @Nullable X509Certificate tlsClientCertificate;
    private final @Nullable String tlsCertificateFingerprint;
    private final @Nullable String tlsPublicKeyFingerprint;

    private RelayRequest(Builder b) {
        this.client = b.client;
        this.clientAddress = b.clientAddress;
        this.helo = b.helo;
        this.sender = b.sender;
        this.recipient = b.recipient;
        this.authenticatedUser = b.authenticatedUser;
        this.transactionId = b.transactionId;
        this.clientName = b.clientName;
        this.tlsClientCertificate = b.tlsClientCertificate;
        this.tlsCertificateFingerprint = b.tlsCertificateFingerprint;
        this.tlsPublicKeyFingerprint = b.tlsPublicKeyFingerprint;
    }

    /**
     * A request from an unauthenticated client.
     *
     * @param clientAddress the client's IP address as text ({@code 192.0.2.1}, {@code 2001:db8::1})
     * @param sender the {@code MAIL FROM} path, e.g. {@code <user@example.net>} or {@code <>}
     * @param recipient the {@code RCPT TO} path, e.g. {@code <user@example.org>}
     * @return the request
     * @since 0.1.0
     */
    public static RelayRequest of(@Nullable String clientAddress, @Nullable String sender,
            @Nullable String recipient) {
        return builder().client(clientAddress).sender(sender).recipient(recipient).build();
    }

    /**
     * A builder for a request with all its parts. The builder is not thread-safe.
     *
     * @return a new builder
     * @since 0.1.0
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The client's IP address as text, as given to the builder, or the text form of {@link #clientAddress()}.
     *
     * @return the client address text, or {@code null} if none was given
     * @since 0.1.0
     */
    public @Nullable String client() {
        return client;
    }

    /**
     * The client address when it was given as an {@link InetAddress}.
     *
     * @return the address, or {@code null} if the client was given as text or not at all
     * @since 0.1.0
     */
    public @Nullable InetAddress clientAddress() {
        return clientAddress;
    }

    /**
     * The name the client gave in {@code HELO}/{@code EHLO}. It never grants relay.
     *
     * @return the HELO name, or {@code null}
     * @since 0.1.0
     */
    public @Nullable String helo() {
        return helo;
    }

    /**
     * The {@code MAIL FROM} path. It never grants relay.
     *
     * @return the sender path, or {@code null} if the client sent no {@code MAIL FROM}
     * @since 0.1.0
     */
    public @Nullable String sender() {
        return sender;
    }

    /**
     * The {@code RCPT TO} path this decision is about.
     *
     * @return the recipient path, or {@code null}
     * @since 0.1.0
     */
    public @Nullable String recipient() {
        return recipient;
    }

    /**
     * The user the client authenticated as (SMTP AUTH), if any.
     *
     * @return the authenticated user, or {@code null} if the client did not authenticate
     * @since 0.1.0
     */
    public @Nullable String authenticatedUser() {
        return authenticatedUser;
    }

    /**
     * The mail transaction this recipient belongs to: requests with the same id are recipients of one message.
     *
     * @return the transaction id, or {@code null} if none was given
     * @since 0.1.0
     */
    public @Nullable String transactionId() {
        return transactionId;
    }

    /**
     * The client's host name as the mail server verified it (forward-confirmed reverse DNS: the address's PTR name
     * resolves back to the address). It never grants relay; access tables and {@code rhsbl_client_sites} look it
     * up.
     *
     * @return the verified host name, or {@code null} (also for {@code unknown}) when the server has none
     * @since 0.1.0
     */
    public @Nullable String clientName() {
        return clientName;
    }

    /**
     * The certificate the client presented in the TLS handshake, verified or not.
     *
     * @return the client certificate, or {@code null} if none was given
     * @since 0.1.0
     */
    public @Nullable X509Certificate tlsClientCertificate() {
        return tlsClientCertificate;
    }

    /**
     * The SHA-256 fingerprint of the client certificate, as given to {@link Builder#tlsClientFingerprints} (a
     * Postfix policy request's {@code ccert_fingerprint}).
     *
     * @return the fingerprint text as given, or {@code null}
     * @since 0.1.0
     */
    public @Nullable String tlsCertificateFingerprint() {
        return tlsCertificateFingerprint;
    }

    /**
     * The SHA-256 fingerprint of the client certificate's public key, as given to
     * {@link Builder#tlsClientFingerprints} (a Postfix policy request's {@code ccert_pubkey_fingerprint}).
     *
     * @return the fingerprint text as given, or {@code null}
     * @since 0.1.0
     */
    public @Nullable String tlsPublicKeyFingerprint() {
        return tlsPublicKeyFingerprint;
    }

    /**
     * The request for a log line: every value quoted, characters outside printable ASCII escaped as
     * {@code \}{@code uXXXX}, each value cut after 128 characters, so client input cannot forge log lines.
     *
     * @return the escaped request
     */
    @Override
    public String toString() {
        return "RelayRequest[client=" + quote(client) + ", helo=" + quote(helo) + ", sender=" + quote(sender)
                + ", recipient=" + quote(recipient) + ", authenticatedUser=" + quote(authenticatedUser)
                + (transactionId == null ? "" : ", transactionId=" + quote(transactionId))
                + (clientName == null ? "" : ", clientName=" + quote(clientName))
                + (tlsClientCertificate == null && tlsCertificateFingerprint == null
                        && tlsPublicKeyFingerprint == null ? "" : ", tlsClientCertificate=present")
                + "]";
    }

    private static String quote(@Nullable String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(Math.min(value.length(), 128) + 8).append('"');
        for (int i = 0; i < value.length(); i++) {
            if (i == 128) {
                sb.append("...");
                break;
            }
            char c = value.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                sb.append(c);
            } else {
                sb.append(String.format(java.util.Locale.ROOT, "\\u%04X", (int) c));
            }
        }
        return sb.append('"').toString();
    }

    /**
     * Builds a {@link RelayRequest}. Not thread-safe; {@link #build()} copies the values, so later calls do not
     * change a request already built.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private @Nullable String client;
        private @Nullable InetAddress clientAddress;
        private @Nullable String helo;
        private @Nullable String sender;
        private @Nullable String recipient;
        private @Nullable String authenticatedUser;
        private @Nullable String transactionId;
        private @Nullable String clientName;
        private @Nullable X509Certificate tlsClientCertificate;
        private @Nullable String tlsCertificateFingerprint;
        private @Nullable String tlsPublicKeyFingerprint;

        private Builder() {
        }

        /**
         * Sets the client address as text.
         *
         * @param clientAddress IPv4 or IPv6 address text
         * @return this builder
         */
        public Builder client(@Nullable String clientAddress) {
            this.client = clientAddress;
            this.clientAddress = null;
            return this;
        }

        /**
         * Sets the client address, e.g. from {@code Socket.getInetAddress()}.
         *
         * @param clientAddress the client's address
         * @return this builder
         */
        public Builder client(@Nullable InetAddress clientAddress) {
            this.clientAddress = clientAddress;
            this.client = clientAddress == null ? null : clientAddress.getHostAddress();
            return this;
        }

        /**
         * Sets the HELO/EHLO name.
         *
         * @param helo the name the client gave
         * @return this builder
         */
        public Builder helo(@Nullable String helo) {
            this.helo = helo;
            return this;
        }

        /**
         * Sets the {@code MAIL FROM} path.
         *
         * @param sender the sender path, {@code <>} for the null sender
         * @return this builder
         */
        public Builder sender(@Nullable String sender) {
            this.sender = sender;
            return this;
        }

        /**
         * Sets the {@code RCPT TO} path.
         *
         * @param recipient the recipient path
         * @return this builder
         */
        public Builder recipient(@Nullable String recipient) {
            this.recipient = recipient;
            return this;
        }

        /**
         * Sets the user the client authenticated as.
         *
         * @param authenticatedUser the SMTP AUTH identity, or {@code null} if none
         * @return this builder
         */
        public Builder authenticatedUser(@Nullable String authenticatedUser) {
            this.authenticatedUser = authenticatedUser;
            return this;
        }

        /**
         * Sets the mail transaction this recipient belongs to, so that message rate limits count a message once
         * and {@code recipients_per_message} counts its recipients. The id must be unique among the transactions
         * of all sessions of the server for as long as the transaction lasts: a mail server passes its session id
         * and MAIL command counter ({@code "s42.3"}); a Postfix policy request has {@code instance}. Without it,
         * message rate limits and {@code recipients_per_message} count nothing.
         *
         * @param transactionId the transaction id, or {@code null} for none
         * @return this builder
         * @since 0.1.0
         */
        public Builder transactionId(@Nullable String transactionId) {
            this.transactionId = transactionId;
            return this;
        }

        /**
         * Sets the client's host name as the mail server verified it: the name of the address's PTR record when
         * that name resolves back to the address (Postfix's {@code client_name}). Give {@code null} or
         * {@code unknown} when there is none. A name that is merely claimed (HELO, an unverified PTR) must not be
         * given here.
         *
         * @param clientName the verified host name, or {@code null}
         * @return this builder
         * @since 0.1.0
         */
        public Builder clientName(@Nullable String clientName) {
            this.clientName = clientName;
            return this;
        }

        /**
         * Sets the certificate the client presented in the TLS handshake. The engine computes its SHA-256
         * fingerprint and that of its public key for {@code relay_clientcerts}; fingerprints given to
         * {@link #tlsClientFingerprints} are used instead when they are set.
         *
         * @param certificate the client certificate, or {@code null} if none
         * @return this builder
         * @since 0.1.0
         */
        public Builder tlsClientCertificate(@Nullable X509Certificate certificate) {
            this.tlsClientCertificate = certificate;
            return this;
        }

        /**
         * Sets the SHA-256 fingerprints of the client certificate and of its public key, as a Postfix policy request
         * carries them ({@code ccert_fingerprint}, {@code ccert_pubkey_fingerprint}): hexadecimal, any case, with or
         * without colons. Either may be {@code null}.
         *
         * @param certificateSha256 the certificate's fingerprint, or {@code null}
         * @param publicKeySha256 the public key's fingerprint, or {@code null}
         * @return this builder
         * @since 0.1.0
         */
        public Builder tlsClientFingerprints(@Nullable String certificateSha256, @Nullable String publicKeySha256) {
            this.tlsCertificateFingerprint = certificateSha256;
            this.tlsPublicKeyFingerprint = publicKeySha256;
            return this;
        }

        /**
         * Builds the request.
         *
         * @return an immutable request
         */
        public RelayRequest build() {
            return new RelayRequest(this);
        }
    }
}

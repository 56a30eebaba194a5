package io.github.relaypolicy.core;

import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.internal.dns.ListSpec;
import io.github.relaypolicy.core.internal.engine.ConfigBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.Executor;

/**
 * The settings of a {@link RelayEngine.Builder}: the configuration vocabulary of the engine, one method a setting.
 * Every setting is checked when it is given: a value that cannot be used throws at once, naming the setting and the
 * value, and leaves the builder as it was. List settings add to what was given before. Files are read by
 * {@link RelayEngine.Builder#build()} (the local zones) and by {@link #senderLoginMaps}, when it is called.
 *
 * <p>Get one with {@link RelayEngine#builder()} (or {@link PolicyFile#builder()}); {@link RelayEngine.Builder} is
 * the only subclass. Not thread-safe.
 *
 * @since 0.1.0
 */
public abstract sealed class EngineSettings permits RelayEngine.Builder {

    /** The settings given so far, checked. */
    final ConfigBuilder config;

    EngineSettings(ConfigBuilder config) {
        this.config = config;
    }

    private RelayEngine.Builder self() {
        return (RelayEngine.Builder) this; // sealed: the only subclass
    }

    /**
     * Adds domains we are the final destination for. {@code example.org} matches that domain only,
     * {@code .example.org} it and all its subdomains, {@code *.example.org} only its subdomains; address
     * literals ({@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]}) make mail to that literal local.
     *
     * @param patterns domain patterns
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder localDomains(String... patterns) {
        return localDomains(Arrays.asList(patterns));
    }

    /**
     * Adds domains we are the final destination for; see {@link #localDomains(String...)}.
     *
     * @param patterns domain patterns
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder localDomains(Collection<String> patterns) {
        config.domains(patterns, false);
        return self();
    }

    /**
     * Adds domains we relay for from any client (we are their backup MX or smarthost). Same patterns as
     * {@link #localDomains(String...)}.
     *
     * @param patterns domain patterns
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder relayDomains(String... patterns) {
        return relayDomains(Arrays.asList(patterns));
    }

    /**
     * Adds domains we relay for; see {@link #relayDomains(String...)}.
     *
     * @param patterns domain patterns
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder relayDomains(Collection<String> patterns) {
        config.domains(patterns, true);
        return self();
    }

    /**
     * Adds networks whose clients may relay anywhere: IPv4 or IPv6 addresses and CIDR networks; a leading
     * {@code !} excludes. The most specific entry containing the client wins. An IPv4-mapped IPv6 network
     * ({@code ::ffff:192.0.2.0/120}) is the IPv4 network it carries.
     *
     * @param networks network entries
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder trustedNetworks(String... networks) {
        return trustedNetworks(Arrays.asList(networks));
    }

    /**
     * Adds trusted networks; see {@link #trustedNetworks(String...)}.
     *
     * @param networks network entries
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder trustedNetworks(Collection<String> networks) {
        config.trustedNetworks(networks);
        return self();
    }

    /**
     * Whether a client that authenticated (SMTP AUTH) may relay anywhere. Default: {@code true}.
     *
     * @param permit true to permit authenticated relay
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder permitAuthenticated(boolean permit) {
        config.permitAuthenticated(permit);
        return self();
    }

    /**
     * Sets the reply of a rule, one of the names in {@link io.github.relaypolicy.RuleNames}, or
     * {@code sender_login_mismatch.unauthenticated}: the reply of {@code sender_login_mismatch} to a client that did
     * not authenticate (default {@code 553 5.7.1 <{sender}>: Sender address rejected: not logged in}), while
     * {@code sender_login_mismatch} sets its reply to an authenticated one (default {@code 553 5.7.1 <{sender}>:
     * Sender address rejected: not owned by user {user}}). The text may name {@code {recipient}},
     * {@code {sender}}, {@code {client}}, {@code {helo}} and {@code {user}} (the authenticated user); echoed values are
     * escaped and capped, and a line that the echoes make longer than 512 octets (RFC 5321 section
     * 4.5.3.1.5) is cut to fit, ending in {@code ...}. The code decides the verdict: a refusing rule must
     * answer 4xx (defer) or 5xx (refuse), an accepting rule 2xx.
     *
     * @param rule the rule's name, e.g. {@code reject_unauth_destination}
     * @param reply the reply
     * @return this builder
     * @throws IllegalArgumentException if the rule is unknown, the code does not fit the rule, the text has
     *     an unknown placeholder, or the reply without its placeholders is longer than an SMTP reply line
     *     (512 octets with CRLF)
     * @throws IllegalStateException if a reply was already set for this rule
     * @since 0.1.0
     */
    public RelayEngine.Builder reply(String rule, SmtpReply reply) {
        config.reply(rule, reply);
        return self();
    }

    /**
     * Reads sender login maps: which logins (SMTP AUTH users) may use which MAIL FROM addresses, in Postfix's
     * {@code smtpd_sender_login_maps} text format. One entry a line, {@code KEY LOGIN[, LOGIN...]} (logins separated
     * by commas and/or whitespace); KEY is {@code user@domain} or {@code @domain} (every address of the domain), a
     * local part with spaces in double quotes; a line starting with whitespace continues the one above; a line whose
     * first non-blank character is {@code #} is a comment. An address is looked up as Postfix does: the full
     * address, then without its extension (with {@link #recipientDelimiter}), then {@code @domain}; case-insensitive,
     * a quoted local part the same as the unquoted one, an internationalized domain in its A-label form. What the
     * maps enforce is {@link #senderLoginMismatch} (default {@link SenderLoginMismatch#AUTHENTICATED}).
     *
     * <p>The files are read now, every line checked: an engine built from this builder keeps what they held. An
     * engine made by {@link RelayEngine#fromFile} reads them again, with the policy file, whenever one of them
     * changes. Adds to the maps given before; a key given twice (in any file, or by {@link #senderLogin}) is an
     * error.
     *
     * @param files the map files
     * @return this builder
     * @throws IllegalArgumentException naming every bad line as {@code file:line:column}, or a file that cannot be
     *     read; the builder is left as it was
     * @since 0.1.0
     */
    public RelayEngine.Builder senderLoginMaps(Path... files) {
        config.senderLoginMaps(Arrays.asList(files));
        return self();
    }

    /**
     * Reads client access tables, Postfix's {@code check_client_access} in {@code cidr_table(5)} format: one
     * {@code NETWORK ACTION [text]} a line, IPv4 and IPv6, the first matching line of a file wins. A table written
     * {@code regexp:FILE} or {@code pcre:FILE} is a {@code regexp_table(5)}/{@code pcre_table(5)} file matched
     * against the client's verified name, then its address (it needs the {@code relay-policy-regexp} module).
     *
     * <p>The actions are those of Postfix's {@code access(5)}: {@code REJECT [text]}, {@code DEFER [text]},
     * {@code 4NN text}, {@code 5NN text} refuse with Postfix's reply ({@code 554 5.7.1 <name[address]>: Client host
     * rejected: Access denied}); {@code OK} ends the table checks and skips the DNS lists but never grants relay;
     * {@code RELAY} (relay-policy's own) grants relay like {@code mynetworks}; {@code DUNNO} goes on;
     * {@code WARN text} is a trace step; {@code DISCARD}, {@code HOLD}, {@code FILTER}, {@code REDIRECT},
     * {@code PREPEND} are {@link io.github.relaypolicy.Decision#hostActions() host actions}. Any other action is an
     * error. Tables are checked after the relay rules (a refused relay stays refused) and before rate limits and DNS
     * lists, in the order client, HELO, sender, recipient, each family's files in the order given.
     *
     * <p>The files are read now, every line checked: an engine built from this builder keeps what they held. An
     * engine made by {@link RelayEngine#fromFile} reads them again, with the policy file, whenever one changes.
     * Adds to the tables given before.
     *
     * @param tables the table files, optionally prefixed {@code cidr:}, {@code regexp:} or {@code pcre:}
     * @return this builder
     * @throws IllegalArgumentException naming every bad line as {@code file:line:column}, a file that cannot be
     *     read, or a table type this family cannot read; the builder is left as it was
     * @since 0.1.0
     */
    public RelayEngine.Builder checkClientAccess(String... tables) {
        config.accessTables(io.github.relaypolicy.core.internal.access.Family.CLIENT, "checkClientAccess",
                Arrays.asList(tables));
        return self();
    }

    /**
     * Reads HELO access tables, Postfix's {@code check_helo_access}: the {@code access(5)} text format (the source
     * that {@code postmap} compiles; {@code hash:}, {@code texthash:} and the other indexed types name the same text
     * file), or {@code regexp:}/{@code pcre:} tables. A HELO name is looked up whole, then by its parent domains
     * ({@code example.com} matches {@code mx.example.com}: Postfix's default {@code parent_domain_matches_subdomains});
     * keys are case-insensitive and internationalized names match in either form. Actions and order as
     * {@link #checkClientAccess}; {@code RELAY} is not allowed here. The reply names the class {@code Helo command}.
     *
     * @param tables the table files
     * @return this builder
     * @throws IllegalArgumentException as {@link #checkClientAccess}
     * @since 0.1.0
     */
    public RelayEngine.Builder checkHeloAccess(String... tables) {
        config.accessTables(io.github.relaypolicy.core.internal.access.Family.HELO, "checkHeloAccess",
                Arrays.asList(tables));
        return self();
    }

    /**
     * Reads sender access tables, Postfix's {@code check_sender_access}: {@code access(5)} text or
     * {@code regexp:}/{@code pcre:} tables. The MAIL FROM address is looked up as {@code access(5)} says:
     * {@code user+ext@domain} (with {@link #recipientDelimiter}), {@code user@domain}, {@code domain} and its parent
     * domains, {@code user+ext@}, {@code user@}; the null sender as {@link #smtpdNullAccessLookupKey} ({@code <>}).
     * Actions and order as {@link #checkClientAccess}; {@code RELAY} is not allowed here.
     *
     * @param tables the table files
     * @return this builder
     * @throws IllegalArgumentException as {@link #checkClientAccess}
     * @since 0.1.0
     */
    public RelayEngine.Builder checkSenderAccess(String... tables) {
        config.accessTables(io.github.relaypolicy.core.internal.access.Family.SENDER, "checkSenderAccess",
                Arrays.asList(tables));
        return self();
    }

    /**
     * Reads recipient access tables, Postfix's {@code check_recipient_access}, looked up as
     * {@link #checkSenderAccess} looks up the sender. {@code RELAY} makes the recipient relayable from any client,
     * like {@link #relayDomains} (routing tricks stay refused, DNS lists still apply). Actions and order as
     * {@link #checkClientAccess}.
     *
     * @param tables the table files
     * @return this builder
     * @throws IllegalArgumentException as {@link #checkClientAccess}
     * @since 0.1.0
     */
    public RelayEngine.Builder checkRecipientAccess(String... tables) {
        config.accessTables(io.github.relaypolicy.core.internal.access.Family.RECIPIENT, "checkRecipientAccess",
                Arrays.asList(tables));
        return self();
    }

    /**
     * The key a null sender ({@code MAIL FROM:<>}) is looked up with in sender access tables, Postfix's
     * {@code smtpd_null_access_lookup_key}. Default {@code <>}.
     *
     * @param key one word, e.g. {@code <>} or {@code MAILER-DAEMON}
     * @return this builder
     * @throws IllegalArgumentException if the key is empty or holds whitespace or control characters
     * @since 0.1.0
     */
    public RelayEngine.Builder smtpdNullAccessLookupKey(String key) {
        config.nullAccessKey(key);
        return self();
    }

    /**
     * Binds one address, or every address of a domain, to the logins that may use it: one line of a sender login
     * map given without a file; see {@link #senderLoginMaps}.
     *
     * @param key {@code user@domain} or {@code @domain}, e.g. {@code bob@example.org}
     * @param logins the logins, at least one
     * @return this builder
     * @throws IllegalArgumentException if the key is not an address or domain, or a login is empty, longer than 255
     *     characters or holds whitespace, a comma or a control character
     * @throws IllegalStateException if the key was given before
     * @since 0.1.0
     */
    public RelayEngine.Builder senderLogin(String key, String... logins) {
        config.senderLogin(key, logins);
        return self();
    }

    /**
     * Which clients the sender login maps bind; see {@link SenderLoginMismatch}. The binding is checked after a
     * rule accepted the recipient (a refused relay attempt stays refused by its relay rule) and before DNS lists;
     * it refuses with {@code 553 5.7.1 <{sender}>: Sender address rejected: not owned by user {user}}, or
     * {@code ...: not logged in} for a client that did not authenticate (rule {@code sender_login_mismatch}).
     * Default: {@link SenderLoginMismatch#AUTHENTICATED} when maps are given.
     *
     * @param mode the mode
     * @return this builder
     * @throws IllegalArgumentException at {@link RelayEngine.Builder#build()} if a mode other than {@code OFF} is
     *     set but no maps are given
     * @since 0.1.0
     */
    public RelayEngine.Builder senderLoginMismatch(SenderLoginMismatch mode) {
        config.senderLoginMismatch(mode);
        return self();
    }

    /**
     * The characters that start an address extension, as Postfix's {@code recipient_delimiter}: with {@code +},
     * the sender login maps look {@code user+tag@domain} up as {@code user@domain} too (after the full address).
     * Each character is a delimiter; the local part is cut at the first one, unless it comes first. Default: none.
     *
     * @param delimiters one or more punctuation characters, e.g. {@code +} or {@code +-}; empty for none
     * @return this builder
     * @throws IllegalArgumentException if a character is a letter, digit, space, control character, non-ASCII,
     *     an at sign, or one of {@code "\<>()[],;:.}
     * @since 0.1.0
     */
    public RelayEngine.Builder recipientDelimiter(String delimiters) {
        config.recipientDelimiter(delimiters);
        return self();
    }

    /**
     * Reads the client certificates that may relay, in Postfix's {@code relay_clientcerts} format: one
     * {@code FINGERPRINT [comment]} a line, the SHA-256 fingerprint of a certificate or of its public key in hex,
     * {@code AB:CD:...} or without colons, any case; a line whose first non-blank character is {@code #} is a
     * comment. A line that is not a SHA-256 fingerprint (an MD5 or SHA-1 fingerprint, a wrong length, a character
     * that is not a hex digit) is an error. The certificates grant relay only with
     * {@link #permitTlsClientCerts permitTlsClientCerts(true)}.
     *
     * <p>The files are read now, every line checked: an engine built from this builder keeps what they held. An
     * engine made by {@link RelayEngine#fromFile} reads them again, with the policy file, whenever one of them
     * changes. Adds to the fingerprints given before; a fingerprint given twice is an error.
     *
     * @param files the fingerprint files
     * @return this builder
     * @throws IllegalArgumentException naming every bad line as {@code file:line:column}, or a file that cannot be
     *     read; the builder is left as it was
     * @since 0.1.0
     */
    public RelayEngine.Builder relayClientCerts(Path... files) {
        config.relayClientCerts(Arrays.asList(files));
        return self();
    }

    /**
     * Lists client certificates that may relay by their SHA-256 fingerprints (of the certificate or of its public
     * key): lines of a {@code relay_clientcerts} file given without a file; see {@link #relayClientCerts}.
     *
     * @param fingerprints SHA-256 fingerprints in hex, {@code AB:CD:...} or without colons, any case
     * @return this builder
     * @throws IllegalArgumentException if a fingerprint is not 32 bytes of hex (an MD5 or SHA-1 fingerprint, say)
     * @throws IllegalStateException if a fingerprint was given before
     * @since 0.1.0
     */
    public RelayEngine.Builder relayClientCert(String... fingerprints) {
        config.relayClientCert(fingerprints);
        return self();
    }

    /**
     * Whether a client whose TLS certificate is listed in {@link #relayClientCerts relay_clientcerts} may relay
     * anywhere, like a client in a trusted network (Postfix's {@code permit_tls_clientcerts}). The grant comes right
     * after the trusted networks and before authentication; the DNS lists are not asked for such a client. The
     * request carries the certificate ({@code RelayRequest.Builder.tlsClientCertificate}) or its fingerprints
     * ({@code RelayRequest.Builder.tlsClientFingerprints}); the mail server must have verified that the client holds
     * the certificate's private key (the TLS handshake does). Default: {@code false}.
     *
     * @param permit whether listed certificates grant relay
     * @return this builder
     * @throws IllegalArgumentException at {@link RelayEngine.Builder#build()} if {@code true} but no fingerprint
     *     (file or entry) is given: no certificate could ever relay
     * @since 0.1.0
     */
    public RelayEngine.Builder permitTlsClientCerts(boolean permit) {
        config.permitTlsClientCerts(permit);
        return self();
    }

    /**
     * Adds a DNS block list of client addresses, in Postfix postscreen syntax {@code zone[=filter][*weight]}:
     * {@code zen.spamhaus.org=127.0.0.[2..11;30]*3}. Filters: exact {@code 127.0.0.2}, ranges
     * {@code 127.0.0.[2..11]}, lists {@code 127.0.0.[2;4;10]}, or a bit mask {@code zone&0.0.0.4}. The
     * weight (default 1) must be positive. Lists are consulted only for untrusted, unauthenticated clients
     * whose recipient is in a local or relay domain ({@link #authDnsbl} lists are for authenticated clients).
     *
     * @param spec the list
     * @return this builder
     * @throws IllegalArgumentException naming the specification and what is wrong with it
     * @since 0.1.0
     */
    public RelayEngine.Builder dnsbl(String spec) {
        config.list(ListSpec.Kind.DNSBL, spec);
        return self();
    }

    /**
     * Adds a DNS allow list of client addresses: same syntax, a negative weight (default -1) that offsets
     * block-list listings, e.g. {@code list.dnswl.org=127.0.[0..255].[2..3]*-5}.
     *
     * @param spec the list
     * @return this builder
     * @throws IllegalArgumentException naming the specification and what is wrong with it
     * @since 0.1.0
     */
    public RelayEngine.Builder dnswl(String spec) {
        config.list(ListSpec.Kind.DNSWL, spec);
        return self();
    }

    /**
     * Adds a DNS block list of sender domains, checked on the MAIL FROM domain (the null sender and address
     * literals are not looked up): {@code dbl.spamhaus.org=127.0.1.[2..99]*3}.
     *
     * @param spec the list
     * @return this builder
     * @throws IllegalArgumentException naming the specification and what is wrong with it
     * @since 0.1.0
     */
    public RelayEngine.Builder rhsbl(String spec) {
        config.list(ListSpec.Kind.RHSBL, spec);
        return self();
    }

    /**
     * Adds a DNS block list of host names asked with the client's HELO name (Postfix's {@code reject_rhsbl_helo}),
     * same syntax as {@link #rhsbl}. The name is asked as given, in lower-case A-labels without a trailing dot; an
     * address literal ({@code [192.0.2.1]}), a single label ({@code localhost}) or an invalid name is not asked.
     * Asked where {@link #dnsbl} lists are, and scored with them; a listing refuses with rule
     * {@code reject_rhsbl_helo} and {@code 554 5.7.1 Service unavailable; Helo command [NAME] blocked using ZONE}.
     *
     * @param spec the list
     * @return this builder
     * @throws IllegalArgumentException naming the specification and what is wrong with it
     * @since 0.1.0
     */
    public RelayEngine.Builder rhsblHelo(String spec) {
        config.list(ListSpec.Kind.RHSBL_HELO, spec);
        return self();
    }

    /**
     * Adds a DNS block list of host names asked with the client's verified host name
     * ({@code RelayRequest.clientName()}; Postfix's {@code reject_rhsbl_client}), same syntax as {@link #rhsbl}. A
     * request without a name ({@code null} or {@code unknown}) does not ask it. Asked where {@link #dnsbl} lists
     * are, and scored with them; a listing refuses with rule {@code reject_rhsbl_client} and
     * {@code 554 5.7.1 Service unavailable; Client host [NAME] blocked using ZONE}.
     *
     * @param spec the list
     * @return this builder
     * @throws IllegalArgumentException naming the specification and what is wrong with it
     * @since 0.1.0
     */
    public RelayEngine.Builder rhsblClient(String spec) {
        config.list(ListSpec.Kind.RHSBL_CLIENT, spec);
        return self();
    }

    /**
     * Adds a DNS block list of client addresses asked only for authenticated clients (Spamhaus AuthBL, addresses
     * seen using stolen SMTP AUTH credentials), same syntax as {@link #dnsbl}:
     * {@code KEY.authbl.dq.spamhaus.net=127.0.0.20}. It is asked only when the client authenticated and
     * {@link #permitAuthenticated authenticated relay} is what accepts the recipient, never for trusted networks
     * or unauthenticated clients (which {@link #dnsbl} lists are for). These lists are scored on their own
     * against {@link #dnsblThreshold}; a score at or above it refuses with rule
     * {@link io.github.relaypolicy.RuleNames#AUTH_DNSBL}, by default
     * {@code 554 5.7.1 Service unavailable; authenticated mail from client [{client}] is refused}, which names
     * neither the list nor its TXT record (overridable per zone with {@link #dnsblReply}). A list that does not
     * answer follows {@link #dnsFailure(DnsFailure)}, as other lists do.
     *
     * @param spec the list
     * @return this builder
     * @throws IllegalArgumentException naming the specification and what is wrong with it
     * @since 0.1.0
     */
    public RelayEngine.Builder authDnsbl(String spec) {
        config.list(ListSpec.Kind.AUTH_DNSBL, spec);
        return self();
    }

    /**
     * The score at or above which listings refuse the recipient. Default: 1.
     *
     * @param threshold a positive score
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder dnsblThreshold(int threshold) {
        config.dnsblThreshold(threshold);
        return self();
    }

    /**
     * The DNS servers to ask, as IP addresses with an optional port: {@code 127.0.0.1:5353},
     * {@code [::1]:53}, {@code 192.0.2.53}. Default: the system's resolvers.
     *
     * @param servers server addresses
     * @return this builder
     * @throws IllegalArgumentException naming an entry that is not an address
     * @since 0.1.0
     */
    public RelayEngine.Builder dnsServers(String... servers) {
        config.dnsServers(servers);
        return self();
    }

    /**
     * The deadline of all DNS list queries of one decision. Default: 5 seconds.
     *
     * @param timeout a positive duration, at most 10 minutes
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder dnsTimeout(Duration timeout) {
        config.dnsTimeout(timeout);
        return self();
    }

    /**
     * The most DNS list queries in flight at once (A and TXT queries, all lists together). Each holds one socket
     * (one file descriptor) until it is answered or times out ({@link #dnsTimeout(Duration)}), so this bounds
     * the descriptors and memory a slow or silent DNS server can make the engine hold, however many decisions
     * arrive: DNS sockets stay below twice this number (a finished query's socket is closed for good by
     * dnsjava's I/O thread on its next turn). Whatever is set here, all engines of the process together keep
     * at most a quarter of the process's limit of open files in queries, so that DNS sockets never take more
     * than half of it. At most four times as many decisions wait for answers (several can share a query).
     * Default: 2000.
     *
     * <p>At a limit nothing waits and nothing fails: a decision that would need a new query takes the list's
     * failure answer at once ({@link #dnsFailure(String, DnsFailure) dns_failure}: defer with 451 4.7.1, or
     * ignore the list), and its trace says that the list was not asked because a local limit was reached.
     * Such a refusal to ask, like a query for which no socket could be opened, is not cached: the next
     * decision asks the list again.
     *
     * @param maxInFlight from 1 to 1,000,000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @since 0.1.0
     */
    public RelayEngine.Builder dnsMaxInFlight(int maxInFlight) {
        config.dnsMaxInFlight(maxInFlight);
        return self();
    }

    /**
     * Where DNS list answers complete, and so where the stages chained to {@link RelayEngine#decideAsync} run
     * when the decision waited for DNS; a decision whose lists' deadline passed is completed there too, and the
     * DNS caches do their upkeep there. A decision made without waiting (no list, or every answer cached) is
     * complete when {@code decideAsync} returns: stages chained to it run on the caller's thread. Default: the
     * engine's own two daemon threads, shared by every engine of the process (a deadline then completes the
     * decision on the JDK's timer thread).
     *
     * <p>The executor must run each task soon and must not reject tasks while the engine is in use: a list whose
     * answer cannot be handed over counts as failing to answer. A direct executor ({@code Runnable::run}) works:
     * answers are then handled on dnsjava's I/O thread and deadlines on a timer thread, so stages chained to
     * {@code decideAsync} must not block. {@link RelayEngine#decide} waits for the answers on its own thread:
     * do not call it from the threads of a bounded executor given here (a single-threaded one, say), whose
     * answers would queue behind the very decisions waiting for them until the deadline plus one second,
     * when they defer as an internal error.
     *
     * <p>It applies to the engine built, or reloaded, with this builder; the engine never shuts it down.
     *
     * @param executor where answers complete and {@code decideAsync}'s dependent stages run
     * @return this builder
     * @throws NullPointerException if {@code executor} is null
     * @since 0.1.0
     */
    public RelayEngine.Builder executor(Executor executor) {
        config.executor(executor);
        return self();
    }

    /**
     * What the engine reports to as it works: each DNS query of a list (latency and outcome), the use of the DNS
     * caches, the reloads of the local zone files; see {@link EngineListener}. Like {@link #executor}, it is not a
     * policy-file setting: a host gives it in code (the {@code serve} command gives its metrics). A decision that
     * consults no DNS list calls nothing, with or without a listener. What the listener throws is ignored. Default:
     * {@link EngineListener#NONE}. A later call replaces the listener given before.
     *
     * <p>It applies to the engine built, or reloaded, with this builder: the reports of an engine always go to the
     * listener of the rules in force.
     *
     * @param listener the listener
     * @return this builder
     * @throws NullPointerException if {@code listener} is null
     * @since 0.1.0
     */
    public RelayEngine.Builder listener(EngineListener listener) {
        config.listener(listener);
        return self();
    }

    /**
     * What a list's failure to answer does when it could change the decision, for every list. Default:
     * {@link DnsFailure#DEFER}.
     *
     * @param failure defer or ignore
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder dnsFailure(DnsFailure failure) {
        config.dnsFailure(failure);
        return self();
    }

    /**
     * What the failures of one list's zone do, overriding {@link #dnsFailure(DnsFailure)}.
     *
     * @param zone the list's zone, e.g. {@code bl.spamcop.net}
     * @param failure defer or ignore
     * @return this builder
     * @throws IllegalStateException if it was already set for this zone
     * @since 0.1.0
     */
    public RelayEngine.Builder dnsFailure(String zone, DnsFailure failure) {
        config.dnsFailure(zone, failure);
        return self();
    }

    /**
     * The reply when a zone's listing refuses. The text may name {@code {client}}, {@code {domain}} (the
     * sender domain, for domain lists), {@code {zone}} (the list's name: its zone without a secret key, or
     * as {@link #dnsListName} sets it) and {@code {txt}} ({@code "; "} and the list's TXT
     * reason, control characters stripped, or nothing). Default: {@code 554 5.7.1 Service unavailable;
     * client [{client}] blocked using {zone}{txt}}. A 4xx reply defers listed clients (verdict TEMPFAIL)
     * instead of refusing them.
     *
     * @param zone the list's zone
     * @param reply a 4xx or 5xx reply
     * @return this builder
     * @throws IllegalArgumentException if the code is not 4xx or 5xx, the text names another placeholder, or
     *     the reply without its placeholders is longer than an SMTP reply line (512 octets with CRLF)
     * @throws IllegalStateException if it was already set for this zone
     * @since 0.1.0
     */
    public RelayEngine.Builder dnsblReply(String zone, SmtpReply reply) {
        config.dnsblReply(zone, reply);
        return self();
    }

    /**
     * The name SMTP replies give one list, for {@code {zone}} in its refusals (the default reply and
     * {@link #dnsblReply}) and in the deferral when it fails to answer. Default: the zone, except for zones that
     * carry a secret key, which are named without it: Spamhaus DQS {@code KEY.zen.dq.spamhaus.net} is
     * {@code zen.dq.spamhaus.net}, Abusix {@code KEY.combined.mail.abusix.zone} is
     * {@code combined.mail.abusix.zone}. Whatever the name, such a key is masked wherever it would appear in a
     * reply; traces and health reports show it masked too.
     *
     * @param zone the list's zone, as its specification names it (key included)
     * @param name 1 to 64 printable ASCII characters without {@code {}} or {@code }}}, e.g.
     *     {@code Spamhaus ZEN}
     * @return this builder
     * @throws IllegalArgumentException if the zone or the name is invalid, or the name holds the zone's key
     * @throws IllegalStateException if it was already set for this zone
     * @since 0.1.0
     */
    public RelayEngine.Builder dnsListName(String zone, String name) {
        config.dnsListName(zone, name);
        return self();
    }

    /**
     * How long DNS list answers are cached: their TTL, but at least {@code floor} and at most
     * {@code ceiling} (at most 30 days); at most {@code maxEntries} answers. Defaults: 10 s, 1 h, 100,000. The
     * outcome the lists give a client is kept with its answers (at most {@code maxEntries} outcomes, each no
     * longer than the first of its answers expires), so that a decision made from the cache is one hash probe.
     *
     * @param floor the shortest time an answer is kept
     * @param ceiling the longest time an answer is kept
     * @param maxEntries the most answers kept
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder dnsCache(Duration floor, Duration ceiling, long maxEntries) {
        config.dnsCache(floor, ceiling, maxEntries);
        return self();
    }

    /**
     * Serves a list zone from an rbldnsd data file, looked up in-process instead of by DNS. The file's type
     * comes from its name: {@code .ip4set}, {@code .ip4trie}, {@code .ip6trie} or {@code .dnset}. A list that
     * names the zone ({@code dnsbl("bl.local*3")}) is answered from the file; a zone no list names is a
     * block list of weight 1 (client lists for address files, a sender-domain list for {@code .dnset}). The
     * file is reloaded atomically when it changes; a malformed line refuses the file.
     *
     * @param zone the zone name, e.g. {@code bl.local}
     * @param file the rbldnsd data file
     * @return this builder
     * @throws IllegalArgumentException if the file name has no known type
     * @since 0.1.0
     */
    public RelayEngine.Builder localZone(String zone, Path file) {
        return localZone(zone, file, MalformedLines.REFUSE);
    }

    /**
     * Serves a list zone from an rbldnsd data file, choosing what malformed lines do; see
     * {@link #localZone(String, Path)}.
     *
     * @param zone the zone name
     * @param file the rbldnsd data file, named {@code *.ip4set}, {@code *.ip4trie}, {@code *.ip6trie} or
     *     {@code *.dnset}
     * @param malformed refuse the file or skip the line (reported either way)
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder localZone(String zone, Path file, MalformedLines malformed) {
        config.localZone(zone, file, malformed);
        return self();
    }

    /**
     * How often local zone files are checked for changes. Default: one minute, as rbldnsd.
     *
     * @param interval from one millisecond to one day
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder localZoneCheckInterval(Duration interval) {
        config.localZoneCheckInterval(interval);
        return self();
    }

    /**
     * The largest local zone file loaded, at build time and on reloads: a larger file is refused with an error
     * naming it, its size and this cap, and on a reload the previous data stay. Default: 256 MiB.
     *
     * @param bytes from 1 byte to 1 GiB
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @since 0.1.0
     */
    public RelayEngine.Builder localZoneMaxSize(long bytes) {
        config.localZoneMaxSize(bytes);
        return self();
    }

    // ------------------------------------------------------------------------------------------- rate limits

    /**
     * Adds limits on accepted recipients per identity and period: {@code KIND:COUNT/PERIOD}, KIND {@code user} (the
     * SASL login), {@code client} (the client address; IPv6 clients per /64) or {@code sender} (the MAIL FROM
     * address, case folded; the null sender is not counted), e.g. {@code user:500/1h}, {@code client:200/1m}. A
     * limit lets COUNT through at once, then one every PERIOD/COUNT (GCRA: the counts drain continuously, there
     * is no window edge at which a second full burst gets through). A recipient over a limit is deferred
     * ({@code 451 4.7.1}, rule {@code recipient_rate_limit}) and counted nowhere. Trusted networks and
     * authenticated clients are counted too: a compromised trusted host or a stolen password is what this
     * defends against ({@link #rateLimitExempt(String...)} exempts networks).
     *
     * @param limits the limits, e.g. {@code user:500/1h}
     * @return this builder
     * @throws IllegalArgumentException naming a malformed limit; nothing is added then
     * @since 0.1.0
     */
    public RelayEngine.Builder recipientRateLimit(String... limits) {
        config.rateLimits(List.of(limits), false);
        return self();
    }

    /**
     * Adds limits on messages per identity and period, as {@link #recipientRateLimit(String...)}: a message is a
     * transaction ({@code RelayRequest.builder().transactionId(...)}), counted at its first accepted recipient.
     * Requests without a transaction id are not counted (rule {@code message_rate_limit}).
     *
     * @param limits the limits, e.g. {@code user:100/1h}
     * @return this builder
     * @throws IllegalArgumentException naming a malformed limit; nothing is added then
     * @since 0.1.0
     */
    public RelayEngine.Builder messageRateLimit(String... limits) {
        config.rateLimits(List.of(limits), true);
        return self();
    }

    /**
     * The most recipients accepted in one transaction (RFC 5321 section 4.5.3.1.10); more are deferred with
     * {@code 452 4.5.3 Too many recipients} (rule {@code recipients_per_message}). Counts only requests with a
     * transaction id. Default: no limit.
     *
     * @param max from 1 to 65535
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @since 0.1.0
     */
    public RelayEngine.Builder recipientsPerMessage(int max) {
        config.recipientsPerMessage(max);
        return self();
    }

    /**
     * Defers every recipient of a client that collected COUNT refusals within PERIOD, until its count drains again
     * ({@code 451 4.7.1}, rule {@code refusal_rate_limit}): a relay prober stops getting answers that teach it
     * anything. Every refusal counts (relay attempts, routing tricks, bad syntax, sender binding, DNS listings);
     * deferrals do not.
     *
     * @param limit {@code client:COUNT/PERIOD}, e.g. {@code client:20/10m}
     * @return this builder
     * @throws IllegalArgumentException if malformed or not a client limit
     * @since 0.1.0
     */
    public RelayEngine.Builder refusalRateLimit(String limit) {
        config.refusalRateLimit(limit);
        return self();
    }

    /**
     * Adds networks whose clients no limit counts (default none: trusted networks are counted too).
     *
     * @param networks e.g. {@code 192.0.2.0/24}, {@code 2001:db8::/32}
     * @return this builder
     * @throws IllegalArgumentException naming a malformed network; nothing is added then
     * @since 0.1.0
     */
    public RelayEngine.Builder rateLimitExempt(String... networks) {
        config.rateLimitExempt(List.of(networks));
        return self();
    }

    /**
     * Where the counts are kept: {@code local} (this process, the default) or a shared store such as
     * {@code redis://HOST:PORT[/DB]} (module {@code relay-policy-redis} on the class path), so that several
     * engines enforce one combined limit. The store is connected on first use; while it cannot be reached,
     * {@link #rateLimitFailure(RateLimitFailure)} decides.
     *
     * @param store {@code local} or a URI
     * @return this builder
     * @throws IllegalArgumentException if the URI is malformed or no installed module serves its scheme
     * @since 0.1.0
     */
    public RelayEngine.Builder rateLimitStore(String store) {
        config.rateLimitStore(store);
        return self();
    }

    /**
     * What the limits do while the shared store cannot be reached within the DNS deadline. Default:
     * {@link RateLimitFailure#LOCAL}.
     *
     * @param failure local, defer or ignore
     * @return this builder
     * @since 0.1.0
     */
    public RelayEngine.Builder rateLimitFailure(RateLimitFailure failure) {
        config.rateLimitFailure(failure);
        return self();
    }

    /**
     * The most identities counted in this process (8 bytes each, allocated on first use); when the table is full
     * the coldest identity (the one closest to having drained) is forgotten. Default 1,000,000.
     *
     * @param max from 1,000 to 100,000,000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @since 0.1.0
     */
    public RelayEngine.Builder rateLimitMaxEntries(int max) {
        config.rateLimitMaxEntries(max);
        return self();
    }
}

package io.github.relaypolicy.core.internal.engine;

import io.github.relaypolicy.core.internal.ReplyTemplate;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.match.DomainIndex;
import io.github.relaypolicy.core.internal.match.DomainNames;
import io.github.relaypolicy.core.internal.match.IpText;
import io.github.relaypolicy.core.internal.match.NetworkSet;
import io.github.relaypolicy.core.internal.match.SmtpPath;
import io.github.relaypolicy.HostAction;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.internal.access.AccessSubject;
import io.github.relaypolicy.core.internal.access.AccessTable;
import io.github.relaypolicy.core.internal.access.AccessTables;
import io.github.relaypolicy.core.internal.access.Action;
import io.github.relaypolicy.core.internal.access.Family;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.TraceStep.Outcome;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.internal.dns.DnsLists;
import io.github.relaypolicy.core.internal.dns.ListSubjects;
import io.github.relaypolicy.core.internal.login.SenderBinding;
import io.github.relaypolicy.core.internal.tls.ClientCerts;
import io.github.relaypolicy.core.internal.zone.LocalZone;
import java.time.Duration;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One compiled, immutable rule set: what {@code RelayEngine} swaps atomically on reload. {@link #evaluate}
 * reads only final fields and immutable arrays, so any number of threads may call it at once without locks.
 *
 * <p>The order of the rules follows RFC 2505 and Postfix's {@code smtpd_relay_restrictions}: bad input first,
 * then {@code Postmaster}, then the grants (trusted network, authentication), then sender-specified routing
 * (refused from everyone else even towards our own domains), then the recipient domain. When a rule accepts, the
 * sender binding ({@code sender_login_maps}) may still refuse: it never opens relay, it only narrows what the
 * relay rules let through.
 */
public final class Rules {

    /** Value of a trusted network entry. */
    public static final int TRUSTED = 1;
    /** Value of an excluded ({@code !}) trusted network entry. */
    public static final int EXCLUDED = 0;
    /** Value of a local domain. */
    public static final int LOCAL = 0;
    /** Value of a relay domain. */
    public static final int RELAY = 1;

    /** One way a decision can end: verdict, rule and reply. Shared by all decisions that end this way. */
    public static final class Ending {
        /** No DNS lists follow this ending. */
        static final int NO_LISTS = 0;
        /** The lists for all clients follow (the recipient domain accepted). */
        static final int OPEN_LISTS = 1;
        /** The lists for authenticated clients follow. */
        static final int AUTH_LISTS = 2;

        private final Verdict verdict;
        private final String rule;
        private final ReplyTemplate reply;
        private final int lists;
        private final List<HostAction> hostActions;
        // the same acceptance after an access table's OK: no DNS list follows it
        private @Nullable Ending quiet;

        Ending(String rule, ReplyTemplate reply) {
            this(rule, reply, NO_LISTS, List.of());
        }

        private Ending(String rule, ReplyTemplate reply, int lists, List<HostAction> hostActions) {
            this.verdict = reply.template().verdict();
            this.rule = rule;
            this.reply = reply;
            this.lists = lists;
            this.hostActions = hostActions;
        }

        /** This acceptance followed by the lists of {@code group}. */
        private Ending listing(int group) {
            return new Ending(rule, reply, group, hostActions);
        }

        /** This acceptance without DNS lists (an access table said OK); made once for each accepting ending. */
        private Ending quiet() {
            Ending q = quiet;
            if (q == null) {
                q = lists == NO_LISTS ? this : new Ending(rule, reply, NO_LISTS, hostActions);
                quiet = q;
            }
            return q;
        }

        /** This acceptance with host actions; made per decision, only when a table asks for one. */
        private Ending withActions(List<HostAction> actions, boolean skipLists) {
            return new Ending(rule, reply, skipLists ? NO_LISTS : lists, List.copyOf(actions));
        }

        /** What the mail server must do with the message when this ending accepts; usually empty. */
        public List<HostAction> hostActions() {
            return hostActions;
        }

        public Verdict verdict() {
            return verdict;
        }

        public String rule() {
            return rule;
        }

        public ReplyTemplate reply() {
            return reply;
        }
    }

    /**
     * The reply of {@link RuleNames#SENDER_LOGIN_MISMATCH} to a client that did not authenticate (mode {@code all}):
     * a reply of its own, {@code reply.sender_login_mismatch.unauthenticated}, since Postfix's text differs. The
     * decision's rule is {@code sender_login_mismatch} either way.
     */
    public static final String SENDER_NOT_LOGGED_IN = RuleNames.SENDER_LOGIN_MISMATCH + ".unauthenticated";

    /**
     * The reply of {@link RuleNames#CLIENT_ADDRESS} to a verified client name ({@code RelayRequest.clientName()})
     * with control characters or over 255 characters: a reply of its own, {@code reply.client_address.name}, since
     * the address itself is fine. The decision's rule is {@code client_address}.
     */
    public static final String CLIENT_NAME = RuleNames.CLIENT_ADDRESS + ".name";

    private static final SmtpReply OK = SmtpReply.of(250, "2.1.5", "Ok");
    private static final SmtpReply RELAY_DENIED = SmtpReply.of(554, "5.7.1", "<{recipient}>: Relay access denied");

    /** Every rule that can decide, with its default reply, in evaluation order. */
    public static final Map<String, SmtpReply> DEFAULT_REPLIES;

    static {
        Map<String, SmtpReply> m = new LinkedHashMap<>();
        m.put(RuleNames.REQUEST, SmtpReply.of(554, "5.5.1", "Error: no request"));
        m.put(RuleNames.CLIENT_ADDRESS,
                SmtpReply.of(554, "5.7.1", "Client host rejected: invalid client address [{client}]"));
        m.put(CLIENT_NAME, SmtpReply.of(554, "5.7.1", "Client host rejected: invalid client name"));
        m.put(RuleNames.HELO, SmtpReply.of(501, "5.5.2", "<{helo}>: Helo command rejected: Invalid name"));
        m.put(RuleNames.AUTHENTICATED_USER, SmtpReply.of(554, "5.7.1", "Invalid authenticated user name"));
        m.put(RuleNames.SENDER_MISSING, SmtpReply.of(503, "5.5.1", "Error: need MAIL command"));
        m.put(RuleNames.SENDER_SYNTAX, SmtpReply.of(501, "5.1.7", "Bad sender address syntax"));
        m.put(RuleNames.SENDER_PATH_TOO_LONG, SmtpReply.of(501, "5.1.7", "Path too long"));
        m.put(RuleNames.SENDER_TOO_LONG,
                SmtpReply.of(553, "5.1.7", "Sender address rejected: local part or domain too long"));
        m.put(RuleNames.RECIPIENT_SYNTAX, SmtpReply.of(501, "5.1.3", "Bad recipient address syntax"));
        m.put(RuleNames.RECIPIENT_PATH_TOO_LONG, SmtpReply.of(501, "5.1.3", "Path too long"));
        m.put(RuleNames.RECIPIENT_TOO_LONG,
                SmtpReply.of(553, "5.1.3", "Recipient address rejected: local part or domain too long"));
        m.put(RuleNames.POSTMASTER, OK);
        m.put(RuleNames.MYNETWORKS, OK);
        m.put(RuleNames.TLS_CLIENT_CERTS, OK);
        m.put(RuleNames.AUTHENTICATED, OK);
        m.put(RuleNames.SENDER_ROUTING, RELAY_DENIED);
        m.put(RuleNames.UNQUALIFIED_RECIPIENT, SmtpReply.of(504, "5.5.2",
                "<{recipient}>: Recipient address rejected: need fully-qualified address"));
        m.put(RuleNames.LOCAL_DOMAINS, OK);
        m.put(RuleNames.RELAY_DOMAINS, OK);
        m.put(RuleNames.RELAY_DENIED, RELAY_DENIED);
        m.put(RuleNames.SENDER_LOGIN_MISMATCH, SmtpReply.of(553, "5.7.1",
                "<{sender}>: Sender address rejected: not owned by user {user}"));
        m.put(SENDER_NOT_LOGGED_IN, SmtpReply.of(553, "5.7.1", "<{sender}>: Sender address rejected: not logged in"));
        m.put(RuleNames.REFUSAL_RATE_LIMIT, SmtpReply.of(451, "4.7.1",
                "Client host [{client}] rejected: too many refusals: rate limit exceeded, try again later"));
        m.put(RuleNames.RECIPIENTS_PER_MESSAGE, SmtpReply.of(452, "4.5.3", "Too many recipients"));
        m.put(RuleNames.RECIPIENT_RATE_LIMIT, SmtpReply.of(451, "4.7.1",
                "<{recipient}>: Recipient address rejected: rate limit exceeded, try again later"));
        m.put(RuleNames.MESSAGE_RATE_LIMIT, SmtpReply.of(451, "4.7.1",
                "<{recipient}>: Recipient address rejected: too many messages: rate limit exceeded, try again later"));
        m.put(RuleNames.RATE_LIMIT_UNAVAILABLE, SmtpReply.of(451, "4.3.0",
                "<{recipient}>: Temporary lookup failure: rate limit store unavailable, try again later"));
        m.put(RuleNames.INTERNAL_ERROR, SmtpReply.of(451, "4.3.0", "Temporary internal error"));
        DEFAULT_REPLIES = Collections.unmodifiableMap(m);
    }

    private static final List<String> ACCEPTING = List.of(RuleNames.POSTMASTER, RuleNames.MYNETWORKS,
            RuleNames.TLS_CLIENT_CERTS, RuleNames.AUTHENTICATED, RuleNames.LOCAL_DOMAINS, RuleNames.RELAY_DOMAINS);
    /** Rules that only ever defer: a used-up limit is a "not now", never a "no". */
    private static final List<String> DEFERRING = List.of(RuleNames.REFUSAL_RATE_LIMIT,
            RuleNames.RECIPIENTS_PER_MESSAGE, RuleNames.RECIPIENT_RATE_LIMIT, RuleNames.MESSAGE_RATE_LIMIT,
            RuleNames.RATE_LIMIT_UNAVAILABLE);

    private static final int MAX_HELO = 255;
    /** The client name a mail server gives when it has none (Postfix's {@code client_name}). */
    private static final String UNKNOWN_NAME = "unknown";
    /** The longest authenticated user accepted, as for HELO: SASL sets no limit, so we set one. */
    private static final int MAX_USER = 255;
    private static final AtomicLong TABLES_IDS = new AtomicLong();

    private final NetworkSet trusted;
    private final DomainIndex domains;
    private final NetworkSet literals;
    private final boolean permitAuthenticated;
    private final @Nullable DnsLists lists;       // every list, for their health and the subjects; or null
    private final @Nullable DnsLists openLists;   // asked after mydestination and relay_domains, or null
    private final @Nullable DnsLists authLists;   // asked after permit_authenticated, or null
    private final List<LocalZone> zones;
    private final Duration zoneCheckInterval;
    private final @Nullable SenderBinding binding;
    private final @Nullable Limits limits;
    private final AccessTables access;
    private final boolean tables;            // any access table at all
    private final AccessTable[][] families;  // by Family ordinal, each family's files in order
    private final long tablesId = TABLES_IDS.incrementAndGet(); // names these tables in the per-thread subject
    private final boolean clientRelay;       // a client table has a RELAY entry
    private final boolean recipientRelay;    // a recipient table has a RELAY entry
    private final java.util.IdentityHashMap<Action, Ending> refusals; // the ending of each refusing entry
    private final String delimiters;
    private final String nullAccessKey;
    private final Ending clientTableRelay;
    private final Ending recipientTableRelay;
    private final ClientCerts certs;

    private final Ending request;
    private final Ending client;
    private final Ending helo;
    private final Ending authUser;
    private final Ending senderMissing;
    private final Ending senderSyntax;
    private final Ending senderPathTooLong;
    private final Ending senderTooLong;
    private final Ending rcptSyntax;
    private final Ending rcptPathTooLong;
    private final Ending rcptTooLong;
    private final Ending postmaster;
    private final Ending mynetworks;
    private final Ending tlsCerts;
    private final Ending clientName;
    private final Ending authenticated;
    private final Ending routing;
    private final Ending unqualified;
    private final Ending local;
    private final Ending relay;
    private final Ending denied;
    private final Ending internal;
    private final Ending loginMismatch;
    private final Ending notLoggedIn;

    /**
     * Compiles a rule set.
     *
     * @param replies replies by rule name, overriding {@link #DEFAULT_REPLIES}
     * @param binding the sender login maps, or null
     */
    public Rules(NetworkSet trusted, DomainIndex domains, NetworkSet literals, boolean permitAuthenticated,
            Map<String, SmtpReply> replies, @Nullable DnsLists lists, List<LocalZone> zones,
            Duration zoneCheckInterval, @Nullable LimitSetup limitSetup,
            @Nullable SenderBinding binding, ClientCerts certs, AccessTables access, String delimiters,
            String nullAccessKey) {
        this.binding = binding;
        this.certs = certs;
        this.access = access;
        this.delimiters = delimiters;
        this.nullAccessKey = nullAccessKey;
        this.tables = !access.isEmpty();
        this.families = new AccessTable[Family.values().length][];
        for (Family f : Family.values()) {
            families[f.ordinal()] = access.family(f).toArray(new AccessTable[0]);
        }
        this.refusals = new java.util.IdentityHashMap<>();
        boolean anyClientRelay = false;
        boolean anyRecipientRelay = false;
        for (Action a : access.actions()) {
            if (a.type() == Action.Type.RELAY) {
                anyClientRelay |= a.family() == Family.CLIENT;
                anyRecipientRelay |= a.family() == Family.RECIPIENT;
            }
            if (refuses(a)) {
                refusals.put(a, refusal(a));
            }
        }
        this.clientRelay = anyClientRelay;
        this.recipientRelay = anyRecipientRelay;
        this.clientTableRelay = new Ending(RuleNames.CLIENT_ACCESS, ReplyTemplate.compile(RuleNames.CLIENT_ACCESS,
                OK));
        this.recipientTableRelay = new Ending(RuleNames.RECIPIENT_ACCESS,
                ReplyTemplate.compile(RuleNames.RECIPIENT_ACCESS, OK)).listing(Ending.OPEN_LISTS);
        this.lists = lists;
        this.openLists = lists == null || lists.isEmpty() ? null : lists;
        this.authLists = lists == null ? null : lists.authenticated();
        this.zones = List.copyOf(zones);
        this.zoneCheckInterval = zoneCheckInterval;
        this.trusted = trusted;
        this.domains = domains;
        this.literals = literals;
        this.permitAuthenticated = permitAuthenticated;
        Map<String, Ending> e = new LinkedHashMap<>();
        DEFAULT_REPLIES.forEach((rule, reply) -> {
            SmtpReply r = replies.getOrDefault(rule, reply);
            // both replies of the sender binding are the rule sender_login_mismatch's
            String name = rule.equals(SENDER_NOT_LOGGED_IN) ? RuleNames.SENDER_LOGIN_MISMATCH
                    : rule.equals(CLIENT_NAME) ? RuleNames.CLIENT_ADDRESS : rule;
            e.put(rule, new Ending(name, ReplyTemplate.compile(rule, r)));
        });
        request = e.get(RuleNames.REQUEST);
        client = e.get(RuleNames.CLIENT_ADDRESS);
        helo = e.get(RuleNames.HELO);
        authUser = e.get(RuleNames.AUTHENTICATED_USER);
        senderMissing = e.get(RuleNames.SENDER_MISSING);
        senderSyntax = e.get(RuleNames.SENDER_SYNTAX);
        senderPathTooLong = e.get(RuleNames.SENDER_PATH_TOO_LONG);
        senderTooLong = e.get(RuleNames.SENDER_TOO_LONG);
        rcptSyntax = e.get(RuleNames.RECIPIENT_SYNTAX);
        rcptPathTooLong = e.get(RuleNames.RECIPIENT_PATH_TOO_LONG);
        rcptTooLong = e.get(RuleNames.RECIPIENT_TOO_LONG);
        postmaster = e.get(RuleNames.POSTMASTER);
        mynetworks = e.get(RuleNames.MYNETWORKS);
        tlsCerts = e.get(RuleNames.TLS_CLIENT_CERTS);
        clientName = e.get(CLIENT_NAME);
        authenticated = e.get(RuleNames.AUTHENTICATED).listing(Ending.AUTH_LISTS);
        routing = e.get(RuleNames.SENDER_ROUTING);
        unqualified = e.get(RuleNames.UNQUALIFIED_RECIPIENT);
        local = e.get(RuleNames.LOCAL_DOMAINS).listing(Ending.OPEN_LISTS);
        relay = e.get(RuleNames.RELAY_DOMAINS).listing(Ending.OPEN_LISTS);
        denied = e.get(RuleNames.RELAY_DENIED);
        internal = e.get(RuleNames.INTERNAL_ERROR);
        loginMismatch = e.get(RuleNames.SENDER_LOGIN_MISMATCH);
        notLoggedIn = e.get(SENDER_NOT_LOGGED_IN);
        limits = limitSetup == null ? null : new Limits(limitSetup.config(), limitSetup.state(),
                e.get(RuleNames.RECIPIENT_RATE_LIMIT), e.get(RuleNames.MESSAGE_RATE_LIMIT),
                e.get(RuleNames.RECIPIENTS_PER_MESSAGE), e.get(RuleNames.REFUSAL_RATE_LIMIT),
                e.get(RuleNames.RATE_LIMIT_UNAVAILABLE));
        // made now, so that decisions only read them
        for (Ending accepting : List.of(postmaster, mynetworks, tlsCerts, authenticated, local, relay,
                clientTableRelay, recipientTableRelay)) {
            accepting.quiet();
        }
    }

    /**
     * The rate limits of a rule set and the counters they start with.
     *
     * @param config the limits
     * @param state the counters
     */
    public record LimitSetup(io.github.relaypolicy.core.internal.limit.LimitConfig config,
            io.github.relaypolicy.core.internal.limit.LimitState state) {
    }

    /** The rate-limit stage, or null if no limit is configured. */
    public @Nullable Limits limits() {
        return limits;
    }

    /**
     * Checks that a configured reply fits its rule: accepting rules answer 2xx, refusing rules 4xx or 5xx.
     *
     * @throws IllegalArgumentException naming the rule and the reply
     */
    public static void checkReply(String rule, SmtpReply reply) {
        if (!DEFAULT_REPLIES.containsKey(rule)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "reply for unknown rule '%s'; expected one of %s", Text.escape(rule), DEFAULT_REPLIES.keySet()));
        }
        boolean accepting = ACCEPTING.contains(rule);
        int cls = reply.code() / 100;
        if (accepting && cls != 2) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "reply for rule '%s' must be 2xx (the rule accepts), got '%s'", rule, reply));
        }
        if (DEFERRING.contains(rule) && cls != 4) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "reply for rule '%s' must be 4xx (a used-up limit defers), got '%s'", rule, reply));
        }
        if (!accepting && cls != 4 && cls != 5) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "reply for rule '%s' must be 4xx or 5xx (the rule refuses), got '%s'", rule, reply));
        }
        ReplyTemplate.compile(rule, reply);
    }

    /**
     * The DNS lists to consult after {@code ending}, or null. The lists for all clients apply only where the
     * recipient domain made the recipient acceptable (a local or relay domain), so never to trusted or
     * authenticated clients, nor to relay that is refused anyway, nor to Postmaster. The lists asked only for
     * authenticated clients ({@code auth_dnsbl_sites}) apply only where the authentication made it acceptable
     * ({@code permit_authenticated}): never to trusted clients, whose network decided first.
     */
    public @Nullable DnsLists listsAfter(Ending ending) {
        return ending.lists == Ending.OPEN_LISTS ? openLists : ending.lists == Ending.AUTH_LISTS ? authLists : null;
    }

    /** The local zones (rbldnsd data files) of this rule set. */
    public List<LocalZone> zones() {
        return zones;
    }

    /** How often the local zone files are checked for changes. */
    public Duration zoneCheckInterval() {
        return zoneCheckInterval;
    }

    /** The DNS lists of this rule set (both groups: see {@link DnsLists#authenticated()}), or null. */
    public @Nullable DnsLists dnsLists() {
        return lists;
    }

    /** The ending used when evaluation fails unexpectedly: a temporary failure, never an acceptance. */
    public Ending internalError() {
        return internal;
    }

    /** The number of trusted network entries. */
    public int trustedNetworkCount() {
        return trusted.size();
    }

    /** The number of local and relay domain patterns, address literals included. */
    public int domainCount() {
        return domains.size() + literals.size();
    }

    /** Decides. Allocates nothing for well-formed ASCII input. */
    public Ending evaluate(@Nullable RelayRequest r) {
        return evaluate(r, null);
    }

    /** Decides again, this time recording every rule consulted. */
    public List<TraceStep> explain(@Nullable RelayRequest r) {
        List<TraceStep> trace = new ArrayList<>();
        try {
            evaluate(r, trace);
        } catch (RuntimeException | StackOverflowError e) {
            trace.add(new TraceStep(RuleNames.INTERNAL_ERROR, Outcome.TEMPFAIL,
                    "unexpected " + e.getClass().getSimpleName() + " while deciding; deferred"));
        }
        return List.copyOf(trace);
    }

    private Ending evaluate(@Nullable RelayRequest r, @Nullable List<TraceStep> t) {
        if (r == null) {
            return t == null ? request : end(t, request, "no request was given");
        }

        // With DNS lists, the client and MAIL FROM are parsed into this thread's subjects as they are checked, so
        // that the lists, if they come next, read them rather than parse the request again.
        // The rate limits read them too.
        ListSubjects subjects = (lists != null || limits != null) && t == null ? ListSubjects.forThread() : null;

        // The client: a grant (trusted network) is looked up now, applied after the input checks.
        InetAddress address = r.clientAddress();
        String clientText = r.client();
        int network;
        if (address == null && clientText == null) {
            return t == null ? client : end(t, client, "no client address was given");
        } else if (subjects != null) {
            if (!subjects.parseClient(address, clientText)) {
                return client; // not tracing: no detail
            }
            network = subjects.clientIpv6() ? trusted.accept(subjects.clientHi(), subjects.clientLo())
                    : trusted.lookup4(subjects.clientLo());
        } else if (address != null) {
            network = trusted.lookup(address);
        } else {
            network = trusted.lookup(clientText, 0, clientText.length());
            if (network == IpText.INVALID) {
                return t == null ? client : end(t, client,
                        "client address '" + Text.escape(clientText) + "' is not an IP address");
            }
        }
        if (t != null) {
            t.add(new TraceStep(RuleNames.CLIENT_ADDRESS, Outcome.PASS, "client " + describeClient(r)));
        }

        String heloName = r.helo();
        if (heloName != null) {
            if (heloName.length() > MAX_HELO || Text.hasControlOrBrokenText(heloName)) {
                return t == null ? helo : end(t, helo, "HELO name '" + Text.escape(heloName)
                        + "' holds control characters or is longer than " + MAX_HELO + " characters");
            }
            if (t != null) {
                t.add(new TraceStep(RuleNames.HELO, Outcome.PASS,
                        "HELO " + Text.escape(heloName) + " (never grants relay)"));
            }
        }

        String name = r.clientName();
        if (name != null && !name.equalsIgnoreCase(UNKNOWN_NAME)) {
            // The mail server verified the name, but its PTR record is the client's to write.
            if (name.length() > MAX_HELO || Text.hasControlOrBrokenText(name)) {
                return t == null ? clientName : end(t, clientName, "client name '" + Text.escape(name)
                        + "' holds control characters or is longer than " + MAX_HELO + " characters");
            }
            if (t != null) {
                t.add(new TraceStep(RuleNames.CLIENT_ADDRESS, Outcome.PASS,
                        "client name " + Text.escape(name) + " (verified by the mail server; never grants relay)"));
            }
        }

        String user = r.authenticatedUser();
        if (user != null && (user.length() > MAX_USER || Text.hasControlOrBrokenText(user))) {
            return t == null ? authUser : end(t, authUser, "authenticated user '" + Text.escape(user)
                    + "' holds control characters or is longer than " + MAX_USER + " characters");
        }
        boolean isAuthenticated = user != null && !user.isBlank();

        String senderPath = r.sender();
        if (senderPath == null) {
            return t == null ? senderMissing : end(t, senderMissing, "no MAIL FROM was given");
        }
        long sender = SmtpPath.parse(senderPath);
        if (subjects != null) {
            subjects.sender(sender);
            subjects.filled(r); // client and MAIL FROM are in: the limits and the lists may read them
        }
        switch (SmtpPath.status(sender)) {
            case SmtpPath.SYNTAX:
                return t == null ? senderSyntax : end(t, senderSyntax,
                        "MAIL FROM " + quote(senderPath) + " is not a valid RFC 5321 path");
            case SmtpPath.PATH_TOO_LONG:
                return t == null ? senderPathTooLong : end(t, senderPathTooLong,
                        "MAIL FROM path is longer than 256 octets");
            case SmtpPath.PART_TOO_LONG:
                return t == null ? senderTooLong : end(t, senderTooLong, "MAIL FROM " + quote(senderPath)
                        + " has a local part over 64 octets or a domain over 255");
            default:
                if (t != null) {
                    t.add(new TraceStep(RuleNames.SENDER_SYNTAX, Outcome.PASS,
                            SmtpPath.status(sender) == SmtpPath.NULL_PATH ? "MAIL FROM <> (null sender, accepted)"
                                    : "MAIL FROM " + quote(senderPath) + " (never grants relay)"));
                }
        }

        String rcpt = r.recipient();
        long path = SmtpPath.parse(rcpt);
        switch (SmtpPath.status(path)) {
            case SmtpPath.OK:
                break;
            case SmtpPath.PATH_TOO_LONG:
                return t == null ? rcptPathTooLong : end(t, rcptPathTooLong, "RCPT TO path is longer than 256 octets");
            case SmtpPath.PART_TOO_LONG:
                return t == null ? rcptTooLong : end(t, rcptTooLong,
                        "RCPT TO " + quote(rcpt) + " has a local part over 64 octets or a domain over 255");
            default:
                return t == null ? rcptSyntax : end(t, rcptSyntax, rcpt == null ? "no RCPT TO was given"
                        : "RCPT TO " + quote(rcpt) + " is not a valid RFC 5321 path");
        }
        int flags = SmtpPath.flags(path);
        if (t != null) {
            t.add(new TraceStep(RuleNames.RECIPIENT_SYNTAX, Outcome.PASS, "RCPT TO " + quote(rcpt)));
        }

        boolean trustedClient = network >= 0 && NetworkSet.value(network) == TRUSTED;
        String owner = isAuthenticated ? user : null;
        if ((flags & SmtpPath.POSTMASTER) != 0) {
            return accepted(t, postmaster, t == null ? null
                    : "RCPT TO <Postmaster> is always accepted (RFC 5321 section 4.5.1)", senderPath, sender, owner,
                    trustedClient, r, path);
        }
        if (t != null) {
            t.add(new TraceStep(RuleNames.POSTMASTER, Outcome.NO_MATCH, "recipient is not the bare Postmaster"));
        }

        if (trustedClient) {
            return accepted(t, mynetworks, t == null ? null : "client " + describeClient(r)
                    + " is in trusted network " + Text.escape(trusted.network(NetworkSet.index(network)).text()),
                    senderPath, sender, owner, true, r, path);
        }
        if (t != null) {
            t.add(new TraceStep(RuleNames.MYNETWORKS, Outcome.NO_MATCH, network >= 0
                    ? "client " + describeClient(r) + " is excluded by "
                            + Text.escape(trusted.network(NetworkSet.index(network)).text())
                    : "client " + describeClient(r) + " is not in the " + trusted.size() + " trusted networks"));
        }

        if (certs.size() > 0 && (r.tlsCertificateFingerprint() != null || r.tlsPublicKeyFingerprint() != null
                || r.tlsClientCertificate() != null || t != null)) {
            Ending granted = certificate(r, t, senderPath, sender, owner, path);
            if (granted != null) {
                return granted;
            }
        }

        if (clientRelay) {
            Action a = finalAction(Family.CLIENT, subject(r, sender, path));
            if (a != null && a.type() == Action.Type.RELAY) {
                return accepted(t, clientTableRelay, t == null ? null : "client " + describeClient(r)
                        + " is granted relay by " + a.source() + " (" + Text.escape(a.key()) + " RELAY)",
                        senderPath, sender, owner, true, r, path);
            }
            if (t != null) {
                t.add(new TraceStep(RuleNames.CLIENT_ACCESS, Outcome.NO_MATCH, "no client access table grants "
                        + describeClient(r) + " relay"));
            }
        }

        if (isAuthenticated && permitAuthenticated) {
            if (subjects != null) {
                subjects.filled(r); // the lists for authenticated clients may come next
            }
            return accepted(t, authenticated, t == null ? null : "client authenticated as '" + Text.escape(user)
                    + "'", senderPath, sender, owner, false, r, path);
        }
        if (t != null) {
            t.add(new TraceStep(RuleNames.AUTHENTICATED, isAuthenticated ? Outcome.SKIP : Outcome.NO_MATCH,
                    isAuthenticated ? "client authenticated as '" + Text.escape(user)
                            + "' but authenticated relay is not permitted" : "client did not authenticate"));
        }

        if ((flags & SmtpPath.ROUTED) != 0) {
            return t == null ? routing : end(t, routing,
                    "recipient uses sender-specified routing (" + describeRouting(flags)
                    + "), refused for clients that may not relay");
        }
        if (t != null) {
            t.add(new TraceStep(RuleNames.SENDER_ROUTING, Outcome.PASS, "no sender-specified routing"));
        }

        if ((flags & SmtpPath.HAS_DOMAIN) == 0) {
            return t == null ? unqualified : end(t, unqualified, "recipient has no domain");
        }

        int start = SmtpPath.domainStart(path);
        int end = SmtpPath.domainEnd(path);
        int kind;
        String matched;
        if ((flags & SmtpPath.LITERAL) != 0) {
            int at = literals.lookupLiteral(rcpt, SmtpPath.literalAddressStart(rcpt, start, end), end - 1);
            kind = at < 0 ? -1 : NetworkSet.value(at);
            matched = at < 0 || t == null ? null : literals.network(NetworkSet.index(at)).text();
        } else {
            int at;
            if ((flags & SmtpPath.NON_ASCII) != 0) {
                String ascii = DomainNames.toAscii(rcpt.substring(start, end));
                if (ascii == null) {
                    return t == null ? rcptSyntax : end(t, rcptSyntax,
                            "RCPT TO domain '" + Text.escape(rcpt.substring(start, end))
                            + "' is not a valid internationalized domain name");
                }
                at = domains.lookup(ascii, 0, ascii.length());
            } else {
                at = domains.lookup(rcpt, start, end);
            }
            kind = at < 0 ? -1 : DomainIndex.value(at);
            matched = at < 0 || t == null ? null : domains.pattern(DomainIndex.index(at)).text();
        }
        if (kind == LOCAL) {
            if (subjects != null) {
                subjects.filled(r); // the lists come next
            }
            return accepted(t, local, t == null ? null : "recipient domain "
                    + Text.escape(rcpt.substring(start, end)) + " is a local domain (matched '"
                    + Text.escape(matched) + "')", senderPath, sender, owner, false, r, path);
        }
        if (t != null) {
            t.add(new TraceStep(RuleNames.LOCAL_DOMAINS, Outcome.NO_MATCH, "recipient domain "
                    + Text.escape(rcpt.substring(start, end)) + " is not a local domain"));
        }
        if (kind == RELAY) {
            if (subjects != null) {
                subjects.filled(r); // the lists come next
            }
            return accepted(t, relay, t == null ? null : "recipient domain "
                    + Text.escape(rcpt.substring(start, end)) + " is a relay domain (matched '"
                    + Text.escape(matched) + "')", senderPath, sender, owner, false, r, path);
        }
        if (t != null) {
            t.add(new TraceStep(RuleNames.RELAY_DOMAINS, Outcome.NO_MATCH, "recipient domain "
                    + Text.escape(rcpt.substring(start, end)) + " is not a relay domain"));
        }
        if (recipientRelay) {
            Action a = finalAction(Family.RECIPIENT, subject(r, sender, path));
            if (a != null && a.type() == Action.Type.RELAY) {
                if (subjects != null) {
                    subjects.filled(r); // the lists come next
                }
                return accepted(t, recipientTableRelay, t == null ? null : "recipient " + quote(rcpt)
                        + " is relayable by " + a.source() + " (" + Text.escape(a.key()) + " RELAY)", senderPath,
                        sender, owner, false, r, path);
            }
            if (t != null) {
                t.add(new TraceStep(RuleNames.RECIPIENT_ACCESS, Outcome.NO_MATCH,
                        "no recipient access table makes " + quote(rcpt) + " relayable"));
            }
        }
        return t == null ? denied : end(t, denied, "neither the client nor the recipient domain allows relaying");
    }

    /**
     * A rule accepted the recipient: the sender binding, if configured, may still refuse it (relay refusals come
     * first, so no map can open relay). Traced, the binding's step comes before the accepting rule's when it
     * passes, so that the last step is always the ending's; when it refuses, the accepting rule shows as a match.
     *
     * @param detail the accepting rule's detail, null when not tracing
     * @param user the authenticated login, or null
     * @param trustedClient whether the client is in the trusted networks
     */
    private Ending accepted(@Nullable List<TraceStep> t, Ending ending, @Nullable String detail, String senderPath,
            long sender, @Nullable String user, boolean trustedClient, RelayRequest r, long recipient) {
        SenderBinding b = binding;
        if (b == null) {
            return !tables || ending == postmaster ? (t == null ? ending : end(t, ending, detail))
                    : blockChecks(t, ending, detail, r, sender, recipient);
        }
        long result = b.check(senderPath, sender, user, trustedClient);
        Ending refusal = !SenderBinding.refuses(result) ? null
                : SenderBinding.code(result) == SenderBinding.NOT_LOGGED_IN ? notLoggedIn : loginMismatch;
        if (t == null) {
            // the same branches as the traced path below: the access tables still follow a binding that passes
            return refusal != null ? refusal
                    : !tables || ending == postmaster ? ending : blockChecks(null, ending, null, r, sender, recipient);
        }
        String why = b.describe(result, senderPath, sender, user);
        if (refusal != null) {
            t.add(new TraceStep(ending.rule(), Outcome.MATCH, detail + "; sender binding next"));
            return end(t, refusal, why);
        }
        int code = SenderBinding.code(result);
        boolean skipped = code == SenderBinding.OFF || code == SenderBinding.UNAUTHENTICATED
                || code == SenderBinding.TRUSTED;
        t.add(new TraceStep(RuleNames.SENDER_LOGIN_MISMATCH, skipped ? Outcome.SKIP : Outcome.PASS, why));
        return !tables || ending == postmaster ? end(t, ending, detail)
                : blockChecks(t, ending, detail, r, sender, recipient);
    }

    /**
     * The access tables as block checks, after a rule accepted the recipient (and the sender binding let it
     * through): families in Postfix's order (client, HELO, sender, recipient), each family's files in order, each
     * file giving at most one action. The first refusing action decides; {@code OK}, {@code RELAY} and
     * {@code DISCARD} end the checks and skip the DNS lists; {@code DUNNO}, {@code WARN} and the host actions go
     * on. No action here can accept what the relay rules refused: they ran first. Allocation-free unless an entry
     * adds a host action or a regexp entry builds its reply from the input.
     */
    private Ending blockChecks(@Nullable List<TraceStep> t, Ending ending, @Nullable String detail,
            RelayRequest r, long sender, long recipient) {
        if (t != null) {
            t.add(new TraceStep(ending.rule(), Outcome.MATCH, detail + "; access tables next"));
        }
        AccessSubject subject = subject(r, sender, recipient);
        List<HostAction> actions = null;
        for (int f = 0; f < families.length; f++) { // by Family ordinal: Postfix's order (values() would copy)
            if (subject.nothingFound(f, tablesId)) {
                continue; // asked for a RELAY entry already, and none of its tables has one for this request
            }
            for (AccessTable table : families[f]) {
                Action a = table.find(subject);
                if (a == null) {
                    continue;
                }
                Action.Type type = a.type();
                if (refuses(a)) {
                    Ending refusal = refusals.get(a);
                    if (refusal == null) {
                        refusal = refusal(a); // a regexp entry's reply built from the input
                    }
                    return t == null ? refusal : end(t, refusal, entry(a) + " " + type.name());
                }
                if (t != null) {
                    t.add(new TraceStep(a.family().setting(),
                            type == Action.Type.DUNNO ? Outcome.NO_MATCH : Outcome.MATCH,
                            entry(a) + " " + describe(a)));
                }
                HostAction hostAction = a.hostAction(); // made once, when the table was read
                if (hostAction != null) {
                    if (actions == null) {
                        actions = new ArrayList<>(2);
                    }
                    actions.add(hostAction);
                }
                if (type == Action.Type.OK || type == Action.Type.RELAY || type == Action.Type.DISCARD) {
                    Ending quiet = actions == null ? ending.quiet() : ending.withActions(actions, true);
                    return t == null ? quiet : end(t, quiet, detail + "; " + type.name() + " at " + a.source()
                            + " ends the access tables and skips the DNS lists");
                }
            }
        }
        Ending result = actions == null ? ending : ending.withActions(actions, false);
        return t == null ? result : end(t, result, detail);
    }

    private AccessSubject subject(RelayRequest r, long sender, long recipient) {
        return AccessSubject.forThread().request(r, sender, recipient, delimiters, nullAccessKey);
    }

    /** The action a family ends with for the subject: its first file's action that is neither DUNNO nor a note. */
    private @Nullable Action finalAction(Family family, AccessSubject subject) {
        boolean found = false;
        for (AccessTable table : families[family.ordinal()]) {
            Action a = table.find(subject);
            if (a != null) {
                if (a.stops()) {
                    return a;
                }
                found = true;
            }
        }
        if (!found) {
            subject.nothingFound(family, tablesId); // the block checks skip the family for this request
        }
        return null;
    }

    private static boolean refuses(Action a) {
        Action.Type type = a.type();
        return type == Action.Type.REJECT || type == Action.Type.DEFER || type == Action.Type.CODE;
    }

    /** An entry as the trace step of its family's rule shows it: {@code FILE:LINE: KEY}. */
    private static String entry(Action a) {
        return Text.escape(a.file()) + ":" + a.line() + ": " + Text.escape(a.key());
    }

    private static String describe(Action a) {
        String text = a.text();
        return text.isEmpty() ? a.type().name() : a.type().name() + " " + Text.escape(text);
    }

    /** The ending of a refusing entry: Postfix's reply, {@code <name>: Class rejected: text}. */
    private static Ending refusal(Action a) {
        String head = switch (a.family()) {
            case CLIENT -> "<{client_name}[{client_address}]>: ";
            case HELO -> "<{helo}>: ";
            case SENDER -> "<{sender}>: ";
            case RECIPIENT -> "<{recipient}>: ";
        };
        return new Ending(a.family().setting(), ReplyTemplate.table(a.code(), a.dsn(), head, a.text()));
    }

    /**
     * Records the deciding step. Callers write {@code t == null ? ending : end(t, ending, ...)} so that no text
     * is built when not tracing.
     */
    private static Ending end(List<TraceStep> t, Ending ending, String detail) {
        Outcome outcome = switch (ending.verdict()) {
            case ACCEPT -> Outcome.ACCEPT;
            case REJECT -> Outcome.REJECT;
            case TEMPFAIL -> Outcome.TEMPFAIL;
        };
        t.add(new TraceStep(ending.rule(), outcome, detail));
        return ending;
    }

    private static String quote(@Nullable String path) {
        return path == null ? "(none)" : "'" + Text.escape(path) + "'";
    }

    private static String describeClient(RelayRequest r) {
        String text = r.client();
        String shown = text == null ? "(none)" : Text.escape(text);
        if (text != null && r.clientAddress() == null && NetworkSet.isMapped(text, 0, text.length())) {
            return shown + " (IPv4-mapped, treated as IPv4)";
        }
        return shown;
    }

    /**
     * The grant of a listed client certificate ({@code permit_tls_clientcerts}), or null (traced). Apart from
     * {@link #evaluate}: only requests with a certificate come here.
     */
    private @Nullable Ending certificate(RelayRequest r, @Nullable List<TraceStep> t, String senderPath, long sender,
            @Nullable String owner, long recipient) {
        ClientCerts.Match m = certs.match(r.tlsCertificateFingerprint(), r.tlsPublicKeyFingerprint(),
                r.tlsClientCertificate());
        if (m != null) {
            // like a trusted network: the sender binding treats the client as trusted, no DNS list is asked
            return accepted(t, tlsCerts, t == null ? null : "client certificate's "
                    + (m.publicKey() ? "public key " : "") + "SHA-256 fingerprint " + m.entry().fingerprint()
                    + " is listed in relay_clientcerts at " + m.entry().source(), senderPath, sender, owner, true, r,
                    recipient);
        }
        if (t != null) {
            t.add(new TraceStep(RuleNames.TLS_CLIENT_CERTS, Outcome.NO_MATCH, describeCertificate(r)));
        }
        return null;
    }

    /** Why the client's certificate granted nothing, for the trace. */
    private String describeCertificate(RelayRequest r) {
        String listed = " in relay_clientcerts (" + certs.size() + " fingerprint" + (certs.size() == 1 ? "" : "s")
                + ")";
        String cert = r.tlsCertificateFingerprint();
        String key = r.tlsPublicKeyFingerprint();
        if (cert != null || key != null) {
            return "neither the certificate fingerprint " + (cert == null ? "(none)" : "'" + Text.escape(cert) + "'")
                    + " nor the public key fingerprint " + (key == null ? "(none)" : "'" + Text.escape(key) + "'")
                    + " is listed" + listed;
        }
        java.security.cert.X509Certificate x = r.tlsClientCertificate();
        if (x == null) {
            return "client presented no TLS client certificate";
        }
        byte[] c = ClientCerts.certificateDigest(x);
        byte[] k = ClientCerts.publicKeyDigest(x);
        if (c == null && k == null) {
            return "client certificate cannot be encoded, so it matches nothing" + listed;
        }
        return "neither the certificate's SHA-256 fingerprint " + (c == null ? "(none)" : ClientCerts.format(c))
                + " nor its public key's " + (k == null ? "(none)" : ClientCerts.format(k)) + " is listed" + listed;
    }

    private static String describeRouting(int flags) {
        List<String> forms = new ArrayList<>();
        if ((flags & SmtpPath.SOURCE_ROUTE) != 0) {
            forms.add("source route");
        }
        if ((flags & SmtpPath.PERCENT) != 0) {
            forms.add("'%' in the local part");
        }
        if ((flags & SmtpPath.BANG) != 0) {
            forms.add("'!' in the local part");
        }
        if ((flags & SmtpPath.QUOTED_AT) != 0) {
            forms.add("'@' in the quoted local part");
        }
        if ((flags & SmtpPath.SEVERAL_AT) != 0) {
            forms.add("several '@'");
        }
        return String.join(", ", forms);
    }

    /**
     * The address inside a literal domain pattern: {@code [192.0.2.1]} -> {@code 192.0.2.1}, {@code [IPv6:::1]}
     * -> {@code ::1}; null if the pattern is not an address literal of the right family.
     */
    public static @Nullable String literalAddress(String pattern) {
        String p = pattern.strip();
        if (p.length() < 3 || p.charAt(0) != '[' || p.charAt(p.length() - 1) != ']') {
            return null;
        }
        int start = SmtpPath.literalAddressStart(p, 0, p.length());
        if (start < 0) {
            return null;
        }
        String address = p.substring(start, p.length() - 1);
        boolean ipv6 = start == 6;
        if (address.indexOf('/') >= 0 || address.indexOf('%') >= 0) {
            return null; // a literal names one address, never a network or a zone
        }
        return ipv6 == (address.indexOf(':') >= 0) ? address : null;
    }
}

package io.github.relaypolicy.core.internal.engine;

import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.DnsFailure;
import io.github.relaypolicy.core.EngineListener;
import io.github.relaypolicy.core.internal.SafeListener;
import io.github.relaypolicy.core.RateLimitFailure;
import io.github.relaypolicy.core.internal.limit.LimitConfig;
import io.github.relaypolicy.core.internal.limit.LimitSpec;
import io.github.relaypolicy.core.internal.limit.LimitState;
import io.github.relaypolicy.core.internal.limit.Transactions;
import io.github.relaypolicy.core.MalformedLines;
import io.github.relaypolicy.core.internal.match.DomainIndex;
import io.github.relaypolicy.core.internal.Formats;
import io.github.relaypolicy.core.internal.match.IpText;
import io.github.relaypolicy.core.internal.match.NetworkSet;
import io.github.relaypolicy.core.internal.ReplyTemplate;
import io.github.relaypolicy.core.internal.engine.Rules;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.TimeSource;
import io.github.relaypolicy.core.internal.dns.ListLookups;
import io.github.relaypolicy.core.internal.dns.ListNames;
import io.github.relaypolicy.core.internal.dns.ListSpec;
import io.github.relaypolicy.core.internal.dns.ZoneNames;
import io.github.relaypolicy.core.internal.access.AccessTable;
import io.github.relaypolicy.core.internal.access.AccessTableException;
import io.github.relaypolicy.core.internal.access.AccessTables;
import io.github.relaypolicy.core.internal.access.Family;
import io.github.relaypolicy.core.internal.login.LoginMaps;
import io.github.relaypolicy.core.internal.tls.ClientCertSettings;
import io.github.relaypolicy.core.internal.tls.ClientCerts;
import io.github.relaypolicy.core.internal.login.SenderLoginSettings;
import io.github.relaypolicy.core.SenderLoginMismatch;
import io.github.relaypolicy.core.internal.zone.LocalZone;
import io.github.relaypolicy.core.internal.zone.ZoneType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The state behind {@code RelayEngine.Builder}: every setting is checked when it is given, so that an error names
 * the setting and the value at the call that gave it, and kept in the form the engine uses (domain and network
 * entries go into their index builders at once, parsed once). {@link #config()} takes an immutable snapshot.
 * Not thread-safe, like the builder.
 */
public final class ConfigBuilder {

    /** The longest interval at which files are checked for changes. */
    public static final Duration MAX_CHECK_INTERVAL = Duration.ofDays(1);
    static final Duration MAX_DNS_TIMEOUT = Duration.ofMinutes(10);
    static final Duration MAX_TTL = Duration.ofDays(30);
    /** The default shortest time a DNS answer is cached. */
    public static final Duration DEFAULT_TTL_FLOOR = Duration.ofSeconds(10);
    /** The default longest time a DNS answer is cached. */
    public static final Duration DEFAULT_TTL_CEILING = Duration.ofHours(1);
    /** The default number of DNS answers cached. */
    public static final long DEFAULT_CACHE_SIZE = 100_000;
    static final int MAX_DNS_IN_FLIGHT = 1_000_000;

    private final List<String> localDomains;
    private final List<String> relayDomains;
    private final List<String> trustedNetworks;
    private final DomainIndex.Builder domains;
    private final NetworkSet.Builder literals;
    private final NetworkSet.Builder trusted;
    private boolean permitAuthenticated = true;
    private final Map<String, SmtpReply> replies;
    private final List<ListSpec> lists;
    private final List<InetSocketAddress> dnsServers;
    private int dnsblThreshold = 1;
    private Duration dnsTimeout = Duration.ofSeconds(5);
    private int dnsMaxInFlight = ListLookups.DEFAULT_MAX_IN_FLIGHT;
    private DnsFailure dnsFailure = DnsFailure.DEFER;
    private final Map<String, DnsFailure> zoneFailures;
    private final Map<String, SmtpReply> zoneReplies;
    private final Map<String, String> zoneNames;
    private Duration ttlFloor = DEFAULT_TTL_FLOOR;
    private Duration ttlCeiling = DEFAULT_TTL_CEILING;
    private long cacheSize = DEFAULT_CACHE_SIZE;
    private final Map<String, EngineConfig.LocalZoneSpec> localZones;
    private Duration zoneCheckInterval = Duration.ofMinutes(1);
    private long zoneMaxSize = LocalZone.DEFAULT_MAX_SIZE;
    private @Nullable Executor executor; // null: the engine's own threads
    private EngineListener listener = EngineListener.NONE;
    private TimeSource time = TimeSource.system();
    private final List<LimitSpec> recipientLimits;
    private final List<LimitSpec> messageLimits;
    private int recipientsPerMessage;
    private @Nullable LimitSpec refusalLimit;
    private final List<String> rateLimitExempt;
    private final NetworkSet.Builder exempt;
    private String rateLimitStore = LimitConfig.LOCAL;
    private RateLimitFailure rateLimitFailure = RateLimitFailure.LOCAL;
    private int rateLimitMaxEntries = LimitConfig.DEFAULT_MAX_ENTRIES;
    private final List<Path> senderLoginFiles;
    private final List<LoginMaps.Entry> senderLogins;
    private final Map<String, LoginMaps.Entry> senderLoginKeys; // normal form -> entry, for duplicates
    private @Nullable SenderLoginMismatch senderLoginMismatch; // null: the default
    private String recipientDelimiter = "";
    // access tables, each file read when given, in the order given per family
    private final Map<Family, List<AccessTable>> accessTables;
    private String nullAccessKey = "<>";
    private final List<Path> clientCertFiles;
    private final List<ClientCerts.Entry> clientCerts;
    private final Map<String, ClientCerts.Entry> clientCertKeys; // digest -> entry, for duplicates
    private boolean permitTlsClientCerts;
    private boolean permitTlsClientCertsSet;
    /**
     * The first domain or network entry refused: {@link #checkNotRefused} throws it again at build time, so that a
     * caller who catches and ignores the refusal (of an exclusion {@code !192.0.2.66}, say) never builds an engine
     * that trusts more than was asked, as was the case when these entries were only checked at build time.
     */
    private @Nullable IllegalArgumentException refused;
    /** Turns a problem found at build time into the caller's terms (a policy file places it at its line). */
    private UnaryOperator<IllegalArgumentException> placer = UnaryOperator.identity();

    /** The defaults: no domains, no networks, authenticated relay permitted, the default replies, no lists. */
    public ConfigBuilder() {
        localDomains = new ArrayList<>();
        relayDomains = new ArrayList<>();
        trustedNetworks = new ArrayList<>();
        domains = new DomainIndex.Builder();
        literals = new NetworkSet.Builder("address literal");
        trusted = new NetworkSet.Builder("trusted network");
        replies = new LinkedHashMap<>();
        lists = new ArrayList<>();
        dnsServers = new ArrayList<>();
        zoneFailures = new LinkedHashMap<>();
        zoneReplies = new LinkedHashMap<>();
        zoneNames = new LinkedHashMap<>();
        localZones = new LinkedHashMap<>();
        recipientLimits = new ArrayList<>();
        messageLimits = new ArrayList<>();
        rateLimitExempt = new ArrayList<>();
        exempt = new NetworkSet.Builder("rate limit exempt network");
        senderLoginFiles = new ArrayList<>();
        senderLogins = new ArrayList<>();
        senderLoginKeys = new java.util.HashMap<>();
        accessTables = new java.util.EnumMap<>(Family.class);
        clientCertFiles = new ArrayList<>();
        clientCerts = new ArrayList<>();
        clientCertKeys = new java.util.HashMap<>();
    }

    /** A copy of {@code o}: the two are independent from then on. Nothing is parsed again. */
    public ConfigBuilder(ConfigBuilder o) {
        localDomains = new ArrayList<>(o.localDomains);
        relayDomains = new ArrayList<>(o.relayDomains);
        trustedNetworks = new ArrayList<>(o.trustedNetworks);
        domains = new DomainIndex.Builder(o.domains);
        literals = new NetworkSet.Builder(o.literals);
        trusted = new NetworkSet.Builder(o.trusted);
        permitAuthenticated = o.permitAuthenticated;
        replies = new LinkedHashMap<>(o.replies);
        lists = new ArrayList<>(o.lists);
        dnsServers = new ArrayList<>(o.dnsServers);
        dnsblThreshold = o.dnsblThreshold;
        dnsTimeout = o.dnsTimeout;
        dnsMaxInFlight = o.dnsMaxInFlight;
        dnsFailure = o.dnsFailure;
        zoneFailures = new LinkedHashMap<>(o.zoneFailures);
        zoneReplies = new LinkedHashMap<>(o.zoneReplies);
        zoneNames = new LinkedHashMap<>(o.zoneNames);
        ttlFloor = o.ttlFloor;
        ttlCeiling = o.ttlCeiling;
        cacheSize = o.cacheSize;
        localZones = new LinkedHashMap<>(o.localZones);
        zoneCheckInterval = o.zoneCheckInterval;
        zoneMaxSize = o.zoneMaxSize;
        executor = o.executor;
        listener = o.listener;
        time = o.time;
        recipientLimits = new ArrayList<>(o.recipientLimits);
        messageLimits = new ArrayList<>(o.messageLimits);
        recipientsPerMessage = o.recipientsPerMessage;
        refusalLimit = o.refusalLimit;
        rateLimitExempt = new ArrayList<>(o.rateLimitExempt);
        exempt = new NetworkSet.Builder(o.exempt);
        rateLimitStore = o.rateLimitStore;
        rateLimitFailure = o.rateLimitFailure;
        rateLimitMaxEntries = o.rateLimitMaxEntries;
        senderLoginFiles = new ArrayList<>(o.senderLoginFiles);
        senderLogins = new ArrayList<>(o.senderLogins);
        senderLoginKeys = new java.util.HashMap<>(o.senderLoginKeys);
        senderLoginMismatch = o.senderLoginMismatch;
        recipientDelimiter = o.recipientDelimiter;
        accessTables = new java.util.EnumMap<>(Family.class);
        o.accessTables.forEach((f, l) -> accessTables.put(f, new ArrayList<>(l)));
        nullAccessKey = o.nullAccessKey;
        clientCertFiles = new ArrayList<>(o.clientCertFiles);
        clientCerts = new ArrayList<>(o.clientCerts);
        clientCertKeys = new java.util.HashMap<>(o.clientCertKeys);
        permitTlsClientCerts = o.permitTlsClientCerts;
        permitTlsClientCertsSet = o.permitTlsClientCertsSet;
        refused = o.refused;
        placer = o.placer;
    }

    /**
     * Has the problems found at build time (local zones) reported through {@code placer}, for a builder made from a
     * policy file; copies keep it.
     */
    public void placer(UnaryOperator<IllegalArgumentException> placer) {
        this.placer = Objects.requireNonNull(placer, "placer");
    }

    /** {@code e}, a problem found at build time, as the caller knows the setting that caused it. */
    public IllegalArgumentException place(IllegalArgumentException e) {
        return placer.apply(e);
    }

    /**
     * Throws the first domain or network entry refused, if any, again.
     *
     * @throws IllegalArgumentException with the message it had when it was refused
     */
    public void checkNotRefused() {
        if (refused != null) {
            throw new IllegalArgumentException(refused.getMessage(), refused);
        }
        String unused = senderLoginMismatchWithoutMaps();
        if (unused != null) {
            throw new IllegalArgumentException(unused);
        }
        unused = permitTlsClientCertsWithoutCerts();
        if (unused != null) {
            throw new IllegalArgumentException(unused);
        }
    }

    /**
     * Why {@code permitTlsClientCerts(true)} could never grant relay (no fingerprint is given: no file, no entry), or
     * null. An empty file counts as given: emptying it is how every certificate is revoked at once.
     */
    public @Nullable String permitTlsClientCertsWithoutCerts() {
        if (!permitTlsClientCerts || !clientCertFiles.isEmpty() || !clientCerts.isEmpty()) {
            return null;
        }
        return "permitTlsClientCerts is yes, but no relay_clientcerts (relayClientCerts or relayClientCert) are"
                + " given: no certificate could ever relay";
    }

    /**
     * Why the sender login mode set could never apply (it binds, but no map was given), or null. {@code off} is the
     * mode in force without maps, so it may be set.
     */
    public @Nullable String senderLoginMismatchWithoutMaps() {
        if (senderLoginMismatch == null || senderLoginMismatch == SenderLoginMismatch.OFF
                || !senderLoginFiles.isEmpty() || !senderLogins.isEmpty()) {
            return null;
        }
        return "senderLoginMismatch " + senderLoginMismatch.name().toLowerCase(Locale.ROOT) + " is set, but no"
                + " sender login maps (senderLoginMaps or senderLogin) are given: it could never apply";
    }

    /**
     * A copy of these settings without DNS lists and local zones, their settings at their defaults: the relay rules
     * alone, for an offline audit.
     */
    public ConfigBuilder withoutDnsLists() {
        ConfigBuilder b = new ConfigBuilder(this);
        ConfigBuilder defaults = new ConfigBuilder();
        b.lists.clear();
        b.dnsServers.clear();
        b.dnsblThreshold = defaults.dnsblThreshold;
        b.dnsTimeout = defaults.dnsTimeout;
        b.dnsMaxInFlight = defaults.dnsMaxInFlight;
        b.dnsFailure = defaults.dnsFailure;
        b.zoneFailures.clear();
        b.zoneReplies.clear();
        b.zoneNames.clear();
        b.ttlFloor = defaults.ttlFloor;
        b.ttlCeiling = defaults.ttlCeiling;
        b.cacheSize = defaults.cacheSize;
        b.localZones.clear();
        b.zoneCheckInterval = defaults.zoneCheckInterval;
        b.zoneMaxSize = defaults.zoneMaxSize;
        // and no rate limits: an audit's battery would count against them (and in a shared store)
        b.recipientLimits.clear();
        b.messageLimits.clear();
        b.recipientsPerMessage = 0;
        b.refusalLimit = null;
        b.rateLimitStore = LimitConfig.LOCAL;
        return b;
    }

    /** An immutable snapshot of these settings. */
    public EngineConfig config() {
        return new EngineConfig(List.copyOf(localDomains), List.copyOf(relayDomains), List.copyOf(trustedNetworks),
                trusted.build(), domains.build(), literals.build(), permitAuthenticated, ordered(replies),
                List.copyOf(lists), List.copyOf(dnsServers), dnsblThreshold, dnsTimeout, dnsMaxInFlight, dnsFailure,
                ordered(zoneFailures), ordered(zoneReplies), ordered(zoneNames), ttlFloor, ttlCeiling, cacheSize,
                ordered(localZones), zoneCheckInterval, zoneMaxSize, executor, time, limitConfig(),
                new SenderLoginSettings(senderLoginFiles, senderLogins, senderLoginMismatch, recipientDelimiter),
                new ClientCertSettings(clientCertFiles, clientCerts, permitTlsClientCerts),
                accessTables(), nullAccessKey, listener);
    }

    private AccessTables accessTables() {
        Map<Family, List<AccessTable>> copy = new java.util.EnumMap<>(Family.class);
        accessTables.forEach((f, l) -> copy.put(f, List.copyOf(l)));
        return copy.values().stream().allMatch(List::isEmpty) ? AccessTables.empty() : AccessTables.of(copy);
    }

    /**
     * Reads access tables of one family, each at once (a file that cannot be read or holds a bad line throws,
     * naming it, and nothing is added).
     *
     * @param setting the builder method, for messages
     * @param references the tables as written: a path, optionally with a Postfix type ({@code regexp:/etc/x})
     * @throws AccessTableException with every problem, each at its file, line and column
     * @throws IllegalArgumentException for a reference of a type this family does not read
     */
    public void accessTables(Family family, String setting, Collection<String> references) {
        Objects.requireNonNull(references, setting);
        List<AccessTable> read = new ArrayList<>();
        List<io.github.relaypolicy.core.PolicyFileException.Problem> problems = new ArrayList<>();
        for (String reference : references) {
            Objects.requireNonNull(reference, setting + " table");
            checkEntryText(setting, reference);
            AccessTable.TableRef ref;
            try {
                ref = AccessTable.parseReference(family, reference.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(setting + " " + e.getMessage(), e);
            }
            try {
                read.add(AccessTable.load(family, reference.strip(), Path.of(ref.path())));
            } catch (AccessTableException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new AccessTableException(problems);
        }
        accessTables.computeIfAbsent(family, f -> new ArrayList<>()).addAll(read);
    }

    /** The key a null sender ({@code <>}) is looked up with in sender access tables. */
    public void nullAccessKey(String key) {
        Objects.requireNonNull(key, "smtpdNullAccessLookupKey");
        String k = key.strip();
        if (k.isEmpty() || Text.hasControlOrBrokenText(k) || k.chars().anyMatch(Character::isWhitespace)
                || k.length() > 255) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "smtpdNullAccessLookupKey '%s': expected"
                    + " one word of at most 255 characters without whitespace or control characters, e.g. <>",
                    Text.escape(key)));
        }
        this.nullAccessKey = k;
    }

    private LimitConfig limitConfig() {
        return new LimitConfig(List.copyOf(recipientLimits), List.copyOf(messageLimits), recipientsPerMessage,
                refusalLimit, List.copyOf(rateLimitExempt), exempt.build(), rateLimitStore, rateLimitFailure,
                rateLimitMaxEntries);
    }

    private static <V> Map<String, V> ordered(Map<String, V> m) {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    // ------------------------------------------------------------------------------------- domains, networks

    /** Adds local ({@code relay} false) or relay domain patterns, all or none. */
    public void domains(Collection<String> patterns, boolean relay) {
        String setting = relay ? "relayDomains" : "localDomains";
        List<String> values = remember(() -> checked(patterns, setting));
        int value = relay ? Rules.RELAY : Rules.LOCAL;
        String what = relay ? "relay domain" : "local domain";
        String valueName = relay ? "relay" : "local";
        int domainMark = domains.mark();
        int literalMark = literals.mark();
        try {
            for (String pattern : values) {
                addDomain(pattern, value, what, valueName);
            }
        } catch (RuntimeException e) {
            domains.reset(domainMark);
            literals.reset(literalMark);
            throw remember(e);
        }
        (relay ? relayDomains : localDomains).addAll(values);
    }

    private void addDomain(String pattern, int value, String what, String valueName) {
        if (!pattern.strip().startsWith("[")) {
            domains.add(pattern, value, what, valueName);
            return;
        }
        String address = Rules.literalAddress(pattern);
        if (address == null) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s '%s': not an address literal (expected [192.0.2.1] or [IPv6:2001:db8::1])", what,
                    Text.escape(pattern)));
        }
        long mapped = NetworkSet.mappedIpv4(address, 0, address.length());
        if (mapped >= 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s '%s': an IPv4-mapped IPv6 literal is not the IPv4 literal, and mail servers do not know"
                            + " it as themselves; write [%s]", what, Text.escape(pattern), IpText.format4(mapped)));
        }
        try {
            literals.add(address, value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s '%s': %s", what,
                    Text.escape(pattern), e.getMessage()), e);
        }
    }

    /** Adds trusted networks ({@code !} excludes), all or none. */
    public void trustedNetworks(Collection<String> networks) {
        List<String> values = remember(() -> checked(networks, "trustedNetworks"));
        int mark = trusted.mark();
        try {
            for (String entry : values) {
                String e = entry.strip();
                boolean exclude = e.startsWith("!");
                trusted.add(entry, exclude ? e.substring(1) : e, exclude ? Rules.EXCLUDED : Rules.TRUSTED);
            }
        } catch (RuntimeException e) {
            trusted.reset(mark);
            throw remember(e);
        }
        trustedNetworks.addAll(values);
    }

    private RuntimeException remember(RuntimeException e) {
        if (refused == null) { // a null entry's NullPointerException too: any refusal must fail the build
            refused = e instanceof IllegalArgumentException iae ? iae : new IllegalArgumentException(e.getMessage(), e);
        }
        return e;
    }

    private <T> T remember(java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (RuntimeException e) {
            throw remember(e);
        }
    }

    /** The entries of a list setting, refused with their index if null and by their text if they hold controls. */
    private static List<String> checked(Collection<String> values, String setting) {
        Objects.requireNonNull(values, setting);
        List<String> copy = new ArrayList<>(values.size());
        int k = 0;
        for (String v : values) {
            if (v == null) {
                throw new NullPointerException(setting + "[" + k + "] is null");
            }
            checkEntryText(setting, v);
            copy.add(v);
            k++;
        }
        return copy;
    }

    /**
     * Refuses an entry of a domain or network setting that holds a control character (or broken UTF-16): it could
     * only be a mistake, and would be echoed into messages.
     *
     * @param setting the builder setting, e.g. {@code trustedNetworks}
     * @throws IllegalArgumentException naming the setting and the entry
     */
    public static void checkEntryText(String setting, String entry) {
        if (Text.hasControlOrBrokenText(entry)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s entry '%s': holds a control character", setting, Text.escape(entry)));
        }
    }

    public void permitAuthenticated(boolean permit) {
        this.permitAuthenticated = permit;
    }

    public void reply(String rule, SmtpReply reply) {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(reply, "reply");
        Rules.checkReply(rule, reply);
        SmtpReply previous = replies.putIfAbsent(rule, reply);
        if (previous != null) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "reply for rule '%s' was already set to '%s'", rule, previous));
        }
    }

    // ------------------------------------------------------------------------------------------- rate limits

    /** Adds recipient ({@code message} false) or message rate limits, all or none. */
    public void rateLimits(Collection<String> limits, boolean message) {
        String setting = message ? "messageRateLimit" : "recipientRateLimit";
        List<LimitSpec> parsed = new ArrayList<>();
        for (String l : checked(limits, setting)) {
            parsed.add(LimitSpec.parse(setting, l));
        }
        List<LimitSpec> to = message ? messageLimits : recipientLimits;
        List<LimitSpec> seen = new ArrayList<>(to);
        for (LimitSpec l : parsed) {
            for (LimitSpec had : seen) {
                if (had.text().equals(l.text())) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "%s '%s': given twice", setting,
                            l.text()));
                }
            }
            seen.add(l);
        }
        to.addAll(parsed);
    }

    public void recipientsPerMessage(int max) {
        if (max < 1 || max > Transactions.MAX_RECIPIENTS) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "recipientsPerMessage %d must be from 1 to %d", max, Transactions.MAX_RECIPIENTS));
        }
        recipientsPerMessage = max;
    }

    public void refusalRateLimit(String limit) {
        Objects.requireNonNull(limit, "refusalRateLimit");
        checkEntryText("refusalRateLimit", limit);
        LimitSpec spec = LimitSpec.parse("refusalRateLimit", limit);
        if (spec.kind() != LimitSpec.Kind.CLIENT) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "refusalRateLimit '%s': refusals are counted per client; expected client:COUNT/PERIOD",
                    Text.escape(limit)));
        }
        refusalLimit = spec;
    }

    /** Adds networks never rate limited, all or none. */
    public void rateLimitExempt(Collection<String> networks) {
        List<String> values = checked(networks, "rateLimitExempt");
        int mark = exempt.mark();
        try {
            for (String entry : values) {
                String e = entry.strip();
                if (e.startsWith("!")) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "rate limit exempt network '%s':"
                            + " exclusions are not supported here; list the networks that are exempt",
                            Text.escape(entry)));
                }
                exempt.add(entry, e, 1);
            }
        } catch (RuntimeException e) {
            exempt.reset(mark);
            throw e;
        }
        rateLimitExempt.addAll(values);
    }

    public void rateLimitStore(String store) {
        Objects.requireNonNull(store, "rateLimitStore");
        String s = store.strip();
        if (s.equalsIgnoreCase(LimitConfig.LOCAL)) {
            rateLimitStore = LimitConfig.LOCAL;
            return;
        }
        // A store URI may carry a password: every message shows it masked, and no cause repeats it (the
        // URISyntaxException's message holds the whole input).
        String shown = Text.escape(LimitState.masked(s));
        if (Text.hasControlOrBrokenText(s)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "rateLimitStore entry '%s': holds a control character", shown));
        }
        java.net.URI uri;
        try {
            uri = new java.net.URI(s);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "rateLimitStore '%s': not a URI (%s at index %d); expected local or redis://HOST:PORT[/DB]",
                    shown, e.getReason(), e.getIndex()));
        }
        if (uri.getScheme() == null) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "rateLimitStore '%s': expected local or redis://HOST:PORT[/DB]", shown));
        }
        try {
            LimitState.provider(uri).validate(uri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "rateLimitStore '%s': %s",
                    shown, e.getMessage()), e);
        }
        rateLimitStore = s;
    }

    public void rateLimitFailure(RateLimitFailure failure) {
        rateLimitFailure = Objects.requireNonNull(failure, "failure");
    }

    public void rateLimitMaxEntries(int max) {
        if (max < 1000 || max > 100_000_000) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "rateLimitMaxEntries %d must be from 1000 to 100000000", max));
        }
        rateLimitMaxEntries = max;
    }

    // ----------------------------------------------------------------------------------- sender login maps

    /**
     * Reads sender login map files, all or none: every entry of every file is checked, and a key given before
     * (in a file or to the builder) is refused.
     *
     * @throws LoginMaps.MapException with every problem, each at its file, line and column
     */
    public void senderLoginMaps(Collection<Path> files) {
        Objects.requireNonNull(files, "files");
        List<Path> paths = new ArrayList<>(files.size());
        for (Path p : files) {
            paths.add(Objects.requireNonNull(p, "senderLoginMaps file"));
        }
        List<LoginMaps.Entry> read = new ArrayList<>();
        List<io.github.relaypolicy.core.PolicyFileException.Problem> problems = new ArrayList<>();
        for (Path p : paths) {
            try {
                read.addAll(LoginMaps.read(p));
            } catch (LoginMaps.MapException e) {
                problems.addAll(e.problems());
                read.addAll(e.entries());
            }
        }
        Map<String, LoginMaps.Entry> keys = new java.util.HashMap<>(senderLoginKeys);
        for (LoginMaps.Entry e : read) {
            LoginMaps.Entry previous = keys.putIfAbsent(e.key(), e);
            if (previous != null) {
                problems.add(duplicate(e, previous));
            }
        }
        if (!problems.isEmpty()) {
            throw new LoginMaps.MapException(problems, List.of());
        }
        senderLoginFiles.addAll(paths);
        senderLogins.addAll(read);
        senderLoginKeys.putAll(keys);
    }

    private static io.github.relaypolicy.core.PolicyFileException.Problem duplicate(LoginMaps.Entry e,
            LoginMaps.Entry previous) {
        return e.problem(String.format(Locale.ROOT, "key '%s' is already given at %s (as '%s'); give each address"
                + " once, with all its logins on one line", Text.escape(e.written()), previous.place(),
                Text.escape(previous.written())));
    }

    /**
     * Binds one address ({@code user@domain}) or domain ({@code @domain}) to logins, as one line of a map.
     *
     * @throws IllegalArgumentException naming the key or the login that is wrong
     * @throws IllegalStateException if the key was given before
     */
    public void senderLogin(String key, String... logins) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(logins, "logins");
        checkEntryText("senderLogin", key);
        List<String> list = new ArrayList<>(logins.length);
        for (String l : logins) {
            list.add(Objects.requireNonNull(l, "login"));
        }
        String normal;
        try {
            normal = LoginMaps.normalKey(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("senderLogin key " + e.getMessage(), e);
        }
        LoginMaps.checkLogins(key, list);
        LoginMaps.Entry entry = new LoginMaps.Entry(normal, key.strip(), list, null, 0, 0);
        LoginMaps.Entry previous = senderLoginKeys.putIfAbsent(normal, entry);
        if (previous != null) {
            throw new IllegalStateException(String.format(Locale.ROOT, "senderLogin key '%s' is already given at %s"
                    + " (as '%s')", Text.escape(key), previous.place(), Text.escape(previous.written())));
        }
        senderLogins.add(entry);
    }

    // ----------------------------------------------------------------------------------- client certificates

    /**
     * Reads {@code relay_clientcerts} files, all or none: every line of every file is checked, and a fingerprint
     * given before (in a file or to the builder) is refused.
     *
     * @throws ClientCerts.CertFileException with every problem, each at its file, line and column
     */
    public void relayClientCerts(Collection<Path> files) {
        Objects.requireNonNull(files, "files");
        List<Path> paths = new ArrayList<>(files.size());
        for (Path p : files) {
            paths.add(Objects.requireNonNull(p, "relayClientCerts file"));
        }
        List<ClientCerts.Entry> read = new ArrayList<>();
        List<io.github.relaypolicy.core.PolicyFileException.Problem> problems = new ArrayList<>();
        for (Path p : paths) {
            try {
                read.addAll(ClientCerts.read(p));
            } catch (ClientCerts.CertFileException e) {
                problems.addAll(e.problems());
                read.addAll(e.entries());
            }
        }
        Map<String, ClientCerts.Entry> keys = new java.util.HashMap<>(clientCertKeys);
        for (ClientCerts.Entry e : read) {
            ClientCerts.Entry previous = keys.putIfAbsent(ClientCerts.key(e), e);
            if (previous != null) {
                problems.add(new io.github.relaypolicy.core.PolicyFileException.Problem(e.file(), e.line(),
                        e.column(), e.written(), String.format(Locale.ROOT, "fingerprint '%s' is already listed at"
                        + " %s (as '%s'); list each certificate once", Text.escape(e.written()), previous.place(),
                        Text.escape(previous.written()))));
            }
        }
        if (!problems.isEmpty()) {
            throw new ClientCerts.CertFileException(problems, List.of());
        }
        clientCertFiles.addAll(paths);
        clientCerts.addAll(read);
        clientCertKeys.putAll(keys);
    }

    /**
     * Lists fingerprints given without a file, as lines of a {@code relay_clientcerts} file.
     *
     * @throws IllegalArgumentException naming the fingerprint and what is wrong with it
     * @throws IllegalStateException if a fingerprint was given before
     */
    public void relayClientCert(String... fingerprints) {
        Objects.requireNonNull(fingerprints, "fingerprints");
        List<ClientCerts.Entry> add = new ArrayList<>();
        Map<String, ClientCerts.Entry> keys = new java.util.HashMap<>(clientCertKeys);
        for (String f : fingerprints) {
            Objects.requireNonNull(f, "fingerprint");
            ClientCerts.Entry entry;
            try {
                entry = new ClientCerts.Entry(ClientCerts.parse(f.strip()), f.strip(), null, 0, 0);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("relayClientCert " + e.getMessage(), e);
            }
            ClientCerts.Entry previous = keys.putIfAbsent(ClientCerts.key(entry), entry);
            if (previous != null) {
                throw new IllegalStateException(String.format(Locale.ROOT, "relayClientCert '%s' is already listed"
                        + " at %s (as '%s')", Text.escape(f), previous.place(), Text.escape(previous.written())));
            }
            add.add(entry);
        }
        clientCerts.addAll(add);
        clientCertKeys.putAll(keys);
    }

    public void permitTlsClientCerts(boolean permit) {
        permitTlsClientCerts = permit;
        permitTlsClientCertsSet = true;
    }

    /** Whether {@code permitTlsClientCerts} was set (to either value). */
    public boolean permitTlsClientCertsSet() {
        return permitTlsClientCertsSet;
    }

    public void senderLoginMismatch(SenderLoginMismatch mode) {
        this.senderLoginMismatch = Objects.requireNonNull(mode, "mode");
    }

    /**
     * The recipient delimiters: one or more characters, each of which starts an address extension. Letters,
     * digits, and characters that delimit addresses or paths are refused.
     */
    public void recipientDelimiter(String delimiters) {
        Objects.requireNonNull(delimiters, "delimiters");
        StringBuilder unique = new StringBuilder();
        for (int i = 0; i < delimiters.length(); i++) {
            char c = delimiters.charAt(i);
            if (c <= 0x20 || c >= 0x7f || Character.isLetterOrDigit(c) || "@\"\\<>()[],;:.".indexOf(c) >= 0) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "recipientDelimiter '%s': '%s' cannot"
                        + " delimit an address extension; expected printable ASCII punctuation such as + or -, not a"
                        + " letter, digit, dot or one of @\"\\<>()[],;:", Text.escape(delimiters),
                        Text.escape(String.valueOf(c))));
            }
            if (unique.indexOf(String.valueOf(c)) < 0) {
                unique.append(c);
            }
        }
        this.recipientDelimiter = unique.toString();
    }

    // ------------------------------------------------------------------------------------------- DNS lists

    public void list(ListSpec.Kind kind, String spec) {
        lists.add(ListSpec.parse(kind, Objects.requireNonNull(spec, "spec")));
    }

    public void dnsblThreshold(int threshold) {
        if (threshold < 1) {
            throw new IllegalArgumentException("dnsblThreshold " + threshold + " must be at least 1");
        }
        this.dnsblThreshold = threshold;
    }

    /** Adds DNS servers, all or none. */
    public void dnsServers(String... servers) {
        List<InetSocketAddress> parsed = new ArrayList<>(servers.length);
        for (String s : servers) {
            parsed.add(DnsServers.parse(Objects.requireNonNull(s, "server")));
        }
        dnsServers.addAll(parsed);
    }

    public void dnsTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_DNS_TIMEOUT) > 0) {
            throw new IllegalArgumentException("dnsTimeout " + Formats.duration(timeout)
                    + " must be more than 0 and at most " + Formats.duration(MAX_DNS_TIMEOUT));
        }
        this.dnsTimeout = timeout;
    }

    public void dnsMaxInFlight(int maxInFlight) {
        if (maxInFlight < 1 || maxInFlight > MAX_DNS_IN_FLIGHT) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "dnsMaxInFlight %d must be from 1 to %d", maxInFlight, MAX_DNS_IN_FLIGHT));
        }
        this.dnsMaxInFlight = maxInFlight;
    }

    public void dnsFailure(DnsFailure failure) {
        this.dnsFailure = Objects.requireNonNull(failure, "failure");
    }

    public void dnsFailure(String zone, DnsFailure failure) {
        String z = ZoneNames.normalize("dnsFailure", zone);
        DnsFailure previous = zoneFailures.putIfAbsent(z, Objects.requireNonNull(failure, "failure"));
        if (previous != null) {
            throw new IllegalStateException(ListNames.maskAll("dnsFailure for zone '" + z
                    + "' was already set to " + previous.name()));
        }
    }

    public void dnsblReply(String zone, SmtpReply reply) {
        int cls = reply.code() / 100;
        if (cls != 5 && cls != 4) {
            throw new IllegalArgumentException(ListNames.maskAll(String.format(Locale.ROOT,
                    "reply for DNS list '%s' must be 4xx or 5xx, got '%s'", zone, reply)));
        }
        ReplyTemplate.compileListReply(zone, reply); // its placeholders and its length
        String z = ZoneNames.normalize("dnsblReply", zone);
        SmtpReply previous = zoneReplies.putIfAbsent(z, reply);
        if (previous != null) {
            throw new IllegalStateException(ListNames.maskAll("dnsblReply for zone '" + z
                    + "' was already set to '" + previous + "'"));
        }
    }

    public void dnsListName(String zone, String name) {
        Objects.requireNonNull(name, "name");
        String z = ZoneNames.normalize("dnsListName", Objects.requireNonNull(zone, "zone"));
        String secret = ListNames.secret(z);
        if (name.isEmpty() || name.length() > 64 || !name.equals(name.strip())
                || !name.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '{' && c != '}')) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "name for DNS list '%s' must be 1 to"
                    + " 64 printable ASCII characters without braces or surrounding spaces, got '%s'",
                    ListNames.masked(z), Text.escape(ListNames.redact(name, secret))));
        }
        if (secret != null && name.toLowerCase(Locale.ROOT).contains(secret)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "name for DNS list '%s' contains the"
                    + " zone's secret key, which SMTP clients must never see; e.g. %s", ListNames.masked(z),
                    ListNames.displayName(z)));
        }
        String previous = zoneNames.putIfAbsent(z, name);
        if (previous != null) {
            throw new IllegalStateException(ListNames.maskAll("dnsListName for zone '" + z
                    + "' was already set to '" + previous + "'"));
        }
    }

    public void dnsCache(Duration floor, Duration ceiling, long maxEntries) {
        if (floor.isNegative() || ceiling.compareTo(floor) < 0 || ceiling.compareTo(MAX_TTL) > 0 || maxEntries < 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "dnsCache(%s, %s, %d): need 0 <= floor <= ceiling <= %s and at least one entry",
                    Formats.duration(floor), Formats.duration(ceiling), maxEntries, Formats.duration(MAX_TTL)));
        }
        this.ttlFloor = floor;
        this.ttlCeiling = ceiling;
        this.cacheSize = maxEntries;
    }

    // ----------------------------------------------------------------------------------------- local zones

    public void localZone(String zone, Path file, MalformedLines malformed) {
        Objects.requireNonNull(file, "file");
        ZoneType type;
        try {
            type = ZoneType.ofFile(file);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ListNames.maskAll(String.format(Locale.ROOT,
                    "localZone '%s': file '%s' must end in .ip4set, .ip4trie, .ip6trie or .dnset",
                    Text.escape(zone), Text.escape(file.toString()))), e);
        }
        String z = ZoneNames.normalize("localZone", zone);
        EngineConfig.LocalZoneSpec previous = localZones.putIfAbsent(z, new EngineConfig.LocalZoneSpec(file, type,
                Objects.requireNonNull(malformed, "malformed")));
        if (previous != null) {
            throw new IllegalStateException(ListNames.maskAll("localZone '" + z + "' was already set to "
                    + previous.file()));
        }
    }

    public void executor(Executor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /** What the engine reports to; guarded, so that what it throws never reaches a decision. */
    public void listener(EngineListener listener) {
        this.listener = SafeListener.of(Objects.requireNonNull(listener, "listener"));
    }

    /** The clock of DNS answer lifetimes and deadlines, for tests that advance it instead of sleeping. */
    public void timeSource(TimeSource time) {
        this.time = Objects.requireNonNull(time, "time");
    }

    public void localZoneCheckInterval(Duration interval) {
        if (interval.toMillis() < 1 || interval.compareTo(MAX_CHECK_INTERVAL) > 0) {
            throw new IllegalArgumentException("localZoneCheckInterval " + Formats.duration(interval)
                    + " must be from 1ms to 1d");
        }
        this.zoneCheckInterval = interval;
    }

    public void localZoneMaxSize(long bytes) {
        if (bytes < 1 || bytes > LocalZone.MAX_SIZE_LIMIT) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "localZoneMaxSize %d must be from 1"
                    + " byte to %d (1 GiB)", bytes, LocalZone.MAX_SIZE_LIMIT));
        }
        this.zoneMaxSize = bytes;
    }

    /** The DNS servers setting's entries: IP addresses with an optional port. */
    static final class DnsServers {
        private DnsServers() {
        }

        static InetSocketAddress parse(String text) {
            String s = text.strip();
            String host = s;
            int port = 53;
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                host = close < 0 ? "" : s.substring(1, close);
                String rest = close < 0 ? "" : s.substring(close + 1);
                if (rest.startsWith(":")) {
                    port = port(text, rest.substring(1));
                } else if (!rest.isEmpty()) {
                    host = "";
                }
            } else if (s.indexOf(':') == s.lastIndexOf(':') && s.indexOf(':') >= 0) {
                host = s.substring(0, s.indexOf(':'));
                port = port(text, s.substring(s.indexOf(':') + 1));
            }
            boolean v4 = IpText.parse4(host, 0, host.length()) >= 0;
            boolean v6 = !v4 && host.indexOf('%') < 0
                    && IpText.parse6(host, 0, host.length(), (hi, lo) -> 0) != IpText.INVALID;
            if (!v4 && !v6) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "dnsServers entry '%s': not an IP address with an optional port (expected 127.0.0.1:5353,"
                                + " [::1]:53 or 192.0.2.53)", Text.escape(text)));
            }
            try {
                return new InetSocketAddress(InetAddress.getByName(host), port); // a literal: no lookup
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException("dnsServers entry '" + Text.escape(text) + "': " + e.getMessage(),
                        e);
            }
        }

        private static int port(String text, String digits) {
            if (!digits.matches("[0-9]{1,5}") || Integer.parseInt(digits) < 1 || Integer.parseInt(digits) > 65535) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "dnsServers entry '%s': port '%s' is not between 1 and 65535", Text.escape(text),
                        Text.escape(digits)));
            }
            return Integer.parseInt(digits);
        }
    }
}

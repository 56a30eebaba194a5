package io.github.relaypolicy.core;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayPolicy;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.internal.DomainIndex;
import io.github.relaypolicy.core.internal.EngineDecision;
import io.github.relaypolicy.core.internal.NetworkSet;
import io.github.relaypolicy.core.internal.Rules;
import io.github.relaypolicy.core.internal.IpText;
import io.github.relaypolicy.core.internal.ReplyTemplate;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.TimeSource;
import io.github.relaypolicy.core.internal.dns.DnsLists;
import io.github.relaypolicy.core.internal.dns.ListLookups;
import io.github.relaypolicy.core.internal.dns.ListNames;
import io.github.relaypolicy.core.internal.dns.ListSpec;
import io.github.relaypolicy.core.internal.dns.LocalZoneAnswers;
import io.github.relaypolicy.core.internal.zone.LocalZone;
import io.github.relaypolicy.core.internal.zone.ReloadResult;
import io.github.relaypolicy.core.internal.zone.ZoneFileException;
import io.github.relaypolicy.core.internal.zone.ZoneType;
import java.nio.file.Path;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The relay decision engine: local and relay domains, trusted networks, authenticated relay and the
 * open-relay address tricks, compiled into immutable lookup structures.
 *
 * <pre>{@code
 * RelayEngine policy = RelayEngine.builder()
 *     .localDomains("example.org", ".corp.example")   // final destination
 *     .relayDomains("partner.example")                 // backup MX / smarthost for these
 *     .trustedNetworks("127.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "!192.0.2.66")
 *     .permitAuthenticated(true)                       // the default
 *     .build();
 * Decision d = policy.decide(RelayRequest.of("203.0.113.9", "<a@example.net>", "<b@example.org>"));
 * }</pre>
 *
 * <p>Thread-safe. {@link #decide} takes no locks: it reads the current rule set, an immutable snapshot, once,
 * and a {@link #reload} swaps in a new snapshot atomically, so every decision sees either the old rules or the
 * new ones, never a mix. For well-formed ASCII input a decision costs one small object (the reply text and the
 * trace are rendered when first asked for) and time proportional to the length of the addresses, whatever the
 * number of networks and domains. Reloads ({@link #reload}, {@link #reloadFileNow()}, {@link #reloadZonesNow()}
 * and the background checks of the policy file and the local zone files) take one lock of the engine, so they
 * happen one after the other and the zone files watched are always those of the rules in force.
 *
 * @since 0.1.0
 */
public final class RelayEngine implements RelayPolicy, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RelayEngine.class.getName());

    /** The longest interval at which files are checked for changes. */
    private static final Duration MAX_CHECK_INTERVAL = Duration.ofDays(1);

    private volatile Rules rules;
    private final Map<String, String> reloadErrors = new java.util.concurrent.ConcurrentHashMap<>();
    // Volatile, as is closed: close() takes no lock, so that a check in progress (a zone file read that waits for its
    // deadline) never holds it up; whichever of close() and a new watch comes second cancels the watch.
    private volatile @Nullable ScheduledFuture<?> zoneWatch;
    private volatile @Nullable ScheduledFuture<?> fileWatch;
    private volatile @Nullable PolicyFile policyFile;
    private List<Path> watchedFiles = List.of();
    private @Nullable List<FileStamp> policyStamp;
    private volatile boolean closed;
    private volatile @Nullable PolicyFileException policyFailure;

    private RelayEngine(Rules rules) {
        this.rules = rules;
        watchZones(rules);
    }

    /**
     * Checks the local zone files of {@code r} for changes, replacing an earlier watch. Called with the lock held,
     * together with the assignment of {@code rules}, so that the zones watched are always those of the rules in force.
     */
    private synchronized void watchZones(Rules r) {
        if (zoneWatch != null) {
            zoneWatch.cancel(false);
            zoneWatch = null;
        }
        reloadErrors.clear();
        if (r.zones().isEmpty() || closed) {
            return;
        }
        ScheduledFuture<?> watch = Watch.every(r.zoneCheckInterval(), "the local zone files", () -> checkZones(r));
        zoneWatch = watch;
        if (closed) { // closed meanwhile, without the lock: close() may not have seen this watch
            watch.cancel(false);
        }
    }

    /** A background check of the zone files of {@code r}, unless a reload replaced them meanwhile. */
    private synchronized void checkZones(Rules r) {
        if (!closed && rules == r) {
            reloadZones(r, true);
        }
    }

    /**
     * Reloads the changed zone files of {@code r}; called with the lock held. A background check stops once the engine
     * is closed (close() does not wait for it).
     */
    private void reloadZones(Rules r, boolean background) {
        for (LocalZone zone : r.zones()) {
            if (background && closed) {
                return; // closed while the previous zone was read: read no more
            }
            try {
                ReloadResult result = zone.reloadIfChanged();
                if (result.error() != null) {
                    reloadErrors.put(zone.zoneName(), result.error());
                    LOG.log(System.Logger.Level.WARNING, "local zone {0}: reload failed, previous data kept: {1}",
                            ListNames.masked(zone.zoneName()), ListNames.maskAll(result.error()));
                } else if (result.reloaded()) {
                    reloadErrors.remove(zone.zoneName());
                    zone.data().warnings().forEach(w -> LOG.log(System.Logger.Level.WARNING,
                            "local zone {0}: skipped {1}", ListNames.masked(zone.zoneName()), ListNames.maskAll(w)));
                }
            } catch (RuntimeException e) {
                reloadErrors.put(zone.zoneName(), String.valueOf(e));
            }
        }
    }

    /**
     * Checks the local zone files for changes now, instead of at the next interval, and reloads those that
     * changed; a file that fails to load keeps its previous data and is reported by {@link #zoneWarnings()}.
     *
     * @since 0.1.0
     */
    public synchronized void reloadZonesNow() {
        reloadZones(rules, false);
    }

    /**
     * What the local zone files report: skipped malformed lines ({@code file:line: ...}) and failed reloads.
     *
     * @return the warnings, empty when all is well
     * @since 0.1.0
     */
    public List<String> zoneWarnings() {
        List<String> all = new ArrayList<>();
        for (LocalZone zone : rules.zones()) {
            zone.data().warnings().forEach(w -> all.add("localZone '" + zone.zoneName() + "': " + w));
            String error = reloadErrors.get(zone.zoneName());
            if (error != null) {
                all.add("localZone '" + zone.zoneName() + "': reload failed, previous data kept: " + error);
            }
        }
        all.replaceAll(ListNames::maskAll); // printed by lint: a zone's secret key only masked
        return List.copyOf(all);
    }

    /**
     * Stops watching the local zone files and the policy file. Decisions keep working with the rules in force. Returns
     * at once: it does not wait for a check in progress (a zone file read may take up to its deadline), which reads no
     * further file once it sees the engine closed.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        closed = true; // before the watches are read: a watch made meanwhile sees it and cancels itself
        ScheduledFuture<?> file = fileWatch;
        if (file != null) {
            file.cancel(false);
        }
        ScheduledFuture<?> zones = zoneWatch;
        if (zones != null) {
            zones.cancel(false);
        }
    }

    /**
     * An engine configured by a policy file (format: {@code docs/policy-file.md}, {@link PolicyFile}). The file
     * is read once; see {@link #fromFile(Path, Duration)} to follow changes.
     *
     * @param file the policy file
     * @return the engine
     * @throws PolicyFileException listing every problem, each with file:line:column, the text and what was
     *     expected
     * @since 0.1.0
     */
    public static RelayEngine fromFile(Path file) {
        return new RelayEngine(compile(PolicyFile.read(file)));
    }

    /**
     * The rules of a policy that {@link PolicyFile#read} accepted. Building finds what only the files can tell
     * (zone files); such problems name their setting's place. Anything else is reported against the file as a
     * whole, still as a {@link PolicyFileException}, never as another exception.
     */
    private static Rules compile(PolicyFile policy) {
        try {
            return policy.builder().compile();
        } catch (PolicyFileException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new PolicyFileException(List.of(new PolicyFileException.Problem(policy.file(), 0, 0, "",
                    "cannot be used: " + e.getMessage())), e, policy.files());
        }
    }

    /**
     * An engine configured by a policy file that it checks every {@code checkInterval} for changes (of the file
     * or the list files it names) and then reloads atomically, as {@link #reload} does. A reload that fails
     * keeps the rules in force; the failure is logged ({@code System.Logger} WARNING) and reported by
     * {@link #policyFileFailure()} until a later reload succeeds. {@link #close()} stops watching.
     *
     * @param file the policy file
     * @param checkInterval how often to check, e.g. two seconds
     * @return the engine
     * @throws PolicyFileException if the file cannot be used now
     * @since 0.1.0
     */
    public static RelayEngine fromFile(Path file, Duration checkInterval) {
        if (checkInterval.toMillis() < 1 || checkInterval.compareTo(MAX_CHECK_INTERVAL) > 0) {
            throw new IllegalArgumentException("checkInterval " + checkInterval + " must be from 1 ms to 1 day");
        }
        PolicyFile policy = PolicyFile.read(file);
        RelayEngine engine = new RelayEngine(compile(policy));
        engine.watchFile(policy, checkInterval);
        return engine;
    }

    private synchronized void watchFile(PolicyFile policy, Duration every) {
        policyFile = policy;
        watchedFiles = policy.files();
        policyStamp = FileStamp.of(watchedFiles);
        ScheduledFuture<?> watch = Watch.every(every, "policy file " + policy.file(), () -> {
            try {
                reloadFileNow();
            } catch (PolicyFileException | IllegalStateException e) {
                // reported by policyFileFailure() and logged; or closed meanwhile
            }
        });
        fileWatch = watch;
        if (closed) {
            watch.cancel(false);
        }
    }

    /**
     * Checks the policy file of an engine made by {@link #fromFile(Path, Duration)} now, instead of at the next
     * interval, and reloads it if it or one of its list files changed.
     *
     * @return true if new rules are now in force, false if nothing changed
     * @throws PolicyFileException if the changed file cannot be used; the previous rules stay in force
     * @throws IllegalStateException if this engine does not watch a policy file, or is closed
     * @since 0.1.0
     */
    public synchronized boolean reloadFileNow() {
        PolicyFile current = policyFile;
        if (current == null) {
            throw new IllegalStateException("this engine was not made by RelayEngine.fromFile(Path, Duration)");
        }
        if (closed) {
            throw new IllegalStateException("this engine is closed: it no longer follows " + current.file());
        }
        // the lock is held from here to the end: reload(Builder) and the zone watch wait, so the policy, the rules
        // and the zone files watched all come from this read
        // stamped before reading: a change made while the files are read is seen at the next check
        List<FileStamp> before = FileStamp.of(watchedFiles);
        if (before.equals(policyStamp)) {
            return false;
        }
        try {
            PolicyFile next = PolicyFile.read(current.file());
            install(compile(next));
            policyFile = next;
            stamp(next.files(), before);
            policyFailure = null;
            LOG.log(System.Logger.Level.INFO, "policy file {0}: reloaded", current.file());
            return true;
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            PolicyFileException failure = e instanceof PolicyFileException p ? p
                    : new PolicyFileException(List.of(new PolicyFileException.Problem(current.file(), 0, 0, "",
                            "cannot be used: " + e)), e);
            // a broken file is reported once, not at every check; a change to any file it named is read again,
            // a list file that does not exist yet included
            List<Path> named = new ArrayList<>(watchedFiles);
            failure.files().stream().filter(f -> !named.contains(f)).forEach(named::add);
            stamp(named, before);
            policyFailure = failure;
            LOG.log(System.Logger.Level.WARNING, "policy file {0}: reload failed, previous rules kept:\n{1}",
                    current.file(), failure.getMessage());
            throw failure;
        }
    }

    /** Watches {@code files} from now on, with the stamps taken {@code before} reading where there are some. */
    private void stamp(List<Path> files, List<FileStamp> before) {
        List<FileStamp> stamps = new ArrayList<>();
        for (FileStamp now : FileStamp.of(files)) {
            stamps.add(before.stream().filter(b -> b.file().equals(now.file())).findFirst().orElse(now));
        }
        watchedFiles = List.copyOf(files);
        policyStamp = stamps;
    }

    /**
     * Why the last reload of the watched policy file failed, while the rules from before stay in force.
     *
     * @return the failure, or empty if the last reload succeeded or none was tried
     * @since 0.1.0
     */
    public Optional<PolicyFileException> policyFileFailure() {
        return Optional.ofNullable(policyFailure);
    }

    /** What identifies the content of a file without reading it. */
    private record FileStamp(Path file, long size, long modified, @Nullable Object key) {
        static List<FileStamp> of(List<Path> files) {
            List<FileStamp> stamps = new ArrayList<>();
            for (Path f : files) {
                try {
                    var a = java.nio.file.Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class);
                    stamps.add(new FileStamp(f, a.size(), a.lastModifiedTime().toMillis(), a.fileKey()));
                } catch (java.io.IOException e) {
                    stamps.add(new FileStamp(f, -1, -1, null)); // missing: a change too
                }
            }
            return stamps;
        }
    }

    /**
     * A builder with no domains, no trusted networks, authenticated relay permitted and the default replies.
     * It reads nothing from the environment.
     *
     * @return a new builder
     * @since 0.1.0
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Decides whether the recipient of {@code request} may be accepted. Never throws: bad input is refused with
     * a precise reply, and an unexpected internal failure defers ({@code 451 4.3.0}), never accepts.
     *
     * @param request the request; {@code null} is refused
     * @return the decision
     * @since 0.1.0
     */
    @Override
    public Decision decide(@Nullable RelayRequest request) {
        Rules current = rules;
        Rules.Ending ending = evaluate(current, request);
        DnsLists lists = request == null ? null : current.listsAfter(ending);
        DnsLists.Outcome outcome = null;
        if (lists != null) {
            outcome = cached(lists, request);
            if (outcome == null) {
                outcome = awaitLists(lists, request);
                if (outcome == null) {
                    ending = current.internalError();
                }
            }
        }
        // One allocation site for every path: the JIT can then elide the decision when the caller lets it escape
        // nowhere (it cannot when several allocations merge), so a decision made from the cache allocates nothing.
        return new EngineDecision(ending, request, current, outcome);
    }

    /** The outcome kept from cached answers, or null (also if looking it up fails: the lists are then asked). */
    private static DnsLists.@Nullable Outcome cached(DnsLists lists, RelayRequest request) {
        try {
            return lists.cached(request);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The part of {@link #decide} that waits for DNS answers; null if they could not be had (then the decision
     * defers as an internal error, never accepts).
     */
    private static DnsLists.@Nullable Outcome awaitLists(DnsLists lists, RelayRequest request) {
        try {
            // check() completes by the lists' deadline on its own; the margin only covers scheduling delays.
            return lists.check(request).get(lists.deadline().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return null;
        }
    }

    private static Rules.Ending evaluate(Rules current, @Nullable RelayRequest request) {
        try {
            return current.evaluate(request);
        } catch (RuntimeException | StackOverflowError e) {
            return current.internalError();
        }
    }

    /**
     * Decides like {@link #decide} without blocking the caller: DNS list queries run on the engine's own
     * threads (or the {@link Builder#executor(Executor) executor} given), all lists of a
     * decision in parallel under one deadline. Without lists the stage is complete.
     *
     * @param request the request
     * @return a stage completed with the decision; never completed exceptionally
     * @since 0.1.0
     */
    @Override
    public CompletionStage<Decision> decideAsync(@Nullable RelayRequest request) {
        Rules current = rules;
        Rules.Ending ending = evaluate(current, request);
        DnsLists lists = request == null ? null : current.listsAfter(ending);
        if (lists == null) {
            return CompletableFuture.completedFuture(new EngineDecision(ending, request, current));
        }
        DnsLists.Outcome cached = cached(lists, request);
        if (cached != null) {
            return CompletableFuture.completedFuture(new EngineDecision(ending, request, current, cached));
        }
        CompletableFuture<DnsLists.Outcome> check;
        try {
            check = lists.check(request);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new EngineDecision(current.internalError(), request, current));
        }
        return check.<Decision>thenApply(o -> new EngineDecision(ending, request, current, o))
                .exceptionally(e -> new EngineDecision(current.internalError(), request, current));
    }

    /**
     * Replaces the rules with those of {@code builder}, atomically: decisions running now finish with the old
     * rules, later ones use the new rules. If the builder's configuration is invalid, nothing changes.
     *
     * @param builder the new configuration; it is copied, later changes to it have no effect
     * @throws IllegalArgumentException if the configuration is invalid; the previous rules stay in force
     * @since 0.1.0
     */
    public synchronized void reload(Builder builder) {
        Objects.requireNonNull(builder, "builder");
        // compiled under the lock too: concurrent reloads take effect in one order, each with its own zone files
        install(builder.compile());
    }

    /** Puts {@code next} in force and watches its zone files; called with the lock held. */
    private void install(Rules next) {
        rules = next;
        watchZones(next);
    }

    /**
     * Checks every configured DNS list against its RFC 5782 section 5 test points (127.0.0.2 listed and 127.0.0.1
     * not, or {@code TEST} and {@code INVALID} for domain lists) and reports lists that are dead, unreachable or
     * "list the world". Run it at start-up and from time to time: a list whose domain lapsed can start answering
     * every query. A zone that carries a secret key (Spamhaus DQS, Abusix) is reported with the key masked
     * ({@code k3y***.zen.dq.spamhaus.net}).
     *
     * @return a stage completed with one report per list, in configuration order; empty without lists
     * @since 0.1.0
     */
    public CompletionStage<List<DnsListHealth>> checkDnsLists() {
        DnsLists lists = rules.dnsLists();
        if (lists == null) {
            return CompletableFuture.completedFuture(List.of());
        }
        return lists.health().thenApply(all -> all.stream().map(h -> new DnsListHealth(h.spec().kind().setting(),
                h.spec().maskedZone(), h.problem().isEmpty(), h.problem(), (h.spec().kind() == ListSpec.Kind.RHSBL
                        ? "TEST: " + h.listedPoint() + ", INVALID: " + h.unlistedPoint()
                        : "127.0.0.2: " + h.listedPoint() + ", 127.0.0.1: " + h.unlistedPoint()))).toList());
    }

    @Override
    public String toString() {
        Rules r = rules;
        return "RelayEngine[" + r.domainCount() + " domains, " + r.trustedNetworkCount() + " trusted networks]";
    }

    /**
     * Configures a {@link RelayEngine}. Not thread-safe. {@link #build()} validates and copies everything, so later
     * calls on the builder do not change an engine already built. List settings add to what was given before.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private record LocalZoneSpec(Path file, ZoneType type, MalformedLines malformed, @Nullable Origin origin) {
        }

        /** A list entry and, when it came from a policy file, where. */
        private record Entry(String text, @Nullable Origin origin) {
        }

        static final Duration MAX_DNS_TIMEOUT = Duration.ofMinutes(10);
        static final Duration MAX_TTL = Duration.ofDays(30);
        static final Duration DEFAULT_TTL_FLOOR = Duration.ofSeconds(10);
        static final Duration DEFAULT_TTL_CEILING = Duration.ofHours(1);
        static final long DEFAULT_CACHE_SIZE = 100_000;
        static final int MAX_DNS_IN_FLIGHT = 1_000_000;

        private final List<Entry> localDomains = new ArrayList<>();
        private final List<Entry> relayDomains = new ArrayList<>();
        private final List<Entry> trustedNetworks = new ArrayList<>();
        private boolean permitAuthenticated = true;
        private final Map<String, SmtpReply> replies = new LinkedHashMap<>();
        private final List<ListSpec> lists = new ArrayList<>();
        private final List<InetSocketAddress> dnsServers = new ArrayList<>();
        private int dnsblThreshold = 1;
        private Duration dnsTimeout = Duration.ofSeconds(5);
        private int dnsMaxInFlight = ListLookups.DEFAULT_MAX_IN_FLIGHT;
        private DnsFailure dnsFailure = DnsFailure.DEFER;
        private final Map<String, Boolean> zoneFailures = new LinkedHashMap<>();
        private final Map<String, SmtpReply> zoneReplies = new LinkedHashMap<>();
        private final Map<String, String> zoneNames = new LinkedHashMap<>();
        private Duration ttlFloor = DEFAULT_TTL_FLOOR;
        private Duration ttlCeiling = DEFAULT_TTL_CEILING;
        private long cacheSize = DEFAULT_CACHE_SIZE;
        private final Map<String, LocalZoneSpec> localZones = new LinkedHashMap<>();
        private Duration zoneCheckInterval = Duration.ofMinutes(1);
        private long zoneMaxSize = LocalZone.DEFAULT_MAX_SIZE;
        private @Nullable Executor executor; // null: the engine's own threads
        private TimeSource time = TimeSource.system();

        private Builder() {
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
        public Builder localDomains(String... patterns) {
            return localDomains(Arrays.asList(patterns));
        }

        /**
         * Adds domains we are the final destination for; see {@link #localDomains(String...)}.
         *
         * @param patterns domain patterns
         * @return this builder
         * @since 0.1.0
         */
        public Builder localDomains(Collection<String> patterns) {
            addAll(localDomains, patterns, "localDomains", null);
            return this;
        }

        /**
         * Adds domains we relay for from any client (we are their backup MX or smarthost). Same patterns as
         * {@link #localDomains(String...)}.
         *
         * @param patterns domain patterns
         * @return this builder
         * @since 0.1.0
         */
        public Builder relayDomains(String... patterns) {
            return relayDomains(Arrays.asList(patterns));
        }

        /**
         * Adds domains we relay for; see {@link #relayDomains(String...)}.
         *
         * @param patterns domain patterns
         * @return this builder
         * @since 0.1.0
         */
        public Builder relayDomains(Collection<String> patterns) {
            addAll(relayDomains, patterns, "relayDomains", null);
            return this;
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
        public Builder trustedNetworks(String... networks) {
            return trustedNetworks(Arrays.asList(networks));
        }

        /**
         * Adds trusted networks; see {@link #trustedNetworks(String...)}.
         *
         * @param networks network entries
         * @return this builder
         * @since 0.1.0
         */
        public Builder trustedNetworks(Collection<String> networks) {
            addAll(trustedNetworks, networks, "trustedNetworks", null);
            return this;
        }

        /**
         * Whether a client that authenticated (SMTP AUTH) may relay anywhere. Default: {@code true}.
         *
         * @param permit true to permit authenticated relay
         * @return this builder
         * @since 0.1.0
         */
        public Builder permitAuthenticated(boolean permit) {
            this.permitAuthenticated = permit;
            return this;
        }

        /**
         * Sets the reply of a rule, one of the names in {@link io.github.relaypolicy.RuleNames}. The text may
         * name {@code {recipient}}, {@code {sender}}, {@code {client}} and {@code {helo}}; echoed values are
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
        public Builder reply(String rule, SmtpReply reply) {
            Objects.requireNonNull(rule, "rule");
            Objects.requireNonNull(reply, "reply");
            Rules.checkReply(rule, reply);
            SmtpReply previous = replies.putIfAbsent(rule, reply);
            if (previous != null) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "reply for rule '%s' was already set to '%s'", rule, previous));
            }
            return this;
        }

        /**
         * Adds a DNS block list of client addresses, in Postfix postscreen syntax {@code zone[=filter][*weight]}:
         * {@code zen.spamhaus.org=127.0.0.[2..11;30]*3}. Filters: exact {@code 127.0.0.2}, ranges
         * {@code 127.0.0.[2..11]}, lists {@code 127.0.0.[2;4;10]}, or a bit mask {@code zone&0.0.0.4}. The
         * weight (default 1) must be positive. Lists are consulted only for untrusted, unauthenticated clients
         * whose recipient is in a local or relay domain.
         *
         * @param spec the list
         * @return this builder
         * @throws IllegalArgumentException naming the specification and what is wrong with it
         * @since 0.1.0
         */
        public Builder dnsbl(String spec) {
            lists.add(ListSpec.parse(ListSpec.Kind.DNSBL, Objects.requireNonNull(spec, "spec")));
            return this;
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
        public Builder dnswl(String spec) {
            lists.add(ListSpec.parse(ListSpec.Kind.DNSWL, Objects.requireNonNull(spec, "spec")));
            return this;
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
        public Builder rhsbl(String spec) {
            lists.add(ListSpec.parse(ListSpec.Kind.RHSBL, Objects.requireNonNull(spec, "spec")));
            return this;
        }

        /**
         * The score at or above which listings refuse the recipient. Default: 1.
         *
         * @param threshold a positive score
         * @return this builder
         * @since 0.1.0
         */
        public Builder dnsblThreshold(int threshold) {
            if (threshold < 1) {
                throw new IllegalArgumentException("dnsblThreshold " + threshold + " must be at least 1");
            }
            this.dnsblThreshold = threshold;
            return this;
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
        public Builder dnsServers(String... servers) {
            for (String s : servers) {
                dnsServers.add(server(Objects.requireNonNull(s, "server")));
            }
            return this;
        }

        /**
         * The deadline of all DNS list queries of one decision. Default: 5 seconds.
         *
         * @param timeout a positive duration, at most 10 minutes
         * @return this builder
         * @since 0.1.0
         */
        public Builder dnsTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_DNS_TIMEOUT) > 0) {
                throw new IllegalArgumentException("dnsTimeout " + PolicyFile.duration(timeout)
                        + " must be more than 0 and at most " + PolicyFile.duration(MAX_DNS_TIMEOUT));
            }
            this.dnsTimeout = timeout;
            return this;
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
        public Builder dnsMaxInFlight(int maxInFlight) {
            if (maxInFlight < 1 || maxInFlight > MAX_DNS_IN_FLIGHT) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "dnsMaxInFlight %d must be from 1 to %d", maxInFlight, MAX_DNS_IN_FLIGHT));
            }
            this.dnsMaxInFlight = maxInFlight;
            return this;
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
         * @since 0.2.0
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** The clock of DNS answer lifetimes and deadlines, for tests that advance it instead of sleeping. */
        Builder timeSource(TimeSource time) {
            this.time = Objects.requireNonNull(time, "time");
            return this;
        }

        /**
         * What a list's failure to answer does when it could change the decision, for every list. Default:
         * {@link DnsFailure#DEFER}.
         *
         * @param failure defer or ignore
         * @return this builder
         * @since 0.1.0
         */
        public Builder dnsFailure(DnsFailure failure) {
            this.dnsFailure = Objects.requireNonNull(failure, "failure");
            return this;
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
        public Builder dnsFailure(String zone, DnsFailure failure) {
            String z = zoneName("dnsFailure", zone);
            Boolean previous = zoneFailures.putIfAbsent(z, Objects.requireNonNull(failure, "failure")
                    == DnsFailure.IGNORE);
            if (previous != null) {
                throw new IllegalStateException(ListNames.maskAll("dnsFailure for zone '" + z
                        + "' was already set to " + (previous ? "IGNORE" : "DEFER")));
            }
            return this;
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
        public Builder dnsblReply(String zone, SmtpReply reply) {
            int cls = reply.code() / 100;
            if (cls != 5 && cls != 4) {
                throw new IllegalArgumentException(ListNames.maskAll(String.format(Locale.ROOT,
                        "reply for DNS list '%s' must be 4xx or 5xx, got '%s'", zone, reply)));
            }
            java.util.regex.Matcher placeholder = java.util.regex.Pattern.compile("\\{([^{}]*)}").matcher(reply.text());
            while (placeholder.find()) {
                if (!List.of("client", "domain", "zone", "txt").contains(placeholder.group(1))) {
                    throw new IllegalArgumentException(ListNames.maskAll(String.format(Locale.ROOT,
                            "reply for DNS list '%s' names the unknown placeholder '{%s}'; expected {client},"
                                    + " {domain}, {zone} or {txt}", zone, Text.escape(placeholder.group(1)))));
                }
            }
            ReplyTemplate.checkLineLength("DNS list '" + Text.escape(ListNames.maskAll(zone)) + "'", reply,
                    reply.text().replaceAll("\\{(client|domain|zone|txt)}", ""));
            String z = zoneName("dnsblReply", zone);
            SmtpReply previous = zoneReplies.putIfAbsent(z, reply);
            if (previous != null) {
                throw new IllegalStateException(ListNames.maskAll("dnsblReply for zone '" + z
                        + "' was already set to '" + previous + "'"));
            }
            return this;
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
        public Builder dnsListName(String zone, String name) {
            Objects.requireNonNull(name, "name");
            String z = zoneName("dnsListName", Objects.requireNonNull(zone, "zone"));
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
            return this;
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
        public Builder dnsCache(Duration floor, Duration ceiling, long maxEntries) {
            if (floor.isNegative() || ceiling.compareTo(floor) < 0 || ceiling.compareTo(MAX_TTL) > 0
                    || maxEntries < 1) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "dnsCache(%s, %s, %d): need 0 <= floor <= ceiling <= %s and at least one entry",
                        PolicyFile.duration(floor), PolicyFile.duration(ceiling), maxEntries,
                        PolicyFile.duration(MAX_TTL)));
            }
            this.ttlFloor = floor;
            this.ttlCeiling = ceiling;
            this.cacheSize = maxEntries;
            return this;
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
        public Builder localZone(String zone, Path file) {
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
        public Builder localZone(String zone, Path file, MalformedLines malformed) {
            return localZone(zone, file, malformed, null);
        }

        Builder localZone(String zone, Path file, MalformedLines malformed, @Nullable Origin origin) {
            Objects.requireNonNull(file, "file");
            String name = file.getFileName() == null ? "" : file.getFileName().toString();
            String ext = name.lastIndexOf('.') < 0 ? "" : name.substring(name.lastIndexOf('.') + 1);
            ZoneType type;
            try {
                type = ZoneType.parse(ext);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ListNames.maskAll(String.format(Locale.ROOT,
                        "localZone '%s': file '%s' must end in .ip4set, .ip4trie, .ip6trie or .dnset",
                        Text.escape(zone), Text.escape(file.toString()))),
                        e);
            }
            String z = zoneName("localZone", zone);
            if (localZones.putIfAbsent(z, new LocalZoneSpec(file, type, Objects.requireNonNull(malformed,
                    "malformed"), origin)) != null) {
                throw new IllegalStateException(ListNames.maskAll("localZone '" + z + "' was already set to "
                        + localZones.get(z).file()));
            }
            return this;
        }

        /**
         * How often local zone files are checked for changes. Default: one minute, as rbldnsd.
         *
         * @param interval from one millisecond to one day
         * @return this builder
         * @since 0.1.0
         */
        public Builder localZoneCheckInterval(Duration interval) {
            if (interval.toMillis() < 1 || interval.compareTo(MAX_CHECK_INTERVAL) > 0) {
                throw new IllegalArgumentException("localZoneCheckInterval " + PolicyFile.duration(interval)
                        + " must be from 1ms to 1d");
            }
            this.zoneCheckInterval = interval;
            return this;
        }

        /**
         * The largest local zone file loaded, at build time and on reloads: a larger file is refused with an error
         * naming it, its size and this cap, and on a reload the previous data stay. Default: 256 MiB
         * ({@link LocalZone#DEFAULT_MAX_SIZE}).
         *
         * @param bytes from 1 byte to 1 GiB
         * @return this builder
         * @throws IllegalArgumentException if out of range
         * @since 0.1.0
         */
        public Builder localZoneMaxSize(long bytes) {
            if (bytes < 1 || bytes > LocalZone.MAX_SIZE_LIMIT) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "localZoneMaxSize %d must be from 1"
                        + " byte to %d (1 GiB)", bytes, LocalZone.MAX_SIZE_LIMIT));
            }
            this.zoneMaxSize = bytes;
            return this;
        }

        private static InetSocketAddress server(String text) {
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
                throw new IllegalArgumentException("dnsServers entry '" + Text.escape(text) + "': " + e.getMessage(), e);
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

        /**
         * Validates the configuration and builds an engine.
         *
         * @return the engine
         * @throws IllegalArgumentException naming the first invalid entry
         * @since 0.1.0
         */
        public RelayEngine build() {
            return new RelayEngine(compile());
        }

        Rules compile() {
            NetworkSet.Builder networks = trusted();
            DomainIndex.Builder domains = new DomainIndex.Builder();
            NetworkSet.Builder literals = new NetworkSet.Builder("address literal");
            addDomains(domains, literals, localDomains, Rules.LOCAL, "local domain", "local");
            addDomains(domains, literals, relayDomains, Rules.RELAY, "relay domain", "relay");
            Map<String, LocalZone> zones = openZones();
            return new Rules(networks.build(), domains.build(), literals.build(), permitAuthenticated,
                    Map.copyOf(replies), dnsLists(zones), List.copyOf(zones.values()), zoneCheckInterval);
        }

        /**
         * Checks the networks and domains as {@link #compile()} does, without building the lookup structures
         * or loading local zones.
         */
        void checkEntries() {
            trusted();
            DomainIndex.Builder domains = new DomainIndex.Builder();
            NetworkSet.Builder literals = new NetworkSet.Builder("address literal");
            addDomains(domains, literals, localDomains, Rules.LOCAL, "local domain", "local");
            addDomains(domains, literals, relayDomains, Rules.RELAY, "relay domain", "relay");
        }

        private NetworkSet.Builder trusted() {
            NetworkSet.Builder networks = new NetworkSet.Builder("trusted network");
            for (Entry entry : trustedNetworks) {
                String e = entry.text().strip();
                boolean exclude = e.startsWith("!");
                try {
                    networks.add(entry.text(), exclude ? e.substring(1) : e, exclude ? Rules.EXCLUDED : Rules.TRUSTED);
                } catch (IllegalArgumentException ex) {
                    throw Origin.at(entry.origin(), ex);
                }
            }
            return networks;
        }

        private @Nullable DnsLists dnsLists(Map<String, LocalZone> zones) {
            List<ListSpec> all = new ArrayList<>(lists);
            for (Map.Entry<String, LocalZone> z : zones.entrySet()) {
                if (all.stream().noneMatch(s -> s.zone().equals(z.getKey()))) {
                    ListSpec.Kind kind = z.getValue().data().type() == ZoneType.DNSET ? ListSpec.Kind.RHSBL
                            : ListSpec.Kind.DNSBL;
                    all.add(ListSpec.parse(kind, z.getKey()));
                }
            }
            if (all.isEmpty()) {
                return null;
            }
            all.replaceAll(spec -> zoneNames.containsKey(spec.zone()) ? spec.withName(zoneNames.get(spec.zone()))
                    : spec);
            for (ListSpec spec : all) {
                LocalZone zone = zones.get(spec.zone());
                boolean domains = zone != null && zone.data().type() == ZoneType.DNSET;
                if (zone != null && domains != (spec.kind() == ListSpec.Kind.RHSBL)) {
                    throw Origin.at(localZones.get(spec.zone()).origin(), new IllegalArgumentException(
                            String.format(Locale.ROOT, "%s '%s' names the local zone '%s', whose file %s holds %s;"
                                    + " a %s list needs %s", spec.kind().setting(), spec.maskedText(),
                                    spec.maskedZone(), localZones.get(spec.zone()).file(),
                                    domains ? "domains" : "addresses", spec.kind().setting(),
                                    domains ? "addresses" : "domains")));
                }
            }
            boolean allLocal = all.stream().allMatch(s -> zones.containsKey(s.zone()));
            ListLookups lookups = allLocal ? null : new ListLookups(List.copyOf(dnsServers), dnsTimeout, ttlFloor,
                    ttlCeiling, cacheSize, dnsMaxInFlight, executor != null ? executor : DnsExecutor.get(),
                    executor != null, time);
            return new DnsLists(all, zoneFailures, dnsFailure == DnsFailure.IGNORE, dnsblThreshold, dnsTimeout,
                    zoneReplies, lookups, new LocalZoneAnswers(zones));
        }

        /** Loads the local zone files; every error names the zone, the file and the line. */
        Map<String, LocalZone> openZones() {
            Map<String, LocalZone> zones = new LinkedHashMap<>();
            for (Map.Entry<String, LocalZoneSpec> e : localZones.entrySet()) {
                LocalZoneSpec spec = e.getValue();
                try {
                    zones.put(e.getKey(), LocalZone.open(e.getKey(), spec.file(), spec.type(),
                            spec.malformed() == MalformedLines.REFUSE, zoneMaxSize));
                } catch (ZoneFileException ex) {
                    throw Origin.at(spec.origin(),
                            new IllegalArgumentException(ListNames.maskAll("localZone '" + e.getKey() + "': "
                                    + ex.getMessage()), ex));
                }
            }
            return zones;
        }

        private static void addDomains(DomainIndex.Builder domains, NetworkSet.Builder literals,
                List<Entry> entries, int value, String what, String valueName) {
            for (Entry entry : entries) {
                try {
                    addDomain(domains, literals, entry.text(), value, what, valueName);
                } catch (IllegalArgumentException e) {
                    throw Origin.at(entry.origin(), e);
                }
            }
        }

        private static void addDomain(DomainIndex.Builder domains, NetworkSet.Builder literals, String pattern,
                int value, String what, String valueName) {
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

        private static void addAll(List<Entry> target, Collection<String> values, String setting,
                @Nullable Origin origin) {
            Objects.requireNonNull(values, setting);
            int k = 0;
            for (String v : values) {
                if (v == null) {
                    throw new NullPointerException(setting + "[" + k + "] is null");
                }
                if (Text.hasControlOrBrokenText(v)) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT,
                            "%s entry '%s': holds a control character", setting, Text.escape(v)));
                }
                k++;
            }
            for (String v : values) {
                target.add(new Entry(v, origin));
            }
        }

        /**
         * A zone name checked as a zone name (not as a list specification, whose filter or weight would be cut off
         * silently) and normalized: lower-case ASCII, no trailing dot.
         *
         * @param setting the builder setting, for the message
         * @throws IllegalArgumentException naming the setting and the zone
         */
        static String zoneName(String setting, String zone) {
            Objects.requireNonNull(zone, "zone");
            try {
                return ListSpec.zoneName(zone.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ListNames.maskAll(String.format(Locale.ROOT, "%s zone '%s' is not"
                        + " a zone name: expected a domain name of at least two labels, e.g. bl.example.net", setting,
                        Text.escape(zone))), e);
            }
        }

        /** The normalized zone of a list specification {@code zone[=filter|&mask][*weight]} or a bare zone. */
        static String zoneOf(String spec) {
            String zone = spec.strip();
            for (char c : new char[] {'=', '&', '*'}) {
                int at = zone.indexOf(c);
                zone = at < 0 ? zone : zone.substring(0, at);
            }
            return ListSpec.parse(ListSpec.Kind.DNSBL, zone).zone();
        }

        /**
         * This configuration in the policy file format, defaults included: what {@code relay-policy lint}
         * prints. Lists show at most {@code maxEntries} entries each, the rest counted in a comment.
         */
        String describe(int maxEntries) {
            StringBuilder out = new StringBuilder();
            out.append("# local and relay domains\n");
            list(out, "mydestination", localDomains.stream().map(Entry::text).toList(), maxEntries);
            list(out, "relay_domains", relayDomains.stream().map(Entry::text).toList(), maxEntries);
            out.append("\n# clients that may relay anywhere\n");
            list(out, "mynetworks", trustedNetworks.stream().map(Entry::text).toList(), maxEntries);
            out.append("permit_authenticated = ").append(permitAuthenticated ? "yes" : "no").append('\n');
            out.append("\n# replies: those set, then the defaults of the others (commented out)\n");
            for (Map.Entry<String, SmtpReply> e : Rules.DEFAULT_REPLIES.entrySet()) {
                SmtpReply set = replies.get(e.getKey());
                if (set != null) {
                    out.append("reply.").append(e.getKey()).append(" = ").append(set).append('\n');
                }
            }
            for (Map.Entry<String, SmtpReply> e : Rules.DEFAULT_REPLIES.entrySet()) {
                if (!replies.containsKey(e.getKey())) {
                    out.append("# reply.").append(e.getKey()).append(" = ").append(e.getValue()).append('\n');
                }
            }
            out.append("\n# DNS lists\n");
            for (ListSpec.Kind kind : ListSpec.Kind.values()) {
                list(out, kind.setting() + "_sites", lists.stream().filter(l -> l.kind() == kind).map(ListSpec::text)
                        .toList(), maxEntries);
            }
            out.append("dnsbl_threshold = ").append(dnsblThreshold).append('\n');
            list(out, "dns_servers", dnsServers.stream().map(a -> a.getAddress() instanceof java.net.Inet6Address
                    ? "[" + a.getAddress().getHostAddress() + "]:" + a.getPort()
                    : a.getAddress().getHostAddress() + ":" + a.getPort()).toList(), maxEntries);
            if (dnsServers.isEmpty()) {
                out.append("# (no dns_servers: the system's resolvers are asked)\n");
            }
            out.append("dns_timeout = ").append(PolicyFile.duration(dnsTimeout)).append('\n');
            out.append("dns_max_in_flight = ").append(dnsMaxInFlight).append('\n');
            out.append("dns_failure = ").append(dnsFailure.name().toLowerCase(Locale.ROOT)).append('\n');
            zoneFailures.forEach((zone, ignore) -> out.append("dns_failure.").append(zone).append(" = ")
                    .append(ignore ? "ignore" : "defer").append('\n'));
            zoneReplies.forEach((zone, reply) -> out.append("dnsbl_reply.").append(zone).append(" = ").append(reply)
                    .append('\n'));
            zoneNames.forEach((zone, name) -> out.append("dns_list_name.").append(zone).append(" = ").append(name)
                    .append('\n'));
            out.append("dns_cache_min_ttl = ").append(PolicyFile.duration(ttlFloor)).append('\n');
            out.append("dns_cache_max_ttl = ").append(PolicyFile.duration(ttlCeiling)).append('\n');
            out.append("dns_cache_size = ").append(cacheSize).append('\n');
            out.append("\n# local zones (rbldnsd data files)\n");
            localZones.forEach((zone, spec) -> out.append("local_zone.").append(zone).append(" = ")
                    .append(spec.file().toString().matches(".*[\\s\"#].*") ? "\"" + spec.file() + "\"" : spec.file())
                    .append(" malformed=").append(spec.malformed().name().toLowerCase(Locale.ROOT))
                    .append('\n'));
            out.append("local_zone_check_interval = ").append(PolicyFile.duration(zoneCheckInterval)).append('\n');
            out.append("local_zone_max_size = ").append(PolicyFile.size(zoneMaxSize)).append('\n');
            // Secret keys in zones (Spamhaus DQS, Abusix) are masked: this text is printed, logged and shared.
            return ListNames.maskAll(out.toString());
        }

        private static void list(StringBuilder out, String key, List<String> entries, int maxEntries) {
            out.append(key).append(" =");
            int width = key.length() + 2;
            int shown = 0;
            for (String e : entries) {
                if (shown == maxEntries) {
                    break;
                }
                if (shown > 0 && width + e.length() > 100) {
                    out.append(",\n   ");
                    width = 3;
                } else if (shown > 0) {
                    out.append(',');
                    width++;
                }
                out.append(' ').append(e);
                width += e.length() + 1;
                shown++;
            }
            out.append('\n');
            if (entries.size() > shown) {
                out.append("    # ... and ").append(entries.size() - shown).append(" more (")
                        .append(entries.size()).append(" entries)\n");
            }
        }

        /** Adds one list entry read from a policy file; errors found when building name {@code origin}. */
        Builder addEntry(String setting, String value, Origin origin) {
            List<Entry> target = switch (setting) {
                case "localDomains" -> localDomains;
                case "relayDomains" -> relayDomains;
                case "trustedNetworks" -> trustedNetworks;
                default -> throw new IllegalArgumentException("not a list setting: " + setting);
            };
            addAll(target, List.of(value), setting, origin);
            return this;
        }
    }
}

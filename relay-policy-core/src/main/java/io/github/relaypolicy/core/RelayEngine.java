package io.github.relaypolicy.core;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayPolicy;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.internal.engine.Limits;
import io.github.relaypolicy.core.internal.engine.EngineDecision;
import io.github.relaypolicy.core.internal.engine.Rules;
import io.github.relaypolicy.core.internal.dns.DnsLists;
import io.github.relaypolicy.core.internal.dns.ListOutcome;
import io.github.relaypolicy.core.internal.dns.ListSpec;
import io.github.relaypolicy.core.internal.engine.Compiler;
import io.github.relaypolicy.core.internal.engine.ConfigBuilder;
import io.github.relaypolicy.core.internal.engine.Reloader;
import io.github.relaypolicy.core.internal.engine.SettingException;
import io.github.relaypolicy.core.internal.SeededHash;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
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

    /** The rules in force, and their reloads. */
    private final Reloader state;

    private RelayEngine(Rules rules) {
        this.state = new Reloader(rules);
    }

    /**
     * Checks the local zone files for changes now, instead of at the next interval, and reloads those that
     * changed; a file that fails to load keeps its previous data and is reported by {@link #zoneWarnings()}.
     *
     * @since 0.1.0
     */
    public void reloadZonesNow() {
        state.reloadZonesNow();
    }

    /**
     * What the local zone files report: skipped malformed lines ({@code file:line: ...}) and failed reloads.
     *
     * @return the warnings, empty when all is well
     * @since 0.1.0
     */
    public List<String> zoneWarnings() {
        return state.zoneWarnings();
    }

    /**
     * Stops watching the local zone files and the policy file, and closes the connection to a shared rate-limit
     * store (rate limits then count in this process). Decisions keep working with the rules in force. Returns
     * at once: it does not wait for a check in progress (a zone file read may take up to its deadline), which reads no
     * further file once it sees the engine closed.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        state.close();
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
        return new RelayEngine(PolicyFile.read(file).compile());
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
        if (checkInterval.toMillis() < 1 || checkInterval.compareTo(ConfigBuilder.MAX_CHECK_INTERVAL) > 0) {
            throw new IllegalArgumentException("checkInterval " + checkInterval + " must be from 1 ms to 1 day");
        }
        PolicyFile policy = PolicyFile.read(file);
        RelayEngine engine = new RelayEngine(policy.compile());
        engine.state.watchFile(file, policy.files(), checkInterval, PolicyFile::reload);
        return engine;
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
    public boolean reloadFileNow() {
        return state.reloadFileNow();
    }

    /**
     * Why the last reload of the watched policy file failed, while the rules from before stay in force.
     *
     * @return the failure, or empty if the last reload succeeded or none was tried
     * @since 0.1.0
     */
    public Optional<PolicyFileException> policyFileFailure() {
        return state.policyFileFailure();
    }

    /**
     * A builder with no domains, no trusted networks, authenticated relay permitted and the default replies.
     * It reads nothing from the environment.
     *
     * @return a new builder
     * @since 0.1.0
     */
    public static Builder builder() {
        return new Builder(new ConfigBuilder());
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
        return decide(request, false);
    }

    /**
     * Tells the engine that a mail transaction ended: its message was sent ({@code END-OF-MESSAGE}) or abandoned
     * ({@code RSET}, {@code QUIT}). The engine forgets what it counted for the transaction's recipients
     * ({@code recipients_per_message}) and whether the message was counted ({@code message_rate_limit}); the
     * counts taken stay taken. Without this, an ended transaction is forgotten when it has been unused for an hour,
     * or when its place is needed; telling the engine keeps the places for open transactions. A later recipient
     * with the same id starts a new transaction. Does nothing when no limit counts transactions.
     *
     * @param transactionId the id the transaction's requests carried ({@link RelayRequest#transactionId()})
     * @return whether the engine was counting the transaction
     * @throws NullPointerException if {@code transactionId} is null
     * @since 0.1.0
     */
    public boolean endTransaction(String transactionId) {
        Objects.requireNonNull(transactionId, "transactionId");
        Limits limits = state.rules().limits();
        return limits != null && limits.state().endTransaction(SeededHash.of(transactionId));
    }

    /**
     * Decides as {@link #decide} does, but counts nothing: the rate limits are only read (their remaining counts
     * show in the trace) and no refusal is recorded, in this engine or a shared store. What {@code relay-policy
     * check} uses, and what a test of a policy in production should use.
     *
     * @param request the request; {@code null} is refused
     * @return the decision that {@link #decide} would make now
     * @since 0.1.0
     */
    public Decision preview(@Nullable RelayRequest request) {
        return decide(request, true);
    }

    private Decision decide(@Nullable RelayRequest request, boolean dryRun) {
        Rules current = state.rules();
        Rules.Ending ending = evaluate(current, request);
        Limits limits = request == null ? null : current.limits();
        Rules.Ending limited = null;
        int ticket = 0;
        if (limits != null) {
            try {
                if (ending.verdict() == Verdict.REJECT) {
                    limited = limits.refused(request, dryRun);
                } else if (ending.verdict() == Verdict.ACCEPT) {
                    limited = limits.take(request, dryRun);
                    ticket = limits.ticket(request);
                }
            } catch (RuntimeException e) {
                limited = current.internalError();
            }
        }
        DnsLists lists = request == null || limited != null ? null : current.listsAfter(ending);
        ListOutcome outcome = null;
        if (lists != null) {
            outcome = cached(lists, request);
            if (outcome == null) {
                outcome = awaitLists(lists, request);
                if (outcome == null) {
                    ending = current.internalError();
                }
            }
            if (limits != null && !dryRun) {
                afterLists(limits, request, ticket, outcome);
            }
        }
        // One allocation site for every path: the JIT can then elide the decision when the caller lets it escape
        // nowhere (it cannot when several allocations merge), so a decision made from the cache allocates nothing.
        return new EngineDecision(ending, request, current, outcome, limited);
    }

    /**
     * The lists decided after the limits counted the recipient: unless they accepted, the counts go back, and a
     * refusal is counted against the client.
     */
    private static void afterLists(Limits limits, RelayRequest request, int ticket, @Nullable ListOutcome outcome) {
        if (outcome != null && outcome.kind() == ListOutcome.Kind.PASS) {
            return;
        }
        try {
            limits.giveBack(request, ticket, outcome != null && outcome.refuses());
        } catch (RuntimeException e) {
            // a lost give-back leaves the limit stricter, never looser
        }
    }

    /**
     * {@link #afterLists} for {@code decideAsync}: waits for nothing (it may run on the shared store's I/O thread);
     * the stage completes once a refusal is counted. Never completes exceptionally.
     */
    private static CompletionStage<@Nullable Void> afterListsAsync(Limits limits, RelayRequest request, int ticket,
            @Nullable ListOutcome outcome) {
        if (outcome != null && outcome.kind() == ListOutcome.Kind.PASS) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return limits.giveBackAsync(request, ticket, outcome != null && outcome.refuses());
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(null); // a lost give-back leaves the limit stricter
        }
    }

    /** The outcome kept from cached answers, or null (also if looking it up fails: the lists are then asked). */
    private static @Nullable ListOutcome cached(DnsLists lists, RelayRequest request) {
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
    private static @Nullable ListOutcome awaitLists(DnsLists lists, RelayRequest request) {
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
     * threads (or the {@link Builder#executor(java.util.concurrent.Executor) executor} given), all lists of a
     * decision in parallel under one deadline. Without lists the stage is complete.
     *
     * @param request the request
     * @return a stage completed with the decision; never completed exceptionally
     * @since 0.1.0
     */
    @Override
    public CompletionStage<Decision> decideAsync(@Nullable RelayRequest request) {
        Rules current = state.rules();
        Rules.Ending ending = evaluate(current, request);
        Limits limits = request == null ? null : current.limits();
        if (limits == null) {
            return listsAsync(current, ending, request, null, 0);
        }
        CompletionStage<Limits.Taken> taken;
        try {
            if (ending.verdict() == Verdict.REJECT) {
                return limits.refusedAsync(request).<Decision>thenApply(
                        limited -> new EngineDecision(ending, request, current, null, limited))
                        .exceptionally(e -> new EngineDecision(current.internalError(), request, current));
            }
            if (ending.verdict() != Verdict.ACCEPT) {
                return CompletableFuture.completedFuture(new EngineDecision(ending, request, current));
            }
            taken = limits.takeAsync(request, false);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new EngineDecision(current.internalError(), request, current));
        }
        return taken.thenCompose(t -> t.ending() != null
                ? CompletableFuture.<Decision>completedFuture(new EngineDecision(ending, request, current, null,
                        t.ending()))
                : listsAsync(current, ending, request, limits, t.ticket()))
                .exceptionally(e -> new EngineDecision(current.internalError(), request, current));
    }

    /** The DNS-list stage of {@link #decideAsync}; with limits, gives their counts back unless the lists accept. */
    private static CompletionStage<Decision> listsAsync(Rules current, Rules.Ending ending,
            @Nullable RelayRequest request, @Nullable Limits limits, int ticket) {
        DnsLists lists = request == null ? null : current.listsAfter(ending);
        if (lists == null) {
            return CompletableFuture.completedFuture(new EngineDecision(ending, request, current));
        }
        ListOutcome cached = cached(lists, request);
        if (cached != null) {
            Decision d = new EngineDecision(ending, request, current, cached);
            return limits == null ? CompletableFuture.completedFuture(d)
                    : afterListsAsync(limits, request, ticket, cached).thenApply(v -> d);
        }
        CompletableFuture<ListOutcome> check;
        try {
            check = lists.check(request);
        } catch (RuntimeException e) {
            if (limits != null) {
                afterLists(limits, request, ticket, null);
            }
            return CompletableFuture.completedFuture(new EngineDecision(current.internalError(), request, current));
        }
        return check.<Decision>thenCompose(o -> {
            Decision d = new EngineDecision(ending, request, current, o);
            return limits == null ? CompletableFuture.completedFuture(d)
                    : afterListsAsync(limits, request, ticket, o).thenApply(v -> d);
        }).exceptionally(e -> {
            if (limits != null) {
                afterLists(limits, request, ticket, null);
            }
            return new EngineDecision(current.internalError(), request, current);
        });
    }

    /**
     * Replaces the rules with those of {@code builder}, atomically: decisions running now finish with the old
     * rules, later ones use the new rules. If the builder's configuration is invalid, nothing changes.
     *
     * @param builder the new configuration; it is copied, later changes to it have no effect
     * @throws IllegalArgumentException if the configuration is invalid; the previous rules stay in force
     * @since 0.1.0
     */
    public void reload(Builder builder) {
        Objects.requireNonNull(builder, "builder");
        ConfigBuilder settings = new ConfigBuilder(builder.config); // copied now: later changes have no effect
        settings.checkNotRefused();
        // compiled under the lock: concurrent reloads take effect in one order, each with its own zone files
        state.install(() -> compile(settings));
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
        DnsLists lists = state.rules().dnsLists();
        if (lists == null) {
            return CompletableFuture.completedFuture(List.of());
        }
        return lists.health().thenApply(all -> all.stream().map(h -> new DnsListHealth(h.spec().kind().setting(),
                h.spec().maskedZone(), h.problem().isEmpty(), h.problem(), (h.spec().kind().domains()
                        ? "TEST: " + h.listedPoint() + ", INVALID: " + h.unlistedPoint()
                        : "127.0.0.2: " + h.listedPoint() + ", 127.0.0.1: " + h.unlistedPoint()))).toList());
    }

    /** The rules of {@code settings}; a local zone that cannot be used is reported where it was configured. */
    private static Rules compile(ConfigBuilder settings) {
        try {
            return Compiler.compile(settings.config());
        } catch (SettingException e) {
            throw settings.place(e);
        }
    }

    @Override
    public String toString() {
        Rules r = state.rules();
        return "RelayEngine[" + r.domainCount() + " domains, " + r.trustedNetworkCount() + " trusted networks]";
    }

    /**
     * Configures a {@link RelayEngine}: the settings are those of {@link EngineSettings}, each checked when it is
     * given. Not thread-safe. {@link #build()} copies everything, so later calls on the builder do not change an
     * engine already built. List settings add to what was given before.
     *
     * @since 0.1.0
     */
    public static final class Builder extends EngineSettings {

        Builder(ConfigBuilder config) {
            super(config);
        }

        /**
         * Validates the configuration and builds an engine.
         *
         * @return the engine
         * @throws IllegalArgumentException naming the first invalid entry
         * @since 0.1.0
         */
        public RelayEngine build() {
            config.checkNotRefused();
            return new RelayEngine(compile(config));
        }
    }
}

package io.github.relaypolicy.core.internal.engine;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.TraceStep.Outcome;
import io.github.relaypolicy.core.RateLimitFailure;
import io.github.relaypolicy.core.internal.SeededHash;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.dns.ListSubjects;
import io.github.relaypolicy.core.internal.limit.Counters;
import io.github.relaypolicy.core.internal.limit.LimitConfig;
import io.github.relaypolicy.core.internal.limit.LimitSpec;
import io.github.relaypolicy.core.internal.limit.LimitState;
import io.github.relaypolicy.core.internal.limit.Transactions;
import io.github.relaypolicy.core.internal.match.IpText;
import io.github.relaypolicy.core.internal.match.NetworkSet;
import io.github.relaypolicy.core.internal.match.SmtpPath;
import io.github.relaypolicy.core.spi.RateLimitBucket;
import io.github.relaypolicy.core.spi.RateLimitOutcome;
import io.github.relaypolicy.core.spi.RateLimitStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The rate-limit stage of a rule set: after the relay stage and sender binding, before the DNS lists. It counts
 * accepted recipients and messages per identity (user, client, sender), recipients per transaction, and the refusals
 * of each client, in the engine's own table ({@link Counters}) or a shared store, and ends a decision with a 4xx
 * when a limit is used up. A limited decision takes nothing: all the counts of one recipient are taken, or none.
 *
 * <p>Immutable but for {@link #adopt}, which may only be called before the rule set is published. The local path
 * takes no lock and allocates nothing: the identities of a decision are hashed into this thread's scratch.
 */
public final class Limits implements AutoCloseable {

    /** What {@link #take} took: recipient and message cells ... */
    static final int TOOK = 1;
    /** ... the transaction's recipient count ... */
    static final int TOOK_TX = 2;
    /** ... the message's count in the message limits (the transaction's first recipient) ... */
    static final int FIRST = 4;
    /** ... in the shared store (else in the local table). */
    static final int REMOTE = 8;
    /** While taking: another recipient of the same transaction was counting its message at the same time. */
    static final int RACING = 16;

    private static final String PREFIX = "relay-policy:";
    private static final ThreadLocal<Ids> SCRATCH = ThreadLocal.withInitial(Ids::new);
    private static final AtomicLong SERIALS = new AtomicLong();

    /** The identities of one request, hashed. */
    private static final class Ids {
        @Nullable RelayRequest request;
        // Which Limits worked {@link #exempt} out (its serial number, not a reference: a thread's scratch must not
        // keep a replaced rule set's counters alive): one thread may decide one request object with two engines,
        // or again after a reload that changed rate_limit_exempt.
        long owner;
        boolean client;
        long clientHash;
        boolean user;
        long userHash;
        boolean sender;
        long senderHash;
        boolean tx;
        long txHash;
        boolean exempt;
        int ticket;
    }

    private final LimitSpec[] recipient;
    private final long[] recipientInterval; // LimitSpec.intervalMillis(), worked out once
    private final long[] recipientSalt;
    private final LimitSpec[] message;
    private final long[] messageInterval;
    private final long[] messageSalt;
    private final int perMessage;
    private final @Nullable LimitSpec refusal;
    private final long refusalSalt;
    private final NetworkSet exempt;
    private final RateLimitFailure failure;
    private final LimitConfig config;
    private final long serial = SERIALS.incrementAndGet(); // never 0, the scratch's "nobody"
    private LimitState state;
    // which identities some limit counts: only those are hashed
    private final boolean hashUser;
    private final boolean hashClient;
    private final boolean hashSender;
    private final boolean hashTx;

    private final Rules.Ending recipientEnding;
    private final Rules.Ending messageEnding;
    private final Rules.Ending perMessageEnding;
    private final Rules.Ending refusalEnding;
    private final Rules.Ending unavailableEnding;

    Limits(LimitConfig config, LimitState state, Rules.Ending recipientEnding, Rules.Ending messageEnding,
            Rules.Ending perMessageEnding, Rules.Ending refusalEnding, Rules.Ending unavailableEnding) {
        this.config = config;
        this.recipient = config.recipient().toArray(LimitSpec[]::new);
        this.message = config.message().toArray(LimitSpec[]::new);
        this.recipientSalt = salts("rcpt", recipient);
        this.recipientInterval = intervals(recipient);
        this.messageInterval = intervals(message);
        this.messageSalt = salts("msg", message);
        this.perMessage = config.recipientsPerMessage();
        this.refusal = config.refusal();
        this.refusalSalt = refusal == null ? 0 : SeededHash.of("refusal:" + refusal.text());
        this.exempt = config.exempt();
        this.failure = config.failure();
        this.state = state;
        List<LimitSpec> all = new ArrayList<>(config.recipient());
        all.addAll(config.message());
        this.hashUser = all.stream().anyMatch(l -> l.kind() == LimitSpec.Kind.USER);
        this.hashSender = all.stream().anyMatch(l -> l.kind() == LimitSpec.Kind.SENDER);
        this.hashClient = refusal != null || all.stream().anyMatch(l -> l.kind() == LimitSpec.Kind.CLIENT);
        this.hashTx = perMessage > 0 || message.length > 0;
        this.recipientEnding = recipientEnding;
        this.messageEnding = messageEnding;
        this.perMessageEnding = perMessageEnding;
        this.refusalEnding = refusalEnding;
        this.unavailableEnding = unavailableEnding;
    }

    private static long[] intervals(LimitSpec[] specs) {
        long[] t = new long[specs.length];
        for (int i = 0; i < specs.length; i++) {
            t[i] = specs[i].intervalMillis();
        }
        return t;
    }

    /** A limit's salt depends only on its role and text, so that its counts survive a reload that keeps it. */
    private static long[] salts(String role, LimitSpec[] specs) {
        long[] s = new long[specs.length];
        for (int i = 0; i < specs.length; i++) {
            s[i] = SeededHash.of(role + ":" + specs[i].text());
        }
        return s;
    }

    /** The configuration. */
    public LimitConfig config() {
        return config;
    }

    /** The counters (the engine's own table, the open transactions, the shared store). */
    public LimitState state() {
        return state;
    }

    /**
     * Takes over the counters of the rule set in force when they fit this configuration, so that a reload keeps the
     * counts; closes this rule set's own (unused) state then. Called before this rule set is published.
     *
     * @return the state no longer used, to close, or null
     */
    public @Nullable LimitState adopt(@Nullable Limits previous) {
        if (previous == null) {
            return null;
        }
        LimitState old = previous.state;
        if (old.fits(state.store(), config.maxEntries(), state.time(), state.timeout())) {
            LimitState mine = state;
            state = old;
            return mine;
        }
        return old;
    }

    @Override
    public void close() {
        state.close();
    }

    // ------------------------------------------------------------------------------------------- identities

    private static long cell(long identity, long salt) {
        long h = identity ^ salt * 0x9E3779B97F4A7C15L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    /** This thread's identities of {@code r}, hashed once per request. */
    private Ids ids(RelayRequest r) {
        Ids ids = SCRATCH.get();
        if (ids.request == r && ids.owner == serial) {
            return ids;
        }
        ids.request = null;
        ListSubjects s = ListSubjects.of(r);
        ids.client = s.hasClient();
        if (ids.client) {
            if (hashClient) {
                ids.clientHash = s.clientIpv6() ? SeededHash.fastOf(6, s.clientHi()) : SeededHash.fastOf(4,
                        s.clientLo());
            }
            ids.exempt = exempt.size() > 0 && (s.clientIpv6() ? exempt.accept(s.clientHi(), s.clientLo())
                    : exempt.lookup4(s.clientLo())) >= 0;
        } else {
            ids.exempt = false;
        }
        // Only the identities some limit counts are hashed: a decision pays for what is configured.
        String user = r.authenticatedUser();
        ids.user = user != null && !user.isBlank();
        if (ids.user && hashUser) {
            ids.userHash = SeededHash.fastFolded(user, 0, user.length());
        }
        String sender = r.sender();
        long path = sender == null ? 0 : s.senderPath();
        ids.sender = sender != null && SmtpPath.status(path) == SmtpPath.OK;
        if (ids.sender && hashSender) {
            ids.senderHash = SeededHash.fastFolded(sender, mailboxStart(sender, path), mailboxEnd(sender, path));
        }
        String tx = r.transactionId();
        ids.tx = tx != null;
        if (ids.tx && hashTx) {
            ids.txHash = SeededHash.of(tx);
        }
        ids.ticket = 0;
        ids.owner = serial;
        ids.request = r;
        return ids;
    }

    private static int mailboxStart(String path, long parsed) {
        int i = path.startsWith("<") ? 1 : 0;
        if ((SmtpPath.flags(parsed) & SmtpPath.SOURCE_ROUTE) != 0) {
            i = path.indexOf(':', i) + 1;
        }
        return i;
    }

    private static int mailboxEnd(String path, long parsed) {
        if ((SmtpPath.flags(parsed) & SmtpPath.HAS_DOMAIN) != 0) {
            return SmtpPath.domainEnd(parsed);
        }
        return path.endsWith(">") ? path.length() - 1 : path.length();
    }

    private boolean applies(LimitSpec spec, Ids ids) {
        return switch (spec.kind()) {
            case USER -> ids.user;
            case CLIENT -> ids.client;
            case SENDER -> ids.sender;
        };
    }

    private long identity(LimitSpec spec, Ids ids) {
        return switch (spec.kind()) {
            case USER -> ids.userHash;
            case CLIENT -> ids.clientHash;
            case SENDER -> ids.senderHash;
        };
    }

    /** The identity as the shared store's keys and the traces name it. */
    private static String identityText(LimitSpec.Kind kind, RelayRequest r) {
        switch (kind) {
            case USER:
                return r.authenticatedUser().toLowerCase(Locale.ROOT);
            case CLIENT: {
                ListSubjects s = ListSubjects.of(r);
                return s.clientIpv6() ? IpText.format6(s.clientHi(), 0) + "/64" : IpText.format4(s.clientLo());
            }
            default: {
                String sender = r.sender();
                long path = SmtpPath.parse(sender);
                return sender.substring(mailboxStart(sender, path), mailboxEnd(sender, path)).toLowerCase(Locale.ROOT);
            }
        }
    }

    /** Whether nothing is counted for {@code r}: its client is exempt. */
    public boolean exempt(RelayRequest r) {
        return ids(r).exempt;
    }

    // ------------------------------------------------------------------------------------------- the stage

    /**
     * A refusal by an earlier stage: counts it against the client, or, if the client already has its fill of
     * refusals, returns the refusal limit's ending (the recipient is deferred, and that is not counted).
     *
     * @return the ending to use instead, or null to keep the refusal
     */
    public Rules.@Nullable Ending refused(RelayRequest r, boolean dryRun) {
        LimitSpec spec = refusal;
        if (spec == null) {
            return null;
        }
        Ids ids = ids(r);
        if (!ids.client || ids.exempt) {
            return null;
        }
        RateLimitStore remote = state.remote();
        if (remote != null) {
            return refusedRemote(remote, r, spec, dryRun);
        }
        return refusedLocal(ids, spec, dryRun);
    }

    /** {@link #refused} without blocking on a shared store; never completes exceptionally. */
    public CompletionStage<Rules.@Nullable Ending> refusedAsync(RelayRequest r) {
        LimitSpec spec = refusal;
        if (spec == null) {
            return CompletableFuture.completedFuture(null);
        }
        Ids ids = ids(r);
        if (!ids.client || ids.exempt) {
            return CompletableFuture.completedFuture(null);
        }
        RateLimitStore remote = state.remote();
        if (remote == null) {
            return CompletableFuture.completedFuture(refusedLocal(ids, spec, false));
        }
        return acquireAsync(remote, List.of(), List.of(bucket("refusal", spec, r)), false)
                .thenApply(o -> o == null ? (failure == RateLimitFailure.LOCAL ? refusedLocal(ids(r), spec, false)
                        : null) : o.refused() < 0 ? null : refusalEnding);
    }

    private Rules.@Nullable Ending refusedLocal(Ids ids, LimitSpec spec, boolean dryRun) {
        long h = cell(ids.clientHash, refusalSalt);
        long now = state.localMillis();
        Counters c = state.counters();
        boolean fits = dryRun ? c.fits(h, spec.intervalMillis(), spec.count(), now)
                : c.take(h, spec.intervalMillis(), spec.count(), now);
        return fits ? null : refusalEnding;
    }

    private Rules.@Nullable Ending refusedRemote(RateLimitStore remote, RelayRequest r, LimitSpec spec,
            boolean dryRun) {
        RateLimitOutcome o = await(acquireRemote(remote, List.of(), List.of(bucket("refusal", spec, r)), dryRun));
        if (o == null) {
            // The store is away: refusals are only counted where rate_limit_failure = local says so.
            return failure == RateLimitFailure.LOCAL ? refusedLocal(ids(r), spec, dryRun) : null;
        }
        return o.refused() < 0 ? null : refusalEnding;
    }

    /**
     * An accepted recipient: takes one count from every limit that applies, all or none.
     *
     * @return the ending of the limit that is used up, or null if the recipient may go on; what was taken is
     *     {@link #ticket}
     */
    public Rules.@Nullable Ending take(RelayRequest r, boolean dryRun) {
        Ids ids = ids(r);
        ids.ticket = 0;
        if (ids.exempt) {
            return null;
        }
        RateLimitStore remote = state.remote();
        if (remote != null) {
            return takeRemote(remote, r, ids, dryRun);
        }
        return takeLocal(ids, dryRun);
    }

    /** What the last {@link #take} of this thread took, for {@link #giveBack}. */
    public int ticket(RelayRequest r) {
        Ids ids = SCRATCH.get();
        return ids.request == r && ids.owner == serial ? ids.ticket : 0;
    }

    private Rules.@Nullable Ending takeLocal(Ids ids, boolean dryRun) {
        long now = state.localMillis();
        Counters c = state.counters();
        LimitSpec spec = refusal;
        if (spec != null && ids.client
                && !c.fits(cell(ids.clientHash, refusalSalt), spec.intervalMillis(), spec.count(), now)) {
            return refusalEnding;
        }
        int took = 0;
        boolean first = false;
        if (ids.tx && (perMessage > 0 || message.length > 0)) {
            Transactions t = state.transactions();
            int max = perMessage > 0 ? perMessage : Transactions.MAX_RECIPIENTS;
            if (dryRun) {
                int n = t.recipients(ids.txHash, now);
                if (perMessage > 0 && n >= perMessage) {
                    return perMessageEnding;
                }
                first = message.length > 0 && !t.messageCounted(ids.txHash, now);
            } else {
                int tx = t.take(ids.txHash, max, message.length > 0, now);
                if (tx == 0) {
                    return perMessageEnding;
                }
                took = TOOK_TX | ((tx & Transactions.RACING) != 0 ? RACING : 0);
                first = (tx & Transactions.FIRST) != 0;
            }
        }
        for (int i = 0; i < recipient.length; i++) {
            LimitSpec l = recipient[i];
            if (!applies(l, ids)) {
                continue;
            }
            long h = cell(identity(l, ids), recipientSalt[i]);
            long interval = recipientInterval[i];
            boolean ok = dryRun ? c.fits(h, interval, l.count(), now) : c.take(h, interval, l.count(), now);
            if (!ok) {
                undoLocal(ids, i, 0, took, txMode(first, took), now);
                return recipientEnding;
            }
        }
        if (first) {
            for (int j = 0; j < message.length; j++) {
                LimitSpec l = message[j];
                if (!applies(l, ids)) {
                    continue;
                }
                long h = cell(identity(l, ids), messageSalt[j]);
                long interval = messageInterval[j];
                boolean ok = dryRun ? c.fits(h, interval, l.count(), now) : c.take(h, interval, l.count(), now);
                if (!ok) {
                    undoLocal(ids, recipient.length, j, took, txMode(true, took), now);
                    return messageEnding;
                }
            }
        }
        if (!dryRun) {
            if (first && !state.transactions().confirm(ids.txHash, now)) {
                // a racing recipient of the same message confirmed first: its message counts stand, not these
                undoLocal(ids, 0, message.length, 0, 0, now);
                first = false;
            }
            ids.ticket = TOOK | (took & TOOK_TX) | (first ? FIRST : 0);
        }
        return null;
    }

    /** How a transaction's count is given back before its message was confirmed. */
    private static int txMode(boolean first, int took) {
        return first && (took & RACING) == 0 ? Transactions.CLEAR_PENDING : 0;
    }

    /**
     * Gives back the local counts taken: the first {@code recipients} recipient cells, {@code messages} message cells,
     * and the transaction's recipient (if {@code took} says so) with {@code txMode}.
     */
    private void undoLocal(Ids ids, int recipients, int messages, int took, int txMode, long now) {
        Counters c = state.counters();
        for (int i = 0; i < recipients; i++) {
            if (applies(recipient[i], ids)) {
                c.giveBack(cell(identity(recipient[i], ids), recipientSalt[i]), recipientInterval[i], now);
            }
        }
        for (int j = 0; j < messages; j++) {
            if (applies(message[j], ids)) {
                c.giveBack(cell(identity(message[j], ids), messageSalt[j]), messageInterval[j], now);
            }
        }
        if ((took & TOOK_TX) != 0) {
            state.transactions().giveBack(ids.txHash, txMode, now);
        }
    }

    private Rules.@Nullable Ending takeRemote(RateLimitStore remote, RelayRequest r, Ids ids, boolean dryRun) {
        Taken t = takeRemoteAsync(remote, r, dryRun, false).toCompletableFuture().join();
        ids.ticket = t.ticket;
        return t.ending;
    }

    /** What {@link #takeAsync} decided: the ending of a used-up limit or null, and what was taken. */
    public record Taken(Rules.@Nullable Ending ending, int ticket) {
    }

    private static final CompletableFuture<Taken> PASS = CompletableFuture.completedFuture(new Taken(null, 0));

    /**
     * {@link #take} without blocking on a shared store: the stage completes when the store answered, or with the
     * {@code rate_limit_failure} outcome when it did not in time. Never completes exceptionally.
     */
    public CompletionStage<Taken> takeAsync(RelayRequest r, boolean dryRun) {
        Ids ids = ids(r);
        ids.ticket = 0;
        if (ids.exempt) {
            return PASS;
        }
        RateLimitStore remote = state.remote();
        if (remote == null) {
            Rules.Ending e = takeLocal(ids, dryRun);
            return CompletableFuture.completedFuture(new Taken(e, ids.ticket));
        }
        return takeRemoteAsync(remote, r, dryRun, true);
    }

    private CompletionStage<Taken> takeRemoteAsync(RateLimitStore remote, RelayRequest r, boolean dryRun,
            boolean async) {
        Ids ids = ids(r);
        long now = state.localMillis();
        // The transaction is this node's own: its recipients all come through one session.
        int took = 0;
        boolean first = false;
        if (ids.tx && (perMessage > 0 || message.length > 0)) {
            Transactions t = state.transactions();
            if (dryRun) {
                int n = t.recipients(ids.txHash, now);
                if (perMessage > 0 && n >= perMessage) {
                    return CompletableFuture.completedFuture(new Taken(perMessageEnding, 0));
                }
                first = message.length > 0 && !t.messageCounted(ids.txHash, now);
            } else {
                int tx = t.take(ids.txHash, perMessage > 0 ? perMessage : Transactions.MAX_RECIPIENTS,
                        message.length > 0, now);
                if (tx == 0) {
                    return CompletableFuture.completedFuture(new Taken(perMessageEnding, 0));
                }
                took = TOOK_TX | ((tx & Transactions.RACING) != 0 ? RACING : 0);
                first = (tx & Transactions.FIRST) != 0;
            }
        }
        List<RateLimitBucket> guards = new ArrayList<>(1);
        if (refusal != null && ids.client) {
            guards.add(bucket("refusal", refusal, r));
        }
        List<RateLimitBucket> buckets = new ArrayList<>();
        List<Rules.Ending> endings = new ArrayList<>();
        for (LimitSpec l : recipient) {
            if (applies(l, ids)) {
                buckets.add(bucket("rcpt", l, r));
                endings.add(recipientEnding);
            }
        }
        if (first) {
            for (LimitSpec l : message) {
                if (applies(l, ids)) {
                    buckets.add(bucket("msg", l, r));
                    endings.add(messageEnding);
                }
            }
        }
        int tookTx = took;
        boolean wasFirst = first;
        long txHash = ids.txHash;
        if (guards.isEmpty() && buckets.isEmpty()) {
            if (!dryRun && wasFirst) {
                state.transactions().confirm(txHash, now);
            }
            return CompletableFuture.completedFuture(new Taken(null, dryRun ? 0 : TOOK | (tookTx & TOOK_TX)
                    | (wasFirst ? FIRST : 0)));
        }
        int nGuards = guards.size();
        List<RateLimitBucket> messageBuckets = buckets.subList(endings.indexOf(messageEnding) < 0 ? buckets.size()
                : endings.indexOf(messageEnding), buckets.size());
        CompletionStage<@Nullable RateLimitOutcome> answer = async ? acquireAsync(remote, guards, buckets, dryRun)
                : acquireRemote(remote, guards, buckets, dryRun);
        return answer.handle((o, e) -> {
            if (o == null) {
                return failed(r, dryRun, tookTx, wasFirst, txHash);
            }
            if (o.refused() < 0) {
                boolean counted = wasFirst;
                if (!dryRun && wasFirst && !state.transactions().confirm(txHash, state.localMillis())) {
                    // a racing recipient of the same message confirmed first: its message counts stand
                    release(remote, messageBuckets);
                    counted = false;
                }
                return new Taken(null, dryRun ? 0 : TOOK | REMOTE | (tookTx & TOOK_TX) | (counted ? FIRST : 0));
            }
            giveBackTx(tookTx, txMode(wasFirst, tookTx), txHash);
            return new Taken(o.refused() < nGuards ? refusalEnding : endings.get(o.refused() - nGuards), 0);
        });
    }

    /** Gives counts back to the shared store without waiting: a lost give-back leaves the limit stricter. */
    private void release(RateLimitStore remote, List<RateLimitBucket> buckets) {
        if (buckets.isEmpty()) {
            return;
        }
        try {
            remote.release(List.copyOf(buckets), state.epochMillis());
        } catch (RuntimeException e) {
            // the same
        }
    }

    /** The store did not answer in time: {@code rate_limit_failure} decides. */
    private Taken failed(RelayRequest r, boolean dryRun, int tookTx, boolean first, long txHash) {
        if (failure == RateLimitFailure.IGNORE) {
            // accepted uncounted by the shared limits; the transaction's own count (recipients_per_message) stands
            if (!dryRun && first) {
                state.transactions().confirm(txHash, state.localMillis());
            }
            return new Taken(null, dryRun ? 0 : tookTx & TOOK_TX);
        }
        giveBackTx(tookTx, txMode(first, tookTx), txHash);
        switch (failure) {
            case DEFER:
                return new Taken(unavailableEnding, 0);
            default: {
                Ids ids = ids(r);
                Rules.Ending e = takeLocal(ids, dryRun);
                return new Taken(e, ids.ticket);
            }
        }
    }

    private void giveBackTx(int tookTx, int txMode, long txHash) {
        if ((tookTx & TOOK_TX) != 0) {
            state.transactions().giveBack(txHash, txMode, state.localMillis());
        }
    }

    private RateLimitBucket bucket(String role, LimitSpec spec, RelayRequest r) {
        return new RateLimitBucket(PREFIX + role + ":" + spec.text() + ":" + identityText(spec.kind(), r),
                spec.intervalMillis(), spec.count());
    }

    /**
     * The store's answer, or null (completed normally) if it failed or was late. For a caller that waits for it
     * ({@code decide}, traces), on whatever thread the store answers; {@link #acquireAsync} for the others.
     */
    private CompletionStage<@Nullable RateLimitOutcome> acquireRemote(RateLimitStore remote,
            List<RateLimitBucket> guards, List<RateLimitBucket> buckets, boolean dryRun) {
        CompletableFuture<RateLimitOutcome> f;
        try {
            f = remote.acquire(guards, buckets, state.epochMillis(), dryRun).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(null);
        }
        return f.orTimeout(state.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .<@Nullable RateLimitOutcome>handle((o, e) -> e == null ? o : null);
    }

    /**
     * {@link #acquireRemote} for {@code decideAsync}: what follows the answer runs on the engine's executor, never on
     * the store's I/O thread, so that a caller's stage may wait (render a trace that reads the store, decide again)
     * without stalling the thread its answer must come through.
     */
    private CompletionStage<@Nullable RateLimitOutcome> acquireAsync(RateLimitStore remote,
            List<RateLimitBucket> guards, List<RateLimitBucket> buckets, boolean dryRun) {
        return acquireRemote(remote, guards, buckets, dryRun).thenApplyAsync(o -> o, state.executor());
    }

    private static @Nullable RateLimitOutcome await(CompletionStage<@Nullable RateLimitOutcome> stage) {
        return stage.toCompletableFuture().join(); // never exceptional, and bounded by the store's timeout
    }

    /**
     * A later stage (a DNS list) did not accept the recipient that {@link #take} counted: gives the counts back, and
     * if it refused ({@code refusedNow}), counts the refusal against the client.
     */
    public void giveBack(RelayRequest r, int ticket, boolean refusedNow) {
        Ids ids = ids(r);
        if ((ticket & TOOK) != 0) {
            if ((ticket & REMOTE) != 0) {
                RateLimitStore remote = state.remote();
                if (remote != null) {
                    List<RateLimitBucket> buckets = new ArrayList<>();
                    for (LimitSpec l : recipient) {
                        if (applies(l, ids)) {
                            buckets.add(bucket("rcpt", l, r));
                        }
                    }
                    if ((ticket & FIRST) != 0) {
                        for (LimitSpec l : message) {
                            if (applies(l, ids)) {
                                buckets.add(bucket("msg", l, r));
                            }
                        }
                    }
                    release(remote, buckets);
                }
                giveBackTx(ticket & TOOK_TX, (ticket & FIRST) != 0 ? Transactions.CLEAR_COUNTED : 0, ids.txHash);
            } else {
                undoLocal(ids, recipient.length, (ticket & FIRST) != 0 ? message.length : 0, ticket,
                        (ticket & FIRST) != 0 ? Transactions.CLEAR_COUNTED : 0, state.localMillis());
            }
        }
        if (refusedNow) {
            refused(r, false);
        }
    }

    private static final CompletableFuture<@Nullable Void> DONE = CompletableFuture.completedFuture(null);

    /**
     * {@link #giveBack} for {@code decideAsync}: never waits for the shared store. Its stage may run on the store's
     * own I/O thread (where the limits' stage completed), and waiting there for the refusal's answer, which only that
     * thread can read, stalled it for the store's whole timeout (every other answer of the engine with it) and lost
     * the count. Completes once the refusal is counted, or could not be; never completes exceptionally.
     */
    public CompletionStage<@Nullable Void> giveBackAsync(RelayRequest r, int ticket, boolean refusedNow) {
        if (!refusedNow || refusal == null || state.remote() == null) {
            giveBack(r, ticket, refusedNow); // nothing to wait for
            return DONE;
        }
        giveBack(r, ticket, false);
        return refusedAsync(r).<@Nullable Void>handle((e, x) -> null);
    }

    // ------------------------------------------------------------------------------------------- traces

    /**
     * The steps of this stage for a trace: each limit that applies and its remaining count now, read without
     * taking anything.
     *
     * @param decided the ending this stage gave the decision, or null if it let the recipient through
     */
    public List<TraceStep> explain(RelayRequest r, Rules.@Nullable Ending decided) {
        List<TraceStep> steps = new ArrayList<>();
        Ids ids = ids(r);
        if (ids.exempt) {
            steps.add(new TraceStep(RuleNames.RATE_LIMIT_EXEMPT, Outcome.SKIP, "client " + Text.escape(r.client())
                    + " is in rate_limit_exempt: nothing is counted"));
            return steps;
        }
        RateLimitStore remote = state.remote();
        String where = remote == null ? "" : " in " + remote.describe();
        if (refusal != null && ids.client) {
            long left = remaining("refusal", refusal, refusalSalt, ids, r, remote);
            steps.add(new TraceStep(RuleNames.REFUSAL_RATE_LIMIT, decided == refusalEnding ? Outcome.TEMPFAIL
                    : Outcome.PASS, describe(refusal, r, left, where, "refusals")));
        }
        if (decided == refusalEnding) {
            return steps;
        }
        if (perMessage > 0) {
            if (!ids.tx) {
                steps.add(new TraceStep(RuleNames.RECIPIENTS_PER_MESSAGE, Outcome.SKIP,
                        "no transaction id: recipients of a message are not counted"));
            } else {
                int n = state.transactions().recipients(ids.txHash, state.localMillis());
                steps.add(new TraceStep(RuleNames.RECIPIENTS_PER_MESSAGE, decided == perMessageEnding
                        ? Outcome.TEMPFAIL : Outcome.PASS, "transaction " + Text.escape(r.transactionId()) + ": "
                        + n + " of " + perMessage + " recipients accepted"));
            }
        }
        for (int i = 0; i < recipient.length; i++) {
            steps.add(limitStep(RuleNames.RECIPIENT_RATE_LIMIT, "rcpt", recipient[i], recipientSalt[i], ids, r,
                    remote, where, "recipients", decided == recipientEnding));
        }
        for (int j = 0; j < message.length; j++) {
            if (!ids.tx) {
                steps.add(new TraceStep(RuleNames.MESSAGE_RATE_LIMIT, Outcome.SKIP, message[j].text()
                        + ": no transaction id, messages are not counted"));
                continue;
            }
            steps.add(limitStep(RuleNames.MESSAGE_RATE_LIMIT, "msg", message[j], messageSalt[j], ids, r, remote,
                    where, "messages", decided == messageEnding));
        }
        return steps;
    }

    private TraceStep limitStep(String rule, String role, LimitSpec spec, long salt, Ids ids, RelayRequest r,
            @Nullable RateLimitStore remote, String where, String what, boolean decidedByThisKind) {
        if (!applies(spec, ids)) {
            return new TraceStep(rule, Outcome.SKIP, spec.text() + ": " + switch (spec.kind()) {
                case USER -> "the client did not authenticate";
                case CLIENT -> "no client address";
                case SENDER -> "the null sender is not counted";
            });
        }
        long left = remaining(role, spec, salt, ids, r, remote);
        boolean usedUp = (left & ~IN_THIS_PROCESS) == 0;
        return new TraceStep(rule, decidedByThisKind && usedUp ? Outcome.TEMPFAIL : Outcome.PASS,
                describe(spec, r, left, where, what));
    }

    private String describe(LimitSpec spec, RelayRequest r, long left, String where, String what) {
        boolean fallback = left >= 0 && (left & IN_THIS_PROCESS) != 0;
        long n = left & ~IN_THIS_PROCESS;
        String remaining = left < 0 ? "remaining count unknown (the store did not answer)"
                : n + " of " + spec.count() + " " + what + " left";
        return spec.text() + " for " + spec.kind().word() + " '" + Text.escape(identityText(spec.kind(), r)) + "': "
                + remaining + (fallback ? " in this process (the shared store did not answer)" : where);
    }


    private long remaining(String role, LimitSpec spec, long salt, Ids ids, RelayRequest r,
            @Nullable RateLimitStore remote) {
        if (remote != null) {
            RateLimitOutcome o = await(acquireRemote(remote, List.of(), List.of(bucket(role, spec, r)), true));
            if (o != null) {
                return o.remaining().get(0);
            }
            if (failure != RateLimitFailure.LOCAL) {
                return -1;
            }
        }
        long n = state.counters().remaining(cell(identity(spec, ids), salt), spec.intervalMillis(), spec.count(),
                state.localMillis());
        return remote == null ? n : n | IN_THIS_PROCESS;
    }

    /** Marks a remaining count read from this process's table because the shared store did not answer. */
    private static final long IN_THIS_PROCESS = 1L << 62;
}

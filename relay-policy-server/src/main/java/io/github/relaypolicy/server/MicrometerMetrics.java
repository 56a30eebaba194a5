package io.github.relaypolicy.server;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.EngineListener;
import io.github.relaypolicy.core.PolicyFileException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The metrics of the policy service, in a Micrometer registry, as Prometheus names them: what the server reports
 * ({@link ServerMetrics}: connections, requests, decisions and their latency, protocol errors) and what the engine
 * reports ({@link EngineListener}: DNS queries per list, the DNS caches, reloads). {@link MetricsEndpoint} serves the
 * registry on {@code /metrics}; {@code docs/policy-service.md} ("Metrics") lists every metric.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * MicrometerMetrics metrics = new MicrometerMetrics(registry);
 * RelayEngine engine = RelayEngine.fromFile(Path.of("/etc/relay-policy.conf"), Duration.ofSeconds(2), metrics);
 * PolicyServer server = PolicyServer.builder(engine).metrics(metrics).start();
 * MetricsEndpoint endpoint = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 9464), registry);
 * }</pre>
 *
 * <p>Every label has a bounded set of values, whatever clients send: a rule is one of {@link RuleNames} (another
 * is counted as {@code other}), a list or zone one of those configured (past {@value #MAX_LISTS} names, further
 * ones are counted as {@code other}), the rest are enums. Meters whose labels are known in advance are registered
 * at once, so that they read 0 rather than being absent before their first event. Recording takes no lock and, once a
 * rule or list has been seen, allocates nothing. Thread-safe.
 *
 * @since 0.1.0
 */
public final class MicrometerMetrics implements ServerMetrics, EngineListener {

    /** The most list (and local zone) names kept apart; more are counted as {@code other}. */
    public static final int MAX_LISTS = 64;

    /** The label value of a rule that is not one of {@link RuleNames}, or a list past {@link #MAX_LISTS}. */
    static final String OTHER = "other";

    /** The rules whose refusal or deferral is a rate limit at work. */
    private static final Set<String> RATE_LIMIT_RULES = Set.of(RuleNames.REFUSAL_RATE_LIMIT,
            RuleNames.RECIPIENTS_PER_MESSAGE, RuleNames.RECIPIENT_RATE_LIMIT, RuleNames.MESSAGE_RATE_LIMIT);

    /** Bucket bounds of a decision: most take microseconds, those that wait for DNS up to the lists' deadline. */
    private static final Duration[] DECISION_BUCKETS = durations(TimeUnit.MICROSECONDS, 50, 100, 250, 500, 1_000,
            2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000);
    /** Bucket bounds of a DNS query: a local resolver answers in a millisecond, a timeout takes seconds. */
    private static final Duration[] QUERY_BUCKETS = durations(TimeUnit.MICROSECONDS, 500, 1_000, 2_500, 5_000,
            10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000);

    private final MeterRegistry registry;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter refused;
    private final Map<PolicyRequest.ProtocolState, Counter> requests;
    private final Map<PolicyProtocolException.Reason, Counter> protocolErrors;
    private final Timer decisionTime;
    /** By rule name, every one of {@link RuleNames} and {@link #OTHER}; fixed at construction. */
    private final Map<String, RuleMeters> rules;
    private final Map<String, ListMeters> lists = new ConcurrentHashMap<>();
    private final Counter answerHits;
    private final Counter answerMisses;
    private final Counter memoHits;
    private final Counter memoMisses;
    private final Counter reloads;
    private final Counter reloadFailures;
    private final Counter zoneReloads;
    private final Counter zoneReloadFailures;
    /** 1 while the rules of the last reload of the policy file are in force, 0 after a failed one. */
    private final AtomicInteger lastReloadOk = new AtomicInteger(1);

    /** The meters of one rule. */
    private record RuleMeters(Counter[] byVerdict, @Nullable Counter rateLimited) {
    }

    /** The meters of one list: its queries' latency and failures. */
    private record ListMeters(Timer queries, Counter timeouts, Counter failures, Counter notSent) {
    }

    /**
     * Registers the meters in {@code registry}.
     *
     * @param registry where the meters live; usually a {@link PrometheusMeterRegistry} served by
     *     {@link MetricsEndpoint}
     * @throws NullPointerException if {@code registry} is null
     * @since 0.1.0
     */
    public MicrometerMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        Gauge.builder("relay.policy.connections.open", open, AtomicInteger::get)
                .description("Connections open now").register(registry);
        refused = Counter.builder("relay.policy.connections.refused")
                .description("Connections closed at once because the server had its most connections open")
                .register(registry);
        requests = new EnumMap<>(PolicyRequest.ProtocolState.class);
        for (PolicyRequest.ProtocolState s : PolicyRequest.ProtocolState.values()) {
            requests.put(s, Counter.builder("relay.policy.requests").tag("state", stateName(s))
                    .description("Complete requests read, by protocol_state").register(registry));
        }
        protocolErrors = new EnumMap<>(PolicyProtocolException.Reason.class);
        for (PolicyProtocolException.Reason r : PolicyProtocolException.Reason.values()) {
            protocolErrors.put(r, Counter.builder("relay.policy.protocol.errors")
                    .tag("reason", r.name().toLowerCase(Locale.ROOT))
                    .description("Connections closed without an answer because the client broke the protocol")
                    .register(registry));
        }
        decisionTime = Timer.builder("relay.policy.decision")
                .description("Time from a complete RCPT request to its decision")
                .serviceLevelObjectives(DECISION_BUCKETS)
                .register(registry);
        Map<String, RuleMeters> byRule = new java.util.HashMap<>();
        for (String rule : ruleNames()) {
            byRule.put(rule, register(rule));
        }
        rules = Map.copyOf(byRule);
        answerHits = cacheCounter("answer", "hit");
        answerMisses = cacheCounter("answer", "miss");
        memoHits = cacheCounter("outcome", "hit");
        memoMisses = cacheCounter("outcome", "miss");
        ratio("answer", answerHits, answerMisses);
        ratio("outcome", memoHits, memoMisses);
        reloads = reloadCounter("relay.policy.reloads", "ok", "Reloads of the policy file");
        reloadFailures = reloadCounter("relay.policy.reloads", "failed", "Reloads of the policy file");
        zoneReloads = reloadCounter("relay.policy.zone.reloads", "ok", "Reloads of local zone files");
        zoneReloadFailures = reloadCounter("relay.policy.zone.reloads", "failed", "Reloads of local zone files");
        Gauge.builder("relay.policy.config.last.reload.successful", lastReloadOk, AtomicInteger::get)
                .description("1 if the last reload of the policy file succeeded (or none was tried), 0 if it"
                        + " failed and the previous rules are in force").register(registry);
    }

    /** {@code protocol_state} as Postfix writes it, in lower case: {@code rcpt}, {@code end-of-message}. */
    private static String stateName(PolicyRequest.ProtocolState s) {
        return s.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Every rule name of {@link RuleNames}: the bounded set of the {@code rule} label. */
    private static List<String> ruleNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Field f : RuleNames.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    names.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        names.add(OTHER);
        return new ArrayList<>(names);
    }

    private static Duration[] durations(TimeUnit unit, long... values) {
        Duration[] d = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = Duration.ofNanos(unit.toNanos(values[i]));
        }
        return d;
    }

    private Counter cacheCounter(String cache, String result) {
        return Counter.builder("relay.policy.dns.cache.requests").tag("cache", cache).tag("result", result)
                .description("Uses of the DNS caches: answer, a list's answer a decision needed (hit: no new query);"
                        + " outcome, the outcome memo a decision consulted (hit: no answer looked at)")
                .register(registry);
    }

    private void ratio(String cache, Counter hits, Counter misses) {
        Gauge.builder("relay.policy.dns.cache.hit.ratio", () -> {
            double h = hits.count();
            double all = h + misses.count();
            return all == 0 ? Double.NaN : h / all;
        }).tag("cache", cache).description("Hits among the uses of a DNS cache since start").register(registry);
    }

    private Counter reloadCounter(String name, String result, String description) {
        return Counter.builder(name).tag("result", result).description(description).register(registry);
    }

    /** The meters of {@code rule}: a counter per verdict, and its rate-limit refusals if it is a rate limit. */
    private RuleMeters register(String rule) {
        Counter[] byVerdict = new Counter[Verdict.values().length];
        for (Verdict v : Verdict.values()) {
            byVerdict[v.ordinal()] = Counter.builder("relay.policy.decisions").tag("rule", rule)
                    .tag("verdict", v.name().toLowerCase(Locale.ROOT))
                    .description("Decisions of RCPT requests, by the rule that decided and the verdict")
                    .register(registry);
        }
        Counter limited = RATE_LIMIT_RULES.contains(rule) ? Counter.builder("relay.policy.rate.limit.refusals")
                .tag("rule", rule).description("Recipients refused or deferred by a rate limit")
                .register(registry) : null;
        return new RuleMeters(byVerdict, limited);
    }

    /** The meters of {@code list}, registered on first use; past {@link #MAX_LISTS} lists, {@code other}'s. */
    private ListMeters list(String list) {
        ListMeters m = lists.get(list);
        if (m != null) {
            return m;
        }
        String name = lists.size() >= MAX_LISTS ? OTHER : list;
        return lists.computeIfAbsent(name, l -> new ListMeters(
                Timer.builder("relay.policy.dns.query").tag("list", l)
                        .description("DNS queries of a list sent over the network, from sending to the answer or"
                                + " the timeout").serviceLevelObjectives(QUERY_BUCKETS).register(registry),
                failure(l, "timeout"), failure(l, "failure"), failure(l, "not_sent")));
    }

    private Counter failure(String list, String kind) {
        return Counter.builder("relay.policy.dns.failures").tag("list", list).tag("kind", kind)
                .description("DNS queries of a list that gave no answer: timeout, failure (an error reply or a network"
                        + " error), not_sent (a local limit, or no socket)").register(registry);
    }

    // ------------------------------------------------------------------------------------------- ServerMetrics

    @Override
    public void connectionOpened() {
        open.incrementAndGet();
    }

    @Override
    public void connectionClosed() {
        open.decrementAndGet();
    }

    @Override
    public void connectionRefused() {
        refused.increment();
    }

    @Override
    public void request(PolicyRequest.ProtocolState state) {
        requests.get(state).increment();
    }

    @Override
    public void decision(Decision decision, long nanos) {
        decisionTime.record(nanos, TimeUnit.NANOSECONDS);
        RuleMeters m = rules.get(decision.rule());
        if (m == null) {
            m = rules.get(OTHER); // every known rule was registered at construction
        }
        Verdict v = decision.verdict();
        m.byVerdict()[v.ordinal()].increment();
        if (m.rateLimited() != null && v != Verdict.ACCEPT) {
            m.rateLimited().increment();
        }
    }

    @Override
    public void protocolError(PolicyProtocolException.Reason reason) {
        protocolErrors.get(reason).increment();
    }

    // ------------------------------------------------------------------------------------------ EngineListener

    @Override
    public void dnsQuery(String list, QueryOutcome outcome, long nanos) {
        ListMeters m = list(list);
        switch (outcome) {
            case TIMEOUT -> m.timeouts().increment();
            case FAILURE -> m.failures().increment();
            case NOT_SENT -> m.notSent().increment();
            default -> {
                // an answer: only its latency
            }
        }
        if (outcome != QueryOutcome.NOT_SENT) {
            m.queries().record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void dnsAnswerCache(boolean hit) {
        (hit ? answerHits : answerMisses).increment();
    }

    @Override
    public void dnsOutcomeMemo(boolean hit) {
        (hit ? memoHits : memoMisses).increment();
    }

    @Override
    public void policyFileReloaded(Path file) {
        reloads.increment();
        lastReloadOk.set(1);
    }

    @Override
    public void policyFileReloadFailed(Path file, PolicyFileException failure) {
        reloadFailures.increment();
        lastReloadOk.set(0);
    }

    @Override
    public void zoneReloaded(String zone) {
        zoneReloads.increment();
    }

    @Override
    public void zoneReloadFailed(String zone, String reason) {
        zoneReloadFailures.increment();
    }
}

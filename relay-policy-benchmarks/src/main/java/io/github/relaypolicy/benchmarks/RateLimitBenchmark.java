package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.RelayEngine;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What local rate limits add to {@link RelayEngine#decide}: the same authenticated relay decision with and without
 * two recipient limits (one per user, one per client address), on identities the table has already seen and whose
 * limits are far from reached. The target: at most 60 ns above the decision without limits, 0 B/op.
 *
 * <p>{@link #config} names the engine: {@code none} (no limits, the baseline) or {@code limits} (a {@code user} and
 * a {@code client} recipient limit). A further configuration (sender binding with the two limits) is one more
 * {@code @Param} value and one more case in {@link #configure}.
 *
 * <p>The requests: an authenticated client outside the trusted networks relays to a foreign domain (rule
 * {@code permit_authenticated}, so both limits count it). {@link #identities} users, each with its own client
 * address, are spread over at least 1,024 distinct request objects, cycled through: the engine hashes a request's
 * identities once per request object, and a server builds a new request per {@code RCPT TO}, so one request object
 * repeated would measure a cache the server never hits. {@code 1} is one user and one client (the cells stay in the
 * core's cache), {@code 1024} and {@code 65536} spread the cells over the table as a busy server does.
 *
 * <p>The limits are {@code 1000000000/30d}, the largest a limit may be: a cell then holds a billion recipients,
 * which one thread takes over 100 s at 10 million decisions a second, more than a trial lasts; the setup first
 * counts every identity once, so that the measurement sees only identities already in the table. After every
 * iteration each request is decided again and the trial fails if any was deferred, so a run that did reach a limit
 * (and measured the cheaper refusal path) is never reported.
 *
 * <p>Run from the repository root (see {@code run-ratelimit.sh}):
 * <pre>
 * java -jar relay-policy-benchmarks/target/benchmarks.jar 'RateLimitBenchmark' -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RateLimitBenchmark {

    /** The largest limit there is (count at most 10^9, period at most 30 days): never reached in a trial. */
    static final String USER_LIMIT = "user:1000000000/30d";
    /** The same for client addresses. */
    static final String CLIENT_LIMIT = "client:1000000000/30d";

    /** Which engine: {@code none} (no limits) or {@code limits} (a user and a client recipient limit). */
    @Param({"none", "limits", "binding", "binding_limits"})
    public String config = "limits";

    /** How many distinct users (each with its own client address) the requests come from. */
    @Param({"1", "1024", "65536"})
    public int identities = 1024;

    private RelayEngine engine;
    private RelayRequest[] requests;
    private int mask;

    /** Each thread walks the requests on its own. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    /**
     * The engine of a configuration; every configuration has the same relay policy.
     *
     * @param b a builder with the relay policy
     * @param config the {@link #config} value
     * @param identities the {@link #identities} value
     * @return the builder with the configuration's limits
     */
    static RelayEngine.Builder configure(RelayEngine.Builder b, String config, int identities) {
        switch (config) {
            case "none":
                return b;
            case "limits":
                return b.recipientRateLimit(USER_LIMIT, CLIENT_LIMIT);
            case "binding":
                // each login owns its own address, as a submission server's users do
                for (int id = 0; id < identities; id++) {
                    b.senderLogin(String.format(Locale.ROOT, "u%06d@example.org", id),
                            String.format(Locale.ROOT, "u%06d@example.org", id));
                }
                return b;
            case "binding_limits":
                return configure(b, "binding", identities).recipientRateLimit(USER_LIMIT, CLIENT_LIMIT);
            default:
                throw new IllegalArgumentException("config '" + config + "' is unknown");
        }
    }

    /**
     * Builds the engine and the requests, checks each request's decision (and that the limits are applied and
     * counted), and counts every identity once.
     *
     * @throws IllegalStateException if a request gets another decision than expected
     */
    @Setup(Level.Trial)
    public void setUp() {
        engine = configure(RelayEngine.builder()
                .trustedNetworks("10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32")
                .localDomains("example.org", ".example.org")
                .permitAuthenticated(true), config, identities).build();
        int n = Integer.highestOneBit(Math.max(1024, identities) - 1) << 1;
        requests = new RelayRequest[n];
        mask = n - 1;
        for (int i = 0; i < n; i++) {
            int id = i % identities;
            requests[i] = RelayRequest.builder()
                    .client(String.format(Locale.ROOT, "198.%d.%d.%d", 18 + (id >>> 16), (id >>> 8) & 0xFF, id & 0xFF))
                    .helo("mua.example.net")
                    .sender(String.format(Locale.ROOT, "<u%06d@example.org>", id))
                    .recipient(String.format(Locale.ROOT, "<rcpt%d@foreign%d.example.com>", i, i % 97))
                    .authenticatedUser(String.format(Locale.ROOT, "u%06d@example.org", id))
                    .build();
        }
        for (int i = 0; i < n; i++) {
            check(i, requests[i], true);
        }
    }

    /**
     * Fails the trial if a limit was reached during the iteration: the measurement would have mixed in deferrals.
     *
     * @throws IllegalStateException if any request is no longer accepted
     */
    @TearDown(Level.Iteration)
    public void checkNotLimited() {
        for (int i = 0; i < requests.length; i++) {
            check(i, requests[i], false);
        }
    }

    /**
     * Decides one request and returns its verdict, as the server's hot path reads it.
     *
     * @param cursor this thread's position in the requests
     * @return the verdict, consumed by JMH
     */
    @Benchmark
    public Verdict decide(Cursor cursor) {
        return engine.decide(requests[cursor.next++ & mask]).verdict();
    }

    private void check(int index, RelayRequest r, boolean trace) {
        Decision d = engine.decide(r);
        boolean limited = config.endsWith("limits");
        boolean ok = d.verdict() == Verdict.ACCEPT && d.rule().equals(RuleNames.AUTHENTICATED);
        if (ok && trace) {
            long counted = d.trace().stream().filter(s -> s.rule().equals(RuleNames.RECIPIENT_RATE_LIMIT)
                    && s.outcome() == TraceStep.Outcome.PASS).count();
            ok = counted == (limited ? 2 : 0);
        }
        if (!ok) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "config %s, identities %d, request %d: expected ACCEPT by %s%s, got %s by %s (reply '%s')%n"
                            + "  %s%n  trace: %s", config, identities, index, RuleNames.AUTHENTICATED,
                    limited ? " with both limits counted" : "", d.verdict(), d.rule(), d.reply(), r, d.trace()));
        }
    }
}

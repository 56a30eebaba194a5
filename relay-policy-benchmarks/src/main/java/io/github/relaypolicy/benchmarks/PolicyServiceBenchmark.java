package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.benchmarks.PolicyTargets.Target;
import io.github.relaypolicy.benchmarks.PolicyTargets.UserLimit;
import io.github.relaypolicy.benchmarks.PolicyWorkload.Answer;
import io.github.relaypolicy.benchmarks.PolicyWorkload.Request;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Policy services over Postfix's policy delegation protocol, measured from the outside as Postfix uses them: each
 * JMH thread is one {@code smtpd} process with one connection kept open, sending one request and waiting for the
 * answer ({@link #request}: write the request, read until the empty line). So connections = JMH threads ({@code -t 1},
 * {@code -t 16}, {@code -t 200}); throughput mode gives requests per second, sample mode the latency percentiles.
 *
 * <p>{@link #target} names the service, each started per trial as a process of its own on 127.0.0.1
 * ({@link PolicyTargets}) with the equivalent rules of issue 13: a CIDR allow list ({@code 10.0.0.0/8} may relay),
 * a sender check (senders at {@code bad.example} refused) and a per-user limit ({@link #userLimit} accepted
 * recipients per SASL login); policyd-rate-limit has only the limit. The requests are {@link PolicyWorkload}'s,
 * realistic Postfix 3.7 requests. No service does DNS work.
 *
 * <p>Before measuring, the trial's setup sends one request of each kind (accepted, sender refused, relay refused)
 * and fails unless the service answers exactly as expected. Every answer measured is classified (accept, refuse,
 * defer, other) and compared with what that service should answer to that request; the counts, over the whole
 * trial (warm-up included), are printed at its end ({@code answers ...}) and appended as one JSON line to the file
 * {@code -Dpolicy.answers=FILE} names.
 *
 * <pre>
 * mvn -q -pl relay-policy-benchmarks -am package -DskipTests
 * relay-policy-benchmarks/run-policy-service.sh          # the matrix: 3 targets x 1, 16, 200 connections
 * java -jar relay-policy-benchmarks/target/benchmarks.jar PolicyServiceBenchmark -p target=postfwd -t 16 \
 *     -bm sample -tu us -f 1 -wi 2 -w 5s -i 3 -r 5s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class PolicyServiceBenchmark {

    /**
     * The service: {@code relay-policy}, {@code postfwd} or {@code policyd-rate-limit}; or {@code floor}, not a
     * service but the floor of the method ({@link PolicyFloorServer}: answers at once, no policy).
     */
    @Param({PolicyTargets.RELAY_POLICY, PolicyTargets.POSTFWD, PolicyTargets.POLICYD_RATE_LIMIT})
    public String target = PolicyTargets.RELAY_POLICY;

    /**
     * The per-user limit, {@code COUNT/PERIOD}: with the default no user reaches it in a trial (1,000 users, at
     * most a few hundred recipients each); a small one ({@code 5/1h}) shows the three services deferring.
     */
    @Param("10000/1h")
    public String userLimit = "10000/1h";

    private Target server;
    private Request[] requests;
    private Answer[] expected;
    private int longest;
    private String mode = "";
    private int threads;
    /** Answers of the whole trial by kind ({@link Answer#ordinal()}), then unexpected ones, then reconnections. */
    private final AtomicLongArray totals = new AtomicLongArray(Answer.values().length + 2);
    private final List<String> checks = new ArrayList<>();

    /**
     * Starts the service and checks its answers to one request of each kind.
     *
     * @param params the run's parameters (threads: postfwd forks one child per connection)
     * @throws IllegalStateException if the service does not start or answers otherwise than expected
     */
    @Setup(Level.Trial)
    public void start(BenchmarkParams params) throws IOException, InterruptedException {
        PolicyWorkload workload = PolicyWorkload.generate();
        requests = workload.requests().toArray(Request[]::new);
        longest = workload.longest();
        boolean limitOnly = target.equals(PolicyTargets.POLICYD_RATE_LIMIT) || target.equals(PolicyTargets.FLOOR);
        expected = new Answer[requests.length];
        for (int i = 0; i < requests.length; i++) {
            expected[i] = limitOnly ? Answer.ACCEPT : requests[i].policy();
        }
        mode = params.getMode().shortLabel();
        threads = params.getThreads();
        server = PolicyTargets.start(target, UserLimit.parse(userLimit), threads, filled(requests[0], 0));
        try {
            check();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The first request of each kind, answered exactly as the rules say. */
    private void check() throws IOException {
        boolean sender = false;
        boolean relay = false;
        boolean accept = false;
        for (Request r : requests) {
            boolean relayRefusal = r.answer().endsWith("Relay access denied");
            boolean senderRefusal = r.answer().endsWith("Access denied") && !relayRefusal;
            boolean acceptance = r.policy() == Answer.ACCEPT;
            if (relayRefusal && relay || senderRefusal && sender || acceptance && accept) {
                continue;
            }
            relay |= relayRefusal;
            sender |= senderRefusal;
            accept |= acceptance;
            String want = switch (target) {
                case PolicyTargets.POLICYD_RATE_LIMIT -> "action=dunno";
                case PolicyTargets.FLOOR -> "action=DUNNO";
                default -> r.answer();
            };
            String got = server.ask(filled(r, 1));
            if (!got.equals(want)) {
                throw new IllegalStateException(target + " answered '" + got + "' instead of '" + want + "' to:\n"
                        + new String(r.template(), StandardCharsets.US_ASCII));
            }
            checks.add(got);
        }
    }

    private static byte[] filled(Request r, long session) {
        byte[] copy = r.template().clone();
        PolicyWorkload.fill(r, copy, session);
        return copy;
    }

    /**
     * Stops the service and reports the answers of the trial.
     *
     * @throws IOException if the report cannot be appended to {@code -Dpolicy.answers}
     */
    @TearDown(Level.Trial)
    public void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        int kinds = Answer.values().length;
        long all = 0;
        StringBuilder text = new StringBuilder();
        StringBuilder json = new StringBuilder();
        for (Answer a : Answer.values()) {
            long n = totals.get(a.ordinal());
            all += n;
            text.append(", ").append(a.name().toLowerCase(Locale.ROOT)).append(' ').append(n);
            json.append(", \"").append(a.name().toLowerCase(Locale.ROOT)).append("\": ").append(n);
        }
        String line = String.format(Locale.ROOT, "answers target=%s mode=%s connections=%d userLimit=%s: %d%s,"
                + " unexpected %d, reconnections %d; checked: %s", target, mode, threads, userLimit, all, text,
                totals.get(kinds), totals.get(kinds + 1), checks);
        System.out.println();
        System.out.println(line);
        String file = System.getProperty("policy.answers");
        if (file != null) {
            String record = String.format(Locale.ROOT, "{\"target\": \"%s\", \"mode\": \"%s\", \"connections\": %d,"
                    + " \"userLimit\": \"%s\", \"answers\": %d%s, \"unexpected\": %d, \"reconnections\": %d}%n",
                    target, mode, threads, userLimit, all, json, totals.get(kinds), totals.get(kinds + 1));
            Files.writeString(Path.of(file), record, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    /** One connection, as one Postfix smtpd process keeps it, walking the requests from its own starting point. */
    @State(Scope.Thread)
    public static class Connection {
        private PolicyServiceBenchmark bench;
        private Socket socket;
        private InputStream in;
        private OutputStream out;
        private byte[] request;
        private final byte[] answer = new byte[8192];
        private int next;
        private int transaction = -1;
        private long session;
        private final long[] counts = new long[Answer.values().length + 2];

        /**
         * Opens the connection.
         *
         * @param bench the benchmark, with its running service
         * @param thread this thread's index, which chooses the starting request and the sessions' numbers
         * @throws IOException if the connection cannot be opened
         */
        @Setup(Level.Trial)
        public void open(PolicyServiceBenchmark bench, ThreadParams thread) throws IOException {
            this.bench = bench;
            request = new byte[bench.longest];
            next = (int) ((long) thread.getThreadIndex() * bench.requests.length / thread.getThreadCount());
            // a client port and instance of its own for every transaction sent on every connection
            session = (long) thread.getThreadIndex() << 32;
            connect();
        }

        private void connect() throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(bench.server.address(), 30_000);
            socket.setSoTimeout(60_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        /**
         * Sends one request and reads its answer; a connection the service closed is opened again and the request
         * sent again (as Postfix does), and counted.
         *
         * @return the answer's length
         * @throws IOException if the service fails to answer on a new connection too
         */
        int ask() throws IOException {
            Request r = bench.requests[next];
            if (r.transaction() != transaction) {
                transaction = r.transaction();
                session++;
            }
            byte[] t = r.template();
            System.arraycopy(t, 0, request, 0, t.length);
            PolicyWorkload.fill(r, request, session);
            int n;
            try {
                n = exchange(t.length);
            } catch (IOException e) {
                counts[counts.length - 1]++;
                socket.close();
                connect();
                n = exchange(t.length);
            }
            Answer kind = n > 7 && answer[0] == 'a' && answer[6] == '=' ? Answer.of(answer[7]) : Answer.OTHER;
            counts[kind.ordinal()]++;
            if (kind != bench.expected[next]) {
                counts[counts.length - 2]++;
            }
            next = (next + 1) % bench.requests.length;
            return n;
        }

        private int exchange(int length) throws IOException {
            out.write(request, 0, length);
            int n = 0;
            while (n < 2 || answer[n - 1] != '\n' || answer[n - 2] != '\n') {
                int r = in.read(answer, n, answer.length - n);
                if (r < 0) {
                    throw new IOException(bench.target + " closed the connection");
                }
                n += r;
                if (n == answer.length) {
                    throw new IOException(bench.target + " answered more than " + n + " bytes");
                }
            }
            return n;
        }

        /**
         * Closes the connection and adds its counts to the trial's.
         *
         * @throws IOException if closing fails
         */
        @TearDown(Level.Trial)
        public void close() throws IOException {
            for (int i = 0; i < counts.length; i++) {
                bench.totals.addAndGet(i, counts[i]);
            }
            socket.close();
        }
    }

    /**
     * One request and its answer on this thread's connection.
     *
     * @param connection the thread's connection
     * @return the answer's length
     * @throws IOException if the service fails
     */
    @Benchmark
    public int request(Connection connection) throws IOException {
        return connection.ask();
    }
}

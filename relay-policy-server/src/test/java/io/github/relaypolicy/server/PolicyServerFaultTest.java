package io.github.relaypolicy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayPolicy;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.server.PolicyAnswers.AcceptAction;
import io.github.relaypolicy.server.PolicyTestClient.Ending;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.jspecify.annotations.Nullable;

/**
 * The fault run of issue 13: clients that send garbage, stall in the middle of a request, disconnect in the middle of
 * their answers, half-close, or connect beyond the most connections allowed, while good clients keep asking; none of
 * them may change what a good client is answered, delay it beyond the idle timeout, or leave a connection behind.
 * Answers are checked against a second engine ({@link ReferenceAnswers}); the server's metrics and log against what
 * the clients did. Loopback only; every loop bounded in count and time.
 */
final class PolicyServerFaultTest {

    private static final InetSocketAddress ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    /** Short, so stalled clients are closed within the run; good clients never wait this long for an answer. */
    private static final Duration IDLE = Duration.ofSeconds(1);
    /** How long a close that is due may take to arrive; generous, for a build machine shared with other builds. */
    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(10);
    private static final int GOOD_CLIENTS = 16;
    private static final int FAULTY_CLIENTS = 4;
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;

    private final CountingMetrics metrics = new CountingMetrics();
    private final RecordingLogger log = new RecordingLogger();
    private RelayEngine engine;
    private RelayEngine reference;
    private ReferenceAnswers answers;
    private PolicyServer server;

    @BeforeEach
    void engines() throws IOException {
        Path policy = PolicyTraffic.writePolicy(Files.createDirectory(dir.resolve("server")), 256);
        engine = RelayEngine.fromFile(policy);
        reference = RelayEngine.fromFile(policy);
        answers = new ReferenceAnswers(reference, AcceptAction.DUNNO);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        engine.close();
        reference.close();
    }

    private InetSocketAddress start(PolicyServer.Builder builder) throws IOException {
        server = builder.listen(ANY_PORT).idleTimeout(IDLE).metrics(metrics).log(log).start();
        return server.addresses().get(0);
    }

    /** What the good clients saw. */
    private static final class GoodStats {
        final LongAdder answered = new LongAdder();
        final AtomicInteger maxLatencyMillis = new AtomicInteger();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

        void latency(long nanos) {
            maxLatencyMillis.accumulateAndGet((int) (nanos / 1_000_000), Math::max);
        }
    }

    // ------------------------------------------------------------------------------------------- the fault run

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // a backstop: every loop below is bounded on its own
    void faulty_clients_do_not_change_or_delay_what_good_clients_are_answered() throws Exception {
        InetSocketAddress address = start(PolicyServer.builder(engine));
        GoodStats good = new GoodStats();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(GOOD_CLIENTS + FAULTY_CLIENTS);
        try {
            List<Future<?>> goodClients = new ArrayList<>();
            for (int i = 0; i < GOOD_CLIENTS; i++) {
                long seed = 1000 + i;
                goodClients.add(pool.submit(() -> goodClient(address, seed, stop, good)));
            }
            List<Future<FaultStats>> faultyClients = new ArrayList<>();
            for (int i = 0; i < FAULTY_CLIENTS; i++) {
                long seed = 2000 + i;
                faultyClients.add(pool.submit(() -> faultyClient(address, seed)));
            }
            FaultStats faults = new FaultStats();
            for (Future<FaultStats> f : faultyClients) {
                faults.add(f.get(90, TimeUnit.SECONDS));
            }

            // the faulty connections are all gone while the good ones are still being answered
            int left = PolicyServerLoadTest.await(server::openConnections, GOOD_CLIENTS, CLOSE_WITHIN);
            stop.set(true);
            for (Future<?> f : goodClients) {
                f.get(30, TimeUnit.SECONDS);
            }

            assertThat(faults.failures).as("faulty clients: what the server did not do").isEmpty();
            assertThat(good.failures).as("good clients: what went wrong").isEmpty();
            assertThat(left).as("connections open once every faulty client was done (the %d good ones still "
                    + "connected)", GOOD_CLIENTS).isEqualTo(GOOD_CLIENTS);
            assertThat(good.answered.sum()).as("answers to good clients").isGreaterThanOrEqualTo(20L * GOOD_CLIENTS);
            assertThat(good.maxLatencyMillis.get()).as("the longest a good client waited for an answer, in ms")
                    .isLessThan((int) IDLE.toMillis());
            assertThat(PolicyServerLoadTest.await(server::openConnections, 0, CLOSE_WITHIN)).isZero();

            assertThat(faults.scenarios).as("every scenario ran").containsOnlyKeys(Scenario.values());
            assertThat(metrics.protocolErrors()).as("%s", metrics).isEqualTo(faults.protocolErrors);
            assertThat(metrics.opened.sum()).as("%s", metrics).isEqualTo(metrics.closed.sum());
            assertThat(metrics.refused.sum()).isZero();
            assertThat(log.count(System.Logger.Level.WARNING)).as("one warning per protocol error and per request cut"
                    + " short by a half-close, and no other").isEqualTo(faults.protocolErrors
                    + faults.scenarios.get(Scenario.HALF_CLOSE_MID_REQUEST));
            assertThat(log.count(System.Logger.Level.ERROR)).as("%s", log.entries(e -> true)).isZero();
            System.out.printf(Locale.ROOT, "fault run: %,d answers to %d good clients (longest wait %d ms) while %d "
                    + "faulty clients ran %s; server: %s%n", good.answered.sum(), GOOD_CLIENTS,
                    good.maxLatencyMillis.get(), FAULTY_CLIENTS, faults.scenarios, metrics);
        } finally {
            stop.set(true);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).as("client threads ended").isTrue();
        }
    }

    /**
     * One good client: one connection, requests one at a time or two pipelined, now and then a pause shorter than
     * the idle timeout, until told to stop (at most 5,000 requests, at most 60 s). Every answer checked; nothing may
     * close the connection.
     */
    private Void goodClient(InetSocketAddress address, long seed, AtomicBoolean stop, GoodStats stats) {
        Random random = new Random(seed);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (PolicyTestClient c = PolicyTestClient.connect(address)) {
            c.readTimeout(IDLE.multipliedBy(5));
            for (int sent = 0; sent < 5000 && !stop.get() && System.nanoTime() < end; ) {
                int n = random.nextInt(4) == 0 ? 2 : 1;
                byte[][] requests = new byte[n][];
                ByteArrayOutputStream batch = new ByteArrayOutputStream();
                for (int i = 0; i < n; i++) {
                    requests[i] = PolicyTraffic.request(random);
                    batch.writeBytes(requests[i]);
                }
                long t = System.nanoTime();
                c.send(batch.toByteArray());
                for (int i = 0; i < n; i++) {
                    byte[] got = c.readAnswerBytes();
                    stats.latency(System.nanoTime() - t);
                    byte[] expected = answers.answer(requests[i]);
                    if (!Arrays.equals(got, expected)) {
                        stats.failures.add("seed " + seed + ": answer '" + PolicyTraffic.show(got) + "', expected '"
                                + PolicyTraffic.show(expected) + "', to '" + PolicyTraffic.show(requests[i]) + "'");
                        return null;
                    }
                    stats.answered.increment();
                }
                sent += n;
                if (random.nextInt(50) == 0) {
                    Thread.sleep(IDLE.toMillis() * 4 / 10); // idle, but not for long enough to be closed
                }
            }
            // the last answer after the faults: the connection is still good
            byte[] last = PolicyTraffic.request(random);
            c.send(last);
            byte[] got = c.readAnswerBytes();
            if (!Arrays.equals(got, answers.answer(last))) {
                stats.failures.add("seed " + seed + ": last answer '" + PolicyTraffic.show(got) + "'");
            }
        } catch (IOException | RuntimeException e) {
            stats.failures.add("seed " + seed + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /** The faults, each on a connection of its own. */
    private enum Scenario {
        /** A good request answered, then a line without '='. */
        NO_EQUALS,
        /** A NUL byte in a value. */
        NUL_BYTE,
        /** A line of 9 KiB. */
        LONG_LINE,
        /** 1,001 attribute lines. */
        TOO_MANY_ATTRIBUTES,
        /** A request without request=smtpd_access_policy. */
        NOT_A_POLICY_REQUEST,
        /** Random bytes (with a NUL early). */
        BINARY_JUNK,
        /** A good request and garbage in one write: at most the good answer, then the close. */
        GOOD_THEN_GARBAGE_AT_ONCE,
        /** Half a request, then nothing: closed after the idle timeout. */
        STALL_MID_REQUEST,
        /** Connected, nothing sent: closed after the idle timeout. */
        STALL_SILENT,
        /** 50 pipelined requests, then a reset without reading an answer. */
        RESET_MID_ANSWER,
        /** 50 pipelined requests, then a close (FIN) without reading an answer. */
        CLOSE_MID_ANSWER,
        /** Requests, then the write side shut (Exim's readsocket): every answer, then the end of stream. */
        HALF_CLOSE_AFTER_REQUESTS,
        /** Half a request, then the write side shut: no answer, the end of stream. */
        HALF_CLOSE_MID_REQUEST,
        /** Connected, then reset at once. */
        RESET_AT_ONCE,
        /** A request written a few bytes at a time, each pause shorter than the idle timeout: answered. */
        SLOW_WRITER
    }

    /** What a faulty client did and saw. */
    private static final class FaultStats {
        final Map<Scenario, Integer> scenarios = new EnumMap<>(Scenario.class);
        final List<String> failures = new ArrayList<>();
        long protocolErrors;

        void add(FaultStats other) {
            other.scenarios.forEach((k, v) -> scenarios.merge(k, v, Integer::sum));
            failures.addAll(other.failures);
            protocolErrors += other.protocolErrors;
        }
    }

    /** One faulty client: every scenario {@link #ROUNDS} times, in an order drawn from its seed. */
    private FaultStats faultyClient(InetSocketAddress address, long seed) {
        Random random = new Random(seed);
        FaultStats stats = new FaultStats();
        List<Scenario> plan = new ArrayList<>();
        for (int r = 0; r < ROUNDS; r++) {
            plan.addAll(List.of(Scenario.values()));
        }
        Collections.shuffle(plan, random);
        for (Scenario s : plan) {
            try {
                if (run(s, address, random)) {
                    stats.protocolErrors++;
                }
                stats.scenarios.merge(s, 1, Integer::sum);
            } catch (IOException | AssertionError | RuntimeException e) {
                stats.failures.add(s + " (seed " + seed + "): " + e + serverThreads());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stats.failures.add(s + ": interrupted");
                break;
            }
        }
        return stats;
    }

    /**
     * Runs one scenario on a new connection and checks what the server did.
     *
     * @return whether the scenario is a protocol error the server must count and log
     */
    private boolean run(Scenario s, InetSocketAddress address, Random random) throws IOException,
            InterruptedException {
        try (PolicyTestClient c = PolicyTestClient.connect(address)) {
            switch (s) {
                case NO_EQUALS, NUL_BYTE, LONG_LINE, TOO_MANY_ATTRIBUTES, NOT_A_POLICY_REQUEST, BINARY_JUNK -> {
                    byte[] good = PolicyTraffic.request(random);
                    c.send(good);
                    assertAnswer(c.readAnswerBytes(), good);
                    sendGarbage(c, garbage(s, random));
                    c.awaitClose(CLOSE_WITHIN);
                    return true;
                }
                case GOOD_THEN_GARBAGE_AT_ONCE -> {
                    byte[] good = PolicyTraffic.request(random);
                    ByteArrayOutputStream both = new ByteArrayOutputStream();
                    both.writeBytes(good);
                    both.writeBytes(garbage(Scenario.NO_EQUALS, random));
                    sendGarbage(c, both.toByteArray());
                    Ending e = c.readUntilClosed(CLOSE_WITHIN);
                    if (e.received().length > 0) {
                        // read in two chunks, the server may answer the good request before it meets the garbage
                        assertAnswer(e.received(), good);
                    }
                    return true;
                }
                case STALL_MID_REQUEST, STALL_SILENT -> {
                    if (s == Scenario.STALL_MID_REQUEST) {
                        byte[] request = PolicyTraffic.request(random);
                        c.send(Arrays.copyOf(request, request.length / 2));
                    }
                    Ending e = c.awaitClose(IDLE.plus(CLOSE_WITHIN));
                    assertThat(e.millis()).as("%s: closed after %d ms, idle timeout %d ms", s, e.millis(),
                            IDLE.toMillis()).isGreaterThanOrEqualTo(IDLE.toMillis() * 9 / 10);
                    return false;
                }
                case RESET_MID_ANSWER, CLOSE_MID_ANSWER -> {
                    ByteArrayOutputStream many = new ByteArrayOutputStream();
                    for (int i = 0; i < 50; i++) {
                        many.writeBytes(PolicyTraffic.request(random));
                    }
                    c.send(many.toByteArray());
                    if (s == Scenario.RESET_MID_ANSWER) {
                        c.reset();
                    }
                    return false; // closed by try-with-resources, or already reset
                }
                case HALF_CLOSE_AFTER_REQUESTS -> {
                    int n = 1 + random.nextInt(3);
                    ByteArrayOutputStream requests = new ByteArrayOutputStream();
                    ByteArrayOutputStream expected = new ByteArrayOutputStream();
                    for (int i = 0; i < n; i++) {
                        byte[] r = PolicyTraffic.request(random);
                        requests.writeBytes(r);
                        expected.writeBytes(answers.answer(r));
                    }
                    c.send(requests.toByteArray());
                    c.shutdownOutput();
                    Ending e = c.readUntilClosed(CLOSE_WITHIN);
                    assertThat(e.text()).as("answers before the close")
                            .isEqualTo(expected.toString(StandardCharsets.UTF_8));
                    assertThat(e.how()).as("how the server closed").isEqualTo(PolicyTestClient.Closed.EOF);
                    return false;
                }
                case HALF_CLOSE_MID_REQUEST -> {
                    byte[] request = PolicyTraffic.request(random);
                    c.send(Arrays.copyOf(request, request.length / 2));
                    c.shutdownOutput();
                    c.awaitClose(CLOSE_WITHIN);
                    return false;
                }
                case RESET_AT_ONCE -> {
                    c.reset();
                    return false;
                }
                case SLOW_WRITER -> {
                    byte[] request = PolicyTraffic.request(random);
                    int step = Math.max(1, request.length / 8);
                    // about half the idle timeout in all: a request still incomplete after the idle timeout is closed
                    for (int from = 0; from < request.length; from += step) {
                        c.send(Arrays.copyOfRange(request, from, Math.min(request.length, from + step)));
                        Thread.sleep(IDLE.toMillis() / 20);
                    }
                    assertAnswer(c.readAnswerBytes(), request);
                    return false;
                }
                default -> throw new AssertionError(s);
            }
        }
    }

    /** What the server's threads are doing, for a failure that may come from one of them being stuck. */
    private static String serverThreads() {
        StringBuilder b = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().startsWith("relay-policy") || t.getName().startsWith("relay-dns")) {
                b.append("\n    ").append(t.getName()).append(' ').append(t.getState());
                for (int i = 0; i < Math.min(12, stack.length); i++) {
                    b.append("\n      at ").append(stack[i]);
                }
            }
        });
        return b.toString();
    }

    private static byte[] garbage(Scenario s, Random random) {
        String request = "request=smtpd_access_policy\n";
        return switch (s) {
            case NO_EQUALS -> ascii(request + "protocol_state=RCPT\nthis line has no equals sign\n\n");
            case NUL_BYTE -> ascii(request + "helo_name=mx\u0000.example.net\n\n");
            case LONG_LINE -> ascii(request + "helo_name=" + "h".repeat(9 * 1024) + "\n\n");
            case TOO_MANY_ATTRIBUTES -> ascii(request + "x=y\n".repeat(PolicyRequestReader.MAX_ATTRIBUTES + 1)
                    + "\n");
            case NOT_A_POLICY_REQUEST -> ascii("protocol_state=RCPT\nclient_address=192.0.2.1\n\n");
            case BINARY_JUNK -> {
                byte[] junk = new byte[512 + random.nextInt(2048)];
                random.nextBytes(junk);
                junk[random.nextInt(64)] = 0;
                yield junk;
            }
            default -> throw new AssertionError(s);
        };
    }

    /** Writes garbage; the server may close (and reset) while the bytes are still going out. */
    private static void sendGarbage(PolicyTestClient c, byte[] garbage) {
        try {
            c.send(garbage);
        } catch (IOException e) {
            // the server met the error and closed before reading the rest: what it should do
        }
    }

    private void assertAnswer(byte[] got, byte[] request) {
        assertThat(new String(got, StandardCharsets.UTF_8)).as("answer to %s", PolicyTraffic.show(request))
                .isEqualTo(new String(answers.answer(request), StandardCharsets.UTF_8));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    // ------------------------------------------------------------------------------------ stopping under load

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void close_under_load_answers_rightly_or_not_at_all_and_leaves_nothing_behind() throws Exception {
        InetSocketAddress address = start(PolicyServer.builder(engine));
        int clients = 32;
        LongAdder answered = new LongAdder();
        LongAdder endedByServer = new LongAdder();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                long seed = 3000 + i;
                running.add(pool.submit(() -> {
                    // as Postfix asks: one request, its answer, the next; until the server ends the connection
                    Random random = new Random(seed);
                    try (PolicyTestClient c = PolicyTestClient.connect(address)) {
                        for (int n = 0; n < 100_000; n++) {
                            byte[] r = PolicyTraffic.request(random);
                            try {
                                c.send(r);
                            } catch (IOException closed) {
                                endedByServer.increment();
                                return null;
                            }
                            byte[] got = c.readAnswerOrEnd();
                            if (got == null) {
                                endedByServer.increment();
                                return null;
                            }
                            if (!Arrays.equals(got, answers.answer(r))) {
                                failures.add("seed " + seed + ": answer '" + PolicyTraffic.show(got) + "' to '"
                                        + PolicyTraffic.show(r) + "'");
                                return null;
                            }
                            answered.increment();
                        }
                        failures.add("seed " + seed + ": the server was still answering after 100,000 requests");
                    } catch (IOException | RuntimeException e) {
                        failures.add("seed " + seed + ": " + e);
                    }
                    return null;
                }));
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (answered.sum() < 20L * clients && failures.isEmpty() && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            assertThat(answered.sum()).as("answers before the close").isGreaterThanOrEqualTo(20L * clients);

            long start = System.nanoTime();
            server.close();
            long closeMillis = (System.nanoTime() - start) / 1_000_000;
            for (Future<?> f : running) {
                f.get(CLOSE_WITHIN.toSeconds(), TimeUnit.SECONDS);
            }

            assertThat(failures).as("what clients saw wrong").isEmpty();
            assertThat(endedByServer.sum()).as("clients whose connection the server ended").isEqualTo(clients);
            assertThat(closeMillis).as("close() with nothing slow in flight, in ms").isLessThan(5000);
            assertThat(server.openConnections()).isZero();
            assertThat(metrics.closed.sum()).as("%s", metrics).isEqualTo(metrics.opened.sum());
            assertThat(log.count(System.Logger.Level.WARNING) + log.count(System.Logger.Level.ERROR))
                    .as("%s", log.entries(e -> true)).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    // -------------------------------------------------------------------------------------- deep pipelining

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void a_client_that_writes_thousands_of_requests_before_reading_is_answered_in_order() throws Exception {
        // far beyond the 64 requests the server reads ahead, and beyond what the socket buffers hold: the server must
        // pause reading and go on, never drop, reorder or duplicate an answer
        InetSocketAddress address = start(PolicyServer.builder(engine));
        int count = 5000;
        Random random = new Random(5);
        List<byte[]> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            requests.add(PolicyTraffic.request(random));
        }
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (PolicyTestClient c = PolicyTestClient.connect(address)) {
            Future<?> written = writer.submit(() -> {
                for (byte[] r : requests) {
                    c.send(r);
                }
                return null;
            });
            for (int i = 0; i < count; i++) {
                byte[] got = c.readAnswerBytes();
                if (!Arrays.equals(got, answers.answer(requests.get(i)))) {
                    assertAnswer(got, requests.get(i)); // fails, saying which
                }
            }
            written.get(10, TimeUnit.SECONDS);
            assertThat(metrics.requests.sum()).isEqualTo(count);
        } finally {
            writer.shutdownNow();
        }
        assertThat(PolicyServerLoadTest.await(server::openConnections, 0, CLOSE_WITHIN)).isZero();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void a_connection_never_has_more_than_the_read_ahead_bound_of_decisions_in_flight() throws Exception {
        // decisions that take a while: without the bound, one connection could put any number of them in flight
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        RelayPolicy slow = new RelayPolicy() {
            @Override
            public Decision decide(@Nullable RelayRequest request) {
                return engine.decide(request);
            }

            @Override
            public CompletionStage<Decision> decideAsync(@Nullable RelayRequest request) {
                mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                CompletableFuture<Decision> f = new CompletableFuture<>();
                later.schedule(() -> {
                    inFlight.decrementAndGet();
                    f.complete(engine.decide(request));
                }, 2, TimeUnit.MILLISECONDS);
                return f;
            }
        };
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            InetSocketAddress address = start(PolicyServer.builder(slow));
            int count = 3000;
            List<byte[]> requests = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                // short requests, so that one read holds many
                requests.add(ascii("request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=100.64." + (i % 40)
                        + "." + (1 + i % 250) + "\nrecipient=u" + i + "@example.org\n\n"));
            }
            try (PolicyTestClient c = PolicyTestClient.connect(address)) {
                Future<?> written = writer.submit(() -> {
                    ByteArrayOutputStream all = new ByteArrayOutputStream();
                    requests.forEach(all::writeBytes);
                    c.send(all.toByteArray());
                    return null;
                });
                for (int i = 0; i < count; i++) {
                    assertAnswer(c.readAnswerBytes(), requests.get(i));
                }
                written.get(10, TimeUnit.SECONDS);
            }
            assertThat(mostInFlight.get()).as("the most decisions in flight for one connection")
                    .isLessThanOrEqualTo(PolicyServer.MAX_OUTSTANDING);
        } finally {
            writer.shutdownNow();
            later.shutdownNow();
        }
    }

    // ------------------------------------------------------------------------------ the most connections allowed

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void connections_beyond_the_most_allowed_are_closed_at_once_and_the_others_are_unaffected() throws Exception {
        int max = 5;
        InetSocketAddress address = start(PolicyServer.builder(engine).maxConnections(max));
        Random random = new Random(3);
        List<PolicyTestClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < max; i++) {
                PolicyTestClient c = PolicyTestClient.connect(address);
                held.add(c);
                byte[] r = PolicyTraffic.request(random);
                assertAnswer(c.send(r).readAnswerBytes(), r);
            }
            assertThat(server.openConnections()).isEqualTo(max);

            int beyond = 20;
            for (int i = 0; i < beyond; i++) {
                try (PolicyTestClient extra = PolicyTestClient.connect(address)) {
                    sendGarbage(extra, PolicyTraffic.request(random)); // may meet the close already
                    extra.awaitClose(CLOSE_WITHIN);
                }
                // the held connections are still served, in between
                PolicyTestClient c = held.get(i % max);
                byte[] r = PolicyTraffic.request(random);
                assertAnswer(c.send(r).readAnswerBytes(), r);
            }

            assertThat(metrics.refused.sum()).isEqualTo(beyond);
            assertThat(server.openConnections()).isEqualTo(max);
            assertThat(log.entries(e -> e.level() == System.Logger.Level.WARNING))
                    .as("refusals logged at most once a minute").singleElement()
                    .satisfies(e -> assertThat(e.text()).matches("policy client 127\\.0\\.0\\.1:\\d+ closed at once: 5 "
                            + "connections are open, the most allowed \\(more refusals within a minute are not "
                            + "logged\\)"));

            // a place freed is taken again
            held.remove(0).close();
            assertThat(PolicyServerLoadTest.await(server::openConnections, max - 1, CLOSE_WITHIN)).isEqualTo(max - 1);
            PolicyTestClient again = PolicyTestClient.connect(address);
            held.add(again);
            byte[] r = PolicyTraffic.request(random);
            assertAnswer(again.send(r).readAnswerBytes(), r);
            assertThat(server.openConnections()).isEqualTo(max);
        } finally {
            for (PolicyTestClient c : held) {
                c.close();
            }
        }
        assertThat(PolicyServerLoadTest.await(server::openConnections, 0, CLOSE_WITHIN)).isZero();
        assertThat(metrics.opened.sum()).as("%s", metrics).isEqualTo(max + 1);
        assertThat(metrics.closed.sum()).as("%s", metrics).isEqualTo(max + 1);
    }
}

package io.github.relaypolicy.server;

import static io.github.relaypolicy.server.PolicyServerTest.answer;
import static io.github.relaypolicy.server.PolicyServerTest.engine;
import static io.github.relaypolicy.server.PolicyServerTest.request;
import static io.github.relaypolicy.server.PolicyServerTest.send;
import static io.github.relaypolicy.server.PolicyServerTest.untilClosed;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayPolicy;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.RelayEngine;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Attacks on {@link PolicyServer}: a misbehaving policy or metrics, connections racing close, pipelining. */
final class PolicyServerReviewTest {

    private static final InetSocketAddress ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private final RecordingLogger log = new RecordingLogger();
    private PolicyServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private PolicyServer start(PolicyServer.Builder builder) throws IOException {
        server = builder.listen(ANY_PORT).log(log).start();
        return server;
    }

    private Socket connect() throws IOException {
        return PolicyServerTest.connect(server);
    }

    @Test
    void metrics_that_throw_on_a_decision_do_not_leave_the_request_unanswered() throws Exception {
        ServerMetrics broken = new ServerMetrics() {
            @Override
            public void decision(Decision decision, long nanos) {
                throw new IllegalStateException("metrics broken");
            }
        };
        start(PolicyServer.builder(engine()).metrics(broken));
        try (Socket s = connect()) {
            send(s, request("RCPT", "203.0.113.9", "x@victim.example", "r1"));
            assertThat(answer(s)).isEqualTo("action=554 5.7.1 <x@victim.example>: Relay access denied\n\n");
            send(s, request("RCPT", "192.0.2.7", "x@victim.example", "r1"));
            assertThat(answer(s)).isEqualTo("action=DUNNO\n\n");
        }
        assertThat(log.lines()).containsOnlyOnce("WARNING server metrics failed in decision (ignored; later failures"
                + " are not logged): metrics broken");
    }

    @Test
    void metrics_that_throw_on_every_call_close_no_connection() throws Exception {
        ServerMetrics broken = new ServerMetrics() {
            @Override
            public void connectionOpened() {
                throw new IllegalStateException("opened broken");
            }

            @Override
            public void request(PolicyRequest.ProtocolState state) {
                throw new IllegalStateException("request broken");
            }
        };
        start(PolicyServer.builder(engine()).metrics(broken));
        try (Socket s = connect()) {
            send(s, request("RCPT", "203.0.113.9", "x@victim.example", "r2"));
            assertThat(answer(s)).isEqualTo("action=554 5.7.1 <x@victim.example>: Relay access denied\n\n");
            send(s, request("RCPT", "192.0.2.7", "x@victim.example", "r2"));
            assertThat(answer(s)).isEqualTo("action=DUNNO\n\n");
        }
        assertThat(log.lines()).filteredOn(m -> m.startsWith("WARNING")).containsExactly(
                "WARNING server metrics failed in connectionOpened (ignored; later failures are not logged): opened"
                        + " broken");
    }

    @Test
    void a_decision_whose_reply_cannot_be_rendered_is_deferred_not_left_unanswered() throws Exception {
        RelayEngine engine = engine();
        RelayPolicy unrenderable = new RelayPolicy() {
            @Override
            public Decision decide(RelayRequest request) {
                return engine.decide(request);
            }

            @Override
            public CompletionStage<Decision> decideAsync(RelayRequest request) {
                Decision d = engine.decide(request);
                return CompletableFuture.supplyAsync(() -> new Decision() {
                    @Override
                    public io.github.relaypolicy.Verdict verdict() {
                        return d.verdict();
                    }

                    @Override
                    public io.github.relaypolicy.SmtpReply reply() {
                        throw new IllegalStateException("reply template broken");
                    }

                    @Override
                    public String rule() {
                        return d.rule();
                    }

                    @Override
                    public java.util.List<io.github.relaypolicy.TraceStep> trace() {
                        return d.trace();
                    }
                });
            }
        };
        start(PolicyServer.builder(unrenderable));
        try (Socket s = connect()) {
            send(s, request("RCPT", "203.0.113.9", "x@victim.example", "r2"));
            assertThat(answer(s)).isEqualTo("action=451 4.3.5 Policy service error; try again later\n\n");
        }
        assertThat(log.lines()).anySatisfy(m -> assertThat(m).startsWith("ERROR policy client 127.0.0.1:")
                .endsWith("failed; answered action=451 4.3.5 Policy service error; try again later: "
                        + "reply template broken"));
    }

    @Test
    void a_policy_that_returns_no_stage_is_deferred_and_logged() throws Exception {
        RelayPolicy broken = new RelayPolicy() {
            @Override
            public Decision decide(RelayRequest request) {
                throw new IllegalStateException("not used");
            }

            @Override
            public CompletionStage<Decision> decideAsync(RelayRequest request) {
                return null;
            }
        };
        start(PolicyServer.builder(broken));
        try (Socket s = connect()) {
            send(s, request("RCPT", "203.0.113.9", "bob@example.org", "r3"));
            assertThat(answer(s)).isEqualTo("action=451 4.3.5 Policy service error; try again later\n\n");
        }
        assertThat(log.lines()).anySatisfy(m -> assertThat(m).startsWith("ERROR policy client 127.0.0.1:")
                .contains("deciding PolicyRequest[request=smtpd_access_policy, protocol_state=RCPT")
                .endsWith("failed; answered action=451 4.3.5 Policy service error; try again later: "
                        + "the policy returned no decision stage"));
    }

    @Test
    void a_connection_accepted_while_close_runs_is_closed_without_being_served() throws Exception {
        RelayEngine engine = engine();
        CountDownLatch inDecision = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // a policy that blocks its caller (it should not): it holds the one event loop, so the next
        // connection is accepted but not yet active when close() looks at the open connections
        RelayPolicy blocking = new RelayPolicy() {
            @Override
            public Decision decide(RelayRequest request) {
                return engine.decide(request);
            }

            @Override
            public CompletionStage<Decision> decideAsync(RelayRequest request) {
                if ("block@example.org".equals(request.recipient())) {
                    inDecision.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return CompletableFuture.completedFuture(engine.decide(request));
            }
        };
        start(PolicyServer.builder(blocking).threads(1).shutdownGrace(Duration.ofSeconds(3)));
        Thread closer = new Thread(server::close, "closer");
        try (Socket first = connect()) {
            send(first, request("RCPT", "203.0.113.9", "block@example.org", "r4"));
            assertThat(inDecision.await(10, TimeUnit.SECONDS)).isTrue();
            try (Socket late = connect()) {
                Thread.sleep(200); // accepted; its activation waits behind the blocked event loop
                closer.start();
                Thread.sleep(200); // close() has stopped listening and told the connections it knows
                release.countDown();
                assertThat(untilClosed(first)).isEqualTo("action=DUNNO\n\n");
                send(late, request("RCPT", "203.0.113.9", "x@victim.example", "r5"));
                assertThat(untilClosed(late)).as("a connection that came during close is not served").isEmpty();
            }
        } finally {
            release.countDown();
            closer.join(20_000);
        }
        assertThat(server.openConnections()).isZero();
    }

    @Test
    void thousands_of_pipelined_requests_are_answered_in_order_to_a_slow_reader() throws Exception {
        start(PolicyServer.builder(engine()));
        int n = 3_000;
        try (Socket s = connect()) {
            AtomicReference<Throwable> writeFailure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    StringBuilder b = new StringBuilder();
                    for (int i = 0; i < n; i++) {
                        b.append(i % 3 == 0 ? request("RCPT", "203.0.113.9", "x" + i + "@victim.example", "p" + i)
                                : i % 3 == 1 ? request("RCPT", "203.0.113.9", "bob@example.org", "p" + i)
                                : request("MAIL", "203.0.113.9", "", "p" + i));
                    }
                    send(s, b.toString());
                } catch (Throwable t) {
                    writeFailure.set(t);
                }
            }, "pipelining writer");
            writer.start();
            Thread.sleep(300); // the server fills its side and stops reading; nothing is lost meanwhile
            for (int i = 0; i < n; i++) {
                String expected = i % 3 == 0 ? "action=554 5.7.1 <x" + i + "@victim.example>: Relay access denied\n\n"
                        : "action=DUNNO\n\n";
                assertThat(answer(s)).as("answer %d", i).isEqualTo(expected);
            }
            writer.join(10_000);
            assertThat(writeFailure.get()).isNull();
            s.shutdownOutput();
            assertThat(untilClosed(s)).isEmpty();
        }
    }

    private static RelayPolicy late(RelayEngine engine, java.util.concurrent.ScheduledExecutorService later,
            long millis) {
        return PolicyServerTest.late(engine, later, r -> millis);
    }

    @Test
    void a_half_close_waits_for_decisions_in_flight_then_answers_them_all() throws Exception {
        java.util.concurrent.ScheduledExecutorService later =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            start(PolicyServer.builder(late(engine(), later, 300)));
            try (Socket s = connect()) {
                send(s, request("RCPT", "203.0.113.9", "x@victim.example", "h1")
                        + request("CONNECT", "203.0.113.9", "", "h1")
                        + request("RCPT", "192.0.2.1", "x@victim.example", "h1"));
                s.shutdownOutput();
                assertThat(untilClosed(s)).isEqualTo("action=554 5.7.1 <x@victim.example>: Relay access denied\n\n"
                        + "action=DUNNO\n\naction=DUNNO\n\n");
            }
        } finally {
            later.shutdownNow();
        }
    }

    @Test
    void the_idle_timeout_does_not_close_a_connection_waiting_for_its_decision() throws Exception {
        java.util.concurrent.ScheduledExecutorService later =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            start(PolicyServer.builder(late(engine(), later, 700)).idleTimeout(Duration.ofMillis(200)));
            try (Socket s = connect()) {
                send(s, request("RCPT", "203.0.113.9", "x@victim.example", "i1"));
                assertThat(answer(s)).isEqualTo("action=554 5.7.1 <x@victim.example>: Relay access denied\n\n");
                assertThat(untilClosed(s)).as("then idle").isEmpty();
            }
        } finally {
            later.shutdownNow();
        }
    }

    @Test
    void client_text_in_a_protocol_error_cannot_forge_a_log_line() throws Exception {
        start(PolicyServer.builder(engine()));
        try (Socket s = connect()) {
            send(s, "request=x\r2026-11-30T00:00:00Z INFO forged\u2028\u0085\n\n");
            assertThat(untilClosed(s)).isEmpty();
        }
        assertThat(log.lines()).anySatisfy(m -> assertThat(m).matches("WARNING policy client 127\\.0\\.0\\.1:\\d+: "
                + "policy request of type 'x\\\\r2026-11-30T00:00:00Z INFO forged\\\\u2028\\\\x85', not "
                + "smtpd_access_policy; connection closed without an answer"));
        assertThat(log.lines()).noneMatch(m -> m.contains("\r") || m.contains("\n") || m.contains("\u0085")
                || m.contains("\u2028"));
    }

    @Test
    void resets_and_protocol_errors_with_decisions_in_flight_leave_no_connection_counted() throws Exception {
        java.util.concurrent.ScheduledExecutorService later =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            start(PolicyServer.builder(late(engine(), later, 300)));
            for (int i = 0; i < 10; i++) {
                try (Socket s = connect()) {
                    send(s, request("RCPT", "203.0.113.9", "x@victim.example", "z" + i));
                    if (i % 2 == 0) {
                        send(s, "junk\n");
                        assertThat(untilClosed(s)).isEmpty();
                    } else {
                        s.setSoLinger(true, 0); // closed with a reset while its decision is in flight
                    }
                }
            }
            Thread.sleep(500); // the decisions complete for connections that are gone
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.openConnections() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(server.openConnections()).isZero();
            try (Socket s = connect()) {
                send(s, request("RCPT", "192.0.2.1", "x@victim.example", "z"));
                assertThat(answer(s)).isEqualTo("action=DUNNO\n\n");
            }
        } finally {
            later.shutdownNow();
        }
    }
}

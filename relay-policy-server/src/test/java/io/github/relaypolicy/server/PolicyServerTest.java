package io.github.relaypolicy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayPolicy;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.RelayEngine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Netty server over real loopback sockets, with a real engine (and fakes only for decision timing). */
final class PolicyServerTest {

    private static final InetSocketAddress ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private final RecordingLogger log = new RecordingLogger();
    private PolicyServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    static RelayEngine engine() {
        return RelayEngine.builder().localDomains("example.org").trustedNetworks("192.0.2.0/24")
                .recipientsPerMessage(2).build();
    }

    static String request(String state, String client, String recipient, String instance) {
        return "request=smtpd_access_policy\nprotocol_state=" + state + "\nprotocol_name=ESMTP\nclient_address="
                + client + "\nclient_name=unknown\nhelo_name=mx.example.net\nsender=alice@example.net\nrecipient="
                + recipient + "\ninstance=" + instance + "\nsasl_username=\n\n";
    }

    private PolicyServer start(PolicyServer.Builder builder) throws IOException {
        server = builder.listen(ANY_PORT).log(log).start();
        return server;
    }

    private Socket connect() throws IOException {
        return connect(server);
    }

    /** A connection to the server's first address, reads bounded at 10 s. */
    static Socket connect(PolicyServer server) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.addresses().get(0).getPort());
        s.setSoTimeout(10_000);
        return s;
    }

    static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
    }

    /** Reads one answer: up to and including the empty line. */
    static String answer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after '" + out + "'");
            }
            out.write(b);
            if (b == '\n' && previous == '\n') {
                return out.toString(StandardCharsets.UTF_8);
            }
            previous = b;
        }
    }

    /** What came before the server closed the connection, waiting at most 10 s (a reset counts as a close). */
    static String untilClosed(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // closed with data unread on the server's side: a reset, as good as a close here
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void await(Supplier<Boolean> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.get()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /** A policy that decides with the engine on {@code later}'s thread, after the delay {@code millis} gives. */
    static RelayPolicy late(RelayEngine engine, ScheduledExecutorService later,
            java.util.function.ToLongFunction<RelayRequest> millis) {
        return new RelayPolicy() {
            @Override
            public Decision decide(RelayRequest request) {
                return engine.decide(request);
            }

            @Override
            public CompletionStage<Decision> decideAsync(RelayRequest request) {
                CompletableFuture<Decision> f = new CompletableFuture<>();
                later.schedule(() -> f.complete(engine.decide(request)), millis.applyAsLong(request),
                        TimeUnit.MILLISECONDS);
                return f;
            }
        };
    }

    @Test
    void answers_several_requests_on_one_connection_with_the_engine_decisions() throws Exception {
        start(PolicyServer.builder(engine()));
        try (Socket s = connect()) {
            send(s, request("CONNECT", "203.0.113.9", "", "1"));
            assertThat(answer(s)).isEqualTo("action=DUNNO\n\n");
            send(s, request("RCPT", "203.0.113.9", "x@victim.example", "1"));
            assertThat(answer(s)).isEqualTo("action=554 5.7.1 <x@victim.example>: Relay access denied\n\n");
            send(s, request("RCPT", "192.0.2.7", "x@victim.example", "1"));
            assertThat(answer(s)).isEqualTo("action=DUNNO\n\n");
            assertThat(server.openConnections()).isEqualTo(1);
        }
        await(() -> server.openConnections() == 0, "connection closed");
    }

    @Test
    void answers_pipelined_requests_in_order_and_ok_when_told_to() throws Exception {
        start(PolicyServer.builder(engine()).acceptAction(PolicyAnswers.AcceptAction.OK));
        try (Socket s = connect()) {
            send(s, request("RCPT", "203.0.113.9", "bob@example.org", "2")
                    + request("RCPT", "203.0.113.9", "x@victim.example", "3")
                    + request("DATA", "203.0.113.9", "", "2"));
            assertThat(answer(s)).isEqualTo("action=OK\n\n");
            assertThat(answer(s)).isEqualTo("action=554 5.7.1 <x@victim.example>: Relay access denied\n\n");
            assertThat(answer(s)).isEqualTo("action=DUNNO\n\n");
        }
    }

    @Test
    void a_client_that_closes_its_side_gets_its_answers_then_the_connection_closes() throws Exception {
        start(PolicyServer.builder(engine()));
        try (Socket s = connect()) {
            send(s, request("RCPT", "203.0.113.9", "x@victim.example", "4")
                    + request("RCPT", "192.0.2.1", "x@victim.example", "4"));
            s.shutdownOutput();
            assertThat(untilClosed(s)).isEqualTo("action=554 5.7.1 <x@victim.example>: Relay access denied\n\n"
                    + "action=DUNNO\n\n");
        }
        await(() -> server.openConnections() == 0, "connection closed");
    }

    @Test
    void a_protocol_error_closes_that_connection_without_an_answer_and_is_logged() throws Exception {
        start(PolicyServer.builder(engine()));
        try (Socket bad = connect(); Socket good = connect()) {
            send(bad, "GET / HTTP/1.0\r\n\r\n");
            assertThat(untilClosed(bad)).isEmpty();
            send(good, request("RCPT", "203.0.113.9", "bob@example.org", "5"));
            assertThat(answer(good)).isEqualTo("action=DUNNO\n\n");
        }
        assertThat(log.lines()).anySatisfy(m -> assertThat(m).matches(
                "WARNING policy client 127\\.0\\.0\\.1:\\d+: policy request line 1 is not name=value: 'GET / HTTP/1\\.0'; "
                        + "connection closed without an answer"));
    }

    @Test
    void a_request_completed_before_a_protocol_error_in_the_same_bytes_is_not_answered() throws Exception {
        start(PolicyServer.builder(engine()));
        try (Socket s = connect()) {
            send(s, request("RCPT", "203.0.113.9", "bob@example.org", "6") + "junk\n\n");
            assertThat(untilClosed(s)).isEmpty();
        }
    }

    @Test
    void an_idle_connection_is_closed_after_the_idle_timeout() throws Exception {
        start(PolicyServer.builder(engine()).idleTimeout(Duration.ofMillis(300)));
        try (Socket s = connect()) {
            send(s, "request=smtpd_access_policy\nprotocol_state=RCPT\n");
            long start = System.nanoTime();
            assertThat(untilClosed(s)).isEmpty();
            assertThat(System.nanoTime() - start).as("closed by the timeout, not at once")
                    .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(200));
        }
        await(() -> server.openConnections() == 0, "connection closed");
    }

    @Test
    void a_request_trickling_in_for_longer_than_the_idle_timeout_is_closed() throws Exception {
        start(PolicyServer.builder(engine()).idleTimeout(Duration.ofMillis(400)));
        try (Socket s = connect()) {
            send(s, "request=smtpd_access_policy\nhelo_name=");
            s.setSoTimeout(100);
            boolean closed = false;
            for (int i = 0; i < 60 && !closed; i++) {
                try {
                    send(s, "h");
                    closed = s.getInputStream().read() < 0;
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // no answer yet: the request goes on trickling
                } catch (IOException reset) {
                    closed = true;
                }
            }
            assertThat(closed).as("closed before 60 bytes at 100 ms each").isTrue();
        }
        assertThat(log.lines()).anySatisfy(m -> assertThat(m).matches("WARNING policy client 127\\.0\\.0\\.1:\\d+: "
                + "a request still incomplete after 400 ms \\(the idle timeout\\); connection closed"));
    }

    @Test
    void connections_over_the_most_allowed_are_closed_at_once_and_logged() throws Exception {
        start(PolicyServer.builder(engine()).maxConnections(1));
        try (Socket first = connect()) {
            send(first, request("RCPT", "203.0.113.9", "bob@example.org", "7"));
            assertThat(answer(first)).isEqualTo("action=DUNNO\n\n");
            try (Socket second = connect()) {
                assertThat(untilClosed(second)).isEmpty();
            }
            send(first, request("RCPT", "203.0.113.9", "bob@example.org", "7"));
            assertThat(answer(first)).isEqualTo("action=DUNNO\n\n");
        }
        assertThat(log.lines()).anySatisfy(m -> assertThat(m).matches("WARNING policy client 127\\.0\\.0\\.1:\\d+ "
                + "closed at once: 1 connections are open, the most allowed \\(more refusals within a minute are not "
                + "logged\\)"));
    }

    @Test
    void end_of_message_ends_the_transaction_for_recipients_per_message() throws Exception {
        start(PolicyServer.builder(engine()));
        try (Socket s = connect()) {
            for (int i = 0; i < 2; i++) {
                send(s, request("RCPT", "203.0.113.9", "bob@example.org", "tx-8"));
                assertThat(answer(s)).isEqualTo("action=DUNNO\n\n");
            }
            send(s, request("RCPT", "203.0.113.9", "bob@example.org", "tx-8"));
            assertThat(answer(s)).isEqualTo("action=452 4.5.3 Too many recipients\n\n");
            send(s, request("END-OF-MESSAGE", "203.0.113.9", "", "tx-8"));
            assertThat(answer(s)).isEqualTo("action=DUNNO\n\n");
            send(s, request("RCPT", "203.0.113.9", "bob@example.org", "tx-8"));
            assertThat(answer(s)).as("a new transaction").isEqualTo("action=DUNNO\n\n");
        }
    }

    @Test
    void decisions_completing_out_of_order_are_answered_in_request_order() throws Exception {
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        RelayEngine engine = engine();
        try {
            RelayPolicy slowFirst = late(engine, later,
                    r -> "slow@example.org".equals(r.recipient()) ? 300 : 0);
            start(PolicyServer.builder(slowFirst));
            try (Socket s = connect()) {
                send(s, request("RCPT", "203.0.113.9", "slow@example.org", "9")
                        + request("RCPT", "203.0.113.9", "x@victim.example", "9"));
                assertThat(answer(s)).isEqualTo("action=DUNNO\n\n");
                assertThat(answer(s)).isEqualTo("action=554 5.7.1 <x@victim.example>: Relay access denied\n\n");
            }
        } finally {
            later.shutdownNow();
        }
    }

    @Test
    void a_failing_policy_defers_and_is_logged() throws Exception {
        RelayPolicy broken = new RelayPolicy() {
            @Override
            public Decision decide(RelayRequest request) {
                throw new IllegalStateException("boom");
            }

            @Override
            public CompletionStage<Decision> decideAsync(RelayRequest request) {
                return CompletableFuture.failedFuture(new IllegalStateException("boom"));
            }
        };
        start(PolicyServer.builder(broken));
        try (Socket s = connect()) {
            send(s, request("RCPT", "203.0.113.9", "bob@example.org", "10"));
            assertThat(answer(s)).isEqualTo("action=451 4.3.5 Policy service error; try again later\n\n");
        }
        assertThat(log.lines()).anySatisfy(m -> assertThat(m).startsWith("ERROR policy client 127.0.0.1:")
                .contains("deciding PolicyRequest[request=smtpd_access_policy, protocol_state=RCPT, client_address=203.0.113.9")
                .endsWith("failed; answered action=451 4.3.5 Policy service error; try again later: boom"));
    }

    @Test
    void close_answers_what_is_in_flight_then_closes_every_connection() throws Exception {
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        RelayEngine engine = engine();
        try {
            RelayPolicy slow = late(engine, later, r -> 500);
            start(PolicyServer.builder(slow));
            int port = server.addresses().get(0).getPort();
            try (Socket busy = connect(); Socket quiet = connect()) {
                send(busy, request("RCPT", "203.0.113.9", "x@victim.example", "11"));
                await(() -> server.openConnections() == 2, "both connected");
                Thread.sleep(100); // the request is read, its decision in flight
                server.close();
                assertThat(untilClosed(busy)).isEqualTo(
                        "action=554 5.7.1 <x@victim.example>: Relay access denied\n\n");
                assertThat(untilClosed(quiet)).isEmpty();
            }
            assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                    .isInstanceOf(IOException.class);
            assertThat(server.openConnections()).isZero();
        } finally {
            later.shutdownNow();
        }
    }

    @Test
    void an_address_in_use_is_named() throws Exception {
        start(PolicyServer.builder(engine()));
        InetSocketAddress taken = server.addresses().get(0);
        assertThatThrownBy(() -> PolicyServer.builder(engine()).listen(taken).log(log).start())
                .isInstanceOf(BindException.class)
                .hasMessageStartingWith("cannot listen on 127.0.0.1:" + taken.getPort() + ": ");
    }

    @Test
    void listens_on_several_addresses() throws Exception {
        server = PolicyServer.builder(engine()).listen(ANY_PORT).listen(new InetSocketAddress("::1", 0)).log(log)
                .start();
        assertThat(server.addresses()).hasSize(2);
        try (Socket s = new Socket(server.addresses().get(1).getAddress(), server.addresses().get(1).getPort())) {
            s.setSoTimeout(10_000);
            send(s, request("RCPT", "2001:db8::1", "x@victim.example", "12"));
            assertThat(answer(s)).isEqualTo("action=554 5.7.1 <x@victim.example>: Relay access denied\n\n");
        }
        assertThat(log.lines()).contains("INFO relay-policy policy service listening on 127.0.0.1:"
                + server.addresses().get(0).getPort() + ", [::1]:" + server.addresses().get(1).getPort());
    }

    @Test
    void builder_checks_its_settings() {
        PolicyServer.Builder b = PolicyServer.builder(engine());
        assertThatThrownBy(() -> b.idleTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("idle timeout must be from PT0.001S to PT24H, not PT0S");
        assertThatThrownBy(() -> b.maxConnections(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max connections must be from 1 to 1000000, not 0");
        assertThatThrownBy(() -> b.listen(InetSocketAddress.createUnresolved("localhost", 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("listen address localhost:1 is not an IP address");
    }

    @Test
    void addresses_are_shown_as_in_rfc_5952() {
        assertThat(PolicyServer.describe(new InetSocketAddress("2001:DB8:0:0:1:0:0:1", 25)))
                .isEqualTo("[2001:db8::1:0:0:1]:25");
        assertThat(PolicyServer.describe(new InetSocketAddress("2001:db8:0:1:1:1:1:1", 25)))
                .isEqualTo("[2001:db8:0:1:1:1:1:1]:25");
        assertThat(PolicyServer.describe(new InetSocketAddress("::", 25))).isEqualTo("[::]:25");
        assertThat(PolicyServer.describe(new InetSocketAddress("192.0.2.1", 25))).isEqualTo("192.0.2.1:25");
    }
}

package io.github.relaypolicy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.EngineListener.QueryOutcome;
import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.RelayEngine;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MicrometerMetrics} recording what the server and a real engine report, scraped through {@link MetricsEndpoint}
 * over a real loopback HTTP connection: the exact Prometheus lines, and the endpoint's HTTP behaviour.
 */
final class MetricsEndpointTest {

    @TempDir
    Path dir;

    private PrometheusMeterRegistry registry;
    private MicrometerMetrics metrics;
    private MetricsEndpoint endpoint;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void start() throws IOException {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics = new MicrometerMetrics(registry);
        endpoint = MetricsEndpoint.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry);
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + endpoint.address().getPort() + path);
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<String> scrape() throws Exception {
        HttpResponse<String> r = send("GET", "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        return r.body().lines().toList();
    }

    private static RelayRequest rcpt(String client, String recipient, String user) {
        return RelayRequest.builder().client(client).sender("<a@example.net>").recipient(recipient)
                .authenticatedUser(user).build();
    }

    @Test
    void a_scrape_shows_every_metric_recorded_by_the_server_and_the_engine() throws Exception {
        // given: what a server and its engine report while serving
        Path policy = dir.resolve("relay-policy.conf");
        Files.writeString(policy, "mydestination = example.org\nrecipient_rate_limit = user:1/1h\n");
        try (RelayEngine engine = RelayEngine.fromFile(policy, Duration.ofHours(1), metrics)) {
            metrics.connectionOpened();
            metrics.connectionOpened();
            metrics.connectionClosed();
            metrics.connectionRefused();
            for (PolicyRequest.ProtocolState s : List.of(PolicyRequest.ProtocolState.RCPT,
                    PolicyRequest.ProtocolState.RCPT, PolicyRequest.ProtocolState.RCPT,
                    PolicyRequest.ProtocolState.END_OF_MESSAGE)) {
                metrics.request(s);
            }
            Decision accepted = engine.decide(rcpt("198.51.100.1", "<b@example.net>", "alice"));
            Decision limited = engine.decide(rcpt("198.51.100.1", "<c@example.net>", "alice"));
            Decision denied = engine.decide(rcpt("198.51.100.2", "<d@example.net>", null));
            assertThat(List.of(accepted.rule(), limited.rule(), denied.rule())).containsExactly(
                    "permit_authenticated", "recipient_rate_limit", "reject_unauth_destination");
            metrics.decision(accepted, 40_000); // 40 us
            metrics.decision(limited, 300_000); // 300 us
            metrics.decision(denied, 2_000_000_000L); // 2 s
            metrics.protocolError(PolicyProtocolException.Reason.LINE_TOO_LONG);

            metrics.dnsQuery("bl.test", QueryOutcome.LISTED, 2_000_000);
            metrics.dnsQuery("bl.test", QueryOutcome.NOT_LISTED, 700_000);
            metrics.dnsQuery("bl.test", QueryOutcome.TIMEOUT, 5_000_000_000L);
            metrics.dnsQuery("zen.dq.spamhaus.net", QueryOutcome.FAILURE, 30_000_000);
            metrics.dnsQuery("zen.dq.spamhaus.net", QueryOutcome.NOT_SENT, 0);
            for (boolean hit : new boolean[] {true, true, true, false}) {
                metrics.dnsAnswerCache(hit);
            }
            metrics.dnsOutcomeMemo(true);
            metrics.dnsOutcomeMemo(false);

            // a real reload, then a broken edit, reported by the engine
            Files.writeString(policy, "mydestination = example.org, example.com\n");
            Files.setLastModifiedTime(policy, java.nio.file.attribute.FileTime.fromMillis(
                    System.currentTimeMillis() + 5_000));
            assertThat(engine.reloadFileNow()).isTrue();
            Files.writeString(policy, "mydestination = example.org\nmynetworks = 0.0.0.1/0\n");
            Files.setLastModifiedTime(policy, java.nio.file.attribute.FileTime.fromMillis(
                    System.currentTimeMillis() + 10_000));
            assertThatThrownBy(engine::reloadFileNow).isInstanceOf(PolicyFileException.class);
            metrics.zoneReloaded("bl.local");
            metrics.zoneReloadFailed("bl.local", "too large");
        }

        // when
        List<String> lines = scrape();

        // then
        assertThat(lines).contains(
                "# TYPE relay_policy_connections_open gauge",
                "relay_policy_connections_open 1.0",
                "relay_policy_connections_refused_total 1.0",
                "relay_policy_requests_total{state=\"rcpt\"} 3.0",
                "relay_policy_requests_total{state=\"end-of-message\"} 1.0",
                "relay_policy_requests_total{state=\"connect\"} 0.0",
                "relay_policy_decisions_total{rule=\"permit_authenticated\",verdict=\"accept\"} 1.0",
                "relay_policy_decisions_total{rule=\"recipient_rate_limit\",verdict=\"tempfail\"} 1.0",
                "relay_policy_decisions_total{rule=\"reject_unauth_destination\",verdict=\"reject\"} 1.0",
                "relay_policy_decisions_total{rule=\"mynetworks\",verdict=\"accept\"} 0.0",
                "relay_policy_rate_limit_refusals_total{rule=\"recipient_rate_limit\"} 1.0",
                "relay_policy_rate_limit_refusals_total{rule=\"message_rate_limit\"} 0.0",
                "# TYPE relay_policy_decision_seconds histogram",
                "relay_policy_decision_seconds_bucket{le=\"5.0E-5\"} 1",
                "relay_policy_decision_seconds_bucket{le=\"2.5E-4\"} 1",
                "relay_policy_decision_seconds_bucket{le=\"5.0E-4\"} 2",
                "relay_policy_decision_seconds_bucket{le=\"1.0\"} 2",
                "relay_policy_decision_seconds_bucket{le=\"2.5\"} 3",
                "relay_policy_decision_seconds_bucket{le=\"+Inf\"} 3",
                "relay_policy_decision_seconds_count 3",
                "relay_policy_decision_seconds_sum 2.00034",
                "relay_policy_protocol_errors_total{reason=\"line_too_long\"} 1.0",
                "relay_policy_protocol_errors_total{reason=\"nul_byte\"} 0.0",
                "relay_policy_dns_query_seconds_count{list=\"bl.test\"} 3",
                "relay_policy_dns_query_seconds_bucket{list=\"bl.test\",le=\"0.001\"} 1",
                "relay_policy_dns_query_seconds_bucket{list=\"bl.test\",le=\"0.0025\"} 2",
                "relay_policy_dns_query_seconds_bucket{list=\"bl.test\",le=\"5.0\"} 3",
                "relay_policy_dns_query_seconds_count{list=\"zen.dq.spamhaus.net\"} 1",
                "relay_policy_dns_failures_total{kind=\"timeout\",list=\"bl.test\"} 1.0",
                "relay_policy_dns_failures_total{kind=\"failure\",list=\"bl.test\"} 0.0",
                "relay_policy_dns_failures_total{kind=\"failure\",list=\"zen.dq.spamhaus.net\"} 1.0",
                "relay_policy_dns_failures_total{kind=\"not_sent\",list=\"zen.dq.spamhaus.net\"} 1.0",
                "relay_policy_dns_cache_requests_total{cache=\"answer\",result=\"hit\"} 3.0",
                "relay_policy_dns_cache_requests_total{cache=\"answer\",result=\"miss\"} 1.0",
                "relay_policy_dns_cache_requests_total{cache=\"outcome\",result=\"hit\"} 1.0",
                "relay_policy_dns_cache_requests_total{cache=\"outcome\",result=\"miss\"} 1.0",
                "relay_policy_dns_cache_hit_ratio{cache=\"answer\"} 0.75",
                "relay_policy_dns_cache_hit_ratio{cache=\"outcome\"} 0.5",
                "relay_policy_reloads_total{result=\"ok\"} 1.0",
                "relay_policy_reloads_total{result=\"failed\"} 1.0",
                "relay_policy_config_last_reload_successful 0.0",
                "relay_policy_zone_reloads_total{result=\"ok\"} 1.0",
                "relay_policy_zone_reloads_total{result=\"failed\"} 1.0");
    }

    @Test
    void rule_and_list_labels_stay_bounded_whatever_is_reported() throws Exception {
        Decision odd = new Decision() {
            @Override
            public io.github.relaypolicy.Verdict verdict() {
                return io.github.relaypolicy.Verdict.REJECT;
            }

            @Override
            public io.github.relaypolicy.SmtpReply reply() {
                return io.github.relaypolicy.SmtpReply.of(554, "5.7.1", "no");
            }

            @Override
            public String rule() {
                return "a rule from a client\n";
            }

            @Override
            public List<io.github.relaypolicy.TraceStep> trace() {
                return List.of();
            }
        };
        metrics.decision(odd, 1_000);
        for (int i = 0; i < MicrometerMetrics.MAX_LISTS + 10; i++) {
            metrics.dnsQuery("list" + i + ".test", QueryOutcome.TIMEOUT, 1_000_000);
        }
        List<String> lines = scrape();
        assertThat(lines).contains("relay_policy_decisions_total{rule=\"other\",verdict=\"reject\"} 1.0",
                "relay_policy_dns_failures_total{kind=\"timeout\",list=\"other\"} 10.0");
        assertThat(lines.stream().filter(l -> l.startsWith("relay_policy_dns_query_seconds_count{"))).hasSize(
                MicrometerMetrics.MAX_LISTS + 1);
        assertThat(String.join("\n", lines)).doesNotContain("a rule from a client");
    }

    @Test
    void head_answers_the_headers_only_and_other_paths_and_methods_are_refused() throws Exception {
        HttpResponse<String> head = send("HEAD", "/metrics");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("content-type")).hasValue(MetricsEndpoint.CONTENT_TYPE);
        assertThat(head.headers().firstValueAsLong("content-length").orElseThrow()).isPositive();

        assertThat(send("GET", "/metrics?name[]=x").statusCode()).as("a query string is ignored").isEqualTo(200);
        HttpResponse<String> other = send("GET", "/");
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(other.body()).isEqualTo("not found: metrics are at /metrics\n");
        assertThat(send("GET", "/metrics/x").statusCode()).isEqualTo(404);
        HttpResponse<String> post = send("POST", "/metrics");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
        assertThat(send("DELETE", "/metrics").statusCode()).isEqualTo(405);
    }

    @Test
    void one_connection_serves_several_scrapes_and_an_oversized_request_is_refused() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), endpoint.address().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            String get = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
            out.write((get + get).getBytes(StandardCharsets.US_ASCII)); // pipelined on one connection
            out.flush();
            InputStream in = s.getInputStream();
            for (int i = 0; i < 2; i++) {
                String head = readHead(in);
                assertThat(head).startsWith("HTTP/1.1 200 OK\r\n").contains("content-type: " + MetricsEndpoint
                        .CONTENT_TYPE);
                int length = Integer.parseInt(head.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
                assertThat(in.readNBytes(length)).hasSize(length);
            }
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), endpoint.address().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n"
                    + "x".repeat(100_000)).getBytes(StandardCharsets.US_ASCII));
            String head = readHead(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 413 Request Entity Too Large\r\n");
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), endpoint.address().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "x".repeat(10_000)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String head = readHead(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n");
            assertThat(new String(s.getInputStream().readNBytes(18), StandardCharsets.US_ASCII))
                    .isEqualTo("headers too large\n");
            assertThat(s.getInputStream().read()).as("closed after the refusal").isEqualTo(-1);
        }
    }

    @Test
    void a_port_in_use_is_a_bind_exception_naming_the_address() {
        InetSocketAddress taken = endpoint.address();
        assertThatThrownBy(() -> MetricsEndpoint.start(taken, registry)).isInstanceOf(BindException.class)
                .hasMessageStartingWith("cannot listen for metrics on 127.0.0.1:" + taken.getPort() + ": ");
        assertThat(endpoint.url()).isEqualTo("http://127.0.0.1:" + taken.getPort() + "/metrics");
        assertThat(endpoint).hasToString("MetricsEndpoint[http://127.0.0.1:" + taken.getPort() + "/metrics]");
    }

    /** The status line and headers of one response, up to the empty line; bounded by the socket's timeout. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (head.size() < 65_536) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            String text = head.toString(StandardCharsets.US_ASCII);
            if (text.endsWith("\r\n\r\n")) {
                return text;
            }
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}

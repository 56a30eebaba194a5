package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.core.TestFiles;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.delayed;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.listed;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.nxdomain;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.silence;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.internal.dns.FakeDnsServer.Behaviour;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, defect 3: a DNS outage must not exhaust the heap or the file descriptors of the process. A child JVM
 * at {@code -Xmx256m} ({@link DnsOutageChild}) fires 200,000 {@code decideAsync()} calls for distinct clients at a
 * server that never answers, or answers after 5 seconds, with the engine's defaults but the timeout; this test
 * plays the DNS server on 127.0.0.1 from its own JVM, lets it recover when the flood is over, and checks what the
 * child measured: every decision completed within {@code dns_timeout} + 1 s, heap, threads and descriptors stayed
 * bounded, the process could open files and accept connections throughout, and DNS was used again after the
 * recovery. The figures are printed for the record.
 */
final class DnsOutageTest {

    private static final int CALLS = 200_000;
    /**
     * The default limit of DNS queries in flight. Each holds one socket; a finished query's socket is closed for
     * good when dnsjava's I/O thread next polls, so DNS sockets stay below twice the limit.
     */
    private static final int IN_FLIGHT = 2000;
    /** The child's descriptors beyond its sockets for queries: the JVM's jars, the probe's files and sockets. */
    private static final int OTHER_FDS = 200;
    private static final int MAX_THREADS = 64;
    private static final int MAX_LIVE_HEAP_MB = 64;

    @Test
    void a_server_that_never_answers_leaves_heap_threads_and_descriptors_bounded() throws Exception {
        Map<String, String> r = flood(silence(), Duration.ofSeconds(2));
        assertBounded(r, Duration.ofSeconds(2));
        assertThat(Integer.parseInt(r.get("accepted"))).isZero(); // nothing answered: all deferred
    }

    @Test
    void a_server_that_answers_after_5_seconds_leaves_heap_threads_and_descriptors_bounded() throws Exception {
        Map<String, String> r = flood(delayed(Duration.ofSeconds(5), nxdomain()), Duration.ofSeconds(6));
        assertBounded(r, Duration.ofSeconds(6));
        // The queries that were sent were answered in time and used: their clients were accepted.
        assertThat(Integer.parseInt(r.get("accepted"))).isPositive();
    }

    @Test
    void a_query_that_could_not_get_a_socket_defers_at_once_and_is_not_cached_as_a_failure_of_the_list()
            throws Exception {
        Process child = new ProcessBuilder(javaCommand(List.of(), DnsNoSocketChild.class)).redirectErrorStream(true)
                .start();
        Map<String, String> r = new LinkedHashMap<>();
        List<String> output = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            readResults(child, out, output, r, 60);
        }
        System.out.println("DnsOutageTest, a query without a socket:");
        output.forEach(l -> System.out.println("  " + l));
        assertThat(r.get("exit")).isEqualTo("0");
        assertThat(r.get("first_reply")).isEqualTo("451 4.7.1 Service unavailable; client ["
                + DnsOutageChild.LISTED_CLIENT + "] could not be checked against bl.test, try again later");
        assertThat(r.get("first_trace")).isEqualTo("no usable answer for " + DnsOutageChild.LISTED_QUERY
                + " (not asked: no socket could be opened for the query); its failures defer");
        assertThat(r.get("a_queries")).as("A queries that reached the server").isEqualTo("1"); // the second's
        assertThat(r.get("second_reply")).isEqualTo("554 5.7.1 Service unavailable; client ["
                + DnsOutageChild.LISTED_CLIENT + "] blocked using bl.test; Listed by test");
    }

    private static void assertBounded(Map<String, String> r, Duration timeout) {
        assertThat(r.get("exit")).as("child exit (3: OutOfMemoryError)").isEqualTo("0");
        assertThat(Integer.parseInt(r.get("completed"))).as("decisions completed").isEqualTo(CALLS);
        assertThat(Integer.parseInt(r.get("late"))).as("decisions later than dns_timeout + 1 s").isZero();
        assertThat(Long.parseLong(r.get("slowest_ms"))).isLessThanOrEqualTo(timeout.toMillis() + 1000);
        assertThat(Integer.parseInt(r.get("other"))).as("decisions neither deferred nor accepted").isZero();
        assertThat(Integer.parseInt(r.get("deferred")) + Integer.parseInt(r.get("accepted"))).isEqualTo(CALLS);
        assertThat(Integer.parseInt(r.get("fd_count_failures"))).as("descriptor counts that failed").isZero();
        assertThat(Integer.parseInt(r.get("peak_fds"))).as("peak open descriptors")
                .isLessThanOrEqualTo(Integer.parseInt(r.get("baseline_fds")) + 2 * IN_FLIGHT + OTHER_FDS);
        assertThat(Integer.parseInt(r.get("peak_threads"))).as("peak threads").isLessThanOrEqualTo(MAX_THREADS);
        assertThat(Long.parseLong(r.get("peak_live_heap_mb"))).as("peak heap after collections, MB")
                .isLessThanOrEqualTo(MAX_LIVE_HEAP_MB);
        assertThat(Integer.parseInt(r.get("probes"))).as("probes").isPositive();
        assertThat(Integer.parseInt(r.get("probe_failures"))).as("failed probes: " + r.get("first_probe_failure"))
                .isZero();
        assertThat(r.get("listed_reply")).as("the listed client after recovery")
                .isEqualTo("554 5.7.1 Service unavailable; client [" + DnsOutageChild.LISTED_CLIENT
                        + "] blocked using bl.test; Listed by test");
        assertThat(r.get("unlisted")).isEqualTo("ACCEPT mydestination");
    }

    /**
     * Runs the child against a server behaving as {@code outage} until the child's flood is over, then as a
     * healthy list (the listed test client listed, everything else not), and returns the child's results.
     */
    private static Map<String, String> flood(Behaviour outage, Duration timeout) throws Exception {
        Map<String, String> results = new LinkedHashMap<>();
        List<String> output = new ArrayList<>();
        Behaviour healthy = listed("Listed by test");
        AtomicBoolean recovered = new AtomicBoolean();
        try (FakeDnsServer server = FakeDnsServer.start(name -> !recovered.get() ? outage
                : name.equals(DnsOutageChild.LISTED_QUERY) ? healthy : nxdomain())) {
            Process child = new ProcessBuilder(javaCommand(List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
                    DnsOutageChild.class, server.address(), String.valueOf(CALLS),
                    String.valueOf(timeout.toMillis()))).redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8)); OutputStream in = child.getOutputStream()) {
                readResults(child, out, output, results, 150, () -> {
                    recovered.set(true);
                    in.write("recovered\n".getBytes(StandardCharsets.UTF_8));
                    in.flush();
                });
            }
        }
        System.out.println("DnsOutageTest " + outage + ", dns_timeout " + timeout.toMillis() + " ms:");
        output.forEach(l -> System.out.println("  " + l));
        for (String required : List.of("completed", "late", "slowest_ms", "other", "deferred", "accepted",
                "peak_fds", "baseline_fds", "fd_count_failures", "peak_threads", "peak_live_heap_mb", "probes",
                "probe_failures", "listed_reply", "unlisted")) {
            results.putIfAbsent(required, required.endsWith("reply") || required.equals("unlisted") ? ""
                    : "-1");
        }
        return results;
    }

    private interface Recovery {
        void run() throws java.io.IOException;
    }

    private static List<String> javaCommand(List<String> options, Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.addAll(List.of("-cp", TestFiles.classPath(), main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    private static void readResults(Process child, BufferedReader out, List<String> output,
            Map<String, String> results, int seconds) throws Exception {
        readResults(child, out, output, results, seconds, () -> { });
    }

    /**
     * Reads the child's output until it ends (a watchdog kills the child after {@code seconds}), collecting its
     * {@code RESULT} lines and running {@code recover} when it asks for it; then its exit status as "exit".
     */
    private static void readResults(Process child, BufferedReader out, List<String> output,
            Map<String, String> results, int seconds, Recovery recover) throws Exception {
        Thread watchdog = new Thread(() -> {
            try {
                if (!child.waitFor(seconds, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            } catch (InterruptedException e) {
                child.destroyForcibly();
            }
        });
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            String line;
            while ((line = out.readLine()) != null && output.size() < 10_000) {
                output.add(line);
                if (line.startsWith("RESULT ")) {
                    int eq = line.indexOf('=');
                    results.put(line.substring(7, eq), line.substring(eq + 1));
                } else if (line.equals("AWAIT-RECOVERY")) {
                    recover.run();
                }
            }
        } finally {
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
        }
        results.put("exit", child.isAlive() ? "still running" : String.valueOf(child.exitValue()));
    }
}

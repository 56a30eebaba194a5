package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.EngineListener.QueryOutcome;
import io.github.relaypolicy.testsupport.RbldnsdServer;
import io.github.relaypolicy.testsupport.RequiresRbldnsd;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an engine reports to its {@link EngineListener}: the DNS queries of each list (against the real rbldnsd on
 * 127.0.0.1, and a server that never answers), the use of the outcome memo and the answer cache, and the reloads of
 * a watched policy file and of local zone files.
 */
final class EngineListenerTest {

    /** A 20-character Spamhaus DQS key: it must never reach a listener, masked or not. */
    private static final String KEY = "abcdefghij0123456789";

    @TempDir
    static Path zones;
    private static RbldnsdServer rbldnsd;

    @TempDir
    Path dir;

    /** Every call, as text, in the order they came; the queries' latencies kept apart. */
    static final class Recording implements EngineListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Long> latencies = new CopyOnWriteArrayList<>();
        final List<PolicyFileException> failures = new CopyOnWriteArrayList<>();

        @Override
        public void dnsQuery(String list, QueryOutcome outcome, long nanos) {
            events.add("query " + list + " " + outcome);
            latencies.add(nanos);
        }

        @Override
        public void dnsAnswerCache(boolean hit) {
            events.add("answer cache " + (hit ? "hit" : "miss"));
        }

        @Override
        public void dnsOutcomeMemo(boolean hit) {
            events.add("memo " + (hit ? "hit" : "miss"));
        }

        @Override
        public void policyFileReloaded(Path file) {
            events.add("reloaded " + file.getFileName());
        }

        @Override
        public void policyFileReloadFailed(Path file, PolicyFileException failure) {
            events.add("reload failed " + file.getFileName());
            failures.add(failure);
        }

        @Override
        public void zoneReloaded(String zone) {
            events.add("zone reloaded " + zone);
        }

        @Override
        public void zoneReloadFailed(String zone, String reason) {
            events.add("zone reload failed " + zone + ": " + reason);
        }

        /** The events so far, and forgets them. */
        List<String> take() {
            List<String> all = new ArrayList<>(events);
            events.clear();
            return all;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(RbldnsdServer.BINARY)) {
            return; // only the tests tagged rbldnsd need it, and they are excluded then
        }
        Files.writeString(zones.resolve("bl.txt"), String.join("\n", ":127.0.0.2:Listed: $", "192.0.2.0/24", ""));
        rbldnsd = RbldnsdServer.in(zones).start("bl.test:ip4set:bl.txt", KEY + ".zen.dq.spamhaus.net:ip4set:bl.txt");
    }

    @AfterAll
    static void stop() {
        if (rbldnsd != null) {
            rbldnsd.close();
        }
    }

    private static Decision decide(RelayEngine engine, String client) {
        return engine.decide(RelayRequest.of(client, "<a@example.net>", "<user@example.org>"));
    }

    @Test
    @RequiresRbldnsd
    void each_query_is_reported_with_its_list_outcome_and_latency_and_the_caches_with_hits_and_misses() {
        Recording listener = new Recording();
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").dnsServers(rbldnsd.hostAndPort())
                .dnsTimeout(Duration.ofSeconds(5)).dnsbl("bl.test").listener(listener).build()) {
            // given a listed client never seen: the memo and the cache miss, the A and the TXT query are sent
            Decision listed = decide(engine, "192.0.2.10");
            assertThat(listed.reply()).hasToString("554 5.7.1 Service unavailable; client [192.0.2.10] blocked using"
                    + " bl.test; Listed: 192.0.2.10");
            assertThat(listener.take()).containsExactly("memo miss", "answer cache miss", "query bl.test LISTED",
                    "query bl.test LISTED");
            assertThat(listener.latencies).hasSize(2).allSatisfy(n -> assertThat(n).isPositive()
                    .isLessThan(Duration.ofSeconds(5).toNanos()));

            // the same client again: composed from the answer cache (and kept in the memo), then one memo probe
            assertThat(decide(engine, "192.0.2.10").reply()).isEqualTo(listed.reply());
            assertThat(listener.take()).containsExactly("memo miss", "answer cache hit");
            assertThat(decide(engine, "192.0.2.10").reply()).isEqualTo(listed.reply());
            assertThat(listener.take()).containsExactly("memo hit");

            // a client the list does not list: one A query, no TXT
            assertThat(decide(engine, "198.51.100.7").verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(listener.take()).containsExactly("memo miss", "answer cache miss",
                    "query bl.test NOT_LISTED");

            // a trusted or refused request asks no list: nothing is reported
            assertThat(engine.decide(RelayRequest.of("192.0.2.10", "<a@example.net>", "<user@example.net>"))
                    .verdict()).isEqualTo(Verdict.REJECT);
            assertThat(listener.take()).isEmpty();
        }
    }

    @Test
    @RequiresRbldnsd
    void decide_async_reports_the_same_and_a_keyed_zone_by_its_name_without_the_key() {
        Recording listener = new Recording();
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").dnsServers(rbldnsd.hostAndPort())
                .dnsTimeout(Duration.ofSeconds(5)).dnsbl(KEY + ".zen.dq.spamhaus.net").listener(listener).build()) {
            Decision d = engine.decideAsync(RelayRequest.of("192.0.2.11", "<a@example.net>", "<user@example.org>"))
                    .toCompletableFuture().join();
            assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; client [192.0.2.11] blocked using"
                    + " zen.dq.spamhaus.net; Listed: 192.0.2.11");
            assertThat(listener.take()).containsExactly("memo miss", "answer cache miss",
                    "query zen.dq.spamhaus.net LISTED", "query zen.dq.spamhaus.net LISTED");
        }
    }

    @Test
    @RequiresRbldnsd
    void a_decision_from_the_outcome_memo_allocates_no_more_with_a_listener() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!mx.isThreadAllocatedMemorySupported()) {
            return;
        }
        mx.setThreadAllocatedMemoryEnabled(true);
        LongAdder memoHits = new LongAdder();
        EngineListener counting = new EngineListener() {
            @Override
            public void dnsOutcomeMemo(boolean hit) {
                if (hit) {
                    memoHits.increment();
                }
            }
        };
        RelayRequest[] requests = new RelayRequest[256];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = RelayRequest.of("198.51.100." + i % 250, "<a@example.net>", "<r" + i + "@example.org>");
        }
        try (RelayEngine plain = memoPolicy().build(); RelayEngine listened = memoPolicy().listener(counting).build()) {
            for (RelayEngine engine : List.of(plain, listened)) {
                for (int pass = 0; pass < 2; pass++) { // asked, then composed from the cache and kept in the memo
                    for (RelayRequest r : requests) {
                        assertThat(engine.decide(r).verdict()).isEqualTo(Verdict.ACCEPT);
                    }
                }
            }
            long without = Allocations.leastBytes(mx, plain, requests);
            long with = Allocations.leastBytes(mx, listened, requests);
            without = Math.min(without, Allocations.leastBytes(mx, plain, requests));
            with = Math.min(with, Allocations.leastBytes(mx, listened, requests)); // each engine measured twice
            assertThat(memoHits.sum()).as("the listener was told of every memo hit").isGreaterThanOrEqualTo(
                    2L * 30 * requests.length);
            assertThat(with).as("bytes of %d decisions with a listener (without: %d)", requests.length, without)
                    .isLessThan(without + 512);
        }
    }

    private static RelayEngine.Builder memoPolicy() {
        return RelayEngine.builder().localDomains("example.org").dnsServers(rbldnsd.hostAndPort())
                .dnsTimeout(Duration.ofSeconds(5)).dnsbl("bl.test")
                .dnsCache(Duration.ofHours(1), Duration.ofHours(1), 10_000);
    }

    @Test
    void a_list_that_never_answers_is_reported_as_a_timeout_after_the_query_s_timeout() throws Exception {
        Recording listener = new Recording();
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
                RelayEngine engine = RelayEngine.builder().localDomains("example.org")
                        .dnsServers("127.0.0.1:" + silent.getLocalPort()).dnsTimeout(Duration.ofMillis(300))
                        .dnsbl("bl.test").listener(listener).build()) {
            Decision d = decide(engine, "192.0.2.10");
            assertThat(d.reply()).hasToString("451 4.7.1 Service unavailable; client [192.0.2.10] could not be"
                    + " checked against bl.test, try again later");
            TestFiles.waitFor(() -> listener.events.size() >= 3); // the timeout may come just after the deadline
            assertThat(listener.take()).containsExactly("memo miss", "answer cache miss", "query bl.test TIMEOUT");
            assertThat(listener.latencies).singleElement().satisfies(n -> assertThat(n)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(250).toNanos()));
        }
    }

    @Test
    void a_listener_that_throws_changes_no_decision() throws Exception {
        EngineListener throwing = new EngineListener() {
            @Override
            public void dnsQuery(String list, QueryOutcome outcome, long nanos) {
                throw new IllegalStateException("broken listener");
            }

            @Override
            public void dnsAnswerCache(boolean hit) {
                throw new IllegalStateException("broken listener");
            }

            @Override
            public void dnsOutcomeMemo(boolean hit) {
                throw new IllegalStateException("broken listener");
            }
        };
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
                RelayEngine engine = RelayEngine.builder().localDomains("example.org")
                        .dnsServers("127.0.0.1:" + silent.getLocalPort()).dnsTimeout(Duration.ofMillis(200))
                        .dnsbl("bl.test").dnsFailure(DnsFailure.IGNORE).listener(throwing).build()) {
            assertThat(decide(engine, "192.0.2.10").rule()).isEqualTo("mydestination");
        }
        assertThatThrownBy(() -> RelayEngine.builder().listener(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("listener");

        EngineListener throwingOnReload = new EngineListener() {
            @Override
            public void policyFileReloaded(Path file) {
                throw new IllegalStateException("broken listener");
            }
        };
        Path conf = dir.resolve("p.conf");
        Files.writeString(conf, "mydestination = example.org\n");
        try (RelayEngine engine = RelayEngine.fromFile(conf, Duration.ofHours(1), throwingOnReload)) {
            TestFiles.change(conf, "mydestination = example.net\n");
            assertThat(engine.reloadFileNow()).as("the reload happened all the same").isTrue();
            assertThat(engine.decide(RelayRequest.of("192.0.2.10", "<a@example.org>", "<user@example.net>"))
                    .rule()).isEqualTo("mydestination");
        }
        assertThatThrownBy(() -> RelayEngine.fromFile(conf, Duration.ofHours(1), null))
                .isInstanceOf(NullPointerException.class).hasMessage("listener");
    }

    @Test
    void a_watched_policy_file_reports_each_reload_and_each_broken_edit_once_with_its_problems() throws Exception {
        Recording listener = new Recording();
        Path conf = dir.resolve("p.conf");
        Files.writeString(conf, "mydestination = example.org\n");
        try (RelayEngine engine = RelayEngine.fromFile(conf, Duration.ofHours(1), listener)) {
            assertThat(engine.reloadFileNow()).isFalse();
            assertThat(listener.take()).as("nothing changed").isEmpty();

            TestFiles.change(conf, "mydestination = example.org, example.net\n");
            assertThat(engine.reloadFileNow()).isTrue();
            assertThat(listener.take()).containsExactly("reloaded p.conf");

            TestFiles.change(conf, "mydestination = example.org\nmynetworks = 0.0.0.1/0\n");
            PolicyFileException thrown = org.assertj.core.api.Assertions.catchThrowableOfType(
                    PolicyFileException.class, engine::reloadFileNow);
            assertThat(listener.take()).containsExactly("reload failed p.conf");
            assertThat(listener.failures).singleElement().isSameAs(thrown)
                    .isSameAs(engine.policyFileFailure().orElseThrow());
            assertThat(thrown).hasMessageContaining("p.conf:2:14: trusted network '0.0.0.1/0': host bits set");
            assertThat(engine.reloadFileNow()).isFalse();
            assertThat(listener.take()).as("a broken file is reported once").isEmpty();

            TestFiles.change(conf, "mydestination = example.org\n");
            assertThat(engine.reloadFileNow()).isTrue();
            assertThat(listener.take()).containsExactly("reloaded p.conf");
        }
    }

    @Test
    void the_watch_reports_reloads_on_its_own_and_the_rules_it_reads_report_their_zones() throws Exception {
        Recording listener = new Recording();
        Path zone = dir.resolve("bl.ip4set");
        Files.writeString(zone, "192.0.2.1\n");
        Path conf = dir.resolve("p.conf");
        Files.writeString(conf, "mydestination = example.org\nlocal_zone.bl.local = bl.ip4set\n"
                + "local_zone_max_size = 1k\nlocal_zone_check_interval = 1d\n");
        try (RelayEngine engine = RelayEngine.fromFile(conf, Duration.ofMillis(20), listener)) {
            TestFiles.change(conf, "mydestination = example.org, example.net\nlocal_zone.bl.local = bl.ip4set\n"
                    + "local_zone_max_size = 1k\nlocal_zone_check_interval = 1d\n");
            TestFiles.waitFor(() -> !listener.events.isEmpty());
            assertThat(listener.take()).containsExactly("reloaded p.conf");

            TestFiles.change(zone, "192.0.2.1\n192.0.2.2\n");
            engine.reloadZonesNow();
            assertThat(listener.take()).containsExactly("zone reloaded bl.local");
            assertThat(decide(engine, "192.0.2.2").verdict()).isEqualTo(Verdict.REJECT);

            TestFiles.change(zone, "192.0.2.3\n" + "#".repeat(1100) + "\n");
            engine.reloadZonesNow();
            assertThat(listener.take()).containsExactly("zone reload failed bl.local: " + zone + ": "
                    + Files.size(zone) + " bytes, more than the 1024 a local zone file may have (localZoneMaxSize,"
                    + " local_zone_max_size)");
        }
    }
}

package io.github.relaypolicy.core.internal.dns;

import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.a;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.delayed;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.gated;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.listed;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.nxdomain;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.refused;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.servfail;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.silence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.DnsFailure;
import io.github.relaypolicy.core.EngineTestHooks;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.core.internal.ManualClock;
import io.github.relaypolicy.core.internal.dns.FakeDnsServer.Behaviour;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.xbill.DNS.Type;

/**
 * The engine's DNS lists against a responder that misbehaves on purpose: every way a list can fail to answer
 * makes its answer unknown, which defers ({@code 451 4.7.1}) or is ignored as configured, never refuses, and
 * never holds a decision much beyond the deadline. Also sharing and caching of queries, counted at the server.
 */
final class DnsFaultTest {

    private static final Duration DEADLINE = Duration.ofSeconds(1);
    /** Room for scheduling on a busy machine: this asserts "bounded", not a tight timing. */
    private static final Duration BOUND = DEADLINE.plusSeconds(3);
    private static final String CLIENT = "192.0.2.10";
    private static final String QUERY = "10.2.0.192.bl.test.";
    private static final String SECOND = "10.2.0.192.two.test.";
    private static final String ALLOW = "10.2.0.192.wl.test.";

    @RegisterExtension
    final FakeDns dns = new FakeDns();
    /** The clock of the engines that {@link #policy(ManualClock)} makes: TTLs pass when the test says so. */
    private final ManualClock clock = new ManualClock();

    /** One way a list can fail; a null behaviour means no server at all, on a closed port. */
    record Fault(String description, Behaviour behaviour) {
        /** Whether only the deadline ends the query: no reply, or one too late. */
        boolean silent() {
            return behaviour instanceof FakeDnsServer.Silence || behaviour instanceof FakeDnsServer.Delayed;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    static Stream<Fault> faults() {
        return Stream.of(
                new Fault("no answer at all (timeout)", silence()),
                new Fault("SERVFAIL", servfail()),
                new Fault("REFUSED", refused()),
                new Fault("a truncated reply whose TCP retry fails", new FakeDnsServer.Truncated()),
                new Fault("an answer outside 127/8 (192.0.2.1)", a("192.0.2.1")),
                new Fault("a listing beside an answer outside 127/8", a("127.0.0.2", "192.0.2.1")),
                new Fault("the error code 127.255.255.254 (query through a public resolver)", a("127.255.255.254")),
                new Fault("the error code 127.255.255.255 (excessive queries)", a("127.255.255.255")),
                new Fault("the error code 127.0.1.255", a("127.0.1.255")),
                new Fault("the never-listed test point answer 127.0.0.1", a("127.0.0.1")),
                new Fault("a listing that arrives after the deadline", delayed(DEADLINE.plusSeconds(2),
                        listed("Too late"))),
                new Fault("a listing with a wrong query id", new FakeDnsServer.WrongId(listed("Forged"))),
                new Fault("a garbage reply with the right id", new FakeDnsServer.Garbage()),
                new Fault("no server on a closed port", null));
    }

    private static RelayRequest request() {
        return client(CLIENT);
    }

    private static RelayRequest client(String address) {
        return RelayRequest.of(address, "<a@example.net>", "<user@example.org>");
    }

    private RelayEngine.Builder policy(String dnsServer, Duration deadline) {
        return RelayEngine.builder().localDomains("example.org").dnsServers(dnsServer).dnsTimeout(deadline);
    }

    private RelayEngine.Builder policy() {
        return policy(dns.server().address(), DEADLINE);
    }

    /** {@link #policy()} on the test's {@link #clock}. */
    private RelayEngine.Builder policy(ManualClock time) {
        return EngineTestHooks.timeSource(policy(), time);
    }

    private RelayEngine.Builder policyWith(Fault fault) throws Exception {
        if (fault.behaviour() == null) {
            return EngineTestHooks.timeSource(policy(closedPort(), DEADLINE), clock);
        }
        dns.zone().put(QUERY, fault.behaviour());
        return policy(clock);
    }

    private static String closedPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
            return "127.0.0.1:" + s.getLocalPort(); // nothing listens there once closed
        }
    }

    /**
     * decide() on one engine while decideAsync() runs on another, both on {@link #clock}: both within the bound. If
     * only the deadline ends the fault, it is passed at once on the clock.
     */
    private Decision[] decideBothWays(RelayEngine sync, RelayEngine async, Fault fault) {
        return assertTimeoutPreemptively(BOUND, () -> {
            long before = clock.timersSet();
            CompletableFuture<Decision> later = async.decideAsync(request()).toCompletableFuture();
            CompletableFuture<Decision> now = onAnotherThread(() -> sync.decide(request()));
            passDeadline(before, 2, fault.silent() ? 2 : 0, asked(QUERY, fault.silent() ? 2 : 0), now, later);
            return new Decision[] {now.get(), later.get()};
        });
    }

    /**
     * The decision of {@code engine} on {@link #clock}, with {@code silent} of its {@code lists} never answering,
     * once {@code asked} says the server has their queries.
     */
    private Decision decideSilently(RelayEngine engine, int lists, int silent, BooleanSupplier asked) {
        return assertTimeoutPreemptively(BOUND, () -> {
            long before = clock.timersSet();
            CompletableFuture<Decision> d = onAnotherThread(() -> engine.decide(request()));
            passDeadline(before, lists, silent, asked, d);
            return d.get();
        });
    }

    /** Whether the server has received {@code n} A queries for {@code name}. */
    private BooleanSupplier asked(String name, int n) {
        return () -> dns.server().queries(name, Type.A) >= n;
    }

    /**
     * Passes the lists' deadline on {@link #clock} once every list of the decisions under way has set its deadline
     * ({@code set} since {@code before}), only the silent lists' deadlines are left (an answer, a failure included,
     * cancels its list's) and the server has their queries ({@code asked}): the answers that come are used, and the
     * silent lists end without a wait. Waits in real time until then, or until the {@code decisions} are complete,
     * for at most the bound.
     */
    private void passDeadline(long before, int set, int silent, BooleanSupplier asked,
            CompletableFuture<?>... decisions) throws InterruptedException {
        long until = System.nanoTime() + BOUND.toNanos();
        while ((clock.timersSet() - before < set || clock.pendingTimers() > silent || !asked.getAsBoolean())
                && !CompletableFuture.allOf(decisions).isDone() && System.nanoTime() < until) {
            Thread.sleep(2);
        }
        clock.advance(DEADLINE);
    }

    private static CompletableFuture<Decision> onAnotherThread(java.util.function.Supplier<Decision> decide) {
        CompletableFuture<Decision> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(decide.get());
            } catch (Throwable e) { // NOPMD: the test sees it
                f.completeExceptionally(e);
            }
        }, "dns-fault-test-decide");
        t.setDaemon(true);
        t.start();
        return f;
    }

    private static void assertDeferred(Decision d) {
        assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(d.rule()).isEqualTo("dnsbl_unavailable");
        assertThat(d.reply().code()).isEqualTo(451);
        assertThat(d.reply().enhancedStatus()).isEqualTo("4.7.1");
        assertNeverRefused(d);
    }

    private static void assertNeverRefused(Decision d) {
        assertThat(d.verdict()).isNotEqualTo(Verdict.REJECT);
        assertThat(d.reply().code()).isLessThan(500);
    }

    private static void assertRefusedBy(Decision d, String zoneName) {
        assertRefusedBy(d, CLIENT, zoneName);
    }

    private static void assertRefusedBy(Decision d, String client, String zoneName) {
        assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(d.rule()).isEqualTo("reject_rbl_client");
        assertThat(d.reply().code()).isEqualTo(554);
        assertThat(d.reply().enhancedStatus()).isEqualTo("5.7.1");
        assertThat(d.reply().text()).startsWith("Service unavailable; client [" + client + "] blocked using "
                + zoneName);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void a_list_that_fails_to_answer_defers_with_451_4_7_1_by_default_and_never_refuses(Fault fault)
            throws Exception {
        RelayEngine.Builder builder = policyWith(fault).dnsbl("bl.test");
        Decision[] d = decideBothWays(builder.build(), builder.build(), fault);
        assertDeferred(d[0]);
        assertThat(d[0].reply().text()).contains("bl.test");
        assertDeferred(d[1]);
        assertThat(d[1].reply()).isEqualTo(d[0].reply());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void a_list_that_fails_to_answer_is_ignored_when_configured_so_and_the_recipient_accepted(Fault fault)
            throws Exception {
        RelayEngine.Builder builder = policyWith(fault).dnsbl("bl.test").dnsFailure(DnsFailure.IGNORE);
        Decision[] d = decideBothWays(builder.build(), builder.build(), fault);
        for (Decision each : d) {
            assertThat(each.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(each.rule()).isEqualTo("mydestination");
            assertNeverRefused(each);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void a_failure_ignored_for_its_zone_alone_accepts_the_recipient(Fault fault) throws Exception {
        RelayEngine engine = policyWith(fault).dnsbl("bl.test").dnsFailure("bl.test", DnsFailure.IGNORE).build();
        Decision d = decideSilently(engine, 1, fault.silent() ? 1 : 0, asked(QUERY, fault.silent() ? 1 : 0));
        assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(d.rule()).isEqualTo("mydestination");
    }

    @Test
    void a_listed_client_answered_slowly_but_within_the_deadline_is_refused_with_554() {
        dns.zone().put(QUERY, delayed(Duration.ofMillis(200), listed("Listed slowly")));
        RelayEngine engine = policy().dnsbl("bl.test").build();
        Decision d = assertTimeoutPreemptively(BOUND, () -> engine.decide(request()));
        assertRefusedBy(d, "bl.test");
        assertThat(dns.server().queries(QUERY, Type.A)).isEqualTo(1);
    }

    @Test
    void a_listing_that_reaches_the_threshold_alone_refuses_although_a_second_list_times_out() {
        dns.zone().put(QUERY, listed("Listed"));
        dns.zone().put(SECOND, silence());
        RelayEngine engine = policy(clock).dnsbl("bl.test*2").dnsbl("two.test").dnsblThreshold(2).build();
        Decision d = decideSilently(engine, 2, 1, asked(SECOND, 1));
        assertRefusedBy(d, "bl.test");
        Decision async = assertTimeoutPreemptively(BOUND, () -> {
            long before = clock.timersSet();
            CompletableFuture<Decision> f = policy(clock).dnsbl("bl.test*2").dnsbl("two.test").dnsblThreshold(2)
                    .build().decideAsync(request()).toCompletableFuture();
            passDeadline(before, 2, 1, asked(SECOND, 2), f);
            return f.get();
        });
        assertRefusedBy(async, "bl.test");
        assertThat(dns.server().queries(SECOND, Type.A)).isEqualTo(2);
    }

    @Test
    void a_listing_below_the_threshold_defers_when_a_second_list_that_could_reach_it_times_out() {
        dns.zone().put(QUERY, listed("Listed"));
        dns.zone().put(SECOND, silence());
        RelayEngine engine = policy(clock).dnsbl("bl.test").dnsbl("two.test").dnsblThreshold(2).build();
        assertDeferred(decideSilently(engine, 2, 1, asked(SECOND, 1)));
    }

    @Test
    void an_unanswered_allow_list_defers_a_client_a_block_list_listed_because_it_could_have_vouched() {
        dns.zone().put(QUERY, listed("Listed"));
        dns.zone().put(ALLOW, silence());
        RelayEngine engine = policy(clock).dnsbl("bl.test").dnswl("wl.test*-5").build();
        assertDeferred(decideSilently(engine, 2, 1, asked(ALLOW, 1)));

        RelayEngine ignoring = policy(clock).dnsbl("bl.test").dnswl("wl.test*-5")
                .dnsFailure("wl.test", DnsFailure.IGNORE).build();
        assertRefusedBy(decideSilently(ignoring, 2, 1, asked(ALLOW, 2)), "bl.test");
    }

    @Test
    void an_unanswered_allow_list_does_not_defer_a_client_no_block_list_listed() {
        dns.zone().put(QUERY, nxdomain());
        dns.zone().put(ALLOW, servfail());
        RelayEngine engine = policy().dnsbl("bl.test").dnswl("wl.test*-5").build();
        Decision d = assertTimeoutPreemptively(BOUND, () -> engine.decide(request()));
        assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(d.rule()).isEqualTo("mydestination");
    }

    @Test
    void decide_async_returns_before_the_list_answers_and_completes_with_the_same_decision_as_decide() {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        dns.zone().put(QUERY, gated(gate, listed("Listed")));
        RelayEngine engine = policy(dns.server().address(), Duration.ofSeconds(2)).dnsbl("bl.test").build();

        CompletableFuture<Decision> future = assertTimeoutPreemptively(BOUND,
                () -> engine.decideAsync(request()).toCompletableFuture());
        // The server holds its answer until the gate opens: had decideAsync waited, it would be complete.
        assertThat(future).isNotDone();
        gate.complete(null);
        Decision async = assertTimeoutPreemptively(BOUND, () -> future.get());
        assertRefusedBy(async, "bl.test");

        Decision sync = assertTimeoutPreemptively(BOUND, () -> engine.decide(request()));
        assertThat(sync.verdict()).isEqualTo(async.verdict());
        assertThat(sync.rule()).isEqualTo(async.rule());
        assertThat(sync.reply()).isEqualTo(async.reply());
    }

    @Test
    void the_second_identical_decision_is_answered_from_the_cache_without_a_query() {
        dns.zone().put(QUERY, listed("Listed: see https://bl.test/"));
        RelayEngine engine = policy().dnsbl("bl.test").build();
        Decision first = assertTimeoutPreemptively(BOUND, () -> engine.decide(request()));
        assertRefusedBy(first, "bl.test");
        assertThat(first.reply().text()).endsWith("; Listed: see https://bl.test/");
        int asked = dns.server().queries(QUERY);
        assertThat(dns.server().queries(QUERY, Type.A)).isEqualTo(1);

        Decision second = assertTimeoutPreemptively(BOUND, () -> engine.decide(request()));
        Decision async = assertTimeoutPreemptively(BOUND,
                () -> engine.decideAsync(request()).toCompletableFuture().get());
        assertThat(second.reply()).isEqualTo(first.reply());
        assertThat(async.reply()).isEqualTo(first.reply());
        assertThat(dns.server().queries(QUERY)).isEqualTo(asked);
    }

    @Test
    void a_listing_without_a_txt_reason_is_answered_from_the_cache_too() {
        dns.zone().put(QUERY, a("127.0.0.2")); // no TXT record: the TXT query gets NODATA
        RelayEngine engine = policy().dnsbl("bl.test").build();
        Decision first = assertTimeoutPreemptively(BOUND, () -> engine.decide(request()));
        assertRefusedBy(first, "bl.test");
        int asked = dns.server().queries(QUERY);

        for (int i = 0; i < 3; i++) {
            Decision again = assertTimeoutPreemptively(BOUND, () -> engine.decide(request()));
            assertThat(again.reply()).isEqualTo(first.reply());
        }
        assertThat(dns.server().queries(QUERY, Type.A)).isEqualTo(1);
        assertThat(dns.server().queries(QUERY)).as("queries of any type, TXT included").isEqualTo(asked);
    }

    @Test
    void nxdomain_is_cached_too() {
        dns.zone().put(QUERY, nxdomain());
        RelayEngine engine = policy().dnsbl("bl.test").build();
        for (int i = 0; i < 3; i++) {
            Decision d = assertTimeoutPreemptively(BOUND, () -> engine.decide(request()));
            assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(d.rule()).isEqualTo("mydestination");
        }
        assertTimeoutPreemptively(BOUND, () -> engine.decideAsync(request()).toCompletableFuture().get());
        assertThat(dns.server().queries(QUERY)).isEqualTo(1);
    }

    @Test
    void a_listed_client_whose_list_never_answers_txt_is_refused_from_the_cache_the_second_time()
            throws Exception {
        dns.zone().put(QUERY, new FakeDnsServer.ByType(a("127.0.0.2"), silence()));
        RelayEngine engine = policy().dnsbl("bl.test").build();
        Decision first = assertTimeoutPreemptively(BOUND, () -> engine.decide(request()));
        assertRefusedBy(first, "bl.test");
        assertThat(first.reply().text()).isEqualTo("Service unavailable; client [192.0.2.10] blocked using bl.test");
        Thread.sleep(300); // the resolver has given up on the TXT query too, not just the decision
        int asked = dns.server().queries(QUERY);

        Decision second = assertTimeoutPreemptively(BOUND, () -> engine.decide(request()));
        assertThat(second.reply()).isEqualTo(first.reply());
        assertThat(dns.server().queries(QUERY, Type.A)).isEqualTo(1);
        assertThat(dns.server().queries(QUERY)).as("queries of any type, TXT included").isEqualTo(asked);
    }

    @Test
    void answers_are_asked_again_once_their_ttl_or_the_ceiling_has_expired() throws Exception {
        dns.zone().put("10.2.0.192.bl.test.", new FakeDnsServer.Answer(List.of("127.0.0.2"), 1, "Listed for a second"));
        dns.zone().put("11.2.0.192.bl.test.", new FakeDnsServer.NxDomain(300, 1)); // negative TTL: min(TTL, minimum)
        dns.zone().put("12.2.0.192.bl.test.", new FakeDnsServer.NxDomain(300, 300));
        dns.zone().put("13.2.0.192.bl.test.", new FakeDnsServer.Answer(List.of("127.0.0.2"), 300, "Listed for long"));
        RelayEngine byTtl = policy(clock).dnsbl("bl.test").dnsCache(Duration.ZERO, Duration.ofHours(1), 1000)
                .build();
        RelayEngine byCeiling = policy(clock).dnsbl("bl.test").dnsCache(Duration.ZERO, Duration.ofSeconds(1), 1000)
                .build();
        Runnable all = () -> {
            assertRefusedBy(byTtl.decide(client("192.0.2.10")), "192.0.2.10", "bl.test");
            assertThat(byTtl.decide(client("192.0.2.11")).verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(byCeiling.decide(client("192.0.2.12")).verdict()).isEqualTo(Verdict.ACCEPT);
            assertRefusedBy(byCeiling.decide(client("192.0.2.13")), "192.0.2.13", "bl.test");
        };
        assertTimeoutPreemptively(BOUND, all::run);
        clock.advance(Duration.ofMillis(2500)); // well past the one-second TTLs and ceiling
        assertTimeoutPreemptively(BOUND, all::run);
        for (String name : List.of("10", "11", "12", "13")) {
            assertThat(dns.server().queries(name + ".2.0.192.bl.test.", Type.A)).as(name).isEqualTo(2);
        }
        assertThat(dns.server().queries("13.2.0.192.bl.test.", Type.TXT)).as("TXT beyond the ceiling").isEqualTo(2);
    }

    @Test
    void a_decision_from_the_cache_lasts_no_longer_than_the_shortest_ttl_of_its_answers() throws Exception {
        dns.zone().put(QUERY, new FakeDnsServer.Answer(List.of("127.0.0.2"), 1, "Listed for a second"));
        dns.zone().put(SECOND, new FakeDnsServer.NxDomain(300, 300));
        RelayEngine engine = policy(clock).dnsbl("bl.test").dnsbl("two.test")
                .dnsCache(Duration.ZERO, Duration.ofHours(1), 1000).build();
        // asked, then made from the cached answers, then from the outcome kept with them
        for (int i = 0; i < 3; i++) {
            assertRefusedBy(assertTimeoutPreemptively(BOUND, () -> engine.decide(request())), "bl.test");
        }
        dns.zone().put(QUERY, new FakeDnsServer.NxDomain(300, 300)); // bl.test no longer lists the client
        clock.advance(Duration.ofMillis(2500)); // well past bl.test's one-second TTL, well within two.test's 300 s

        Decision later = assertTimeoutPreemptively(BOUND, () -> engine.decide(request()));
        assertThat(later.verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(later.rule()).isEqualTo("mydestination");
        assertThat(dns.server().queries(QUERY, Type.A)).isEqualTo(2);
        assertThat(dns.server().queries(SECOND, Type.A)).isEqualTo(1);
    }

    @Test
    void a_decision_that_consulted_a_local_zone_follows_its_reload_though_its_dns_answers_are_cached(
            @TempDir Path dir) throws Exception {
        dns.zone().put(QUERY, nxdomain());
        Path file = dir.resolve("live.ip4set");
        Files.writeString(file, "192.0.2.99\n");
        try (RelayEngine engine = policy().dnsbl("bl.test").localZone("bl.local", file).build()) {
            for (int i = 0; i < 3; i++) {
                assertThat(assertTimeoutPreemptively(BOUND, () -> engine.decide(request())).verdict())
                        .isEqualTo(Verdict.ACCEPT);
            }
            Files.writeString(file, "192.0.2.10\n");
            Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
            engine.reloadZonesNow();

            assertRefusedBy(assertTimeoutPreemptively(BOUND, () -> engine.decide(request())), "bl.local");
            assertThat(dns.server().queries(QUERY, Type.A)).isEqualTo(1);
        }
    }

    @Test
    void a_txt_reason_is_asked_again_once_its_ttl_has_expired() throws Exception {
        dns.zone().put(QUERY, new FakeDnsServer.Answer(List.of("127.0.0.2"), 1, "Listed for a second"));
        RelayEngine engine = policy(clock).dnsbl("bl.test").dnsCache(Duration.ZERO, Duration.ofHours(1), 1000)
                .build();
        assertRefusedBy(assertTimeoutPreemptively(BOUND, () -> engine.decide(request())), "bl.test");
        clock.advance(Duration.ofMillis(2500)); // well past the one-second TTL of both the A and the TXT record
        dns.zone().put(QUERY, new FakeDnsServer.Answer(List.of("127.0.0.2"), 1, "Listed again, for another reason"));
        Decision later = assertTimeoutPreemptively(BOUND, () -> engine.decide(request()));
        assertThat(dns.server().queries(QUERY, Type.A)).isEqualTo(2);
        assertThat(later.reply().text()).endsWith("; Listed again, for another reason");
        assertThat(dns.server().queries(QUERY, Type.TXT)).isEqualTo(2);
    }

    @Test
    void concurrent_identical_decisions_share_one_query() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        dns.zone().put(QUERY, gated(gate, listed("Listed")));
        RelayEngine engine = policy(dns.server().address(), Duration.ofSeconds(2)).dnsbl("bl.test").build();
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "dns-fault-test-decide");
            t.setDaemon(true);
            return t;
        });
        try {
            CountDownLatch ready = new CountDownLatch(threads);
            List<Thread> deciding = new ArrayList<>();
            List<Future<Decision>> decisions = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                decisions.add(pool.submit(() -> {
                    synchronized (deciding) {
                        deciding.add(Thread.currentThread());
                    }
                    ready.countDown();
                    return engine.decide(request());
                }));
            }
            assertThat(ready.await(5, TimeUnit.SECONDS)).isTrue();
            // Open the gate once every thread waits for the answer (parked with a timeout in decide()).
            long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (System.nanoTime() < until && !allWaiting(deciding)) {
                Thread.sleep(5);
            }
            gate.complete(null);
            for (Future<Decision> f : decisions) {
                assertRefusedBy(f.get(BOUND.toMillis(), TimeUnit.MILLISECONDS), "bl.test");
            }
            assertThat(dns.server().queries(QUERY, Type.A)).isEqualTo(1);
            assertThat(dns.server().queries(QUERY, Type.TXT)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrent_identical_async_decisions_share_one_query() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        dns.zone().put(QUERY, gated(gate, nxdomain()));
        RelayEngine engine = policy(dns.server().address(), Duration.ofSeconds(2)).dnsbl("bl.test").build();
        List<CompletableFuture<Decision>> decisions = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            decisions.add(engine.decideAsync(request()).toCompletableFuture());
        }
        assertThat(decisions).noneMatch(CompletableFuture::isDone);
        gate.complete(null);
        for (CompletableFuture<Decision> f : decisions) {
            assertThat(f.get(BOUND.toMillis(), TimeUnit.MILLISECONDS).rule()).isEqualTo("mydestination");
        }
        assertThat(dns.server().queries(QUERY)).isEqualTo(1);
    }

    private static boolean allWaiting(List<Thread> threads) {
        synchronized (threads) {
            return threads.stream().allMatch(t -> t.getState() == Thread.State.TIMED_WAITING);
        }
    }
}

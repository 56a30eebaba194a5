package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.RelayEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.infra.Blackhole;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The cost of DNS block lists in {@link RelayEngine#decide}: a decision whose answers are all cached, and one
 * for a client never seen before against the same decision made the way Apache James's {@code DNSRBLHandler}
 * makes it, one blocking lookup per zone, one zone after the other.
 *
 * <p>Each trial writes two rbldnsd zones to a temporary directory and starts the real Debian rbldnsd on them
 * (through the tests' launcher, {@code RbldnsdServer}), {@code /usr/sbin/rbldnsd -n -b 127.0.0.1/PORT -w DIR
 * -t 3600 -c 60s bl.test:ip4set:bl.txt two.test:ip4set:two.txt},
 * on a free port of 127.0.0.1 (loopback only: every query of every benchmark goes to 127.0.0.1, none leaves the
 * machine), waits until both zones answer, and stops it at the end of the trial. A missing rbldnsd fails the
 * setup ({@code apt-get install -y rbldnsd}). The zones (fixed seed):
 * <ul>
 *   <li>{@code bl.test}: 3,000 listed /24s and 2,000 single addresses in 20.0.0.0 to 99.255.255.255, the RFC 5782
 *       test point 127.0.0.2, and the default answer {@code :127.0.0.2:Listed $} (A 127.0.0.2, TXT
 *       {@code Listed <address>});
 *   <li>{@code two.test}: a quarter of {@code bl.test}'s single addresses, 500 addresses of its own and 127.0.0.2,
 *       answering {@code :127.0.0.3:Also listed $}.
 * </ul>
 * The policy is that of the README: {@code localDomains("example.org")}, {@code dnsServers("127.0.0.1:PORT")},
 * {@code dnsbl("bl.test=127.0.0.[2..11]*2")}, {@code dnsbl("two.test")}, {@code dnsblThreshold(2)}: a client in
 * {@code bl.test} is refused ({@code 554}, with the TXT reason), a client in neither zone is accepted. Every
 * request is {@code RelayRequest.of(client, "<a@example.net>", "<user@example.org>")}, so the lists are consulted.
 *
 * <ul>
 *   <li>{@link #cachedDecision} and {@link #cachedDecisionBlackhole} (ns/op), per {@link Cached#clients}: 1,024
 *       pre-built requests from 1,024 different clients, cycled through, all listed in {@code bl.test}
 *       ({@code listed}: half in a listed /24, half single addresses, of which a quarter are in {@code two.test}
 *       too) or all in 100.64.0.0/10, in neither zone ({@code not_listed}). The engine caches answers for at least
 *       an hour ({@code dnsCache(1 h, 1 h, 100,000)}); the setup decides every request once, so every A answer
 *       and every listed client's TXT reason are in the cache, checks the verdict (REJECT naming {@code bl.test}
 *       and its TXT, or ACCEPT), and checks that {@code decideAsync} now completes without waiting for any
 *       answer. That second pass makes each outcome from the cached answers, and the engine keeps it with them
 *       (keyed by the client, for as long as its answers are cached). What is measured is a decision made from
 *       the cache on the calling thread, no DNS traffic: the rules, then one probe of the kept outcomes. The
 *       requests are built once, so their client strings' hash codes are computed once; a server that builds a
 *       new string per request also pays a hash over its characters. {@code cachedDecision} returns the verdict
 *       only; {@code cachedDecisionBlackhole} lets the {@link Decision} escape into a Blackhole.
 *   <li>{@link #uncached} and {@link #sequentialBlocking} (us/op): one decision for a client never seen before,
 *       i.e. two zones to ask, with a fresh address per call from a counter (10.0.0.1, 10.0.0.2, ...; 10.0.0.0/8
 *       is in neither zone, so both zones answer NXDOMAIN, as they do for most clients). The cache can never
 *       hit; the engine keeps its default cache (10 s floor, 1 h ceiling, 100,000 answers), so its cost, the
 *       insertion and eviction of answers, is part of what a new client costs. {@code uncached} calls
 *       {@code engine.decide}, which asks both zones in parallel and waits for both (dnsjava, asynchronous).
 *       {@code sequentialBlocking} does what James's {@code DNSRBLHandler} does: reverse the address text,
 *       then for each zone in turn one blocking A lookup, stopping at the first listing (after fetching its
 *       TXT). James calls {@code InetAddress.getByName}, which asks the system's resolvers and cannot be pointed
 *       at a DNS server on another port, so this benchmark substitutes dnsjava's blocking
 *       {@link SimpleResolver#send(Message)} against the same rbldnsd on 127.0.0.1: same server, same query names,
 *       same wire library as the engine, only the order (one after the other instead of in parallel) and the
 *       blocking differ. The setup checks that both paths refuse a client listed in {@code bl.test} and accept a
 *       fresh 10/8 client.
 *   <li>{@link #cachedSenderDecision} (ns/op), per {@link Senders#senders}: the same policy plus the domain list
 *       {@code rhsbl("sbl.test")} (a third rbldnsd zone, {@code dnset}, listing only its test points), and
 *       16,384 pre-built requests from one unlisted client, each with its own MAIL FROM domain, none listed:
 *       {@code ordinary} random 28-character labels, or {@code colliding} labels of 14 {@code c0}/{@code an}
 *       blocks, whose {@code String.hashCode()} (and that of the MAIL FROM path) are all one value, what a
 *       client floods hash tables keyed by the sender with. The setup decides every request once and checks that
 *       each is then decided from the cache; what is measured is that cached decision. {@code -p ttlFloor=10s}
 *       (the engine's default floor) shows what happens when the unlisted domains' answers, which rbldnsd
 *       sends without SOA, expire after 10 s: run it with iterations of 10 s or more.
 * </ul>
 * Loopback answers take tens of microseconds; against a real resolver over a network each lookup takes
 * milliseconds, so the difference between parallel and sequential grows with the number of zones and their
 * latency. Numbers from this benchmark measure the client side (query building, dnsjava, cache, engine), not a
 * network.
 *
 * <p>Run from the repository root, with rbldnsd installed ({@code apt-get install -y rbldnsd}):
 * <pre>
 * mvn -q -pl relay-policy-benchmarks -am package -DskipTests
 * java -jar relay-policy-benchmarks/target/benchmarks.jar DnsListBenchmark -f 1 -wi 2 -w 2s -i 3 -r 2s -prof gc
 * </pre>
 * {@code 'DnsListBenchmark\.cached(Sender)?Decision$'} compares the sender-domain variants with
 * the client-only cached decision (the colliding setup takes minutes before the fix: every insertion walks a
 * list). Add {@code -p clients=listed} for one client set of the cached benchmarks, {@code DnsListBenchmark.uncached}
 * or {@code 'DnsListBenchmark\.(uncached|sequentialBlocking)'} for some benchmarks only.
 */
@BenchmarkMode(Mode.AverageTime)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class DnsListBenchmark {

    /** Requests per client set; a power of two, so the cursor wraps with a mask. */
    private static final int REQUESTS = 1 << 10;
    private static final int MASK = REQUESTS - 1;

    private static final String SENDER = "<a@example.net>";
    private static final String RECIPIENT = "<user@example.org>";
    private static final String[] ZONES = {"bl.test", "two.test"};

    /**
     * The cached benchmarks' engine and requests: every answer they need is cached before measuring.
     */
    @State(Scope.Benchmark)
    public static class Cached {

        /** {@code listed}: clients in {@code bl.test}; {@code not_listed}: clients in neither zone. */
        @Param({"listed", "not_listed"})
        public String clients = "listed";

        /**
         * The engine's listener: {@code none}, or {@code counting} (a {@link CountingListener}, told of each
         * memo probe); {@code -p listener=none,counting} compares them.
         */
        @Param({"none"})
        public String listener = "none";

        RelayEngine engine;
        RelayRequest[] requests;
        private Zones zones;

        /**
         * Starts rbldnsd, builds the engine and the requests, decides each request once to fill the cache and
         * checks every verdict and that the decisions are now made from the cache.
         *
         * @throws IllegalStateException if rbldnsd is missing or a request gets another decision than expected
         */
        @Setup(Level.Trial)
        public void setUp() throws IOException, InterruptedException {
            zones = Zones.start();
            try {
                engine = policy(zones.server().port())
                        .dnsCache(Duration.ofHours(1), Duration.ofHours(1), 100_000)
                        .listener(CountingListener.named(listener))
                        .build();
                boolean listed;
                switch (clients) {
                    case "listed":
                        listed = true;
                        break;
                    case "not_listed":
                        listed = false;
                        break;
                    default:
                        throw new IllegalArgumentException("clients '" + clients + "' is unknown");
                }
                List<String> addresses = listed ? zones.listedClients : zones.unlistedClients;
                requests = new RelayRequest[REQUESTS];
                for (int i = 0; i < REQUESTS; i++) {
                    requests[i] = RelayRequest.of(addresses.get(i), SENDER, RECIPIENT);
                    check(engine.decide(requests[i]), addresses.get(i), listed);
                }
                for (int i = 0; i < REQUESTS; i++) {
                    CompletableFuture<Decision> again = engine.decideAsync(requests[i]).toCompletableFuture();
                    if (!again.isDone()) {
                        throw new IllegalStateException("request " + i + " (" + requests[i]
                                + ") is not answered from the cache after it was decided once");
                    }
                    check(again.join(), addresses.get(i), listed);
                }
            } catch (Throwable e) { // precise rethrow: only what the try block throws
                zones.close();
                throw e;
            }
        }

        /** Stops rbldnsd and removes its data files. */
        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            zones.close();
        }
    }

    /**
     * The sender-domain benchmark's engine and requests: the README's policy plus the domain list
     * {@code sbl.test} (rbldnsd {@code dnset}), and {@link #domains} requests from one unlisted client, each
     * with its own MAIL FROM domain, none listed (what one spammer's connection can send); every answer is
     * cached before measuring.
     */
    @State(Scope.Benchmark)
    public static class Senders {

        /**
         * {@code ordinary}: random 28-letter labels; {@code colliding}: labels of 14 blocks, each {@code c0} or
         * {@code an}, whose {@code String.hashCode()} are all equal (so are those of the whole domains and MAIL
         * FROM paths): what an attacker sends to flood hash tables keyed by the sender domain.
         */
        @Param({"ordinary", "colliding"})
        public String senders = "ordinary";

        /** Distinct sender domains (and requests); a power of two, at most 2^14 (the colliding labels). */
        @Param({"16384"})
        public int domains = 16_384;

        /**
         * The DNS cache's TTL floor: {@code 1h} keeps every answer through the trial; {@code 10s} is the engine's
         * default, under which the unlisted domains' NXDOMAIN answers (rbldnsd sends no SOA, so their negative
         * TTL is 0) expire 10 s after they were fetched and are asked again, blocking, on the measured thread.
         * The setup checks that every decision is cached only with {@code 1h}.
         */
        @Param({"1h"})
        public String ttlFloor = "1h";

        RelayEngine engine;
        RelayRequest[] requests;
        int mask;
        private SenderZones zones;

        /**
         * Starts rbldnsd, builds the engine and the requests, decides each request once to fill the cache and
         * checks every verdict and that the decisions are now made from the cache.
         *
         * @throws IllegalStateException if rbldnsd is missing or a request gets another decision than expected
         */
        @Setup(Level.Trial)
        public void setUp() throws IOException, InterruptedException {
            if (Integer.bitCount(domains) != 1 || domains > 1 << 14) {
                throw new IllegalArgumentException("domains " + domains + ": need a power of two up to 16384");
            }
            List<String> names = senderDomains(senders, domains);
            zones = SenderZones.start();
            try {
                boolean keepAll;
                switch (ttlFloor) {
                    case "1h":
                        keepAll = true;
                        break;
                    case "10s":
                        keepAll = false;
                        break;
                    default:
                        throw new IllegalArgumentException("ttlFloor '" + ttlFloor + "' is unknown");
                }
                engine = policy(zones.server().port())
                        .rhsbl("sbl.test")
                        .dnsCache(keepAll ? Duration.ofHours(1) : Duration.ofSeconds(10), Duration.ofHours(1),
                                100_000)
                        .build();
                mask = domains - 1;
                requests = new RelayRequest[domains];
                for (int i = 0; i < domains; i++) {
                    String client = zones.unlistedClients.get(0);
                    requests[i] = RelayRequest.of(client, "<a@" + names.get(i) + ">", RECIPIENT);
                    check(engine.decide(requests[i]), client, false);
                }
                for (int i = 0; keepAll && i < domains; i++) {
                    CompletableFuture<Decision> again = engine.decideAsync(requests[i]).toCompletableFuture();
                    if (!again.isDone()) {
                        throw new IllegalStateException("request " + i + " (" + requests[i]
                                + ") is not answered from the cache after it was decided once");
                    }
                    check(again.join(), requests[i].client(), false);
                }
            } catch (Throwable e) { // precise rethrow: only what the try block throws
                zones.close();
                throw e;
            }
        }

        /** Stops rbldnsd and removes its data files. */
        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            zones.close();
        }
    }

    /**
     * {@code count} distinct sender domains under {@code .example}, 28-character labels: random letters and
     * digits (fixed seed) or, for {@code colliding}, every mix of 14 {@code c0}/{@code an} blocks, whose
     * {@code String.hashCode()} is one value.
     */
    static List<String> senderDomains(String kind, int count) {
        List<String> out = new ArrayList<>(count);
        switch (kind) {
            case "colliding":
                for (int i = 0; i < count; i++) {
                    StringBuilder label = new StringBuilder(28);
                    for (int b = 13; b >= 0; b--) {
                        label.append((i >>> b & 1) == 0 ? "c0" : "an");
                    }
                    out.add(label + ".example");
                }
                if (out.stream().mapToInt(String::hashCode).distinct().count() != 1) {
                    throw new IllegalStateException("the colliding domains do not collide");
                }
                return out;
            case "ordinary":
                Random random = new Random(20_261_130L);
                Set<String> seen = new LinkedHashSet<>();
                while (seen.size() < count) {
                    StringBuilder label = new StringBuilder(28);
                    for (int c = 0; c < 28; c++) {
                        label.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt(random.nextInt(36)));
                    }
                    seen.add(label + ".example");
                }
                out.addAll(seen);
                return out;
            default:
                throw new IllegalArgumentException("senders '" + kind + "' is unknown");
        }
    }

    /** Each thread walks the cached requests on its own, so threads do not share a counter. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    /**
     * The uncached benchmarks' engine, resolver and fresh-client counter.
     */
    @State(Scope.Benchmark)
    public static class Fresh {

        RelayEngine engine;
        SimpleResolver resolver;
        /** The next client is 10.0.0.0 plus this, modulo 2^24. */
        final AtomicInteger next = new AtomicInteger(1);
        private Zones zones;

        /**
         * Starts rbldnsd, builds the engine (default cache) and a dnsjava resolver for 127.0.0.1, and checks both
         * paths on one listed and one fresh client.
         *
         * @throws IllegalStateException if rbldnsd is missing or a path gets another answer than expected
         */
        @Setup(Level.Trial)
        public void setUp() throws IOException, InterruptedException {
            zones = Zones.start();
            try {
                engine = policy(zones.server().port()).build();
                resolver = new SimpleResolver(zones.server().address());
                resolver.setTimeout(Duration.ofSeconds(5));
                String listed = zones.listedClients.get(1);
                String fresh = "10.255.255.254"; // the counter starts at 10.0.0.1 and never gets there in a trial
                check(engine.decide(RelayRequest.of(listed, SENDER, RECIPIENT)), listed, true);
                check(engine.decide(RelayRequest.of(fresh, SENDER, RECIPIENT)), fresh, false);
                if (!listedSequentially(listed) || listedSequentially(fresh)) {
                    throw new IllegalStateException("sequential lookups: expected " + listed + " listed and "
                            + fresh + " not, got " + listedSequentially(listed) + " and "
                            + listedSequentially(fresh));
                }
            } catch (Throwable e) { // precise rethrow: only what the try block throws
                zones.close();
                throw e;
            }
        }

        /** The text of a client address not used before in this trial, in 10.0.0.0/8. */
        String nextClient() {
            int n = next.getAndIncrement() & 0xFFFFFF;
            return "10." + (n >>> 16) + '.' + ((n >>> 8) & 0xFF) + '.' + (n & 0xFF);
        }

        /**
         * Apache James's DNSRBLHandler, with dnsjava's blocking {@link SimpleResolver#send(Message)} for
         * {@code InetAddress.getByName}: the octets reversed from the address text, then one blocking A lookup
         * per zone, one after the other; the first zone that lists the client ends the loop after its TXT lookup.
         *
         * @param client an IPv4 address as text
         * @return whether a zone lists the client
         */
        boolean listedSequentially(String client) throws IOException {
            String[] parts = client.split("\\.");
            StringBuilder reversed = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                reversed.insert(0, parts[i] + ".");
            }
            for (String zone : ZONES) {
                Name name = Name.fromString(reversed + zone + ".");
                Message answer = resolver.send(Message.newQuery(Record.newRecord(name, Type.A, DClass.IN)));
                if (answer.getRcode() == Rcode.NOERROR
                        && answer.getSection(Section.ANSWER).stream().anyMatch(r -> r instanceof ARecord)) {
                    resolver.send(Message.newQuery(Record.newRecord(name, Type.TXT, DClass.IN))); // the reason
                    return true;
                }
                // NXDOMAIN (getByName's UnknownHostException): not listed here, ask the next zone
            }
            return false;
        }

        /** Stops rbldnsd and removes its data files. */
        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            zones.close();
        }
    }

    /**
     * A decision whose DNS answers are all cached; the caller reads the verdict only.
     *
     * @param state the engine and requests
     * @param cursor this thread's position in the requests
     * @return the verdict, consumed by JMH
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Verdict cachedDecision(Cached state, Cursor cursor) {
        return state.engine.decide(state.requests[cursor.next++ & MASK]).verdict();
    }

    /**
     * A decision whose DNS answers are all cached; the {@link Decision} escapes into a Blackhole.
     *
     * @param state the engine and requests
     * @param cursor this thread's position in the requests
     * @param bh sink for the decision
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public void cachedDecisionBlackhole(Cached state, Cursor cursor, Blackhole bh) {
        bh.consume(state.engine.decide(state.requests[cursor.next++ & MASK]));
    }

    /**
     * A decision whose DNS answers are all cached, for one of {@link Senders#domains} different MAIL FROM
     * domains (ordinary or with colliding hash codes); the caller reads the verdict only.
     *
     * @param state the engine and requests
     * @param cursor this thread's position in the requests
     * @return the verdict, consumed by JMH
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Verdict cachedSenderDecision(Senders state, Cursor cursor) {
        return state.engine.decide(state.requests[cursor.next++ & state.mask]).verdict();
    }

    /**
     * A decision for a client never seen before: the engine asks both zones of rbldnsd in parallel.
     *
     * @param state the engine and the fresh-client counter
     * @return the verdict, consumed by JMH
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Verdict uncached(Fresh state) {
        return state.engine.decide(RelayRequest.of(state.nextClient(), SENDER, RECIPIENT)).verdict();
    }

    /**
     * The same lookups for a client never seen before, as Apache James makes them: one blocking lookup per zone,
     * one zone after the other (see {@link Fresh#listedSequentially}).
     *
     * @param state the resolver and the fresh-client counter
     * @return whether a zone lists the client, consumed by JMH
     * @throws IOException if rbldnsd does not answer
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public boolean sequentialBlocking(Fresh state) throws IOException {
        return state.listedSequentially(state.nextClient());
    }

    /** The README's policy: two block lists on the rbldnsd at 127.0.0.1:{@code port}, threshold 2. */
    private static RelayEngine.Builder policy(int port) {
        return RelayEngine.builder()
                .localDomains("example.org")
                .dnsServers("127.0.0.1:" + port)
                .dnsbl("bl.test=127.0.0.[2..11]*2")
                .dnsbl("two.test")
                .dnsblThreshold(2);
    }

    private static void check(Decision d, String client, boolean listed) {
        boolean ok = listed
                ? d.verdict() == Verdict.REJECT
                        && d.reply().toString().contains("blocked using bl.test; Listed " + client)
                : d.verdict() == Verdict.ACCEPT;
        if (!ok) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "client %s: expected %s, got %s by %s (reply '%s')%n  trace: %s", client,
                    listed ? "REJECT by bl.test with its TXT reason" : "ACCEPT", d.verdict(), d.rule(), d.reply(),
                    d.trace()));
        }
    }

    /** The zone files in a temporary directory, the rbldnsd serving them, and the clients to ask about. */
    static class Zones extends RbldnsdZones {

        private static final int PREFIXES = 3_000;
        private static final int SINGLES = 2_000;
        private static final int TWO_ONLY = 500;

        // listedClients: 1,024 addresses listed in bl.test, even indexes in a listed /24, odd ones single listed
        // addresses; unlistedClients: 1,024 addresses in 100.64.0.0/10, in neither zone.

        Zones() throws IOException {
            super("rbldnsd-bench");
        }

        /**
         * Writes the zones and starts rbldnsd on them.
         *
         * @throws IllegalStateException if rbldnsd is missing or does not come up
         */
        static Zones start() throws IOException, InterruptedException {
            return RbldnsdZones.start(new Zones());
        }

        @Override
        void write() throws IOException {
            Random random = new Random(20_261_128L);
            Set<Integer> prefixes = new LinkedHashSet<>(); // a.b.c of a listed a.b.c.0/24
            while (prefixes.size() < PREFIXES) {
                prefixes.add(((20 + random.nextInt(80)) << 16) | random.nextInt(1 << 16));
            }
            Set<Integer> singles = singles(random, prefixes, Set.of(), SINGLES);
            Set<Integer> twoOnly = singles(random, prefixes, singles, TWO_ONLY);

            List<String> bl = new ArrayList<>(List.of("# bl.test: benchmark data", ":127.0.0.2:Listed $",
                    "127.0.0.2"));
            prefixes.forEach(p -> bl.add(PeerData.dotted(p << 8) + "/24"));
            singles.forEach(a -> bl.add(PeerData.dotted(a)));
            List<String> two = new ArrayList<>(List.of("# two.test: benchmark data", ":127.0.0.3:Also listed $",
                    "127.0.0.2"));
            int i = 0;
            for (int a : singles) {
                if (i++ % 4 == 0) {
                    two.add(PeerData.dotted(a));
                }
            }
            twoOnly.forEach(a -> two.add(PeerData.dotted(a)));
            Files.write(dir.resolve("bl.txt"), bl);
            Files.write(dir.resolve("two.txt"), two);

            List<Integer> prefixList = new ArrayList<>(prefixes);
            List<Integer> singleList = new ArrayList<>(singles);
            for (int c = 0; c < REQUESTS; c++) {
                listedClients.add(c % 2 == 0
                        ? PeerData.dotted((prefixList.get(c) << 8) | (1 + random.nextInt(254)))
                        : PeerData.dotted(singleList.get(c)));
            }
            Set<Integer> unlisted = new LinkedHashSet<>();
            while (unlisted.size() < REQUESTS) {
                unlisted.add((100 << 24) | ((64 + random.nextInt(64)) << 16) | (random.nextInt(256) << 8)
                        | (1 + random.nextInt(254)));
            }
            unlisted.forEach(a -> unlistedClients.add(PeerData.dotted(a)));
        }

        /** {@code count} addresses in 20/8 to 99/8, outside {@code prefixes} and {@code taken}, not .0 or .255. */
        private static Set<Integer> singles(Random random, Set<Integer> prefixes, Set<Integer> taken, int count) {
            Set<Integer> out = new LinkedHashSet<>();
            while (out.size() < count) {
                int a = ((20 + random.nextInt(80)) << 24) | (random.nextInt(1 << 16) << 8) | (1 + random.nextInt(254));
                if (!prefixes.contains(a >>> 8) && !taken.contains(a)) {
                    out.add(a);
                }
            }
            return out;
        }
    }

    /** {@link Zones} and the domain list {@code sbl.test} ({@code dnset}), which lists only its test points. */
    static final class SenderZones extends Zones {

        private SenderZones() throws IOException {
        }

        static SenderZones start() throws IOException, InterruptedException {
            return RbldnsdZones.start(new SenderZones());
        }

        @Override
        void write() throws IOException {
            super.write();
            // "test" is RFC 5782's test point for domain lists; 2.0.0.127 is the name RbldnsdServer asks each zone.
            Files.write(dir.resolve("sbl.txt"), List.of("# sbl.test: benchmark data", ":127.0.1.2:Sender listed $",
                    "test", "2.0.0.127"));
        }

        @Override
        String[] zoneSpecs() {
            return new String[] {"bl.test:ip4set:bl.txt", "two.test:ip4set:two.txt", "sbl.test:dnset:sbl.txt"};
        }
    }
}

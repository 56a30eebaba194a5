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
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;

/**
 * DNS block lists against dnsjava's {@code LookupSession}, the client a Java mail server already has on its class
 * path, both talking to the real Debian rbldnsd on 127.0.0.1 (a free port; nothing leaves the machine).
 *
 * <p>Zones (fixed seed), each with an SOA record so that resolvers may cache its NXDOMAIN answers (RFC 2308):
 * {@code bl.test} lists 2,000 single addresses in 20/8 to 99/8 ({@code :127.0.0.2:Listed $}), {@code two.test} a
 * quarter of them and 127.0.0.2. Both list 127.0.0.2, the RFC 5782 test point.
 *
 * <ul>
 *   <li>Cached ({@link Cached#answer} {@code listed}: 1,024 clients listed in {@code bl.test}; {@code not_listed}:
 *       1,024 clients in 100.64.0.0/10, NXDOMAIN). Every answer is cached in setup, and the setup checks that no
 *       query reaches rbldnsd while the measured call is repeated over all clients.
 *       {@link #lookupSessionCached}: one {@code LookupSession} with a dnsjava {@code Cache}; per call the query name
 *       is built from the client text ({@code d.c.b.a.bl.test.}) and looked up ({@code A}); NXDOMAIN arrives as a
 *       {@code NoSuchDomainException}. {@link #oursCachedDecision}: a whole {@code RelayEngine.decide} of
 *       {@code RelayRequest.of(client, "<a@example.net>", "<user@example.org>")} against
 *       {@code dnsbl("bl.test")}, answers cached by {@code dnsCache(1 h, 1 h, 100,000)}; for a listed client the
 *       engine also reads the cached TXT reason and refuses. Ours is measured through the public engine, so its
 *       figure holds the whole decision (path parsing, domain and network lookups) besides the cached list answer.
 *   <li>Uncached, a client never seen before (10.0.0.1, 10.0.0.2, ... from a counter; in neither zone):
 *       {@link #oursUncached}: {@code decide} with {@code dnsbl("bl.test")} and {@code dnsbl("two.test")}, both asked
 *       in parallel; {@link #lookupSessionSequential}: the same two zones asked one after the other with a blocking
 *       {@code LookupSession} lookup each (as Apache James's {@code DNSRBLHandler} does), stopping at the first
 *       listing and then fetching its TXT.
 * </ul>
 *
 * <p>Run: {@code java -jar relay-policy-benchmarks/target/benchmarks.jar DnsPeersBenchmark -prof gc} (rbldnsd must
 * be installed: {@code apt-get install -y rbldnsd}).
 */
@BenchmarkMode(Mode.AverageTime)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DnsPeersBenchmark {

    private static final String SENDER = "<a@example.net>";
    private static final String RECIPIENT = "<user@example.org>";

    /** The cached benchmarks' engine or session, and clients: every answer is cached before measuring. */
    @State(Scope.Benchmark)
    public static class Cached {

        /** {@code listed}: clients in {@code bl.test}; {@code not_listed}: clients in no zone (NXDOMAIN). */
        @Param({"listed", "not_listed"})
        public String answer = "listed";

        String[] clients;
        RelayRequest[] requests;
        RelayEngine engine;
        LookupSession session;
        private Zones zones;

        /**
         * Starts rbldnsd, builds the measured client, fills its cache and checks every answer and that repeated
         * calls no longer reach rbldnsd.
         *
         * @param params which benchmark method this trial measures
         */
        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) throws IOException, InterruptedException {
            zones = Zones.start();
            try {
                boolean listed = "listed".equals(answer);
                List<String> from = listed ? zones.listedClients : zones.unlistedClients;
                clients = from.toArray(new String[0]);
                requests = new RelayRequest[clients.length];
                for (int i = 0; i < clients.length; i++) {
                    requests[i] = RelayRequest.of(clients[i], SENDER, RECIPIENT);
                }
                String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
                int wrong = 0;
                String example = null;
                switch (method) {
                    case "oursCachedDecision":
                        engine = RelayEngine.builder()
                                .localDomains("example.org")
                                .dnsServers("127.0.0.1:" + zones.server().port())
                                .dnsbl("bl.test")
                                .dnsCache(Duration.ofHours(1), Duration.ofHours(1), 100_000)
                                .build();
                        for (RelayRequest r : requests) {
                            engine.decide(r); // fills the cache
                        }
                        for (int i = 0; i < clients.length; i++) {
                            CompletableFuture<Decision> d = engine.decideAsync(requests[i]).toCompletableFuture();
                            if (!d.isDone()) {
                                throw new IllegalStateException("client " + clients[i]
                                        + " is not answered from the cache after it was decided once");
                            }
                            boolean refused = d.join().verdict() == Verdict.REJECT;
                            if (refused != listed) {
                                wrong++;
                                example = example != null ? example : clients[i] + " -> " + d.join().verdict();
                            }
                        }
                        break;
                    case "lookupSessionCached":
                        CountingResolver counting = new CountingResolver(zones.resolver());
                        session = LookupSession.builder().resolver(counting).cache(new Cache(DClass.IN)).build();
                        for (String c : clients) {
                            listed(session, c, "bl.test"); // fills the cache
                        }
                        long before = counting.queries.get();
                        for (String c : clients) {
                            if (listed(session, c, "bl.test") != listed) {
                                wrong++;
                                example = example != null ? example : c + " -> " + !listed;
                            }
                        }
                        if (counting.queries.get() != before) {
                            throw new IllegalStateException((counting.queries.get() - before) + " of "
                                    + clients.length + " repeated lookups reached rbldnsd: not cached ("
                                    + answer + ")");
                        }
                        break;
                    default:
                        throw new IllegalStateException("no setup for benchmark method '" + method + "'");
                }
                PeerData.record(params.getBenchmark(), "answer=" + answer, wrong, clients.length, example, "");
            } catch (IOException | InterruptedException | RuntimeException e) {
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

    /** The uncached benchmarks' engine, session and fresh-client counter. */
    @State(Scope.Benchmark)
    public static class Fresh {

        RelayEngine engine;
        LookupSession session;
        /** The next client is 10.0.0.0 plus this, modulo 2^24. */
        final AtomicInteger next = new AtomicInteger(1);
        private Zones zones;

        /**
         * Starts rbldnsd, builds the engine (default cache) and the session, and checks both on a listed and a fresh
         * client.
         */
        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) throws IOException, InterruptedException {
            zones = Zones.start();
            try {
                engine = RelayEngine.builder()
                        .localDomains("example.org")
                        .dnsServers("127.0.0.1:" + zones.server().port())
                        .dnsbl("bl.test")
                        .dnsbl("two.test")
                        .build();
                session = LookupSession.builder().resolver(zones.resolver()).cache(new Cache(DClass.IN)).build();
                String listed = zones.listedClients.get(0);
                String fresh = "10.255.255.254"; // the counter starts at 10.0.0.1 and never gets there in a trial
                int wrong = 0;
                String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
                if ("oursUncached".equals(method)) {
                    wrong += engine.decide(RelayRequest.of(listed, SENDER, RECIPIENT)).verdict() == Verdict.REJECT
                            ? 0 : 1;
                    wrong += engine.decide(RelayRequest.of(fresh, SENDER, RECIPIENT)).verdict() == Verdict.ACCEPT
                            ? 0 : 1;
                } else {
                    wrong += listedSequentially(session, listed) ? 0 : 1;
                    wrong += listedSequentially(session, fresh) ? 1 : 0;
                }
                PeerData.record(params.getBenchmark(), "", wrong, 2, wrong == 0 ? null : listed + " or " + fresh,
                        "");
            } catch (IOException | InterruptedException | RuntimeException e) {
                zones.close();
                throw e;
            }
        }

        String nextClient() {
            int n = next.getAndIncrement() & 0xFF_FFFF;
            return "10." + (n >>> 16) + "." + ((n >>> 8) & 0xFF) + "." + (n & 0xFF);
        }

        /** Stops rbldnsd and removes its data files. */
        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            zones.close();
        }
    }

    /**
     * relay-policy: a whole decision whose DNS list answer (and, for a listed client, TXT reason) is cached.
     *
     * @param s the engine and requests
     * @param c this thread's position in the requests
     * @return the verdict
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Verdict oursCachedDecision(Cached s, NetworkPeersBenchmark.Cursor c) {
        return s.engine.decide(s.requests[c.next++ & PeerData.MASK]).verdict();
    }

    /**
     * dnsjava {@code LookupSession}: the query name built from the client text and looked up in its cache.
     *
     * @param s the session and clients
     * @param c this thread's position in the clients
     * @return whether the client is listed
     * @throws IOException if the lookup fails otherwise than with NXDOMAIN
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public boolean lookupSessionCached(Cached s, NetworkPeersBenchmark.Cursor c) throws IOException,
            InterruptedException {
        return listed(s.session, s.clients[c.next++ & PeerData.MASK], "bl.test");
    }

    /**
     * relay-policy: a decision for a client never seen before, both zones asked in parallel.
     *
     * @param s the engine and the fresh-client counter
     * @return the verdict
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Verdict oursUncached(Fresh s) {
        return s.engine.decide(RelayRequest.of(s.nextClient(), SENDER, RECIPIENT)).verdict();
    }

    /**
     * dnsjava {@code LookupSession}: the two zones asked one after the other, each lookup blocking.
     *
     * @param s the session and the fresh-client counter
     * @return whether a zone lists the client
     * @throws IOException if a lookup fails otherwise than with NXDOMAIN
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public boolean lookupSessionSequential(Fresh s) throws IOException, InterruptedException {
        return listedSequentially(s.session, s.nextClient());
    }

    private static boolean listedSequentially(LookupSession session, String client) throws IOException,
            InterruptedException {
        for (String zone : new String[] {"bl.test", "two.test"}) {
            if (listed(session, client, zone)) {
                lookup(session, name(client, zone), Type.TXT); // the reason, for the reply
                return true;
            }
        }
        return false;
    }

    /** A blocking {@code A} lookup of the client in the zone, as an application calls {@code LookupSession}. */
    static boolean listed(LookupSession session, String client, String zone) throws IOException,
            InterruptedException {
        return lookup(session, name(client, zone), Type.A);
    }

    private static boolean lookup(LookupSession session, Name name, int type) throws IOException,
            InterruptedException {
        try {
            session.lookupAsync(name, type).toCompletableFuture().get();
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NoSuchDomainException) {
                return false;
            }
            throw new IOException("lookup of " + name + " failed", e.getCause());
        }
    }

    /** {@code d.c.b.a.zone.} for the client {@code a.b.c.d}. */
    private static Name name(String client, String zone) throws TextParseException {
        int a = client.indexOf('.');
        int b = client.indexOf('.', a + 1);
        int c = client.indexOf('.', b + 1);
        return Name.fromString(client.substring(c + 1) + "." + client.substring(b + 1, c) + "."
                + client.substring(a + 1, b) + "." + client.substring(0, a) + "." + zone + ".");
    }

    /** A resolver that counts the queries it passes on, so that the setup can prove the cache answers. */
    static final class CountingResolver implements Resolver {
        final AtomicLong queries = new AtomicLong();
        private final Resolver delegate;

        CountingResolver(Resolver delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletionStage<Message> sendAsync(Message query) {
            queries.incrementAndGet();
            return delegate.sendAsync(query);
        }

        @Override
        public CompletionStage<Message> sendAsync(Message query, Executor executor) {
            queries.incrementAndGet();
            return delegate.sendAsync(query, executor);
        }

        @Override
        public void setPort(int port) {
            delegate.setPort(port);
        }

        @Override
        public void setTCP(boolean flag) {
            delegate.setTCP(flag);
        }

        @Override
        public void setIgnoreTruncation(boolean flag) {
            delegate.setIgnoreTruncation(flag);
        }

        @Override
        public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {
            delegate.setEDNS(version, payloadSize, flags, options);
        }

        @Override
        public void setTSIGKey(TSIG key) {
            delegate.setTSIGKey(key);
        }

        @Override
        public void setTimeout(Duration timeout) {
            delegate.setTimeout(timeout);
        }

        @Override
        public Duration getTimeout() {
            return delegate.getTimeout();
        }
    }

    /** The zone files (with SOA) in a temporary directory, the rbldnsd serving them, and the clients. */
    static final class Zones extends RbldnsdZones {
        private static final int SINGLES = 2_000;

        private Zones() throws IOException {
            super("rbldnsd-peers");
        }

        static Zones start() throws IOException, InterruptedException {
            return RbldnsdZones.start(new Zones());
        }

        SimpleResolver resolver() {
            SimpleResolver r = new SimpleResolver(server().address());
            r.setTimeout(Duration.ofSeconds(5));
            return r;
        }

        @Override
        void write() throws IOException {
            SplittableRandom rnd = new SplittableRandom(0x5EED_B000L);
            Set<Integer> singles = new LinkedHashSet<>();
            while (singles.size() < SINGLES) {
                singles.add((20 + rnd.nextInt(80)) << 24 | rnd.nextInt(1 << 16) << 8 | (1 + rnd.nextInt(254)));
            }
            List<String> bl = new ArrayList<>(List.of("# bl.test: peer benchmark data",
                    "$SOA 3600 ns.bl.test. hostmaster.bl.test. 1 3600 600 86400 3600", "$NS 3600 ns.bl.test.",
                    ":127.0.0.2:Listed $", "127.0.0.2"));
            List<String> two = new ArrayList<>(List.of("# two.test: peer benchmark data",
                    "$SOA 3600 ns.two.test. hostmaster.two.test. 1 3600 600 86400 3600", "$NS 3600 ns.two.test.",
                    ":127.0.0.3:Also listed $", "127.0.0.2"));
            int i = 0;
            for (int a : singles) {
                bl.add(PeerData.dotted(a));
                if (i++ % 4 == 0) {
                    two.add(PeerData.dotted(a));
                }
                if (listedClients.size() < PeerData.QUERIES) {
                    listedClients.add(PeerData.dotted(a));
                }
            }
            Set<Integer> unlisted = new LinkedHashSet<>();
            while (unlisted.size() < PeerData.QUERIES) {
                unlisted.add(100 << 24 | (64 + rnd.nextInt(64)) << 16 | rnd.nextInt(256) << 8 | (1 + rnd.nextInt(254)));
            }
            unlisted.forEach(a -> unlistedClients.add(PeerData.dotted(a)));
            Files.write(dir.resolve("bl.txt"), bl);
            Files.write(dir.resolve("two.txt"), two);
        }
    }
}

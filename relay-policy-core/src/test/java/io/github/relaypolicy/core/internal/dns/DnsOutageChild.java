package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.RelayEngine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The process under test of {@link DnsOutageTest}, run in its own JVM at a small heap: fires {@code decideAsync()}
 * for many distinct clients at a DNS server that does not answer (or answers late), while it samples its heap,
 * threads and open descriptors and proves, by opening files and accepting connections on 127.0.0.1, that the host
 * process still can. Then it waits for the server to recover and checks that decisions use DNS again.
 *
 * <p>Arguments: the DNS server ({@code 127.0.0.1:port}), the number of calls, {@code dns_timeout} in milliseconds.
 * It prints {@code RESULT name=value} lines for the test to check and {@code AWAIT-RECOVERY} when the flood is
 * over; it then reads one line from standard input (the server answers again) before the last check. Every loop
 * is bounded in count and time.
 */
final class DnsOutageChild {

    static final String LISTED_CLIENT = "198.51.100.2";
    static final String UNLISTED_CLIENT = "198.51.100.3";
    static final String LISTED_QUERY = "2.100.51.198.bl.test.";

    private static final AtomicLong PEAK_HEAP = new AtomicLong();
    private static final AtomicLong PEAK_LIVE_HEAP = new AtomicLong();
    private static final AtomicInteger PEAK_FDS = new AtomicInteger();
    private static final AtomicInteger FD_COUNT_FAILURES = new AtomicInteger();
    private static final AtomicInteger PROBES = new AtomicInteger();
    private static final AtomicInteger PROBE_FAILURES = new AtomicInteger();
    private static final AtomicReference<String> FIRST_PROBE_FAILURE = new AtomicReference<>("");
    private static volatile boolean running = true;

    private DnsOutageChild() {
    }

    public static void main(String[] args) throws Exception {
        String server = args[0];
        int calls = Integer.parseInt(args[1]);
        Duration timeout = Duration.ofMillis(Long.parseLong(args[2]));
        int baselineFds = openDescriptors();
        result("baseline_fds", baselineFds);
        result("fd_limit", fdLimit());

        RelayEngine engine = RelayEngine.builder().localDomains("example.org").dnsServers(server)
                .dnsTimeout(timeout).dnsbl("bl.test").build();
        Thread sampler = daemon("sampler", DnsOutageChild::sample);
        Path dir = Files.createTempDirectory("dns-outage");
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread prober = daemon("prober", () -> probe(dir, listener));
        sampler.start();
        prober.start();

        // The flood: one distinct client per call, from one thread, as fast as the engine takes them.
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger deferred = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        AtomicInteger late = new AtomicInteger();
        AtomicLong slowest = new AtomicLong();
        long lateNanos = timeout.plusSeconds(1).toNanos();
        long started = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            String client = String.format(Locale.ROOT, "10.%d.%d.%d", (i >>> 16) & 255, (i >>> 8) & 255, i & 255);
            RelayRequest request = RelayRequest.of(client, "<a@example.net>", "<user@example.org>");
            long t0 = System.nanoTime();
            engine.decideAsync(request).whenComplete((d, e) -> {
                long took = System.nanoTime() - t0;
                slowest.accumulateAndGet(took, Math::max);
                if (took > lateNanos) {
                    late.incrementAndGet();
                }
                if (e == null && d.verdict() == Verdict.TEMPFAIL && d.reply().code() == 451) {
                    deferred.incrementAndGet();
                } else if (e == null && d.verdict() == Verdict.ACCEPT) {
                    accepted.incrementAndGet();
                } else {
                    other.incrementAndGet();
                }
                completed.incrementAndGet();
            });
        }
        long issued = System.nanoTime() - started;
        long waitUntil = System.nanoTime() + timeout.plusSeconds(20).toNanos();
        while (completed.get() < calls && System.nanoTime() < waitUntil) {
            Thread.sleep(50);
        }
        long floodNanos = System.nanoTime() - started;
        Thread.sleep(300); // a few more samples and probes after the flood
        result("calls", calls);
        result("issue_ms", TimeUnit.NANOSECONDS.toMillis(issued));
        result("flood_ms", TimeUnit.NANOSECONDS.toMillis(floodNanos));
        result("completed", completed.get());
        result("deferred", deferred.get());
        result("accepted", accepted.get());
        result("other", other.get());
        result("late", late.get());
        result("slowest_ms", TimeUnit.NANOSECONDS.toMillis(slowest.get()));

        System.out.println("AWAIT-RECOVERY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        in.readLine();

        // After recovery: a listed client is refused with the list's reply, an unlisted one accepted. The
        // flood's queries may still be timing out for a moment; try for a bounded time.
        String listedReply = "";
        String unlistedRule = "";
        int attempts = 0;
        long recoverUntil = System.nanoTime() + timeout.plusSeconds(15).toNanos();
        while (System.nanoTime() < recoverUntil) {
            attempts++;
            Decision listed = engine.decideAsync(RelayRequest.of(LISTED_CLIENT, "<a@example.net>",
                    "<user@example.org>")).toCompletableFuture().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            Decision unlisted = engine.decideAsync(RelayRequest.of(UNLISTED_CLIENT, "<a@example.net>",
                    "<user@example.org>")).toCompletableFuture().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            listedReply = listed.reply().toString();
            unlistedRule = unlisted.verdict() + " " + unlisted.rule();
            if (listed.verdict() == Verdict.REJECT && unlisted.verdict() == Verdict.ACCEPT) {
                break;
            }
            Thread.sleep(500);
        }
        running = false;
        prober.join(5000);
        sampler.join(5000);
        result("recovery_attempts", attempts);
        result("listed_reply", listedReply);
        result("unlisted", unlistedRule);
        result("peak_heap_mb", PEAK_HEAP.get() >> 20);
        result("peak_live_heap_mb", PEAK_LIVE_HEAP.get() >> 20);
        result("peak_threads", ManagementFactory.getThreadMXBean().getPeakThreadCount());
        result("peak_fds", PEAK_FDS.get());
        result("fd_count_failures", FD_COUNT_FAILURES.get());
        result("probes", PROBES.get());
        result("probe_failures", PROBE_FAILURES.get());
        result("first_probe_failure", FIRST_PROBE_FAILURE.get());
        engine.close();
        System.out.flush();
        System.exit(0);
    }

    private static void result(String name, Object value) {
        System.out.println("RESULT " + name + "=" + String.valueOf(value).replace('\n', ' '));
    }

    /** Every 20 ms: heap in use, heap left after the last collection, open descriptors. */
    private static void sample() {
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (running && System.nanoTime() < until) {
            long used = 0;
            long live = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    used += pool.getUsage().getUsed();
                    MemoryUsage after = pool.getCollectionUsage();
                    live += after == null ? 0 : after.getUsed();
                }
            }
            PEAK_HEAP.accumulateAndGet(used, Math::max);
            PEAK_LIVE_HEAP.accumulateAndGet(live, Math::max);
            int fds = openDescriptors();
            if (fds < 0) {
                FD_COUNT_FAILURES.incrementAndGet();
            } else {
                PEAK_FDS.accumulateAndGet(fds, Math::max);
            }
            sleep(20);
        }
    }

    /** Every 20 ms: write, read and delete a file; connect to and accept from a listener on 127.0.0.1. */
    private static void probe(Path dir, ServerSocket listener) {
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        try {
            listener.setSoTimeout(2000);
        } catch (IOException e) {
            fail(e);
        }
        while (running && System.nanoTime() < until) {
            PROBES.incrementAndGet();
            try {
                Path f = Files.writeString(dir.resolve("probe"), "probe");
                if (!Files.readString(f).equals("probe")) {
                    throw new IOException("read back something else");
                }
                Files.delete(f);
                try (Socket client = new Socket()) {
                    client.connect(new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort()), 2000);
                    try (Socket accepted = listener.accept()) {
                        accepted.getOutputStream().write(1);
                        if (client.getInputStream().read() != 1) {
                            throw new IOException("connection carried nothing");
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                fail(e);
            }
            sleep(20);
        }
    }

    private static void fail(Exception e) {
        PROBE_FAILURES.incrementAndGet();
        FIRST_PROBE_FAILURE.compareAndSet("", e.toString());
    }

    /** The number of open descriptors of this process, or -1 if they cannot be counted (none left to list them). */
    private static int openDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The soft limit of open files, from {@code /proc/self/limits}, or "" if unknown. */
    private static String fdLimit() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/limits"))) {
            return lines.filter(l -> l.startsWith("Max open files")).map(l -> l.split("\\s{2,}")[1]).findFirst()
                    .orElse("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }
}

package io.github.relaypolicy.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import io.github.bucket4j.Bucket;
import io.github.relaypolicy.core.internal.limit.Counters;
import io.github.relaypolicy.core.internal.limit.LimitSpec;
import java.io.IOException;
import java.lang.ref.Reference;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Heap taken per tracked identity, measured: the used heap after full collections before and after one million new
 * identities took their first count, each store in a JVM of its own, in the engine's {@link Counters} (the default 1,000,000 slots) and in Bucket4j
 * buckets kept in a {@code ConcurrentHashMap} and in a Caffeine cache bounded to 1,000,000 (see
 * {@link RateLimitPeers}). The identity texts are made inside the measured step and kept by nobody but the store, so
 * a map's figure includes the key strings it must hold (the engine's table keeps a 24-bit tag instead). The limit is
 * {@code user:500/1h} and every count is taken at the same instant, so that no cell drains while the million go in.
 *
 * <p>The JVM's class histogram (the {@code GC.class_histogram} diagnostic command) taken while each store is full
 * shows where the bytes go, and cross-checks the heap figure (printed on standard output). Not a JMH benchmark: a
 * main class, run as
 * <pre>
 * java -XX:+UseSerialGC -Xms3g -Xmx3g -cp relay-policy-benchmarks/target/benchmarks.jar \
 *     io.github.relaypolicy.benchmarks.RateLimitMemory relay-policy-benchmarks/results/ratelimit-memory.json
 * </pre>
 * The serial collector is used because its used-heap figure after {@link System#gc()} is the bytes of the live
 * objects; G1 would round the engine's one 8 MB array up to whole humongous regions.
 */
public final class RateLimitMemory {

    /** How many identities. */
    static final int N = 1_000_000;
    /** The lines of the class histogram printed per store. */
    static final int HISTOGRAM_LINES = 14;
    private static final LimitSpec LIMIT = LimitSpec.parse("benchmark", "user:500/1h");

    private RateLimitMemory() {
    }

    /** One store's figures. */
    private record Figures(String store, long heapBytes, long tracked, long evicted, String histogram) {

        String json() {
            return String.format(Locale.ROOT, "    {\"store\": \"%s\", \"identities\": %d, \"heapBytes\": %d, "
                    + "\"tracked\": %d, \"evicted\": %d, \"bytesPerIdentity\": %.1f, "
                    + "\"bytesPerTrackedIdentity\": %.1f}", store, N, heapBytes, tracked, evicted,
                    heapBytes / (double) N, heapBytes / (double) tracked);
        }
    }

    /**
     * Measures each store in a JVM of its own (this class, run with the same JVM options) and writes the JSON.
     *
     * @param args the JSON file to write (default {@code relay-policy-benchmarks/results/ratelimit-memory.json}); or
     *     {@code --store NAME}: measure that store in this JVM and print its figures
     * @throws IOException if the JSON cannot be written or a child JVM cannot be started
     * @throws InterruptedException if interrupted while waiting for a child or the collector
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length == 2 && args[0].equals("--store")) {
            Figures f = measure(args[1]);
            System.out.println(f.json());
            System.out.print(MARK + f.histogram());
            return;
        }
        Path out = Path.of(args.length > 0 ? args[0] : "relay-policy-benchmarks/results/ratelimit-memory.json");
        List<String> results = new ArrayList<>();
        StringBuilder histograms = new StringBuilder();
        for (String store : STORES) {
            String child = child(store);
            int mark = child.indexOf(MARK);
            results.add(child.substring(0, mark).strip());
            histograms.append(String.format(Locale.ROOT, "%n== %s: class histogram with %,d identities (top %d)%n%s",
                    store, N, HISTOGRAM_LINES, child.substring(mark + MARK.length())));
        }
        StringBuilder json = new StringBuilder();
        json.append("{\n");
        json.append("  \"benchmark\": \"RateLimitMemory\",\n");
        json.append("  \"date\": \"").append(Instant.now()).append("\",\n");
        json.append("  \"java\": \"").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append("\",\n");
        json.append("  \"jvmOptions\": \"").append(String.join(" ", jvmOptions())).append("\",\n");
        json.append("  \"gc\": \"").append(collectors()).append("\",\n");
        json.append("  \"limit\": \"").append(LIMIT.text()).append("\",\n");
        json.append("  \"identityExample\": \"").append(RateLimitPeers.identity(0)).append("\",\n");
        json.append("  \"results\": [\n    ").append(String.join(",\n    ", results)).append("\n  ]\n}\n");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json, StandardCharsets.UTF_8);
        System.out.print(json);
        System.out.print(histograms);
    }

    private static final String MARK = "-- histogram --\n";
    private static final List<String> STORES = List.of("counters", "bucket4j-concurrenthashmap", "bucket4j-caffeine");

    private static List<String> jvmOptions() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments();
    }

    /** Runs {@code --store NAME} in a new JVM with this one's options; its standard output. */
    private static String child(String store) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(RateLimitMemory.class.getName());
        command.add("--store");
        command.add(store);
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0 || !output.contains(MARK)) {
            throw new IOException("measuring " + store + " failed (exit " + p.exitValue() + "): " + output);
        }
        return output;
    }

    /** What a store holds after admitting identities, with its figures of tracked and evicted identities. */
    private record Filled(Object store, long tracked, long evicted) {
    }

    private static Figures measure(String name) throws InterruptedException {
        IntFunction<Filled> fill = switch (name) {
            case "counters" -> RateLimitMemory::counters;
            case "bucket4j-concurrenthashmap" -> RateLimitMemory::map;
            case "bucket4j-caffeine" -> RateLimitMemory::caffeine;
            default -> throw new IllegalArgumentException("store '" + name + "' is unknown; one of " + STORES);
        };
        histogram(); // makes the platform MBean server now: it stays, and would otherwise count as the store's
        fill.apply(10_000); // loads the classes and makes their static state outside the measurement
        long before = usedAfterGc();
        Filled f = fill.apply(N);
        long after = usedAfterGc();
        String histogram = histogram();
        System.err.printf(Locale.ROOT, "%s: used heap %,d B before, %,d B with the store full%n", name, before,
                after);
        Reference.reachabilityFence(f);
        return new Figures(name, after - before, f.tracked(), f.evicted(), histogram);
    }

    /** The first lines of the JVM's class histogram of live objects (it collects first). */
    private static String histogram() {
        try {
            Object text = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            String[] lines = String.valueOf(text).split("\n");
            return String.join("\n", Arrays.copyOf(lines, Math.min(lines.length, HISTOGRAM_LINES + 2)))
                    + "\n";
        } catch (JMException e) {
            return "class histogram unavailable: " + e + "\n";
        }
    }

    private static Filled counters(int n) {
        Counters c = new Counters(Math.max(n, 8));
        long now = 0; // one instant: nothing drains while the identities go in
        for (int i = 0; i < n; i++) {
            if (!c.take(RateLimitPeers.hash(RateLimitPeers.identity(i)), LIMIT.intervalMillis(), LIMIT.count(),
                    now)) {
                throw new IllegalStateException("a new identity's first count did not fit");
            }
        }
        return new Filled(c, c.live(now), c.evictions());
    }

    private static Filled map(int n) {
        ConcurrentHashMap<String, Bucket> map = new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
            map.computeIfAbsent(RateLimitPeers.identity(i), RateLimitPeers.NEW_BUCKET).tryConsume(1);
        }
        return new Filled(map, map.size(), 0);
    }

    private static Filled caffeine(int n) {
        Cache<String, Bucket> cache = RateLimitPeers.newCache(n);
        for (int i = 0; i < n; i++) {
            cache.get(RateLimitPeers.identity(i), RateLimitPeers.NEW_BUCKET).tryConsume(1);
        }
        cache.cleanUp(); // apply pending maintenance (and any eviction) before counting
        long size = cache.estimatedSize();
        return new Filled(cache, size, n - size);
    }

    /** The used heap once full collections stop freeing anything. */
    private static long usedAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(100);
            long used = rt.totalMemory() - rt.freeMemory();
            if (Math.abs(last - used) < 4096) {
                return used;
            }
            last = used;
        }
        return last;
    }

    private static String collectors() {
        StringBuilder s = new StringBuilder();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            s.append(s.length() == 0 ? "" : ", ").append(gc.getName());
        }
        return s.toString();
    }
}

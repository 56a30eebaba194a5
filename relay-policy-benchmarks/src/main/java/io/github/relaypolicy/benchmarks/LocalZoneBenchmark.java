package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.core.internal.match.IpText;
import io.github.relaypolicy.core.internal.zone.ZoneAnswer;
import io.github.relaypolicy.core.internal.zone.ZoneData;
import io.github.relaypolicy.core.internal.zone.ZoneFileException;
import io.github.relaypolicy.core.internal.zone.ZoneType;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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

/**
 * A local copy of a DNS list: looking an address up in, and loading, a 1,000,000-entry rbldnsd data file.
 *
 * <p>The file (written to a temporary file once per trial, from a fixed seed) has 1,000,000 entry lines: for
 * {@code ip4set} 85% single addresses, 8% {@code a.b.c} /24 prefixes, 3% ranges {@code a.b.c.d-e}, 4% exclusions,
 * a fifth of the listings with a value of their own ({@code :3:text $}); for {@code ip4trie} the same with /24
 * and /29 CIDR prefixes in place of {@code a.b.c} prefixes and ranges. A setup check fails the trial unless every
 * listed address in the sample answers.
 *
 * <ul>
 *   <li>{@link #lookup4}: {@link ZoneData#lookup4} on 1,024 addresses cycled through, half listed, half random
 *       (mostly not listed), average time per lookup; with {@code -prof gc} it shows that a lookup allocates
 *       nothing;
 *   <li>{@link #load}: {@link ZoneData#load} of the whole file, strict, one shot per iteration: read, parse, sort,
 *       build.
 * </ul>
 *
 * <p>Run from the repository root:
 * <pre>
 * mvn -q -pl relay-policy-benchmarks -am package -DskipTests
 * java -jar relay-policy-benchmarks/target/benchmarks.jar LocalZoneBenchmark -f 1 -wi 2 -i 3 -prof gc
 * </pre>
 * Add {@code -p type=ip4set} for one file type.
 */
@State(Scope.Benchmark)
@Fork(1)
public class LocalZoneBenchmark {

    private static final int ENTRIES = 1_000_000;
    private static final int ADDRESSES = 1 << 10;
    private static final int MASK = ADDRESSES - 1;

    /** Which rbldnsd dataset type the file is written as and loaded with. */
    @Param({"ip4set", "ip4trie"})
    public String type = "ip4set";

    private Path file;
    private ZoneData data;
    private long[] addresses;

    /** Each thread walks the addresses on its own. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    /**
     * Writes the file, loads it, picks the addresses and checks their answers.
     *
     * @throws IOException if the temporary file cannot be written
     * @throws ZoneFileException if the file does not load
     * @throws IllegalStateException if an address does not answer as written
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException, ZoneFileException {
        ZoneType zoneType = ZoneType.parse(type);
        file = Files.createTempFile("relay-policy-" + type + "-", ".txt");
        SplittableRandom random = new SplittableRandom(1_000_000);
        long[] listed = new long[ADDRESSES / 2];
        int filled = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            w.write("$TTL 1h\n:127.0.0.2:Listed, see https://example.net/lookup?ip=$\n");
            for (int i = 0; i < ENTRIES; i++) {
                // One entry per 4,096 addresses from 1.0.0.0 on, at a random multiple of 8 in the first 3,840:
                // prefixes and ranges stay inside their slot, so no two entries collide.
                long a = 0x01000000L + 4096L * i + 8L * random.nextInt(480);
                int kind = random.nextInt(100);
                String line;
                if (kind < 85) {
                    line = IpText.format4(a);
                } else if (kind < 93) {
                    String net = IpText.format4(a & ~255L);
                    line = zoneType == ZoneType.IP4SET ? net.substring(0, net.lastIndexOf('.'))
                            : net + "/24";
                } else if (kind < 96) {
                    line = zoneType == ZoneType.IP4SET ? IpText.format4(a & ~7L) + "-" + ((a & 255) | 7)
                            : IpText.format4(a & ~7L) + "/29";
                } else {
                    line = "!" + IpText.format4(a);
                }
                if (kind < 96 && random.nextInt(5) == 0) {
                    line += " :3:listed, see https://example.net/lookup?ip=$";
                }
                w.write(line);
                w.write('\n');
                if (kind < 85 && filled < listed.length && i >= filled * (ENTRIES / listed.length)) {
                    listed[filled++] = a;
                }
            }
        }
        data = ZoneData.load(file, zoneType, true);
        addresses = new long[ADDRESSES];
        for (int i = 0; i < ADDRESSES; i++) {
            addresses[i] = i % 2 == 0 ? listed[i / 2] : random.nextLong(0x100000000L);
        }
        for (int i = 0; i < ADDRESSES; i += 2) {
            if (data.lookup4(addresses[i]) == null) {
                throw new IllegalStateException(IpText.format4(addresses[i]) + " is listed but not found");
            }
        }
    }

    /**
     * Deletes the file.
     *
     * @throws IOException if it cannot be deleted
     */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(file);
    }

    /**
     * Looks up the next address.
     *
     * @param cursor this thread's position in the addresses
     * @return the answer (null if not listed), consumed by JMH
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public ZoneAnswer lookup4(Cursor cursor) {
        return data.lookup4(addresses[cursor.next++ & MASK]);
    }

    /**
     * Loads the whole file.
     *
     * @return the data, consumed by JMH
     * @throws ZoneFileException never: the file loaded in the setup
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public ZoneData load() throws ZoneFileException {
        return ZoneData.load(file, ZoneType.parse(type), true);
    }
}

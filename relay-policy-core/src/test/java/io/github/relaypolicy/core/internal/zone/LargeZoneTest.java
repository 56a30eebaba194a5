package io.github.relaypolicy.core.internal.zone;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.internal.match.IpText;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A million entries, shuffled, load and answer right. How fast is for {@code LocalZoneBenchmark}; this only
 * checks the answers against the rule the file was made by.
 */
final class LargeZoneTest {

    private static final long HOSTS = 0x0a000000L; // 10.0.0.0: 900,000 hosts, 17 apart
    private static final int HOST_COUNT = 900_000;
    private static final long NETS = 0x64000000L; // 100.0.0.0: 90,000 /24s, every other one
    private static final int NET_COUNT = 90_000;
    private static final long SMALL = 0xac100000L; // 172.16.0.0: 10,000 /28s, 64 apart
    private static final int SMALL_COUNT = 10_000;

    @ParameterizedTest
    @EnumSource(value = ZoneType.class, names = {"IP4SET", "IP4TRIE"})
    void a_million_entries_load_and_answer_as_written(ZoneType type, @TempDir Path dir) throws Exception {
        List<String> lines = new ArrayList<>(HOST_COUNT + NET_COUNT + SMALL_COUNT + 10_000);
        for (int i = 0; i < HOST_COUNT; i++) {
            String a = IpText.format4(HOSTS + 17L * i);
            lines.add(i % 10 == 0 ? a + " :3:host $" : a);
            if (i % 101 == 0 && type == ZoneType.IP4SET) {
                lines.add("!" + a + "/32"); // in ip4set an exclusion of the same block wins; a trie keeps the first
            }
        }
        for (int i = 0; i < NET_COUNT; i++) {
            long net = NETS + 512L * i;
            String text = IpText.format4(net);
            lines.add(type == ZoneType.IP4SET ? text.substring(0, text.length() - 2) + " :4:net" : text + "/24 :4:net");
            if (i % 7 == 0) {
                lines.add("!" + IpText.format4(net + 128) + "/25");
            }
        }
        for (int i = 0; i < SMALL_COUNT; i++) {
            lines.add(IpText.format4(SMALL + 64L * i) + "/28");
        }
        int exclusions = lines.size() - HOST_COUNT - NET_COUNT - SMALL_COUNT;
        Collections.shuffle(lines, new Random(42)); // an exclusion may come before what it excludes
        Path file = dir.resolve("big.txt");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            w.write("$TTL 1h\n:127.0.0.2:default $\n");
            for (String line : lines) {
                w.write(line);
                w.write('\n');
            }
        }

        ZoneData zone = ZoneData.load(file, type, true);

        assertThat(zone.size()).isEqualTo(HOST_COUNT + NET_COUNT + SMALL_COUNT + exclusions);
        assertThat(zone.ttlSeconds()).isEqualTo(3600);
        assertThat(zone.warnings()).isEmpty();
        SplittableRandom random = new SplittableRandom(7);
        for (int k = 0; k < 300_000; k++) {
            long a;
            switch (k % 3) {
                case 0:
                    a = HOSTS + random.nextLong(17L * HOST_COUNT + 100);
                    break;
                case 1:
                    a = NETS + random.nextLong(512L * NET_COUNT + 1000);
                    break;
                default:
                    a = SMALL + random.nextLong(64L * SMALL_COUNT + 100);
                    break;
            }
            String subject = IpText.format4(a);
            assertThat(Zones.describe(zone.lookup4(a), subject)).as(subject).isEqualTo(expected(type, a));
        }
    }

    private static String expected(ZoneType type, long a) {
        long h = a - HOSTS;
        if (h >= 0 && h < 17L * HOST_COUNT && h % 17 == 0) {
            long i = h / 17;
            if (i % 101 == 0 && type == ZoneType.IP4SET) {
                return "NXDOMAIN";
            }
            return (i % 10 == 0 ? "127.0.0.3 host " : "127.0.0.2 default ") + IpText.format4(a);
        }
        long n = a - NETS;
        if (n >= 0 && n < 512L * NET_COUNT && (n / 256) % 2 == 0) {
            return (n / 512) % 7 == 0 && n % 256 >= 128 ? "NXDOMAIN" : "127.0.0.4 net";
        }
        long s = a - SMALL;
        if (s >= 0 && s < 64L * SMALL_COUNT && s % 64 < 16) {
            return "127.0.0.2 default " + IpText.format4(a);
        }
        return "NXDOMAIN";
    }
}

package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent {@link RelayEngine#reload} calls are serialised with the zone watch: whichever reload wins, the
 * engine decides with its rules and watches its zone files, never the zone files of a reload that lost.
 */
final class ConcurrentReloadTest {

    private static final int THREADS = 8;
    private static final int ROUNDS = 40;

    @TempDir
    Path dir;

    @Test
    void after_concurrent_reloads_the_rules_in_force_and_the_watched_zone_files_belong_to_one_reload()
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (RelayEngine engine = engine(zoneFile(0, 0))) {
            for (int round = 1; round <= ROUNDS; round++) {
                // given one zone file per reload, each listing its own client
                List<RelayEngine.Builder> builders = new ArrayList<>();
                for (int t = 1; t <= THREADS; t++) {
                    builders.add(builder(zoneFile(round, t)));
                }
                // when the reloads run at once
                CyclicBarrier start = new CyclicBarrier(THREADS);
                List<Future<?>> reloads = new ArrayList<>();
                for (RelayEngine.Builder b : builders) {
                    reloads.add(pool.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        engine.reload(b);
                        return null;
                    }));
                }
                for (Future<?> f : reloads) {
                    f.get(30, TimeUnit.SECONDS);
                }

                // then the file of the reload whose rules are in force is the one watched: a change to it is seen
                int winner = listedClient(engine);
                assertThat(winner).as("round %d: one reload's zone is in force", round).isPositive();
                Path file = dir.resolve("r" + round + "-" + winner + ".ip4set");
                FileTime before = Files.getLastModifiedTime(file);
                Files.writeString(file, "192.0.2." + winner + "\n198.51.100." + round + "\n");
                Files.setLastModifiedTime(file, FileTime.from(before.toInstant().plusSeconds(2)));
                String added = "198.51.100." + round;
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (decide(engine, added) != Verdict.REJECT && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(decide(engine, added)).as("round %d: the zone file of the rules in force (reload %d)"
                        + " is watched", round, winner).isEqualTo(Verdict.REJECT);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private Path zoneFile(int round, int reload) throws java.io.IOException {
        Path f = dir.resolve("r" + round + "-" + reload + ".ip4set");
        Files.writeString(f, "192.0.2." + reload + "\n");
        return f;
    }

    private static RelayEngine.Builder builder(Path zone) {
        return RelayEngine.builder().localDomains("example.org").localZone("bl.local", zone)
                .localZoneCheckInterval(Duration.ofMillis(2));
    }

    private static RelayEngine engine(Path zone) {
        return builder(zone).build();
    }

    /** Which reload's zone answers: the one client of 192.0.2.1 to 192.0.2.THREADS it lists, or 0. */
    private static int listedClient(RelayEngine engine) {
        int listed = 0;
        for (int t = 1; t <= THREADS; t++) {
            if (decide(engine, "192.0.2." + t) == Verdict.REJECT) {
                assertThat(listed).as("only one reload's zone answers").isZero();
                listed = t;
            }
        }
        return listed;
    }

    private static Verdict decide(RelayEngine engine, String client) {
        return engine.decide(RelayRequest.of(client, "<a@example.net>", "<user@example.org>")).verdict();
    }
}

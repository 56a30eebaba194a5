package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of issue 9, defect 4: a FIFO renamed over a zone file between the check that it is a regular file and the
 * open. The open of a FIFO without a writer cannot be interrupted, so the reader thread stays blocked; the check
 * that started it holds the engine's lock until the read deadline (30 s), and so {@link RelayEngine#close()} waits
 * that long; and every such swap that the watch catches leaves one more blocked thread.
 */
final class ZoneSwapRaceTest {

    @TempDir
    Path dir;

    /** Zone reader threads in an open, now. */
    private static java.util.Set<Thread> opening() {
        java.util.Set<Thread> found = new java.util.HashSet<>();
        Thread.getAllStackTraces().forEach((t, frames) -> {
            if (t.getName().startsWith("relay-policy-zone-read-") && java.util.Arrays.stream(frames)
                    .anyMatch(f -> f.getMethodName().equals("open0"))) {
                found.add(t);
            }
        });
        return found;
    }

    /** Zone reader threads that have been in one open for half a second. */
    private static long stuckReaders() throws InterruptedException {
        java.util.Set<Thread> first = opening();
        if (first.isEmpty()) {
            return 0;
        }
        Thread.sleep(500);
        first.retainAll(opening());
        return first.size();
    }

    /** Renames a regular file and a FIFO over {@code zone} in turn until {@code stop}. */
    private Thread flipper(Path zone, AtomicBoolean stop) {
        Thread t = new Thread(() -> {
            int n = 0;
            try {
                while (!stop.get()) {
                    Path next = dir.resolve("next" + (n++));
                    if (n % 2 == 0) {
                        Files.writeString(next, "192.0.2." + (n % 250) + "\n");
                    } else {
                        TestFiles.mkfifo(next);
                    }
                    Files.move(next, zone, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
                Path last = dir.resolve("last");
                Files.writeString(last, "192.0.2.1\n");
                Files.move(last, zone, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "flipper");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void a_fifo_swapped_in_at_the_open_neither_holds_close_nor_piles_up_blocked_threads() throws Exception {
        Path zone = dir.resolve("bl.ip4set");
        Files.writeString(zone, "192.0.2.1\n");
        long before = 0;
        RelayEngine engine = RelayEngine.builder().localDomains("example.org").localZone("bl.local", zone)
                .localZoneCheckInterval(Duration.ofMillis(1)).build();
        AtomicBoolean stop = new AtomicBoolean();
        Thread flip = flipper(zone, stop);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (stuckReaders() == before && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        stop.set(true);
        flip.join();
        long stuck = stuckReaders() - before;
        System.out.println("stuck zone readers: " + stuck);

        long start = System.nanoTime();
        engine.close();
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("close() took " + ms + " ms");
        assertThat(ms).as("close() while a zone read is stuck, ms").isLessThan(2000);
    }
}

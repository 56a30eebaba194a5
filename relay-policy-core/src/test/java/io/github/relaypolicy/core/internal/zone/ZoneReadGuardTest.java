package io.github.relaypolicy.core.internal.zone;

import io.github.relaypolicy.core.TestFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of issue 9, defect 4: an open that never returns (a FIFO put in place of the zone file between the check and
 * the open, see {@code ZoneSwapRaceTest}) cannot be interrupted, so its reader thread stays blocked. Each such swap
 * left one more thread blocked for good. Their number per file must stay bounded ({@link
 * ZoneFiles#MAX_BLOCKED_READS}; beyond it the file is refused at once), while below the bound a regular file in
 * place is read as usual: one swap must not stop the zone from reloading.
 */
final class ZoneReadGuardTest {

    private static final Duration DEADLINE = Duration.ofMillis(200);

    @TempDir
    Path dir;

    private static long readersInOpen() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith("relay-policy-zone-read-"))
                .filter(e -> Arrays.stream(e.getValue()).anyMatch(f -> f.getMethodName().equals("open0")))
                .count();
    }

    private Path fifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        return TestFiles.mkfifo(fifo);
    }

    /** Points the link {@code zone} at {@code target}, as a rename over the file would. */
    private static void point(Path zone, Path target) throws IOException {
        Path link = zone.resolveSibling("link.tmp");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, target);
        Files.move(link, zone, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void blocked_reads_of_a_file_stay_bounded_and_one_does_not_stop_the_file_being_read() throws Exception {
        Path zone = dir.resolve("bl.ip4set");
        Path regular = dir.resolve("regular");
        Files.writeString(regular, "192.0.2.1\n");
        long before = readersInOpen();
        List<Path> fifos = new ArrayList<>();
        try {
            fifos.add(fifo("fifo0"));
            point(zone, fifos.get(0));
            assertThatThrownBy(() -> ZoneFiles.contentWithin(zone, 10, DEADLINE))
                    .isInstanceOf(ZoneFileException.class).hasMessageContaining("not read within 200 ms");

            point(zone, regular);
            assertThat(ZoneFiles.contentWithin(zone, 100, Duration.ofSeconds(5))).as("read despite one blocked read")
                    .hasSize(10);

            for (int i = 1; i < ZoneFiles.MAX_BLOCKED_READS; i++) {
                fifos.add(fifo("fifo" + i));
                point(zone, fifos.get(i));
                assertThatThrownBy(() -> ZoneFiles.contentWithin(zone, 10, DEADLINE))
                        .isInstanceOf(ZoneFileException.class).hasMessageContaining("not read within 200 ms");
            }
            fifos.add(fifo("fifo-next"));
            point(zone, fifos.get(fifos.size() - 1));
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> ZoneFiles.contentWithin(zone, 10, DEADLINE))
                        .isInstanceOf(ZoneFileException.class)
                        .hasMessage(zone + ": 4 earlier reads of this file have not returned (a FIFO, or a stalled"
                                + " file system?); not read again until one does");
                assertThat((System.nanoTime() - start) / 1_000_000).as("refused at once, ms").isLessThan(150);
            }
            assertThat(readersInOpen() - before).as("reader threads blocked in open")
                    .isEqualTo(ZoneFiles.MAX_BLOCKED_READS);
        } finally {
            for (Path fifo : fifos) {
                TestFiles.releaseFifo(fifo, 2000);
            }
        }
        // once the blocked reads have returned, the file is read as any other
        point(zone, regular);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        byte[] read = null;
        while (read == null && System.nanoTime() < deadline) {
            try {
                read = ZoneFiles.contentWithin(zone, 100, Duration.ofSeconds(5));
            } catch (ZoneFileException e) {
                Thread.sleep(10); // the released readers are still on their way out
            }
        }
        assertThat(read).hasSize(10);
    }
}

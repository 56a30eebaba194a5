package io.github.relaypolicy.core.internal.zone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of issue 9, defect 4: an open that never returns (a FIFO renamed over the zone file between the check and
 * the open, see {@code ZoneSwapRaceTest}) cannot be interrupted, so its reader thread stays blocked. A later read of
 * the same file must not start one more such thread, nor wait out the deadline again: it is refused at once while
 * the earlier read has not returned, and reads go on normally once it has.
 */
final class ZoneReadGuardTest {

    @TempDir
    Path dir;

    private static long readersInOpen() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith("relay-policy-zone-read-"))
                .filter(e -> Arrays.stream(e.getValue()).anyMatch(f -> f.getMethodName().equals("open0")))
                .count();
    }

    @Test
    void a_file_whose_earlier_read_never_returned_is_refused_at_once_without_another_blocked_thread()
            throws Exception {
        Path fifo = dir.resolve("bl.ip4set");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as("mkfifo").isTrue();
        long before = readersInOpen();
        try {
            assertThatThrownBy(() -> ZoneFiles.contentWithin(fifo, 10, Duration.ofMillis(200)))
                    .isInstanceOf(ZoneFileException.class).hasMessageContaining("not read within 200 ms");

            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> ZoneFiles.contentWithin(fifo, 10, Duration.ofMillis(200)))
                        .isInstanceOf(ZoneFileException.class)
                        .hasMessage(fifo + ": an earlier read of this file has not returned (a FIFO, or a stalled"
                                + " file system?); not read again until it does");
                assertThat((System.nanoTime() - start) / 1_000_000).as("refused at once, ms").isLessThan(150);
            }
            assertThat(readersInOpen() - before).as("reader threads blocked in open").isEqualTo(1);
        } finally {
            release(fifo);
        }
        // once the blocked read has returned, the file is read again as any other
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Path file = dir.resolve("regular");
        Files.writeString(file, "192.0.2.1\n");
        while (readersInOpen() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Files.delete(fifo);
        Files.move(file, fifo);
        byte[] read = null;
        while (read == null && System.nanoTime() < deadline) {
            try {
                read = ZoneFiles.contentWithin(fifo, 100, Duration.ofSeconds(5));
            } catch (ZoneFileException e) {
                Thread.sleep(10); // the released reader is still on its way out
            }
        }
        assertThat(read).hasSize(10);
    }

    /** A writer releases a reader blocked in the open of a FIFO (on a daemon thread: never hang here). */
    private static void release(Path fifo) throws InterruptedException {
        Thread release = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.flush();
            } catch (IOException e) {
                // the reader is gone already
            }
        });
        release.setDaemon(true);
        release.start();
        release.join(5000);
    }
}

package io.github.relaypolicy.core.internal.zone;

import io.github.relaypolicy.core.TestFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reads behind the checks: a file swapped for a FIFO or a device after it was checked (a race no check before
 * the open can close) costs the caller at most the deadline, and is never read past the size it was checked with.
 */
final class ZoneFilesTest {

    @TempDir
    Path dir;

    @Test
    void an_open_that_never_returns_gives_up_at_the_deadline() throws Exception {
        Path fifo = dir.resolve("bl.ip4set");
        TestFiles.mkfifo(fifo);

        try {
            // as if the checked regular file had been swapped for a FIFO just before the open
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(
                    () -> ZoneFiles.contentWithin(fifo, 10, Duration.ofMillis(200)))
                    .isInstanceOf(ZoneFileException.class)
                    .hasMessage(fifo + ": not read within 200 ms (a FIFO, or a stalled file system?); a local zone"
                            + " must be a regular file"));
        } finally {
            // the reader thread still waits in open(); a writer releases it
            TestFiles.releaseFifo(fifo, 5000);
        }
    }

    @Test
    void a_device_is_read_no_further_than_the_size_that_was_checked() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(
                () -> ZoneFiles.contentWithin(Path.of("/dev/zero"), 1000, Duration.ofSeconds(10)))
                .isInstanceOf(ZoneFileException.class)
                .hasMessage("/dev/zero: changed while being read; write a new file and rename it over the old one"));
    }

    @Test
    void a_regular_file_is_read_whole_and_a_shorter_one_as_it_is() throws IOException, ZoneFileException {
        Path file = Files.writeString(dir.resolve("bl.ip4set"), "192.0.2.1\n");

        assertThat(new String(ZoneFiles.read(file, 10).content(), java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("192.0.2.1\n");
        assertThat(ZoneFiles.contentWithin(file, 100, Duration.ofSeconds(10))).hasSize(10);
        assertThatThrownBy(() -> ZoneFiles.read(file, 9)).isInstanceOf(ZoneFileException.class)
                .hasMessage(file + ": 10 bytes, more than the 9 a local zone file may have (localZoneMaxSize,"
                        + " local_zone_max_size)");
    }
}

package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local zone files that are not regular files (a FIFO, a link to {@code /dev/zero}, a directory) or are larger than
 * the cap are refused with an error naming the file, at build time and on reload, and never stall the watch of
 * another engine nor {@link RelayEngine#reloadFileNow()}. Each step that could block is run under a timeout, so
 * that a regression fails instead of hanging the build.
 */
final class ZoneFileFaultsTest {

    private static final Duration PROMPTLY = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void a_fifo_zone_file_is_refused_at_build_time_naming_the_file() throws Exception {
        Path fifo = TestFiles.mkfifo(dir.resolve("bl.ip4set"));

        assertTimeoutPreemptively(PROMPTLY, () -> assertThatThrownBy(
                () -> RelayEngine.builder().localZone("bl.local", fifo).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("localZone 'bl.local': " + fifo + ": not a regular file but a FIFO; a local zone must"
                        + " be a regular file"));
    }

    @Test
    void a_link_to_dev_zero_and_a_directory_are_refused_naming_the_file() throws Exception {
        Path zero = Files.createSymbolicLink(dir.resolve("zero.ip4set"), Path.of("/dev/zero"));
        Path folder = Files.createDirectory(dir.resolve("folder.ip4set"));

        assertTimeoutPreemptively(PROMPTLY, () -> {
            assertThatThrownBy(() -> RelayEngine.builder().localZone("bl.local", zero).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("localZone 'bl.local': " + zero + ": not a regular file but a device; a local zone"
                            + " must be a regular file");
            assertThatThrownBy(() -> RelayEngine.builder().localZone("bl.local", folder).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("localZone 'bl.local': " + folder + ": not a regular file but a directory; a local"
                            + " zone must be a regular file");
        });
    }

    @Test
    void a_zone_file_over_the_cap_is_refused_naming_its_size_and_the_cap() throws Exception {
        Path file = dir.resolve("bl.ip4set");
        Files.writeString(file, "192.0.2.1\n".repeat(200)); // 2,000 bytes

        assertThatThrownBy(() -> RelayEngine.builder().localZone("bl.local", file).localZoneMaxSize(1024).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("localZone 'bl.local': " + file + ": 2000 bytes, more than the 1024 a local zone file may"
                        + " have (localZoneMaxSize, local_zone_max_size)");
        assertThat(RelayEngine.builder().localZone("bl.local", file).localZoneMaxSize(2000).build().zoneWarnings())
                .as("a file of exactly the cap").isEmpty();

        assertThatThrownBy(() -> RelayEngine.builder().localZoneMaxSize(0)).isInstanceOf(
                IllegalArgumentException.class).hasMessage("localZoneMaxSize 0 must be from 1 byte to 1073741824"
                        + " (1 GiB)");
    }

    @Test
    void the_cap_is_a_policy_file_key_and_applies_on_reload_too() throws Exception {
        Path file = dir.resolve("bl.ip4set");
        Files.writeString(file, "192.0.2.1\n");
        Path conf = dir.resolve("p.conf");
        Files.writeString(conf, "mydestination = example.org\nlocal_zone.bl.local = bl.ip4set\n"
                + "local_zone_max_size = 1k\n");
        try (RelayEngine engine = RelayEngine.fromFile(conf)) {
            assertThat(decide(engine, "192.0.2.1").verdict()).isEqualTo(Verdict.REJECT);

            TestFiles.change(file, "192.0.2.1\n192.0.2.2\n" + "#".repeat(1100) + "\n");
            engine.reloadZonesNow();

            assertThat(engine.zoneWarnings()).containsExactly("localZone 'bl.local': reload failed, previous data"
                    + " kept: " + file + ": " + Files.size(file) + " bytes, more than the 1024 a local zone file may"
                    + " have (localZoneMaxSize, local_zone_max_size)");
            assertThat(decide(engine, "192.0.2.2").verdict()).as("the previous data stays").isEqualTo(
                    Verdict.ACCEPT);
        }
        assertThat(PolicyFile.read(conf).effective(10)).contains("local_zone_max_size = 1k\n");

        Files.writeString(conf, "local_zone_max_size = lots\n");
        assertThatThrownBy(() -> PolicyFile.read(conf)).isInstanceOf(PolicyFileException.class).hasMessage(conf
                + ":1:23: local_zone_max_size: 'lots' is not a size: a number of bytes, or with k, m or g"
                + " (KiB, MiB, GiB), e.g. 256m; at most 1g");
        Files.writeString(conf, "local_zone_max_size = 2g\n");
        assertThatThrownBy(() -> PolicyFile.read(conf)).isInstanceOf(PolicyFileException.class).hasMessage(conf
                + ":1:23: local_zone_max_size: '2g' is not a size: a number of bytes, or with k, m or g"
                + " (KiB, MiB, GiB), e.g. 256m; at most 1g");
    }

    @Test
    void a_fifo_swapped_in_on_reload_is_refused_and_another_engines_zones_still_reload_promptly() throws Exception {
        Path a = dir.resolve("a.ip4set");
        Path b = dir.resolve("b.ip4set");
        Files.writeString(a, "192.0.2.1\n");
        Files.writeString(b, "192.0.2.1\n");
        try (RelayEngine engineA = zoneEngine(a); RelayEngine engineB = zoneEngine(b)) {
            // when engine A's zone file becomes a FIFO that nobody writes
            swapForFifo(a);
            TestFiles.waitFor(() -> !engineA.zoneWarnings().isEmpty());

            // then A reports it and keeps its data
            assertThat(engineA.zoneWarnings()).containsExactly("localZone 'bl.local': reload failed, previous data"
                    + " kept: " + a + ": not a regular file but a FIFO; a local zone must be a regular file");
            assertThat(decide(engineA, "192.0.2.1").verdict()).isEqualTo(Verdict.REJECT);

            // and engine B's zone still reloads on its own watch
            TestFiles.change(b, "192.0.2.1\n192.0.2.2\n");
            TestFiles.waitFor(() -> decide(engineB, "192.0.2.2").verdict() == Verdict.REJECT);
            assertThat(decide(engineB, "192.0.2.2").reply()).hasToString("554 5.7.1 Service unavailable; client"
                    + " [192.0.2.2] blocked using bl.local");
            assertTimeoutPreemptively(PROMPTLY, engineA::reloadZonesNow);
        }
    }

    @Test
    void reload_file_now_refuses_a_fifo_zone_file_promptly() throws Exception {
        Path zone = dir.resolve("bl.ip4set");
        Files.writeString(zone, "192.0.2.1\n");
        Path conf = dir.resolve("p.conf");
        Files.writeString(conf, "mydestination = example.org\nlocal_zone.bl.local = bl.ip4set\n");
        try (RelayEngine engine = RelayEngine.fromFile(conf, Duration.ofHours(1))) {
            swapForFifo(zone);
            TestFiles.change(conf, "mydestination = example.org, example.net\nlocal_zone.bl.local = bl.ip4set\n");

            assertTimeoutPreemptively(PROMPTLY, () -> assertThatThrownBy(engine::reloadFileNow)
                    .isInstanceOf(PolicyFileException.class)
                    .hasMessage(conf + ":2:23: localZone 'bl.local': " + zone + ": not a regular file but a FIFO; a"
                            + " local zone must be a regular file"));
            assertThat(decide(engine, "192.0.2.1").verdict()).as("the previous rules stay").isEqualTo(
                    Verdict.REJECT);
        }
    }

    private static RelayEngine zoneEngine(Path zone) {
        return RelayEngine.builder().localDomains("example.org").localZone("bl.local", zone)
                .localZoneCheckInterval(Duration.ofMillis(10)).build();
    }

    private static Decision decide(RelayEngine engine, String client) {
        return engine.decide(RelayRequest.of(client, "<a@example.net>", "<user@example.org>"));
    }

    /** Renames a new FIFO over {@code file}, so that a watch sees the file or the FIFO, never no file. */
    private static void swapForFifo(Path file) throws IOException, InterruptedException {
        Path fifo = TestFiles.mkfifo(file.resolveSibling(file.getFileName() + ".fifo"));
        Files.move(fifo, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}

package io.github.relaypolicy.core.internal.zone;

import static io.github.relaypolicy.core.internal.zone.Zones.ask4;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class LocalZoneTest {

    @TempDir
    Path dir;

    /** Replaces the file the way rbldnsd's manual asks: write a new file, rename it over the old. */
    private void replace(Path file, String... lines) throws IOException {
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        Files.write(tmp, Zones.bytes(lines));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void open_loads_the_file_and_an_unchanged_file_is_not_reloaded() throws Exception {
        Path file = dir.resolve("bl.txt");
        replace(file, ":127.0.0.2:Listed, see https://example.net/?$", "192.0.2.0/24");

        LocalZone zone = LocalZone.open("bl.example.net", file, ZoneType.IP4SET, true);

        assertThat(zone.zoneName()).isEqualTo("bl.example.net");
        assertThat(zone.file()).isEqualTo(file);
        assertThat(ask4(zone.data(), "192.0.2.9")).isEqualTo("127.0.0.2 Listed, see https://example.net/?192.0.2.9");
        assertThat(zone.reloadIfChanged()).isEqualTo(new ReloadResult(false, null));
    }

    @Test
    void a_changed_file_replaces_the_data_and_earlier_snapshots_stay_as_they_were() throws Exception {
        Path file = dir.resolve("bl.txt");
        replace(file, "192.0.2.1");
        LocalZone zone = LocalZone.open("bl.example.net", file, ZoneType.IP4SET, true);
        ZoneData before = zone.data();

        replace(file, "192.0.2.2 :3:new");
        ReloadResult result = zone.reloadIfChanged();

        assertThat(result).isEqualTo(new ReloadResult(true, null));
        assertThat(ask4(zone.data(), "192.0.2.1")).isEqualTo("NXDOMAIN");
        assertThat(ask4(zone.data(), "192.0.2.2")).isEqualTo("127.0.0.3 new");
        assertThat(ask4(before, "192.0.2.1")).isEqualTo("127.0.0.2");
        assertThat(zone.reloadIfChanged()).isEqualTo(new ReloadResult(false, null));
    }

    @Test
    void a_file_renamed_over_the_old_one_is_seen_even_with_the_same_size_and_time() throws Exception {
        Path file = dir.resolve("bl.txt");
        replace(file, "192.0.2.1");
        FileTime time = Files.getLastModifiedTime(file);
        LocalZone zone = LocalZone.open("bl.example.net", file, ZoneType.IP4SET, true);

        Path tmp = dir.resolve("next.tmp");
        Files.write(tmp, Zones.bytes("192.0.2.7"));
        Files.setLastModifiedTime(tmp, time);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        assertThat(zone.reloadIfChanged().reloaded()).isTrue();
        assertThat(ask4(zone.data(), "192.0.2.7")).isEqualTo("127.0.0.2");
    }

    @Test
    void a_failed_reload_keeps_the_old_data_and_says_why() throws Exception {
        Path file = dir.resolve("bl.txt");
        replace(file, "192.0.2.1");
        LocalZone zone = LocalZone.open("bl.example.net", file, ZoneType.IP4SET, true);

        replace(file, "192.0.2.2", "# a comment", "192.0.2.300");
        ReloadResult failed = zone.reloadIfChanged();

        assertThat(failed).isEqualTo(new ReloadResult(false, file + ":3: invalid address: '192.0.2.300'"));
        assertThat(ask4(zone.data(), "192.0.2.1")).isEqualTo("127.0.0.2");
        assertThat(ask4(zone.data(), "192.0.2.2")).isEqualTo("NXDOMAIN");
        // the refused version is not parsed again until it changes
        assertThat(zone.reloadIfChanged()).isEqualTo(new ReloadResult(false, null));

        replace(file, "192.0.2.2");
        assertThat(zone.reloadIfChanged()).isEqualTo(new ReloadResult(true, null));
        assertThat(ask4(zone.data(), "192.0.2.2")).isEqualTo("127.0.0.2");
    }

    @Test
    void a_vanished_file_keeps_the_old_data_and_is_reported_until_it_is_back() throws Exception {
        Path file = dir.resolve("bl.txt");
        replace(file, "192.0.2.1");
        LocalZone zone = LocalZone.open("bl.example.net", file, ZoneType.IP4SET, true);

        Files.delete(file);

        assertThat(zone.reloadIfChanged()).isEqualTo(new ReloadResult(false, file + ": no such file"));
        assertThat(zone.reloadIfChanged()).isEqualTo(new ReloadResult(false, file + ": no such file"));
        assertThat(ask4(zone.data(), "192.0.2.1")).isEqualTo("127.0.0.2");
        replace(file, "192.0.2.1");
        assertThat(zone.reloadIfChanged()).isEqualTo(new ReloadResult(true, null));
    }

    @Test
    void a_lenient_zone_reloads_a_file_with_bad_lines_and_lists_them() throws Exception {
        Path file = dir.resolve("bl.txt");
        replace(file, "192.0.2.1");
        LocalZone zone = LocalZone.open("bl.example.net", file, ZoneType.IP4SET, false);

        replace(file, "192.0.2.1", "nonsense");

        assertThat(zone.reloadIfChanged()).isEqualTo(new ReloadResult(true, null));
        assertThat(zone.data().warnings()).containsExactly(file + ":2: invalid address: 'nonsense'");
    }

    @Test
    void open_refuses_a_bad_or_missing_file() {
        Path missing = dir.resolve("missing.txt");

        assertThatThrownBy(() -> LocalZone.open("bl.example.net", missing, ZoneType.DNSET, true))
                .isInstanceOf(ZoneFileException.class)
                .hasMessage(missing + ": no such file");
    }

    @Test
    void a_reload_result_that_reloaded_has_no_error() {
        assertThatThrownBy(() -> new ReloadResult(true, "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a reload that happened has no error, got 'x'");
    }

    /** Each version k of the file has $TTL k and 50 entries answering "v k": a reader must never see a mix. */
    @Test
    void readers_see_whole_snapshots_while_the_file_is_reloaded() throws Exception {
        Path file = dir.resolve("bl.txt");
        replace(file, version(1));
        LocalZone zone = LocalZone.open("bl.example.net", file, ZoneType.IP4SET, true);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> broken = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Thread t = new Thread(() -> {
                while (!stop.get() && broken.get() == null) {
                    ZoneData d = zone.data();
                    String expected = "127.0.0.2 v" + d.ttlSeconds();
                    for (int j = 1; j <= 50; j++) {
                        String got = ask4(d, "192.0.2." + j);
                        if (!got.equals(expected)) {
                            broken.set("192.0.2." + j + " answered " + got + ", expected " + expected);
                        }
                    }
                }
            });
            t.start();
            readers.add(t);
        }
        int reloads = 0;
        for (int k = 2; k <= 60; k++) {
            replace(file, version(k));
            if (zone.reloadIfChanged().reloaded()) {
                reloads++;
            }
        }
        stop.set(true);
        for (Thread t : readers) {
            t.join();
        }

        assertThat(broken.get()).isNull();
        assertThat(reloads).isEqualTo(59);
        assertThat(zone.data().ttlSeconds()).isEqualTo(60);
    }

    private static String[] version(int k) {
        String[] lines = new String[51];
        lines[0] = "$TTL " + k;
        for (int j = 1; j <= 50; j++) {
            lines[j] = "192.0.2." + j + " v" + k;
        }
        return lines;
    }
}

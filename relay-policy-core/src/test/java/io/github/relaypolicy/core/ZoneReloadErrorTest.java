package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of issue 9, defect 4: a zone file within the size cap (32 MB; the default cap is 256 MiB) that the heap
 * cannot parse. The reload threw {@code OutOfMemoryError} out of {@code reloadZonesNow()} (out of the watch, which
 * only logs it), {@code zoneWarnings()} stayed empty, and since the version was marked as loaded before it was
 * parsed it was never tried nor reported again: the zone silently kept its old data. It must be reported like any
 * other file that fails to load ("reload failed, previous data kept"), once, with the previous data kept.
 */
final class ZoneReloadErrorTest {

    @TempDir
    Path dir;

    @Test
    void a_zone_file_too_large_for_the_heap_is_reported_and_the_previous_data_kept() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx64m", "-cp", TestFiles.classPath(), ZoneReloadErrorChild.class.getName(),
                dir.toString(), "2500000"));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        Map<String, String> results = new HashMap<>();
        List<String> output = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && output.size() < 1000) {
                output.add(line);
                if (line.startsWith("RESULT ")) {
                    results.put(line.substring(7, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
                }
            }
        } finally {
            if (!child.waitFor(120, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
        assertThat(results).as(String.join("\n", output)).containsEntry("done", "yes");
        Path zone = dir.resolve("bl.ip4set");
        assertThat(results.get("thrown1")).as("what reloadZonesNow() threw").isEmpty();
        assertThat(results.get("warnings1")).as("zoneWarnings() after the failed reload").startsWith(
                "[localZone 'bl.local': reload failed, previous data kept: " + zone + ": ");
        assertThat(results.get("new_entry_listed1")).as("the previous data stays").isEqualTo("ACCEPT");
        assertThat(results.get("thrown2")).isEmpty();
        assertThat(results.get("warnings2")).as("still reported at the next check").isEqualTo(results.get(
                "warnings1"));
    }
}

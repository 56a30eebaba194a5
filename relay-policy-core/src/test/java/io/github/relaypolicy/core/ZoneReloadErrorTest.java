package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
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
        ChildJvm child = ChildJvm.run(ZoneReloadErrorChild.class, "64m", 120, dir.toString(), "2500000");
        Map<String, String> results = child.results();
        assertThat(results).as(child.log()).containsEntry("done", "yes");
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

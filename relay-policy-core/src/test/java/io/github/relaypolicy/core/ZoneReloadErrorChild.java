package io.github.relaypolicy.core;

import io.github.relaypolicy.RelayRequest;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * Run by {@link ZoneReloadErrorTest} in a JVM with a small heap: a zone file grows (within the cap) to more than the
 * heap can parse. Prints {@code RESULT key=value} lines.
 */
public final class ZoneReloadErrorChild {

    private ZoneReloadErrorChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int lines = Integer.parseInt(args[1]);
        Path zone = dir.resolve("bl.ip4set");
        Files.writeString(zone, "192.0.2.1\n");
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").localZone("bl.local", zone)
                .localZoneCheckInterval(java.time.Duration.ofDays(1)).build()) {
            Path next = dir.resolve("next");
            try (BufferedWriter w = Files.newBufferedWriter(next)) {
                for (int i = 0; i < lines; i++) {
                    w.write((10 + (i >>> 24 & 0x7f)) + "." + (i >>> 16 & 0xff) + "." + (i >>> 8 & 0xff) + "."
                            + (i & 0xff) + "\n");
                }
            }
            Files.setLastModifiedTime(next, FileTime.fromMillis(System.currentTimeMillis() + 5000));
            Files.move(next, zone, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            System.out.println("RESULT size=" + Files.size(zone));
            for (int attempt = 1; attempt <= 2; attempt++) {
                String thrown = "";
                try {
                    engine.reloadZonesNow();
                } catch (Throwable t) { // NOPMD: what the caller sees
                    thrown = t.getClass().getSimpleName();
                }
                System.gc();
                System.out.println("RESULT thrown" + attempt + "=" + thrown);
                System.out.println("RESULT warnings" + attempt + "=" + engine.zoneWarnings());
                System.out.println("RESULT new_entry_listed" + attempt + "=" + engine.decide(RelayRequest.of(
                        "10.0.0.5", "<a@example.net>", "<u@example.org>")).verdict());
            }
        }
        System.out.println("RESULT done=yes");
    }
}

package io.github.relaypolicy.core.internal.zone;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A DNS list served from a local rbldnsd data file (a mirror kept fresh by rsync, say), reloaded atomically when
 * the file changes: readers always see one complete snapshot, and a file that fails to load leaves the previous
 * snapshot in place. As rbldnsd advises, update the file by writing a new one and renaming it over the old.
 *
 * @since 0.1.0
 */
public final class LocalZone {

    private final String zoneName;
    private final Path file;
    private final ZoneType type;
    private final boolean strict;
    private volatile ZoneData data;
    /** The version of the file last loaded or refused; guarded by this. */
    private ZoneFiles.Stamp loaded;

    private LocalZone(String zoneName, Path file, ZoneType type, boolean strict, ZoneData data,
            ZoneFiles.Stamp loaded) {
        this.zoneName = zoneName;
        this.file = file;
        this.type = type;
        this.strict = strict;
        this.data = data;
        this.loaded = loaded;
    }

    /**
     * Loads a zone file.
     *
     * @param zoneName the DNS zone the file stands for, e.g. {@code bl.example.net}
     * @param file the rbldnsd data file
     * @param type what the file holds
     * @param strict whether a malformed line refuses the file (now and on reloads); else it is skipped and listed
     *     in {@link ZoneData#warnings()}
     * @return the zone
     * @throws ZoneFileException if the file cannot be read, or in strict mode has a malformed line
     * @since 0.1.0
     */
    public static LocalZone open(String zoneName, Path file, ZoneType type, boolean strict) throws ZoneFileException {
        Objects.requireNonNull(zoneName, "zoneName");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(type, "type");
        ZoneFiles.Snapshot s = ZoneFiles.read(file);
        ZoneData d = ZoneParser.parse(file.toString(), s.content(), type, strict);
        return new LocalZone(zoneName, file, type, strict, d, s.stamp());
    }

    /**
     * The current snapshot; take it once per query and use it throughout.
     *
     * @return the data
     * @since 0.1.0
     */
    public ZoneData data() {
        return data;
    }

    /**
     * Loads the file again if its size, modification time or identity (a file renamed over it) changed since it was
     * last loaded or refused. A file that cannot be read, changes while read, or (strict) has a malformed line is
     * reported and the current data kept; a refused version is not tried again until it changes, a file that could
     * not be read is tried again on the next call.
     *
     * @return whether the data was replaced, or why not
     * @since 0.1.0
     */
    public synchronized ReloadResult reloadIfChanged() {
        ZoneFiles.Snapshot s;
        try {
            if (ZoneFiles.stamp(file).equals(loaded)) {
                return ReloadResult.UNCHANGED;
            }
            s = ZoneFiles.read(file);
        } catch (NoSuchFileException e) {
            return new ReloadResult(false, file + ": no such file");
        } catch (IOException e) {
            return new ReloadResult(false, file + ": cannot read: " + e.getMessage());
        } catch (ZoneFileException e) {
            return new ReloadResult(false, e.getMessage());
        }
        loaded = s.stamp();
        try {
            data = ZoneParser.parse(file.toString(), s.content(), type, strict);
            return ReloadResult.RELOADED;
        } catch (ZoneFileException e) {
            return new ReloadResult(false, e.getMessage());
        }
    }

    /**
     * The DNS zone this file stands for.
     *
     * @return e.g. {@code bl.example.net}
     * @since 0.1.0
     */
    public String zoneName() {
        return zoneName;
    }

    /**
     * The data file.
     *
     * @return the path given to {@link #open}
     * @since 0.1.0
     */
    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return zoneName + " from " + file + " (" + data + ")";
    }
}

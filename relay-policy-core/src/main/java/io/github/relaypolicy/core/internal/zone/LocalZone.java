package io.github.relaypolicy.core.internal.zone;

import io.github.relaypolicy.core.internal.FileStamp;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * A DNS list served from a local rbldnsd data file (a mirror kept fresh by rsync, say), reloaded atomically when
 * the file changes: readers always see one complete snapshot, and a file that fails to load leaves the previous
 * snapshot in place. As rbldnsd advises, update the file by writing a new one and renaming it over the old.
 *
 * @since 0.1.0
 */
public final class LocalZone {

    /**
     * The default of the largest zone file loaded: 256 MiB, above the largest public lists' data files.
     *
     * @since 0.1.0
     */
    public static final long DEFAULT_MAX_SIZE = 256L << 20;

    /**
     * The largest cap that may be set: 1 GiB (a file is read whole into one array).
     *
     * @since 0.1.0
     */
    public static final long MAX_SIZE_LIMIT = 1L << 30;

    private final String zoneName;
    private final Path file;
    private final ZoneType type;
    private final boolean strict;
    private final long maxSize;
    private volatile ZoneData data;
    /** The version of the file last loaded or refused; guarded by this. */
    private FileStamp loaded;

    private LocalZone(String zoneName, Path file, ZoneType type, boolean strict, long maxSize, ZoneData data,
            FileStamp loaded) {
        this.zoneName = zoneName;
        this.file = file;
        this.type = type;
        this.strict = strict;
        this.maxSize = maxSize;
        this.data = data;
        this.loaded = loaded;
    }

    /**
     * Loads a zone file of at most {@link #DEFAULT_MAX_SIZE} bytes; see {@link #open(String, Path, ZoneType, boolean,
     * long)}.
     *
     * @param zoneName the DNS zone the file stands for, e.g. {@code bl.example.net}
     * @param file the rbldnsd data file
     * @param type what the file holds
     * @param strict whether a malformed line refuses the file
     * @return the zone
     * @throws ZoneFileException if the file cannot be read, is not a regular file, is too large, or in strict mode has
     *     a malformed line
     * @since 0.1.0
     */
    public static LocalZone open(String zoneName, Path file, ZoneType type, boolean strict) throws ZoneFileException {
        return open(zoneName, file, type, strict, DEFAULT_MAX_SIZE);
    }

    /**
     * Loads a zone file. Only a regular file (links followed) is read: a FIFO, a device or a directory is refused,
     * and so is a file of more than {@code maxSize} bytes, now and on reloads.
     *
     * @param zoneName the DNS zone the file stands for, e.g. {@code bl.example.net}
     * @param file the rbldnsd data file
     * @param type what the file holds
     * @param strict whether a malformed line refuses the file (now and on reloads); else it is skipped and listed
     *     in {@link ZoneData#warnings()}
     * @param maxSize the largest file loaded, in bytes, from 1 to {@link #MAX_SIZE_LIMIT}
     * @return the zone
     * @throws ZoneFileException if the file cannot be read, is not a regular file, is larger than {@code maxSize},
     *     or in strict mode has a malformed line
     * @throws IllegalArgumentException if {@code maxSize} is out of range
     * @since 0.1.0
     */
    public static LocalZone open(String zoneName, Path file, ZoneType type, boolean strict, long maxSize)
            throws ZoneFileException {
        Objects.requireNonNull(zoneName, "zoneName");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(type, "type");
        if (maxSize < 1 || maxSize > MAX_SIZE_LIMIT) {
            throw new IllegalArgumentException("maxSize " + maxSize + " must be from 1 to " + MAX_SIZE_LIMIT);
        }
        ZoneFiles.Snapshot s = ZoneFiles.read(file, maxSize);
        ZoneData d = ZoneParser.parse(file.toString(), s.content(), type, strict);
        return new LocalZone(zoneName, file, type, strict, maxSize, d, s.stamp());
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
     * last loaded or refused. A file that cannot be read, changes while read, is not a regular file, is too large,
     * or (strict) has a malformed line is reported and the current data kept; a refused version is not tried again
     * until it changes, a file that could not be read is tried again on the next call.
     *
     * @return whether the data was replaced, or why not
     * @since 0.1.0
     */
    public synchronized ReloadResult reloadIfChanged() {
        ZoneFiles.Snapshot s;
        try {
            FileStamp now = ZoneFiles.stamp(file);
            if (now.equals(loaded)) {
                return ReloadResult.UNCHANGED;
            }
            try {
                ZoneFiles.check(file, maxSize);
            } catch (ZoneFileException e) {
                loaded = now; // refused for what it is, not for a passing fault: reported once, not at every check
                return new ReloadResult(false, e.getMessage());
            }
            s = ZoneFiles.read(file, maxSize);
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
        } catch (OutOfMemoryError e) { // NOPMD: what is left of the parse is garbage; the previous data stays
            s = null;
            // refused for what it is, like a file over the cap: reported, and not tried again until it changes (a
            // parse that exhausts the heap at every check would starve the host process)
            return new ReloadResult(false, String.format(Locale.ROOT, "%s: more than the memory available can hold"
                    + " (%s); give the process more heap, or lower localZoneMaxSize (local_zone_max_size) to refuse"
                    + " such files before they are read", file, e));
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

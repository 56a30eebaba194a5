package io.github.relaypolicy.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What identifies the content of a file without reading it: size, modification time and the file system's key (the
 * inode), so that a file replaced by a rename is seen even when its size and time are the same. The one stamp type of
 * the engine: the policy-file watch and the local zone files both use it.
 *
 * @param size the size in bytes, -1 for a file that does not exist or cannot be read
 * @param modified the modification time, {@link #MISSING_TIME} for such a file
 * @param key the file key, or null where the file system has none
 */
public record FileStamp(long size, FileTime modified, @Nullable Object key) {

    /** The time of a stamp for a file that does not exist. */
    public static final FileTime MISSING_TIME = FileTime.fromMillis(Long.MIN_VALUE);

    /** The stamp of a file that is not there or cannot be read: a change, once it appears. */
    public static final FileStamp MISSING = new FileStamp(-1, MISSING_TIME, null);

    /**
     * The stamp of {@code file}.
     *
     * @throws IOException if its attributes cannot be read
     */
    public static FileStamp of(Path file) throws IOException {
        return of(Files.readAttributes(file, BasicFileAttributes.class));
    }

    /** The stamp of a file with attributes {@code a}. */
    public static FileStamp of(BasicFileAttributes a) {
        return new FileStamp(a.size(), a.lastModifiedTime(), a.fileKey());
    }

    /** The stamp of {@code file}, or {@link #MISSING} if it cannot be read. */
    public static FileStamp orMissing(Path file) {
        try {
            return of(file);
        } catch (IOException e) {
            return MISSING;
        }
    }

    /** The stamps of {@code files}, in order, {@link #MISSING} for those that cannot be read. */
    public static List<FileStamp> all(List<Path> files) {
        List<FileStamp> stamps = new ArrayList<>(files.size());
        for (Path f : files) {
            stamps.add(orMissing(f));
        }
        return stamps;
    }
}

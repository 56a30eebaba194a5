package io.github.relaypolicy.core.internal.zone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import org.jspecify.annotations.Nullable;

/** Reads zone files whole, refusing one that changes while it is read (as rbldnsd does). */
final class ZoneFiles {

    private ZoneFiles() {
    }

    /**
     * What identifies a version of a file: size, modification time, and the file key (inode), which a new file
     * renamed over the old one changes even within the same clock tick.
     */
    record Stamp(long size, FileTime modified, @Nullable Object key) {
    }

    record Snapshot(byte[] content, Stamp stamp) {
    }

    static Stamp stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return new Stamp(a.size(), a.lastModifiedTime(), a.fileKey());
    }

    static Snapshot read(Path file) throws ZoneFileException {
        try {
            Stamp before = stamp(file);
            byte[] content = Files.readAllBytes(file);
            Stamp after = stamp(file);
            if (!before.equals(after) || content.length != before.size()) {
                throw new ZoneFileException(file + ": changed while being read; write a new file and rename it"
                        + " over the old one", 0);
            }
            return new Snapshot(content, before);
        } catch (NoSuchFileException e) {
            throw new ZoneFileException(file + ": no such file", e);
        } catch (IOException e) {
            throw new ZoneFileException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}

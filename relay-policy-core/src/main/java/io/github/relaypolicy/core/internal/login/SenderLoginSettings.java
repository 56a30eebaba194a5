package io.github.relaypolicy.core.internal.login;

import io.github.relaypolicy.core.SenderLoginMismatch;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The sender-login settings as given: the map files (read when they were given), every entry (from the files and
 * from the builder, in order), the mode if one was set, and the recipient delimiters.
 *
 * @param files the map files, in order
 * @param entries every entry, in order
 * @param mode the mode set, or null for the default
 * @param delimiters the recipient delimiter characters, or "" for none
 */
public record SenderLoginSettings(List<Path> files, List<LoginMaps.Entry> entries,
        @Nullable SenderLoginMismatch mode, String delimiters) {

    /** No maps, no mode, no delimiter. */
    public static final SenderLoginSettings NONE = new SenderLoginSettings(List.of(), List.of(), null, "");

    public SenderLoginSettings {
        files = List.copyOf(files);
        entries = List.copyOf(entries);
    }

    /** Whether maps were given (files, even empty ones, or entries). */
    public boolean hasMaps() {
        return !files.isEmpty() || !entries.isEmpty();
    }

    /** The mode in force: the one set, else {@code AUTHENTICATED} with maps and {@code OFF} without. */
    public SenderLoginMismatch effectiveMode() {
        return mode != null ? mode : hasMaps() ? SenderLoginMismatch.AUTHENTICATED : SenderLoginMismatch.OFF;
    }
}

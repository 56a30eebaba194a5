package io.github.relaypolicy.core;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Where a setting or list entry was written in a policy file: the file, the line and column (both from 1) and
 * the text as written there.
 */
record Origin(Path file, int line, int column, String text) {

    /** The problem {@code message} at this place. */
    PolicyFileException.Problem problem(String message) {
        return new PolicyFileException.Problem(file, line, column, text, message);
    }

    /** {@code e} located at {@code origin}, or {@code e} itself when it came from code, not from a file. */
    static IllegalArgumentException at(@Nullable Origin origin, IllegalArgumentException e) {
        if (origin == null || e instanceof PolicyFileException) {
            return e;
        }
        return new PolicyFileException(java.util.List.of(origin.problem(e.getMessage())), e);
    }
}

package io.github.relaypolicy.core.internal.policyfile;

import io.github.relaypolicy.core.PolicyFileException;
import java.nio.file.Path;

/**
 * Where a setting or list entry was written in a policy file: the file, the line and column (both from 1) and
 * the text as written there.
 *
 * @param file the file
 * @param line the line, from 1; 0 for the file as a whole
 * @param column the column, from 1
 * @param text the text written there
 */
public record Origin(Path file, int line, int column, String text) {

    /** The problem {@code message} at this place. */
    public PolicyFileException.Problem problem(String message) {
        return new PolicyFileException.Problem(file, line, column, text, message);
    }
}

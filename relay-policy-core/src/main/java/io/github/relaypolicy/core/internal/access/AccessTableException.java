package io.github.relaypolicy.core.internal.access;

import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.internal.FileProblemsException;
import java.util.List;

/**
 * Access-table entries that cannot be used: every problem with its file, line and column. The message is the first
 * problem ({@code FILE:LINE:COLUMN: message}) and how many more there are.
 */
public final class AccessTableException extends FileProblemsException {

    private static final long serialVersionUID = 1L;

    /** @param problems at least one problem, in file order */
    public AccessTableException(List<PolicyFileException.Problem> problems) {
        super(problems);
    }
}

package io.github.relaypolicy.core.internal.access;

import io.github.relaypolicy.core.PolicyFileException;
import java.util.List;

/**
 * Access-table entries that cannot be used: every problem with its file, line and column. The message is the first
 * problem ({@code FILE:LINE:COLUMN: message}) and how many more there are.
 */
public final class AccessTableException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    @SuppressWarnings("serial") // immutable records; serialization is not supported anyway
    private final List<PolicyFileException.Problem> problems;

    /** @param problems at least one problem, in file order */
    public AccessTableException(List<PolicyFileException.Problem> problems) {
        super(problems.get(0) + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more problems)" : ""));
        this.problems = List.copyOf(problems);
    }

    /** Every problem, in file order. */
    public List<PolicyFileException.Problem> problems() {
        return problems;
    }
}

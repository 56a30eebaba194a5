package io.github.relaypolicy.core.internal;

import io.github.relaypolicy.core.PolicyFileException;
import java.util.List;

/**
 * Files read for a setting (sender login maps, client certificate lists, access tables) that cannot be used: every
 * problem with its file, line and column. The message is the first problem and how many more there are, so that a
 * builder call names the place; a policy file reports each problem. A problem at line 0 is about the file as a
 * whole (it cannot be read): the policy file places it at the entry that names the file.
 */
public class FileProblemsException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    @SuppressWarnings("serial") // immutable records; serialization is not supported anyway
    private final List<PolicyFileException.Problem> problems;

    /**
     * The exception for {@code problems}.
     *
     * @param problems at least one problem, in file order
     */
    public FileProblemsException(List<PolicyFileException.Problem> problems) {
        super(problems.get(0) + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more problems)" : ""));
        this.problems = List.copyOf(problems);
    }

    /** Every problem, in file order. */
    public final List<PolicyFileException.Problem> problems() {
        return problems;
    }
}

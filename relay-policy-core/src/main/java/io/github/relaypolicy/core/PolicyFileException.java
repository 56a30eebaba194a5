package io.github.relaypolicy.core;

import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.dns.ListNames;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A policy file that cannot be used: every problem names the file, the line and column, the text written there
 * and what was expected, e.g. {@code relay-policy.conf:7:13: unknown key 'mynetwork'; did you mean 'mynetworks'?}.
 * The rules in force before stay in force.
 *
 * @since 0.1.0
 */
public final class PolicyFileException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** How many problems the message lists; {@link #problems()} has them all. */
    private static final int SHOWN = 20;

    /**
     * One problem.
     *
     * @param file the file, as given (a list file for list entries)
     * @param line the line, from 1; 0 when the problem concerns the whole file (it cannot be read)
     * @param column the column, from 1; 0 with line 0
     * @param text the offending text as written, or empty; a secret key of a DNS list's zone is masked, and control
     *     characters are escaped as {@code \}{@code uXXXX}
     * @param message what is wrong and what was expected; masked and escaped the same way
     * @since 0.1.0
     */
    public record Problem(Path file, int line, int column, String text, String message) {

        /**
         * Checks the parts, masks secret keys in {@code text} and {@code message} and escapes their control
         * characters.
         *
         * @param file the file, as given
         * @param line the line, from 1; 0 for the whole file
         * @param column the column, from 1; 0 with line 0
         * @param text the offending text as written, or empty
         * @param message what is wrong and what was expected
         * @throws NullPointerException if a part is null
         */
        public Problem {
            Objects.requireNonNull(file, "file");
            // A list's secret key (Spamhaus DQS, Abusix) is masked, and control characters escaped, whichever part
            // of the code wrote the message: problems are printed and logged, one per line.
            text = Text.escapeControls(ListNames.maskAll(Objects.requireNonNull(text, "text")));
            message = Text.escapeControls(ListNames.maskAll(Objects.requireNonNull(message, "message")));
        }

        /** {@code file:line:column: message}, or {@code file: message} for the whole file. */
        @Override
        public String toString() {
            return line == 0 ? file + ": " + message : file + ":" + line + ":" + column + ": " + message;
        }
    }

    /** Problems in the order they were found: never empty, immutable. */
    @SuppressWarnings("serial") // an immutable list of records; serialization is not supported anyway
    private final List<Problem> problems;

    /** The files read before the problems were found; not serialized. */
    @SuppressWarnings("serial")
    private final transient List<Path> files;

    /**
     * Creates the exception.
     *
     * @param problems at least one problem
     * @param cause what the first problem came from, or null
     * @throws IllegalArgumentException if {@code problems} is empty
     */
    PolicyFileException(List<Problem> problems, @Nullable Throwable cause) {
        this(problems, cause, List.of());
    }

    /** As above, remembering the files that were read, so that a watch notices when any of them changes. */
    PolicyFileException(List<Problem> problems, @Nullable Throwable cause, List<Path> files) {
        super(message(problems), cause);
        this.problems = List.copyOf(problems);
        this.files = List.copyOf(files);
    }

    private static String message(List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("no problems");
        }
        String shown = problems.stream().limit(SHOWN).map(Problem::toString).collect(Collectors.joining("\n"));
        return problems.size() > SHOWN ? shown + "\n(" + (problems.size() - SHOWN) + " more problems)" : shown;
    }

    /** The files read before the problems were found: the policy file and the list files it names. */
    List<Path> files() {
        return files == null ? List.of() : files;
    }

    /**
     * Every problem found, in file order.
     *
     * @return the problems, at least one
     * @since 0.1.0
     */
    public List<Problem> problems() {
        return problems;
    }
}

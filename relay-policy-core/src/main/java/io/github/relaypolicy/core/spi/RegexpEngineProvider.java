package io.github.relaypolicy.core.spi;

/**
 * Compiles the patterns of {@code regexp:} and {@code pcre:} access tables. Registered for
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.github.relaypolicy.core.spi.RegexpEngineProvider}, or
 * {@code provides} in a module declaration); the engine takes the first provider found. The module
 * {@code relay-policy-regexp} provides one with RE2/J, whose matching time is linear in the input whatever the
 * pattern: the text matched (HELO names, addresses) is chosen by the client, so an engine that backtracks must not
 * be plugged in here.
 *
 * <p>The core parses the table format (delimiters, flags, results, {@code $n} substitution); the engine only
 * compiles a pattern with the flags below and finds it in a text.
 *
 * @since 0.1.0
 */
public interface RegexpEngineProvider {

    /** Letters match regardless of case. */
    int CASE_INSENSITIVE = 1;
    /** {@code .} also matches a line end. */
    int DOTALL = 1 << 1;
    /** {@code ^} and {@code $} also match at line ends inside the text. */
    int MULTILINE = 1 << 2;
    /** Repetitions are lazy by default and greedy when followed by {@code ?} (PCRE's {@code U}). */
    int UNGREEDY = 1 << 3;
    /**
     * POSIX semantics: of the matches starting leftmost, the longest, with the groups POSIX assigns (Postfix's
     * {@code regexp:} tables); otherwise Perl semantics, the first alternative that matches ({@code pcre:}).
     */
    int LONGEST_MATCH = 1 << 4;
    /** The match must start at the beginning of the text (PCRE's {@code A}). */
    int ANCHORED = 1 << 5;

    /**
     * A short name of the engine for messages and the effective policy.
     *
     * @return e.g. {@code RE2/J 1.8}
     */
    String name();

    /**
     * Compiles a pattern.
     *
     * @param pattern the pattern as written between the delimiters of the table line
     * @param flags a combination of the constants of this interface
     * @return the compiled pattern, immutable and safe to use from many threads
     * @throws RegexpSyntaxException if the engine cannot compile it, with the index in {@code pattern} where the
     *     problem is, so that the table's error names the column
     */
    CompiledRegexp compile(String pattern, int flags) throws RegexpSyntaxException;
}

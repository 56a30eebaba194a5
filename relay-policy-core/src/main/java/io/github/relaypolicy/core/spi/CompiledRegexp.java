package io.github.relaypolicy.core.spi;

/**
 * A pattern compiled by a {@link RegexpEngineProvider}: immutable, used by many threads at once.
 *
 * @since 0.1.0
 */
public interface CompiledRegexp {

    /**
     * The number of capturing groups of the pattern (group 0, the whole match, not counted).
     *
     * @return 0 or more
     */
    int groupCount();

    /**
     * Whether the pattern matches anywhere in {@code input} (or at its start with
     * {@link RegexpEngineProvider#ANCHORED}).
     *
     * @param input the text
     * @return whether it matches
     */
    boolean find(CharSequence input);

    /**
     * Finds the pattern as {@link #find(CharSequence)} does and reports where its groups matched.
     *
     * @param input the text
     * @param groups at least {@code 2 * (groupCount() + 1)} ints: on a match, {@code groups[2 * i]} and
     *     {@code groups[2 * i + 1]} are set to the start and end (exclusive) of group {@code i} in {@code input}, or
     *     both to -1 for a group that did not take part in the match; unchanged when there is no match
     * @return whether it matches
     */
    boolean find(CharSequence input, int[] groups);
}

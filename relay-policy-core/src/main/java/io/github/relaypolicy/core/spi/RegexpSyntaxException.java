package io.github.relaypolicy.core.spi;

/**
 * A pattern a {@link RegexpEngineProvider} cannot compile: malformed, or a construct the engine does not have
 * (RE2/J has no backreferences and no lookaround, for example).
 *
 * @since 0.1.0
 */
public final class RegexpSyntaxException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Where in the pattern the problem is, or -1. */
    private final int index;
    /** What is wrong, without the index. */
    private final String description;

    /**
     * The exception for a problem at {@code index} of the pattern.
     *
     * @param description what is wrong, in a few words, e.g. {@code invalid or unsupported Perl syntax: (?<}
     * @param index the index in the pattern (0-based) where the problem is, or -1 if the engine cannot tell
     */
    public RegexpSyntaxException(String description, int index) {
        super(description + (index >= 0 ? " at index " + index : ""));
        this.description = description;
        this.index = index;
    }

    /**
     * What is wrong, without the index.
     *
     * @return the description
     */
    public String description() {
        return description;
    }

    /**
     * Where in the pattern the problem is.
     *
     * @return the 0-based index, or -1 if unknown
     */
    public int index() {
        return index;
    }
}

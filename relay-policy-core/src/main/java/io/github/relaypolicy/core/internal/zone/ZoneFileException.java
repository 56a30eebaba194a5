package io.github.relaypolicy.core.internal.zone;

/**
 * A zone file that cannot be read or, in strict mode, has a malformed line. The message names the file and, for a
 * bad line, its number and text: {@code FILE:LINE: what is wrong: 'the line'}.
 *
 * @since 0.1.0
 */
public final class ZoneFileException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int line;

    ZoneFileException(String message, int line) {
        super(message);
        this.line = line;
    }

    ZoneFileException(String message, Throwable cause) {
        super(message, cause);
        this.line = 0;
    }

    /**
     * The number of the bad line, counted from 1.
     *
     * @return the line number, or 0 when the problem is the file as a whole (unreadable, changed while read)
     * @since 0.1.0
     */
    public int line() {
        return line;
    }
}

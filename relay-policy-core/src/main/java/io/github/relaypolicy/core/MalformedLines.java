package io.github.relaypolicy.core;

/**
 * What a malformed line in a local zone's rbldnsd data file does. Either way it is reported with
 * {@code file:line}; it is never silently accepted.
 *
 * @since 0.1.0
 */
public enum MalformedLines {
    /** The file is refused: at build time an error, on reload the previous data stays in force. The default. */
    REFUSE,
    /** The line is skipped and reported as a warning (see {@link RelayEngine#zoneWarnings()}). */
    SKIP
}

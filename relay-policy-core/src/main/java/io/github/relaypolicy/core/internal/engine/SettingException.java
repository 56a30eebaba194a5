package io.github.relaypolicy.core.internal.engine;

/**
 * A setting that was valid when given but cannot be used when the engine is built: a local zone whose file cannot be
 * loaded, or whose data does not fit the list that names it. Carries the zone, so that a policy file can report the
 * problem at the {@code local_zone.ZONE} line that configured it.
 */
public final class SettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String zone;

    SettingException(String zone, String message, Throwable cause) {
        super(message, cause);
        this.zone = zone;
    }

    SettingException(String zone, String message) {
        super(message);
        this.zone = zone;
    }

    /** The local zone whose setting cannot be used. */
    public String zone() {
        return zone;
    }
}

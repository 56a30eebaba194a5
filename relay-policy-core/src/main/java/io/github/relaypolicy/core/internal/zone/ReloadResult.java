package io.github.relaypolicy.core.internal.zone;

import org.jspecify.annotations.Nullable;

/**
 * What {@link LocalZone#reloadIfChanged()} did.
 *
 * @param reloaded whether new data replaced the old
 * @param error why the changed file was not loaded ({@code FILE:LINE: ...}), the old data staying in place; null
 *     when there was nothing to reload or the reload succeeded
 * @since 0.1.0
 */
public record ReloadResult(boolean reloaded, @Nullable String error) {

    static final ReloadResult UNCHANGED = new ReloadResult(false, null);
    static final ReloadResult RELOADED = new ReloadResult(true, null);

    /**
     * Checks that a reload that happened carries no error.
     *
     * @throws IllegalArgumentException if {@code reloaded} and {@code error} are both given
     */
    public ReloadResult {
        if (reloaded && error != null) {
            throw new IllegalArgumentException("a reload that happened has no error, got '" + error + "'");
        }
    }
}

package io.github.relaypolicy.core;

import io.github.relaypolicy.core.internal.TimeSource;

/** What tests in other packages may set on a {@link RelayEngine.Builder} beyond its public API. */
public final class EngineTestHooks {

    private EngineTestHooks() {
    }

    /** The clock of the built engine's DNS answer lifetimes and deadlines (a {@code ManualClock}, say). */
    public static RelayEngine.Builder timeSource(RelayEngine.Builder builder, TimeSource time) {
        builder.config.timeSource(time);
        return builder;
    }
}

package io.github.relaypolicy.core.internal;

import io.github.relaypolicy.core.EngineListener;
import io.github.relaypolicy.core.PolicyFileException;
import java.nio.file.Path;

/**
 * A host's {@link EngineListener} behind a guard: what it throws is dropped, because its calls run inside DNS answer
 * handlers and reloads, where an exception would lose an answer or stop a reload. {@link EngineListener#NONE} is
 * kept as it is, so an engine without a listener calls a method that does nothing.
 */
public final class SafeListener implements EngineListener {

    private final EngineListener listener;

    private SafeListener(EngineListener listener) {
        this.listener = listener;
    }

    /** {@code listener} guarded, or {@link EngineListener#NONE} itself. */
    public static EngineListener of(EngineListener listener) {
        return listener == NONE || listener instanceof SafeListener ? listener : new SafeListener(listener);
    }

    @Override
    public void dnsQuery(String list, QueryOutcome outcome, long nanos) {
        try {
            listener.dnsQuery(list, outcome, nanos);
        } catch (RuntimeException e) {
            // a listener never changes a decision
        }
    }

    @Override
    public void dnsAnswerCache(boolean hit) {
        try {
            listener.dnsAnswerCache(hit);
        } catch (RuntimeException e) {
            // a listener never changes a decision
        }
    }

    @Override
    public void dnsOutcomeMemo(boolean hit) {
        try {
            listener.dnsOutcomeMemo(hit);
        } catch (RuntimeException e) {
            // a listener never changes a decision
        }
    }

    @Override
    public void policyFileReloaded(Path file) {
        try {
            listener.policyFileReloaded(file);
        } catch (RuntimeException e) {
            // nor a reload
        }
    }

    @Override
    public void policyFileReloadFailed(Path file, PolicyFileException failure) {
        try {
            listener.policyFileReloadFailed(file, failure);
        } catch (RuntimeException e) {
            // nor a reload
        }
    }

    @Override
    public void zoneReloaded(String zone) {
        try {
            listener.zoneReloaded(zone);
        } catch (RuntimeException e) {
            // nor a reload
        }
    }

    @Override
    public void zoneReloadFailed(String zone, String reason) {
        try {
            listener.zoneReloadFailed(zone, reason);
        } catch (RuntimeException e) {
            // nor a reload
        }
    }
}

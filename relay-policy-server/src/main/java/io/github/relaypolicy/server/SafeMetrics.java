package io.github.relaypolicy.server;

import io.github.relaypolicy.Decision;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@link ServerMetrics} a {@link PolicyServer} calls: the given ones, with what they throw caught, so that broken
 * metrics never close a connection or leave a request unanswered. The first failure is logged; later ones are not.
 */
final class SafeMetrics implements ServerMetrics {

    private final ServerMetrics metrics;
    private final System.Logger log;
    private final AtomicBoolean logged = new AtomicBoolean();

    private SafeMetrics(ServerMetrics metrics, System.Logger log) {
        this.metrics = metrics;
        this.log = log;
    }

    static ServerMetrics of(ServerMetrics metrics, System.Logger log) {
        return metrics == ServerMetrics.NONE || metrics instanceof SafeMetrics ? metrics : new SafeMetrics(metrics, log);
    }

    private void failed(String what, RuntimeException e) {
        if (logged.compareAndSet(false, true)) {
            log.log(Level.WARNING, "server metrics failed in " + what + " (ignored; later failures are not logged)", e);
        }
    }

    @Override
    public void connectionOpened() {
        try {
            metrics.connectionOpened();
        } catch (RuntimeException e) {
            failed("connectionOpened", e);
        }
    }

    @Override
    public void connectionClosed() {
        try {
            metrics.connectionClosed();
        } catch (RuntimeException e) {
            failed("connectionClosed", e);
        }
    }

    @Override
    public void connectionRefused() {
        try {
            metrics.connectionRefused();
        } catch (RuntimeException e) {
            failed("connectionRefused", e);
        }
    }

    @Override
    public void request(PolicyRequest.ProtocolState state) {
        try {
            metrics.request(state);
        } catch (RuntimeException e) {
            failed("request", e);
        }
    }

    @Override
    public void decision(Decision decision, long nanos) {
        try {
            metrics.decision(decision, nanos);
        } catch (RuntimeException e) {
            failed("decision", e);
        }
    }

    @Override
    public void protocolError(PolicyProtocolException.Reason reason) {
        try {
            metrics.protocolError(reason);
        } catch (RuntimeException e) {
            failed("protocolError", e);
        }
    }
}

package io.github.relaypolicy.server;

import io.github.relaypolicy.Decision;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** {@link ServerMetrics} that count, for tests that compare the server's own accounting with what clients did. */
final class CountingMetrics implements ServerMetrics {

    final LongAdder opened = new LongAdder();
    final LongAdder closed = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder decisions = new LongAdder();
    final Map<PolicyProtocolException.Reason, LongAdder> protocolErrors =
            new EnumMap<>(PolicyProtocolException.Reason.class);

    CountingMetrics() {
        for (PolicyProtocolException.Reason r : PolicyProtocolException.Reason.values()) {
            protocolErrors.put(r, new LongAdder());
        }
    }

    @Override
    public void connectionOpened() {
        opened.increment();
    }

    @Override
    public void connectionClosed() {
        closed.increment();
    }

    @Override
    public void connectionRefused() {
        refused.increment();
    }

    @Override
    public void request(PolicyRequest.ProtocolState state) {
        requests.increment();
    }

    @Override
    public void decision(Decision decision, long nanos) {
        decisions.increment();
    }

    @Override
    public void protocolError(PolicyProtocolException.Reason reason) {
        protocolErrors.get(reason).increment();
    }

    long protocolErrors() {
        return protocolErrors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    @Override
    public String toString() {
        return "opened=" + opened + " closed=" + closed + " refused=" + refused + " requests=" + requests
                + " decisions=" + decisions + " protocolErrors=" + protocolErrors;
    }
}

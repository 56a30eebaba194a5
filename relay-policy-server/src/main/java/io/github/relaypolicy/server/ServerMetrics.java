package io.github.relaypolicy.server;

import io.github.relaypolicy.Decision;

/**
 * What a {@link PolicyServer} reports as it serves: connections, requests, decisions and protocol errors.
 *
 * <p>Implementations must be thread-safe and cheap: the server calls them on its event-loop threads and on the
 * threads where decisions complete, never waiting for anything. Every method does nothing by default.
 *
 * @since 0.1.0
 */
public interface ServerMetrics {

    /** Reports nothing. */
    ServerMetrics NONE = new ServerMetrics() {
    };

    /** A client connected and is served. */
    default void connectionOpened() {
    }

    /** A connection that {@link #connectionOpened} reported was closed, by either side. */
    default void connectionClosed() {
    }

    /** A client connected while the server had its most connections open; it was closed at once. */
    default void connectionRefused() {
    }

    /**
     * A complete request was read.
     *
     * @param state its protocol state
     */
    default void request(PolicyRequest.ProtocolState state) {
    }

    /**
     * A recipient ({@code protocol_state=RCPT}) was decided.
     *
     * @param decision the decision
     * @param nanos the time from the complete request to the decision, in nanoseconds
     */
    default void decision(Decision decision, long nanos) {
    }

    /**
     * A client broke the protocol; its connection was closed without an answer.
     *
     * @param reason what it did
     */
    default void protocolError(PolicyProtocolException.Reason reason) {
    }
}

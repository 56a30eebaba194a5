package io.github.relaypolicy.server;

import io.github.relaypolicy.RelayPolicy;
import java.time.Duration;

/** A {@link PolicyServer}'s settings, shared by its connections. */
record ServerConfig(RelayPolicy policy, PolicyAnswers answers, Duration idleTimeout, Duration shutdownGrace,
        int maxConnections, ServerMetrics metrics, System.Logger log) {
}

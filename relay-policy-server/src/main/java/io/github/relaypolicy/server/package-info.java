/**
 * The policy service of relay-policy for Postfix ({@code check_policy_service}) and Exim ({@code readsocket}):
 * {@link io.github.relaypolicy.server.PolicyServer} serves a {@link io.github.relaypolicy.RelayPolicy} over the
 * protocol of Postfix's {@code SMTPD_POLICY_README} (Netty), reporting to {@link
 * io.github.relaypolicy.server.ServerMetrics}. The protocol itself: {@link
 * io.github.relaypolicy.server.PolicyRequestReader} reads requests from bytes as they arrive, {@link
 * io.github.relaypolicy.server.PolicyRequest} maps a request to a {@link io.github.relaypolicy.RelayRequest}, and
 * {@link io.github.relaypolicy.server.PolicyAnswers} writes the answer to a {@link io.github.relaypolicy.Decision}.
 * Class path, or automatic module {@code io.github.relaypolicy.server}.
 */
@NullMarked
package io.github.relaypolicy.server;

import org.jspecify.annotations.NullMarked;

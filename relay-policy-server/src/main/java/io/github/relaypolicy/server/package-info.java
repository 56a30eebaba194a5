/**
 * The policy service of relay-policy for Postfix ({@code check_policy_service}) and Exim ({@code readsocket}). For
 * now this package holds the protocol of Postfix's {@code SMTPD_POLICY_README} without any network code: {@link
 * io.github.relaypolicy.server.PolicyRequestReader} reads requests from bytes as they arrive, {@link
 * io.github.relaypolicy.server.PolicyRequest} maps a request to a {@link io.github.relaypolicy.RelayRequest}, and
 * {@link io.github.relaypolicy.server.PolicyAnswers} writes the answer to a {@link io.github.relaypolicy.Decision}.
 * Class path, or automatic module {@code io.github.relaypolicy.server}.
 */
@NullMarked
package io.github.relaypolicy.server;

import org.jspecify.annotations.NullMarked;

/**
 * The public vocabulary of relay-policy. Start at {@link io.github.relaypolicy.RelayPolicy}: a mail server
 * asks it, for every {@code RCPT TO}, whether it may accept the recipient, with a
 * {@link io.github.relaypolicy.RelayRequest}, and gets a {@link io.github.relaypolicy.Decision} back.
 *
 * @since 0.1.0
 */
@NullMarked
package io.github.relaypolicy;

import org.jspecify.annotations.NullMarked;

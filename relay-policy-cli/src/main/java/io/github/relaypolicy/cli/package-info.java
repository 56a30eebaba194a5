/**
 * The {@code relay-policy} command: test relay control from a shell. Start at
 * {@link io.github.relaypolicy.cli.Main}; the open-relay battery that the commands share is
 * {@link io.github.relaypolicy.cli.RelayBattery}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.github.relaypolicy.cli;

import org.jspecify.annotations.NullMarked;

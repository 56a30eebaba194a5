/**
 * The relay-policy decision engine. Start at {@link io.github.relaypolicy.core.RelayEngine#builder()}.
 *
 * @since 0.1.0
 */
@NullMarked
package io.github.relaypolicy.core;

import org.jspecify.annotations.NullMarked;

/**
 * The engine behind {@code RelayEngine}: the checked settings of a builder ({@link
 * io.github.relaypolicy.core.internal.engine.ConfigBuilder}), their immutable snapshot ({@link
 * io.github.relaypolicy.core.internal.engine.EngineConfig}), the compiler from configuration to rule set ({@link
 * io.github.relaypolicy.core.internal.engine.Compiler}), the rule set that decides ({@link
 * io.github.relaypolicy.core.internal.engine.Rules}) and its decisions ({@link
 * io.github.relaypolicy.core.internal.engine.EngineDecision}), and the rules in force with their reloads and file watches
 * ({@link io.github.relaypolicy.core.internal.engine.Reloader}). Not API.
 */
@NullMarked
package io.github.relaypolicy.core.internal.engine;

import org.jspecify.annotations.NullMarked;

/**
 * The policy-file format: its syntax ({@link io.github.relaypolicy.core.internal.policyfile.Lexer}), its keys ({@link
 * io.github.relaypolicy.core.internal.policyfile.Keys}, one entry a setting), how settings reach the builder ({@link
 * io.github.relaypolicy.core.internal.policyfile.Applier}) and the effective policy that {@code lint} prints ({@link
 * io.github.relaypolicy.core.internal.policyfile.Writer}). Not API.
 */
@NullMarked
package io.github.relaypolicy.core.internal.policyfile;

import org.jspecify.annotations.NullMarked;

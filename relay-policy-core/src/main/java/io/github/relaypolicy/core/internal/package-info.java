/**
 * Internals of the relay-policy engine: not API, not exported by the module, may change without notice.
 */
@NullMarked
package io.github.relaypolicy.core.internal;

import org.jspecify.annotations.NullMarked;

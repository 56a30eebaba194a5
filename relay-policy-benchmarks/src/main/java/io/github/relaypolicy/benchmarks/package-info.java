/**
 * JMH benchmarks of the relay-policy engine; start at {@link io.github.relaypolicy.benchmarks.DecideBenchmark}.
 * Not API, never published.
 */
@NullMarked
package io.github.relaypolicy.benchmarks;

import org.jspecify.annotations.NullMarked;

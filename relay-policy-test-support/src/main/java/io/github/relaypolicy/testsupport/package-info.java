/**
 * What the tests and the benchmarks share; not published. Start at {@link
 * io.github.relaypolicy.testsupport.RbldnsdServer}, the one way to run rbldnsd, and {@link
 * io.github.relaypolicy.testsupport.RequiresRbldnsd}, the tag of the tests that do.
 */
@NullMarked
package io.github.relaypolicy.testsupport;

import org.jspecify.annotations.NullMarked;

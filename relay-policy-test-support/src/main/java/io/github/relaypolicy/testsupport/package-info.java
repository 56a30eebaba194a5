/**
 * What the tests and the benchmarks share; not published. Start at {@link
 * io.github.relaypolicy.testsupport.RbldnsdServer}, the one way to run rbldnsd, and {@link
 * io.github.relaypolicy.testsupport.RequiresRbldnsd}, the tag of the tests that do; {@link
 * io.github.relaypolicy.testsupport.RedisServer} and {@link io.github.relaypolicy.testsupport.RequiresRedis} do the
 * same for redis-server, {@link io.github.relaypolicy.testsupport.PostfixServer} and {@link
 * io.github.relaypolicy.testsupport.RequiresPostfix} for Postfix, whose replies {@link
 * io.github.relaypolicy.testsupport.SmtpProbe} asks for, {@link io.github.relaypolicy.testsupport.EximRunner} and
 * {@link io.github.relaypolicy.testsupport.RequiresExim} for Exim in host-checking mode.
 */
@NullMarked
package io.github.relaypolicy.testsupport;

import org.jspecify.annotations.NullMarked;

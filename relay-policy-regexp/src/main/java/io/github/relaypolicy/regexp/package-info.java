/**
 * The pattern engine of {@code regexp:} and {@code pcre:} access tables: {@link
 * io.github.relaypolicy.regexp.Re2jEngineProvider}, registered for {@link java.util.ServiceLoader}, compiles and
 * matches with RE2/J, whose matching time is linear in the length of the text whatever the pattern. Put this module
 * beside relay-policy-core (class path, or automatic module {@code io.github.relaypolicy.regexp}); the core finds it
 * by itself.
 */
@NullMarked
package io.github.relaypolicy.regexp;

import org.jspecify.annotations.NullMarked;

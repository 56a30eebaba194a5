/**
 * DNS block and allow lists (RFC 5782): list specifications, query names, answer classification. Not API.
 */
@NullMarked
package io.github.relaypolicy.core.internal.dns;

import org.jspecify.annotations.NullMarked;

/**
 * Access tables in Postfix's formats ({@code check_client_access}, {@code check_helo_access},
 * {@code check_sender_access}, {@code check_recipient_access}): the parsers of cidr_table(5), access(5) text (the
 * source of a {@code hash:} map) and regexp_table(5)/pcre_table(5) files, each entry's action as Postfix's
 * {@code check_table_result} reads it ({@link io.github.relaypolicy.core.internal.access.Action}), and the compiled,
 * immutable tables that answer a request's lookups in Postfix's order without allocating
 * ({@link io.github.relaypolicy.core.internal.access.AccessTable}). Not API.
 */
@NullMarked
package io.github.relaypolicy.core.internal.access;

import org.jspecify.annotations.NullMarked;

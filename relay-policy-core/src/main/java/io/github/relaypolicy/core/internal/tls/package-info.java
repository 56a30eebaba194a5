/**
 * Relay by TLS client certificate ({@code relay_clientcerts}, {@code permit_tls_clientcerts}): the fingerprint files
 * read into entries and the compiled, immutable index the rules consult ({@link
 * io.github.relaypolicy.core.internal.tls.ClientCerts}). Not API.
 */
@NullMarked
package io.github.relaypolicy.core.internal.tls;

import org.jspecify.annotations.NullMarked;

/**
 * The matchers of the decision path, each allocation-free on well-formed ASCII input: RFC 5321 paths ({@link
 * io.github.relaypolicy.core.internal.match.SmtpPath}), IP address text ({@link
 * io.github.relaypolicy.core.internal.match.IpText}), networks ({@link
 * io.github.relaypolicy.core.internal.match.NetworkSet} over a {@link
 * io.github.relaypolicy.core.internal.match.PrefixTrie}), domains ({@link
 * io.github.relaypolicy.core.internal.match.DomainIndex}) and the one domain-name check ({@link
 * io.github.relaypolicy.core.internal.match.DomainNames}). Not API.
 */
@NullMarked
package io.github.relaypolicy.core.internal.match;

import org.jspecify.annotations.NullMarked;

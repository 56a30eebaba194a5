/**
 * DNS block and allow lists (RFC 5782): list specifications, query names, answer classification, and the lists of
 * one rule set, one class per job: {@link io.github.relaypolicy.core.internal.dns.DnsLists} (what the engine
 * calls), {@link io.github.relaypolicy.core.internal.dns.ListSubjects} (what a request's lists are asked about),
 * {@code ListQueries} (cached and asynchronous queries under one deadline),
 * {@link io.github.relaypolicy.core.internal.dns.ListLookups} (DNS queries and their caches),
 * {@code ListScore} (scoring),
 * {@code OutcomeMemo} (outcomes kept by request),
 * {@link io.github.relaypolicy.core.internal.dns.ListOutcome} (the verdict, its reply and trace) and
 * {@link io.github.relaypolicy.core.internal.dns.ListHealth} (the RFC 5782 section 5 test). Not API.
 */
@NullMarked
package io.github.relaypolicy.core.internal.dns;

import org.jspecify.annotations.NullMarked;

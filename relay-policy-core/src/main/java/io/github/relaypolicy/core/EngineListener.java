package io.github.relaypolicy.core;

import java.nio.file.Path;

/**
 * What an engine reports as it works, for metrics and logs: each DNS query of a list with its latency and outcome,
 * the use of the DNS caches, and the reloads of the policy file and of the local zone files. Register one with
 * {@link RelayEngine.Builder#listener(EngineListener)} or {@link RelayEngine#fromFile(Path, java.time.Duration,
 * EngineListener)}; every method does nothing by default, so an implementation overrides what it wants.
 *
 * <pre>{@code
 * RelayEngine engine = RelayEngine.fromFile(Path.of("/etc/relay-policy.conf"), Duration.ofSeconds(2),
 *     new EngineListener() {
 *         @Override
 *         public void policyFileReloadFailed(Path file, PolicyFileException failure) {
 *             log.warning(file + ": reload failed, previous rules kept: " + failure.getMessage());
 *         }
 *     });
 * }</pre>
 *
 * <p>The engine calls the listener on whatever thread did the work: a deciding thread, the thread a DNS answer
 * completes on (the engine's executor), or a file-watch thread; so an implementation must be thread-safe, must not
 * block and should be cheap (a counter's increment). The arguments are values the engine already holds: a call
 * allocates nothing, and a decision that consults no DNS list calls no method at all. What a method throws is
 * ignored: a listener can never change a decision or stop a reload.
 *
 * @since 0.1.0
 */
public interface EngineListener {

    /**
     * The listener that does nothing: what an engine has when none is registered.
     *
     * @since 0.1.0
     */
    EngineListener NONE = new EngineListener() {
    };

    /**
     * How one DNS query of a list ended.
     *
     * @since 0.1.0
     */
    enum QueryOutcome {
        /** The name exists: an A query answered A records (whether the list's filter takes them as a listing or
         *  as an error code), or a TXT query a text. */
        LISTED,
        /** NXDOMAIN, or no record of the type asked for: the list does not list the subject. */
        NOT_LISTED,
        /** No reply came within the query's timeout ({@code dns_timeout}). */
        TIMEOUT,
        /** The list's server answered with an error (SERVFAIL, REFUSED, a truncated reply) or the network failed
         *  (an ICMP port unreachable, say). */
        FAILURE,
        /** The query was not sent, for a reason of this process: the limit of queries in flight
         *  ({@code dns_max_in_flight}) or of decisions waiting for answers was reached, or no socket could be
         *  opened; its latency is 0. */
        NOT_SENT
    }

    /**
     * A DNS query of a list ended: called once for each query sent over the network (an A query, or a TXT query for
     * a listing's reason; those of {@link RelayEngine#checkDnsLists()} too), when its answer, failure or timeout is
     * known, and for each query a limit kept from being sent ({@link QueryOutcome#NOT_SENT}); queries shared by
     * concurrent decisions, and answers taken from the cache, are not queries. Lists served from local zone files
     * are never queried.
     *
     * @param list the list's zone as SMTP replies name it: without a secret key (a Spamhaus DQS or Abusix key is
     *     left out, {@code zen.dq.spamhaus.net}); one of the zones configured, so a bounded set
     * @param outcome how the query ended
     * @param nanos how long it took, from sending to the answer (or the timeout), in nanoseconds
     * @since 0.1.0
     */
    default void dnsQuery(String list, QueryOutcome outcome, long nanos) {
    }

    /**
     * A decision needed one list's answer from the DNS answer cache (the answers of DNS lists kept for their TTL,
     * {@code dns_cache_size}): called once for each list a decision asks about its subject over DNS, unless the
     * outcome memo already held the decision's outcome ({@link #dnsOutcomeMemo}).
     *
     * @param hit true if no new query was needed (the answer was cached, or a query for it was already in flight
     *     for another decision), false if a query had to be sent (or could not be, at a limit)
     * @since 0.1.0
     */
    default void dnsAnswerCache(boolean hit) {
    }

    /**
     * A decision consulted the outcome memo: the outcomes of DNS lists kept by client (and sender, HELO or client
     * name where lists ask about them) for as long as the answers they were made from. Called once for each
     * decision that consults DNS lists, when some list is asked over DNS (lists served only from local zones have
     * no memo).
     *
     * @param hit true if the outcome was there (the decision cost one hash probe), false if the lists' answers
     *     had to be looked at
     * @since 0.1.0
     */
    default void dnsOutcomeMemo(boolean hit) {
    }

    /**
     * The watched policy file (or a list file it names) changed and its new rules are in force.
     *
     * @param file the policy file
     * @since 0.1.0
     */
    default void policyFileReloaded(Path file) {
    }

    /**
     * The watched policy file (or a list file it names) changed, but cannot be used: the previous rules stay in
     * force. Called once for each change that fails, not at every check.
     *
     * @param file the policy file
     * @param failure every problem, each with file:line:column, as {@link RelayEngine#policyFileFailure()} reports it
     * @since 0.1.0
     */
    default void policyFileReloadFailed(Path file, PolicyFileException failure) {
    }

    /**
     * A local zone file changed and its new data is in force.
     *
     * @param zone the zone, named as {@link #dnsQuery} names lists (no secret key)
     * @since 0.1.0
     */
    default void zoneReloaded(String zone) {
    }

    /**
     * A local zone file changed, but cannot be loaded: the zone keeps its previous data, and
     * {@link RelayEngine#zoneWarnings()} reports it.
     *
     * @param zone the zone, named as {@link #dnsQuery} names lists (no secret key)
     * @param reason why, secret keys masked
     * @since 0.1.0
     */
    default void zoneReloadFailed(String zone, String reason) {
    }
}

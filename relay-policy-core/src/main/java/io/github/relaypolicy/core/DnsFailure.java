package io.github.relaypolicy.core;

/**
 * What a DNS list's failure to answer (timeout, SERVFAIL, REFUSED, an answer outside 127.0.0.0/8, one of the
 * list's error codes) does to a decision it could change. It is never a listing and never a 5xx.
 *
 * @since 0.1.0
 */
public enum DnsFailure {
    /** Defer the recipient ({@code 451 4.7.1}); the client retries later. The default. */
    DEFER,
    /** Decide as if the list had not listed the client. */
    IGNORE
}

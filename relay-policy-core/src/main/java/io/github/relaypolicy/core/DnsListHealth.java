package io.github.relaypolicy.core;

import java.util.Objects;

/**
 * The RFC 5782 section 5 health of one configured DNS list: an IP list must list 127.0.0.2 and must not list
 * 127.0.0.1; a domain list must list {@code TEST} and must not list {@code INVALID}. A list that fails the first
 * test is dead (or unreachable); one that fails the second "lists the world" and would refuse every client.
 *
 * @param setting {@code dnsbl}, {@code dnswl}, {@code rhsbl} or {@code auth_dnsbl}
 * @param zone the list's zone, a secret key in it masked ({@code k3y***.zen.dq.spamhaus.net})
 * @param healthy whether both tests passed
 * @param problem what is wrong, or {@code ""}: {@code dead}, {@code lists the world} or {@code unreachable}
 * @param detail what each test point answered
 * @since 0.1.0
 */
public record DnsListHealth(String setting, String zone, boolean healthy, String problem, String detail) {

    /**
     * Checks the parts.
     *
     * @param setting {@code dnsbl}, {@code dnswl}, {@code rhsbl} or {@code auth_dnsbl}
     * @param zone the list's zone, a secret key in it masked
     * @param healthy whether both tests passed
     * @param problem what is wrong, or {@code ""}
     * @param detail what each test point answered
     * @throws NullPointerException if a part is null
     */
    public DnsListHealth {
        Objects.requireNonNull(setting, "setting");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(detail, "detail");
    }

    /**
     * One line for a person: {@code dnsbl zen.spamhaus.org: ok (127.0.0.2: LISTED 127.0.0.2, 127.0.0.1: NOT_LISTED)}.
     *
     * @return the line
     */
    @Override
    public String toString() {
        return setting + " " + zone + ": " + (healthy ? "ok" : problem) + " (" + detail + ")";
    }
}

package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.core.internal.Text;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One configured DNS list: {@code zone[=filter|&mask][*weight]}, Postfix postscreen syntax.
 *
 * @param kind what the list is about
 * @param zone the list's zone, lower-case ASCII, no trailing dot
 * @param filter which answers count
 * @param weight what a listing adds to the score (negative for allow lists)
 * @param text the specification as written
 * @param name the name SMTP replies give the list ({@code {zone}}): by default its zone without a secret key
 *     ({@link ListNames#displayName})
 */
public record ListSpec(Kind kind, String zone, AnswerFilter filter, int weight, String text, String name) {

    /** A list named by its zone without a secret key. */
    public ListSpec(Kind kind, String zone, AnswerFilter filter, int weight, String text) {
        this(kind, zone, filter, weight, text, ListNames.displayName(zone));
    }

    /** This list, named {@code name} in SMTP replies. */
    public ListSpec withName(String name) {
        return new ListSpec(kind, zone, filter, weight, text, name);
    }

    /** The secret key the zone carries, or null ({@link ListNames#secret}). */
    public @Nullable String secret() {
        return ListNames.secret(zone);
    }

    /** The zone with its secret key masked, for traces, logs and the effective policy. */
    public String maskedZone() {
        return ListNames.masked(zone);
    }

    /** The specification as written, its secret key masked. */
    public String maskedText() {
        return ListNames.maskAll(text);
    }

    /** What a list is about and how it is queried. */
    public enum Kind {
        /** IP block list: the client address, reversed. */
        DNSBL("dnsbl"),
        /** IP allow list: the client address, reversed; negative weight. */
        DNSWL("dnswl"),
        /** Domain block list: the MAIL FROM domain. */
        RHSBL("rhsbl"),
        /** Domain block list asked with the HELO name ({@code rhsbl_helo_sites}). */
        RHSBL_HELO("rhsbl_helo"),
        /** Domain block list asked with the client's verified host name ({@code rhsbl_client_sites}). */
        RHSBL_CLIENT("rhsbl_client"),
        /**
         * IP block list asked only for authenticated clients (Spamhaus AuthBL): the client address, reversed;
         * scored on its own, apart from the other kinds.
         */
        AUTH_DNSBL("auth_dnsbl");

        private final String setting;

        Kind(String setting) {
            this.setting = setting;
        }

        /**
         * Whether this kind of list can be answered by a local zone of {@code type}: domain lists by domain zones,
         * address lists by address zones. The one rule, checked when a policy file is read and when rules are built.
         */
        public boolean fits(io.github.relaypolicy.core.internal.zone.ZoneType type) {
            return type.holdsDomains() == domains();
        }

        /** Whether lists of this kind are asked about a domain name (not the client address). */
        public boolean domains() {
            return this == RHSBL || this == RHSBL_HELO || this == RHSBL_CLIENT;
        }

        /** The kind of the {@code *_sites} key {@code key} ({@code rhsbl_helo_sites}), or null. */
        public static @Nullable Kind ofSites(String key) {
            for (Kind k : values()) {
                if ((k.setting + "_sites").equals(key)) {
                    return k;
                }
            }
            return null;
        }

        /**
         * The name of the kind in messages and traces; with {@code _sites}, its policy-file key
         * ({@code dnsbl_sites}, {@code auth_dnsbl_sites}).
         */
        public String setting() {
            return setting;
        }

        /** Whether lists of this kind are asked for authenticated clients only (and the others never are). */
        public boolean forAuthenticated() {
            return this == AUTH_DNSBL;
        }
    }

    /**
     * Parses a specification.
     *
     * @throws IllegalArgumentException naming the specification and what is wrong with it
     */
    public static ListSpec parse(Kind kind, String text) {
        String spec = text.strip();
        try {
            int star = spec.lastIndexOf('*');
            int weight = kind == Kind.DNSWL ? -1 : 1;
            String rest = spec;
            if (star >= 0) {
                String w = spec.substring(star + 1);
                if (!w.matches("[+-]?[0-9]{1,6}")) {
                    throw new IllegalArgumentException("weight '" + Text.escape(w) + "' is not a whole number");
                }
                weight = Integer.parseInt(w);
                rest = spec.substring(0, star);
            }
            if (kind == Kind.DNSWL ? weight >= 0 : weight <= 0) {
                throw new IllegalArgumentException(kind == Kind.DNSWL
                        ? "an allow list's weight must be negative, got " + weight
                        : "a block list's weight must be positive, got " + weight
                                + (kind == Kind.AUTH_DNSBL ? "" : " (use dnswl for an allow list)"));
            }
            AnswerFilter filter = AnswerFilter.any();
            String zone = rest;
            int eq = rest.indexOf('=');
            int amp = rest.indexOf('&');
            if (eq >= 0 && amp >= 0) {
                throw new IllegalArgumentException("use either =filter or &mask, not both");
            }
            if (eq >= 0) {
                filter = AnswerFilter.parse(rest.substring(eq + 1));
                zone = rest.substring(0, eq);
            } else if (amp >= 0) {
                filter = AnswerFilter.parseMask(rest.substring(amp + 1));
                zone = rest.substring(0, amp);
            }
            // an allow list has one more error code, which would otherwise vouch for every client
            return new ListSpec(kind, ZoneNames.forListSpec(zone),
                    kind == Kind.DNSWL ? filter.forAllowList() : filter, weight, spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s '%s': %s (expected zone[=filter][*weight],"
                    + " e.g. zen.spamhaus.org=127.0.0.[2..11;30]*3)", kind.setting(), Text.escape(ListNames.maskAll(text)),
                    ListNames.maskAll(e.getMessage())), e);
        }
    }

    /**
     * The normalized zone of a list specification {@code zone[=filter|&mask][*weight]} or of a bare zone.
     *
     * @throws IllegalArgumentException as {@link #parse} does for the specification's zone
     */
    public static String zoneOf(String spec) {
        String zone = spec.strip();
        for (char c : new char[] {'=', '&', '*'}) {
            int at = zone.indexOf(c);
            zone = at < 0 ? zone : zone.substring(0, at);
        }
        return parse(Kind.DNSBL, zone).zone();
    }
}

package io.github.relaypolicy.core.internal.zone;

import io.github.relaypolicy.core.internal.Text;
import java.util.Locale;
import java.util.Objects;

/**
 * The rbldnsd dataset types a local zone file may have.
 *
 * @since 0.1.0
 */
public enum ZoneType {
    /** IPv4 addresses, prefixes and ranges, matched at /32, /24, /16 and /8 (rbldnsd's {@code ip4set}). */
    IP4SET("ip4set"),
    /** IPv4 CIDR prefixes, longest prefix wins (rbldnsd's {@code ip4trie}). */
    IP4TRIE("ip4trie"),
    /** IPv6 CIDR prefixes, longest prefix wins (rbldnsd's {@code ip6trie}). */
    IP6TRIE("ip6trie"),
    /** Domain names, exact or with their subdomains (rbldnsd's {@code dnset}). */
    DNSET("dnset");

    private final String rbldnsdName;

    ZoneType(String rbldnsdName) {
        this.rbldnsdName = rbldnsdName;
    }

    /**
     * The name rbldnsd gives this type on its command line.
     *
     * @return e.g. {@code ip4set}
     * @since 0.1.0
     */
    public String rbldnsdName() {
        return rbldnsdName;
    }

    /**
     * Parses an rbldnsd dataset type name, ignoring case.
     *
     * @param name e.g. {@code ip4set}
     * @return the type
     * @throws IllegalArgumentException if the name is not one of {@code ip4set}, {@code ip4trie}, {@code ip6trie},
     *     {@code dnset}
     * @since 0.1.0
     */
    public static ZoneType parse(String name) {
        Objects.requireNonNull(name, "name");
        for (ZoneType t : values()) {
            if (t.rbldnsdName.equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException(String.format(Locale.ROOT,
                "zone type '%s' is unknown: expected ip4set, ip4trie, ip6trie or dnset", Text.escape(name)));
    }

    /**
     * The type of a data file, from its name's extension: {@code blocked.ip4set}.
     *
     * @param file the data file
     * @return the type
     * @throws IllegalArgumentException if the extension is not a type's name
     */
    public static ZoneType ofFile(java.nio.file.Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        return parse(name.lastIndexOf('.') < 0 ? "" : name.substring(name.lastIndexOf('.') + 1));
    }

    /**
     * Whether the zone holds domain names, for lists of sender domains; else addresses, for lists of clients.
     *
     * @return true for {@link #DNSET}
     */
    public boolean holdsDomains() {
        return this == DNSET;
    }

    @Override
    public String toString() {
        return rbldnsdName;
    }
}

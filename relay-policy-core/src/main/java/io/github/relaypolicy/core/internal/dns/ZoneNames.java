package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.core.internal.match.DomainNames;
import io.github.relaypolicy.core.internal.Text;
import java.net.IDN;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The one normaliser of DNS zone names, wherever a zone is read: a list specification's zone, and the settings that
 * name a zone ({@code dnsFailure}, {@code dnsblReply}, {@code dnsListName}, {@code localZone} and their policy-file
 * keys). A zone name is a domain name of at least two labels, normalised to lower-case ASCII without the trailing
 * dot, so that every spelling of one zone is one key.
 *
 * <p>A zone is read as IDNA2003 reads it ({@link IDN#toASCII}: U-labels to A-labels, with its mappings of
 * fullwidth letters, ß and ideographic dots), lower-cased, then checked by {@link DomainNames} as letters, digits,
 * hyphens (at label edges too) and underscores, at most 200 characters. Unlike a local or relay domain
 * ({@link DomainNames#toAscii}), a zone is not also held to IDNA2008: it is read as list specifications always
 * read it.
 */
public final class ZoneNames {

    /** The longest zone name accepted, in characters of its A-label form (as list specifications always had it). */
    static final int MAX_LENGTH = 200;

    private static final int FLAGS = DomainNames.ALLOW_UNDERSCORE | DomainNames.ALLOW_EDGE_HYPHEN
            | DomainNames.MIN_TWO_LABELS;

    private ZoneNames() {
    }

    /**
     * The normalised zone name, or null if {@code zone} (as written: surrounding blanks are not removed) is not a
     * zone name.
     */
    public static @Nullable String tryNormalize(String zone) {
        String z = zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone;
        String ascii;
        try {
            ascii = IDN.toASCII(z, 0).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return DomainNames.isValid(ascii, FLAGS, MAX_LENGTH) ? ascii : null;
    }

    /**
     * The normalised zone name of a list specification's zone part.
     *
     * @throws IllegalArgumentException {@code zone 'x' is not a domain name with at least two labels}, which
     *     {@link ListSpec#parse} completes with the setting and the expected syntax
     */
    static String forListSpec(String zone) {
        String ascii = tryNormalize(zone);
        if (ascii == null) {
            throw new IllegalArgumentException("zone '" + Text.escape(zone)
                    + "' is not a domain name with at least two labels");
        }
        return ascii;
    }

    /**
     * The normalised zone name a setting names, surrounding blanks removed: checked as a zone name, not as a list
     * specification, whose filter or weight would be cut off silently.
     *
     * @param setting the setting, for the message, e.g. {@code dnsFailure}
     * @param zone the zone as given
     * @throws NullPointerException if {@code zone} is null
     * @throws IllegalArgumentException naming the setting and the zone (a secret key in it masked), e.g.
     *     {@code dnsFailure zone 'bad zone' is not a zone name: expected a domain name of at least two labels, e.g.
     *     bl.example.net}
     */
    public static String normalize(String setting, String zone) {
        Objects.requireNonNull(zone, "zone");
        String ascii = tryNormalize(zone.strip());
        if (ascii == null) {
            throw new IllegalArgumentException(ListNames.maskAll(String.format(Locale.ROOT, "%s zone '%s' is not"
                    + " a zone name: expected a domain name of at least two labels, e.g. bl.example.net", setting,
                    Text.escape(zone))));
        }
        return ascii;
    }
}

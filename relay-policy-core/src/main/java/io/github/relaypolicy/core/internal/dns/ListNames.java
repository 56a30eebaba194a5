package io.github.relaypolicy.core.internal.dns;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The names a DNS list goes by outside its queries. Some services put the customer's secret key in the zone, as
 * the label before the list's name: Spamhaus's Data Query Service ({@code KEY.zen.dq.spamhaus.net},
 * {@code KEY.dbl.dq.spamhaus.net}, {@code KEY.zrd.dq.spamhaus.net}; docs.spamhaus.com, "DQS") and Abusix Mail
 * Intelligence ({@code KEY.combined.mail.abusix.zone}; abusix.com/docs). Queries need the key; nothing else
 * does. SMTP replies name such a list by its <em>display name</em>, the zone without the key
 * ({@code zen.dq.spamhaus.net}); traces, health reports, the effective policy and error messages show the key
 * masked ({@code k3y***.zen.dq.spamhaus.net}), enough to tell two keys apart, far too little to use one.
 */
public final class ListNames {

    /** The services whose zones carry a key: the key is the label before {@code LIST.SUFFIX}. */
    private static final String KEYED_SUFFIX = "dq\\.spamhaus\\.(?:net|com)|mail\\.abusix\\.zone";

    /** A keyed zone anywhere in a text: a key label, then the list's label and the service's suffix. */
    private static final Pattern KEYED = Pattern.compile("(?<![A-Za-z0-9_-])([A-Za-z0-9_-]+)\\.([A-Za-z0-9_-]+\\.(?:"
            + KEYED_SUFFIX + "))(?![A-Za-z0-9_-])", Pattern.CASE_INSENSITIVE);

    /** A whole zone (lower case, as {@link ListSpec} keeps it) that carries a key, possibly after other labels. */
    private static final Pattern KEYED_ZONE = Pattern.compile("(?:.*\\.)?([a-z0-9_-]+)\\.([a-z0-9_-]+\\.(?:"
            + KEYED_SUFFIX + "))");

    /** How many of a key's characters a mask keeps, and the least key length for which it keeps any. */
    private static final int SHOWN = 3;
    private static final int SHOWN_FROM = 16;

    private ListNames() {
    }

    /**
     * The secret a zone carries, or null: for {@code KEY.zen.dq.spamhaus.net} the key (lower case).
     *
     * @param zone a zone, lower case without a trailing dot
     */
    public static @Nullable String secret(String zone) {
        Matcher m = KEYED_ZONE.matcher(zone);
        return m.matches() ? m.group(1) : null;
    }

    /**
     * The name an SMTP reply gives the list by default: the zone without its key ({@code zen.dq.spamhaus.net}),
     * or the zone itself if it carries none.
     *
     * @param zone a zone, lower case without a trailing dot
     */
    public static String displayName(String zone) {
        Matcher m = KEYED_ZONE.matcher(zone);
        return m.matches() ? m.group(2) : zone;
    }

    /** The zone with its key masked ({@code k3y***.zen.dq.spamhaus.net}), or the zone if it carries none. */
    public static String masked(String zone) {
        return maskAll(zone);
    }

    /**
     * The text with the key of every keyed zone in it masked, whatever the case it is written in; labels before
     * the key (the reversed address of a query name) are kept.
     */
    public static String maskAll(String text) {
        if (text.indexOf('.') < 0) {
            return text;
        }
        Matcher m = KEYED.matcher(text);
        if (!m.find()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        do {
            m.appendReplacement(out, Matcher.quoteReplacement(mask(m.group(1)) + "." + m.group(2)));
        } while (m.find());
        m.appendTail(out);
        return out.toString();
    }

    /**
     * The text with every occurrence of {@code secret} (any case) masked, and the key of any keyed zone in it;
     * for SMTP replies, whose templates and TXT reasons come from elsewhere.
     *
     * @param secret a zone's {@link #secret}, or null
     */
    public static String redact(String text, @Nullable String secret) {
        String t = maskAll(text);
        if (secret == null || secret.isEmpty()) {
            return t;
        }
        StringBuilder out = null;
        int from = 0;
        for (int at = 0; at + secret.length() <= t.length(); at++) {
            if (t.regionMatches(true, at, secret, 0, secret.length())) {
                out = out == null ? new StringBuilder(t.length()) : out;
                out.append(t, from, at).append(mask(secret));
                from = at + secret.length();
                at = from - 1;
            }
        }
        return out == null ? t : out.append(t, from, t.length()).toString();
    }

    /** A key's mask: its first three characters and {@code ***} for keys of 16 characters or more, else {@code ***}. */
    static String mask(String key) {
        return key.length() >= SHOWN_FROM ? key.substring(0, SHOWN).toLowerCase(Locale.ROOT) + "***" : "***";
    }
}

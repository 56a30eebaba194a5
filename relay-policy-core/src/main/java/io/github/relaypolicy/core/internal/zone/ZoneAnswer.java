package io.github.relaypolicy.core.internal.zone;

import io.github.relaypolicy.core.internal.match.IpText;
import io.github.relaypolicy.core.internal.Text;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a zone answers for a listed address or name: the A record and the TXT template. One instance is shared by
 * all entries with the same value, so lookups allocate nothing.
 *
 * <p>The template is rbldnsd's after its load-time substitutions ({@code $1}..{@code $9}, the {@code $=} base
 * template) are done: what remains special is {@code $}, the queried IP address or name, and {@code $$}, a dollar
 * sign. As rbldnsd does, the expanded text is cut at 254 bytes of UTF-8.
 *
 * @since 0.1.0
 */
public final class ZoneAnswer {

    /** rbldnsd never answers a longer TXT string. */
    static final int TXT_MAX_BYTES = 254;

    private final int address;
    private final @Nullable String template;
    /** The text when the template does not mention the subject: computed once, returned without allocating. */
    private final @Nullable String fixedText;

    ZoneAnswer(int address, @Nullable String template) {
        this.address = address;
        this.template = template;
        this.fixedText = template == null || hasSubject(template) ? null : fixed(template);
    }

    private static @Nullable String fixed(String template) {
        String text = capUtf8(template.replace("$$", "$"), TXT_MAX_BYTES);
        return text.isEmpty() ? null : text;
    }

    /**
     * The A record, e.g. 127.0.0.2.
     *
     * @return the address as an unsigned 32-bit value held in an int
     * @since 0.1.0
     */
    public int address() {
        return address;
    }

    /**
     * The A record as dotted-quad text.
     *
     * @return e.g. {@code 127.0.0.2}
     * @since 0.1.0
     */
    public String addressText() {
        return IpText.format4(address & 0xffffffffL);
    }

    /**
     * The TXT template: {@code $} stands for the queried IP address or name, {@code $$} for a dollar sign.
     *
     * @return the template, or null if the entry has no TXT record
     * @since 0.1.0
     */
    public @Nullable String txtTemplate() {
        return template;
    }

    /**
     * The TXT record for one query, as rbldnsd answers it: each {@code $} replaced by the subject, {@code $$} by a
     * dollar sign, cut at 254 bytes of UTF-8. In a {@link ZoneType#DNSET} zone rbldnsd puts the name of the
     * listed entry, not the queried name, in place of {@code $} (for {@code *.example.com} matching {@code
     * a.example.com}, {@code example.com}); such answers already carry the name and ignore the subject.
     *
     * @param subject the queried IP address ({@link IpText#format4}, {@link IpText#format6}) or name
     * @return the text, or null if the entry has no TXT record
     * @since 0.1.0
     */
    public @Nullable String txt(String subject) {
        Objects.requireNonNull(subject, "subject");
        String t = template;
        if (t == null || fixedText != null) {
            return fixedText;
        }
        StringBuilder sb = new StringBuilder(t.length() + 2 * subject.length());
        int n = t.length();
        for (int i = 0; i < n; i++) {
            char c = t.charAt(i);
            if (c != '$') {
                sb.append(c);
            } else if (i + 1 < n && t.charAt(i + 1) == '$') {
                sb.append('$');
                i++;
            } else {
                sb.append(subject);
            }
        }
        String text = capUtf8(sb.toString(), TXT_MAX_BYTES);
        return text.isEmpty() ? null : text;
    }

    /** Whether a template has a lone {@code $}, to be replaced by the subject. */
    static boolean hasSubject(String template) {
        int n = template.length();
        for (int i = 0; i < n; i++) {
            if (template.charAt(i) == '$') {
                if (i + 1 < n && template.charAt(i + 1) == '$') {
                    i++;
                } else {
                    return true;
                }
            }
        }
        return false;
    }

    /** Cuts text to at most {@code max} bytes of UTF-8, never inside a character. */
    static String capUtf8(String s, int max) {
        int n = s.length();
        if (n * 3 <= max) {
            return s;
        }
        int bytes = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            int width;
            int chars = 1;
            if (c < 0x80) {
                width = 1;
            } else if (c < 0x800) {
                width = 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                width = 4;
                chars = 2;
            } else {
                width = 3;
            }
            if (bytes + width > max) {
                return s.substring(0, i);
            }
            bytes += width;
            i += chars - 1;
        }
        return s;
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof ZoneAnswer && ((ZoneAnswer) o).address == address
                && Objects.equals(((ZoneAnswer) o).template, template);
    }

    @Override
    public int hashCode() {
        return 31 * address + Objects.hashCode(template);
    }

    @Override
    public String toString() {
        return template == null ? addressText() : addressText() + " '" + Text.escape(template) + "'";
    }
}

package io.github.relaypolicy.core.internal.policyfile;

import io.github.relaypolicy.core.internal.dns.ListNames;
import io.github.relaypolicy.core.internal.engine.EngineConfig;
import java.util.List;

/**
 * The effective policy: every key of {@link Keys} with its value, defaults included, in the policy file's own format,
 * so that {@code lint}'s output can be read back as a policy file.
 */
public final class Writer {

    private Writer() {
    }

    /** The effective policy of {@code config}, at most {@code maxEntries} entries shown per list. */
    public static String effective(EngineConfig config, int maxEntries) {
        StringBuilder out = new StringBuilder();
        for (Keys.Key key : Keys.all()) {
            if (key.section() != null) {
                out.append(key.section()).append('\n');
            }
            key.effective().write(config, maxEntries, out);
        }
        // Secret keys in zones (Spamhaus DQS, Abusix) are masked: this text is printed, logged and shared.
        return ListNames.maskAll(out.toString());
    }

    static void line(StringBuilder out, String key, String value) {
        out.append(key).append(" = ").append(value).append('\n');
    }

    /** A list setting, wrapped at 100 columns on continuation lines, the entries beyond {@code maxEntries} counted. */
    static void list(StringBuilder out, String key, List<String> entries, int maxEntries) {
        out.append(key).append(" =");
        int width = key.length() + 2;
        int shown = 0;
        for (String e : entries) {
            if (shown == maxEntries) {
                break;
            }
            if (shown > 0 && width + e.length() > 100) {
                out.append(",\n   ");
                width = 3;
            } else if (shown > 0) {
                out.append(',');
                width++;
            }
            out.append(' ').append(e);
            width += e.length() + 1;
            shown++;
        }
        out.append('\n');
        if (entries.size() > shown) {
            out.append("    # ... and ").append(entries.size() - shown).append(" more (")
                    .append(entries.size()).append(" entries)\n");
        }
    }
}

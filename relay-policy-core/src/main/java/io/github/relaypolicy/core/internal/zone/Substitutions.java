package io.github.relaypolicy.core.internal.zone;

import org.jspecify.annotations.Nullable;

/**
 * rbldnsd's TXT substitution variables of one file: {@code $1}..{@code $9} and the base template {@code $=}. They
 * apply to the whole file, wherever they are defined, and the first definition of each wins; so they are resolved
 * once the file is read, leaving templates where only {@code $} (the subject) and {@code $$} are special.
 */
final class Substitutions {

    private final @Nullable String[] vars = new String[10];
    private @Nullable String base;

    /**
     * Records {@code $n text} or {@code $= text}; a second definition is ignored, as rbldnsd does.
     *
     * @param name a digit or {@code =}
     */
    void define(char name, String text) {
        if (name == '=') {
            if (base == null) {
                base = text;
            }
        } else if (vars[name - '0'] == null) {
            vars[name - '0'] = text;
        }
    }

    /**
     * Resolves an entry's raw TXT text the way rbldnsd's {@code txtsubst} does at query time: with a base template,
     * the base is expanded and {@code $=} stands for the raw entry text (or the subject if it is empty); a text
     * starting with {@code =} escapes the base template. {@code $n} becomes the variable's text (or stays as it is
     * when undefined), {@code $$} a dollar, any other {@code $} the subject.
     *
     * @return the template, only {@code $} and {@code $$} special; null when it would always expand to nothing
     */
    @Nullable String normalize(String raw) {
        String template;
        String entry;
        if (raw.startsWith("=")) {
            template = raw.substring(1);
            entry = literal(template);
        } else if (base != null) {
            template = base;
            entry = raw.isEmpty() ? "$" : literal(raw);
        } else {
            template = raw;
            entry = literal(raw);
        }
        StringBuilder sb = new StringBuilder(template.length() + 16);
        int n = template.length();
        for (int i = 0; i < n; i++) {
            char c = template.charAt(i);
            if (c != '$') {
                sb.append(c);
                continue;
            }
            char next = i + 1 < n ? template.charAt(i + 1) : 0;
            if (next == '$') {
                sb.append("$$");
                i++;
            } else if (next >= '0' && next <= '9') {
                String v = vars[next - '0'];
                sb.append(v != null ? literal(v) : "$$" + next);
                i++;
            } else if (next == '=') {
                sb.append(entry);
                i++;
            } else {
                sb.append('$');
            }
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** Puts a name in place of the subject in a normalized template, as rbldnsd does in dnset answers. */
    static String bake(String template, String name) {
        StringBuilder sb = new StringBuilder(template.length() + 2 * name.length());
        int n = template.length();
        for (int i = 0; i < n; i++) {
            char c = template.charAt(i);
            if (c != '$') {
                sb.append(c);
            } else if (i + 1 < n && template.charAt(i + 1) == '$') {
                sb.append("$$");
                i++;
            } else {
                sb.append(literal(name));
            }
        }
        return sb.toString();
    }

    private static String literal(String text) {
        return text.indexOf('$') < 0 ? text : text.replace("$", "$$");
    }
}

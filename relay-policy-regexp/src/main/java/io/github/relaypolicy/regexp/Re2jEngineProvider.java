package io.github.relaypolicy.regexp;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.github.relaypolicy.core.spi.CompiledRegexp;
import io.github.relaypolicy.core.spi.RegexpEngineProvider;
import io.github.relaypolicy.core.spi.RegexpSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * {@link RegexpEngineProvider} with RE2/J: no backtracking, so a pattern such as {@code ^(a+)+$} answers in time
 * linear in the text, where java.util.regex can take seconds on a few thousand characters chosen by the client. The
 * price is what RE2 does not have: backreferences ({@code \1}), lookaround ({@code (?=...)}, {@code (?<!...)}),
 * possessive and atomic groups, conditionals; such a pattern is refused when the table is loaded, with its column.
 *
 * @since 0.1.0
 */
public final class Re2jEngineProvider implements RegexpEngineProvider {

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public Re2jEngineProvider() {
    }

    @Override
    public String name() {
        return "RE2/J";
    }

    @Override
    public CompiledRegexp compile(String pattern, int flags) throws RegexpSyntaxException {
        int re2Flags = 0;
        if ((flags & CASE_INSENSITIVE) != 0) {
            re2Flags |= Pattern.CASE_INSENSITIVE;
        }
        if ((flags & DOTALL) != 0) {
            re2Flags |= Pattern.DOTALL;
        }
        if ((flags & MULTILINE) != 0) {
            re2Flags |= Pattern.MULTILINE;
        }
        if ((flags & LONGEST_MATCH) != 0) {
            re2Flags |= Pattern.LONGEST_MATCH;
        }
        // First the pattern alone, so that an error points into what the administrator wrote, and so that
        // unbalanced text such as "a)(b" cannot become valid inside the wrapper below.
        Pattern plain = compileOrThrow(pattern, pattern, re2Flags, 0);
        String prefix = "";
        if ((flags & UNGREEDY) != 0) {
            prefix += "(?U)";
        }
        if ((flags & ANCHORED) != 0) {
            prefix += "\\A(?:";
        }
        boolean caseInsensitive = (flags & CASE_INSENSITIVE) != 0;
        String[] literal = RequiredLiteral.all(pattern, caseInsensitive);
        if (prefix.isEmpty()) {
            return new Re2jRegexp(plain, literal, caseInsensitive);
        }
        String wrapped = prefix + pattern + ((flags & ANCHORED) != 0 ? ")" : "");
        return new Re2jRegexp(compileOrThrow(wrapped, pattern, re2Flags, prefix.length()), literal, caseInsensitive);
    }

    private static Pattern compileOrThrow(String regex, String written, int flags, int shift)
            throws RegexpSyntaxException {
        try {
            return Pattern.compile(regex, flags);
        } catch (PatternSyntaxException e) {
            // RE2/J gives the offending text, not its index: find it in the pattern as written
            String fragment = e.getPattern();
            int index = fragment == null || fragment.isEmpty() ? -1 : regex.indexOf(fragment);
            if (index >= 0) {
                index = Math.max(0, Math.min(index - shift, written.length()));
            }
            String description = e.getDescription();
            if (fragment != null && !fragment.equals(regex)) {
                description += ": " + fragment;
            }
            throw new RegexpSyntaxException(description, index);
        }
    }

    /**
     * A compiled RE2/J pattern; RE2/J's Pattern is thread-safe, each find uses its own Matcher. A text without the
     * pattern's {@link RequiredLiteral}s is answered without running RE2/J.
     */
    private static final class Re2jRegexp implements CompiledRegexp {

        private final Pattern pattern;
        private final int groups;
        private final String @Nullable [] literals;
        private final boolean caseInsensitive;

        Re2jRegexp(Pattern pattern, String @Nullable [] literals, boolean caseInsensitive) {
            this.pattern = pattern;
            this.groups = pattern.groupCount();
            this.literals = literals;
            this.caseInsensitive = caseInsensitive;
        }

        /** Whether the text may match: false when it lacks a literal every match contains. */
        boolean mayMatch(CharSequence input) {
            String[] ls = literals;
            if (ls != null) {
                for (String l : ls) {
                    if (!RequiredLiteral.mayContain(input, l, caseInsensitive)) {
                        return false;
                    }
                }
            }
            return true;
        }

        @Override
        public int groupCount() {
            return groups;
        }

        @Override
        public boolean find(CharSequence input) {
            return mayMatch(input) && pattern.matcher(input).find();
        }

        @Override
        public boolean find(CharSequence input, int[] out) {
            if (!mayMatch(input)) {
                return false;
            }
            Matcher m = pattern.matcher(input);
            if (!m.find()) {
                return false;
            }
            for (int g = 0; g <= groups; g++) {
                out[2 * g] = m.start(g);
                out[2 * g + 1] = m.end(g);
            }
            return true;
        }

        @Override
        public String toString() {
            return pattern.pattern();
        }
    }
}

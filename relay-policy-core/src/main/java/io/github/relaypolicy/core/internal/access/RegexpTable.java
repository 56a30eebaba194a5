package io.github.relaypolicy.core.internal.access;

import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.spi.CompiledRegexp;
import io.github.relaypolicy.core.spi.RegexpEngineProvider;
import io.github.relaypolicy.core.spi.RegexpSyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/**
 * A regexp_table(5) or pcre_table(5) file: {@code /pattern/flags RESULT} (any delimiter, {@code !} before the
 * pattern for "does not match", and in regexp tables a second {@code !/pattern/} that must not match), {@code if
 * /pattern/flags} ... {@code endif} blocks, {@code $n}/{@code ${n}}/{@code $(n)} in the result replaced by what group
 * n matched and {@code $$} by {@code $}. The first rule in file order that matches wins. Patterns are compiled and
 * matched by the {@link RegexpEngineProvider} on the class or module path (RE2/J from relay-policy-regexp), never by
 * java.util.regex: the matched text is chosen by the client.
 *
 * <p>What is matched, as Postfix's lookups with the FULL flag: the client's name, then its address
 * (check_namadr_access); the HELO name; the address {@code user@domain} (the null sender:
 * {@code smtpd_null_access_lookup_key}).
 *
 * <p>Unlike Postfix, which skips a broken rule with a warning, every broken rule is a load error; and the action word
 * of a result (REJECT, OK, ...) must be written out: {@code $n} may only stand in its text.
 */
final class RegexpTable extends AccessTable {

    /** The artifact that provides the engine, named in the error when none is installed. */
    static final String ARTIFACT = "io.github.relaypolicy:relay-policy-regexp";

    private static final int MATCH = 0;
    private static final int IF = 1;
    private static final int ENDIF = 2;

    /** One rule. */
    private record Rule(int op, @Nullable CompiledRegexp first, boolean firstMatch, @Nullable CompiledRegexp second,
            boolean secondMatch, @Nullable Action action, @Nullable String template, int maxSub,
            @Nullable Action dunno, String key, int line) {
    }

    private final Format format;
    private final Rule[] rules;
    private final int[] blockEnd;

    private RegexpTable(Family family, String reference, Path file, Format format, List<Action> actions,
            List<PolicyFileException.Problem> warnings, Rule[] rules, int[] blockEnd) {
        super(family, reference, file, actions, warnings);
        this.format = format;
        this.rules = rules;
        this.blockEnd = blockEnd;
    }

    @Override
    public Format format() {
        return format;
    }

    @Override
    public @Nullable Action find(AccessSubject s) {
        switch (family) {
            case CLIENT: {
                // check_namadr_access: the name (unknown without one), then the address; a name match of any action
                // stops there
                Action a = match(s.clientName);
                return a != null || s.family == 0 ? a : match(s.clientAddressText());
            }
            case HELO:
                return s.helo == null ? null : match(s.helo);
            case SENDER:
                return address(s, s.sender, true);
            default:
                return address(s, s.recipient, false);
        }
    }

    private @Nullable Action address(AccessSubject s, AccessSubject.Mailbox m, boolean sender) {
        if (m.path == null) {
            return null;
        }
        if (m.nullPath) {
            return sender ? match(s.nullSenderKey) : null;
        }
        if (!m.valid) {
            return null;
        }
        return match(m.path.substring(m.localStart, m.at >= 0 ? m.domainEnd : m.end));
    }

    /** The first matching rule's result for {@code input}, or null. */
    @Nullable Action match(String input) {
        if (input.length() > AccessSubject.MAX_TEXT) {
            return null;
        }
        Rule[] rs = rules;
        for (int i = 0; i < rs.length; i++) {
            Rule r = rs[i];
            if (r.op == MATCH) {
                int[] groups = r.maxSub > 0 ? new int[2 * (r.first.groupCount() + 1)] : null;
                boolean found = groups == null ? r.first.find(input) : r.first.find(input, groups);
                if (found != r.firstMatch) {
                    continue;
                }
                if (r.second != null && r.second.find(input) != r.secondMatch) {
                    continue;
                }
                if (r.action != null) {
                    return r.action;
                }
                String value = expand(r.template, input, groups);
                if (isCode(value.strip())) {
                    // "550 $1" with an empty group: the bare code would read as an all-numerical value, i.e. OK,
                    // so the client would choose to end the checks. Postfix takes "550 " for an unknown restriction
                    // (451 4.3.5 Server configuration error); the entry meant a refusal: its code with Postfix's
                    // default text
                    value = value.strip() + " Access denied";
                }
                try {
                    return Action.parse(family, value, r.key, file.toString(), r.line);
                } catch (IllegalArgumentException e) {
                    // Postfix logs a warning and takes the result as DUNNO, e.g. REDIRECT $1 where $1 has no '@'
                    return r.dunno;
                }
            } else if (r.op == IF) {
                if (r.first.find(input) != r.firstMatch) {
                    i = blockEnd[i];
                }
            }
        }
        return null;
    }

    /** Whether {@code v} is a bare reply code, {@code 4NN} or {@code 5NN}. */
    private static boolean isCode(String v) {
        return v.length() == 3 && (v.charAt(0) == '4' || v.charAt(0) == '5') && v.charAt(1) >= '0'
                && v.charAt(1) <= '9' && v.charAt(2) >= '0' && v.charAt(2) <= '9';
    }

    /** The result with {@code $n} replaced (an empty or unmatched group by nothing, as Postfix) and $$ by $. */
    private static String expand(String template, String input, int[] groups) {
        StringBuilder sb = new StringBuilder(template.length() + 32);
        int n = template.length();
        for (int i = 0; i < n; ) {
            char c = template.charAt(i);
            if (c != '$') {
                sb.append(c);
                i++;
            } else if (i + 1 < n && template.charAt(i + 1) == '$') {
                sb.append('$');
                i += 2;
            } else {
                int[] ref = reference(template, i);
                int g = ref[0];
                if (groups[2 * g] >= 0) {
                    sb.append(input, groups[2 * g], groups[2 * g + 1]);
                }
                i = ref[1];
            }
        }
        return sb.toString();
    }

    /**
     * Postfix's mac_parse of a {@code $} at {@code i}: {@code ${name}}, {@code $(name)} or {@code $name} (letters,
     * digits, '_'). Returns {group number or -1 if the name is not numeric, index after the reference}, or
     * {-2, i} for a reference that is not closed or empty.
     */
    private static int[] reference(String t, int i) {
        int n = t.length();
        int p = i + 1;
        String name;
        int end;
        if (p < n && (t.charAt(p) == '{' || t.charAt(p) == '(')) {
            char open = t.charAt(p);
            char close = open == '{' ? '}' : ')';
            int level = 1;
            int e = p + 1;
            while (e < n && level > 0) {
                char c = t.charAt(e);
                if (c == open) {
                    level++;
                } else if (c == close) {
                    level--;
                }
                e++;
            }
            if (level > 0) {
                return new int[] {-2, i};
            }
            name = t.substring(p + 1, e - 1);
            end = e;
        } else {
            int e = p;
            while (e < n && (Character.isLetterOrDigit(t.charAt(e)) && t.charAt(e) < 0x80 || t.charAt(e) == '_')) {
                e++;
            }
            name = t.substring(p, e);
            end = e;
        }
        if (name.isEmpty()) {
            return new int[] {-2, i};
        }
        if (!name.chars().allMatch(c -> c >= '0' && c <= '9') || name.length() > 3) {
            return new int[] {-1, end};
        }
        return new int[] {Integer.parseInt(name), end};
    }

    /** The installed engine, or null. */
    static @Nullable RegexpEngineProvider engine() {
        for (RegexpEngineProvider p : ServiceLoader.load(RegexpEngineProvider.class,
                RegexpTable.class.getClassLoader())) {
            return p;
        }
        return null;
    }

    static RegexpTable compile(Family family, String reference, Path file, Format format,
            List<LogicalLines.Line> lines, List<PolicyFileException.Problem> problems) {
        String kind = format == Format.PCRE ? "pcre" : "regexp";
        RegexpEngineProvider engine = null;
        boolean noEngine = false;
        List<Rule> rules = new ArrayList<>();
        List<Action> actions = new ArrayList<>();
        List<PolicyFileException.Problem> warnings = new ArrayList<>();
        List<Integer> open = new ArrayList<>();
        for (LogicalLines.Line line : lines) {
            String t = line.text();
            int n = t.length();
            boolean isIf = false;
            int p = 0;
            if (Character.isLetterOrDigit(t.charAt(0))) {
                if (keyword(t, "ENDIF")) {
                    if (open.isEmpty()) {
                        problems.add(problem(file, line, 0, t, kind + " table: 'endif' without 'if'"));
                    } else if (!t.substring(5).isBlank()) {
                        problems.add(problem(file, line, 5, t, kind + " table: text after 'endif'"));
                    } else {
                        open.remove(open.size() - 1);
                        rules.add(new Rule(ENDIF, null, true, null, true, null, null, 0, null, "endif",
                                line.first()));
                    }
                    continue;
                }
                if (!keyword(t, "IF")) {
                    problems.add(problem(file, line, 0, t, String.format(Locale.ROOT, "%s table: '%s' is not a"
                            + " rule (expected /pattern/flags RESULT, if /pattern/flags or endif)", kind,
                            esc(t))));
                    continue;
                }
                isIf = true;
                open.add(line.first()); // also when the rule turns out broken: its endif is not "without if"
                p = 2;
                while (p < n && LogicalLines.isSpace(t.charAt(p))) {
                    p++;
                }
            }
            if (!noEngine && engine == null) {
                engine = engine();
                if (engine == null) {
                    noEngine = true;
                    problems.add(problem(file, line, 0, "", String.format(Locale.ROOT, "%s table '%s' needs a"
                            + " linear-time pattern engine: add %s (RE2/J) to the class path or module path;"
                            + " java.util.regex is never used for table patterns", kind, esc(reference),
                            ARTIFACT)));
                }
            }
            if (noEngine) {
                continue;
            }
            Pattern first = pattern(file, line, p, kind, format, problems);
            if (first == null) {
                continue;
            }
            p = first.end;
            Pattern second = null;
            if (!isIf && format == Format.REGEXP && p < n && t.charAt(p) == '!') {
                second = pattern(file, line, p, kind, format, problems);
                if (second == null) {
                    continue;
                }
                p = second.end;
            }
            while (p < n && LogicalLines.isSpace(t.charAt(p))) {
                p++;
            }
            String keyText = t.substring(0, second != null ? second.end : first.end).strip();
            if (isIf) {
                if (p < n) {
                    problems.add(problem(file, line, p, t.substring(p), String.format(Locale.ROOT, "%s table: text"
                            + " after 'if /pattern/' (a rule inside a block starts on a line of its own, without"
                            + " leading whitespace)", kind)));
                    continue;
                }
                CompiledRegexp re = compileAt(engine, file, line, first, kind, problems);
                if (re != null) {
                    rules.add(new Rule(IF, re, first.match, null, true, null, null, 0, null, keyText,
                            line.first()));
                }
                continue;
            }
            String result = t.substring(p);
            // $n in the result: checked as Postfix's prescan does
            int maxSub = 0;
            String bad = null;
            for (int i = 0; i < result.length(); i++) {
                if (result.charAt(i) != '$') {
                    continue;
                }
                if (i + 1 < result.length() && result.charAt(i + 1) == '$') {
                    i++;
                    continue;
                }
                int[] ref = reference(result, i);
                if (ref[0] == -2) {
                    bad = "bad replacement syntax at '" + esc(result.substring(i)) + "'";
                } else if (ref[0] == -1) {
                    bad = "non-numeric replacement index in '" + esc(result.substring(i, ref[1])) + "'";
                } else if (ref[0] < 1) {
                    bad = "out-of-range replacement index in '" + esc(result.substring(i, ref[1])) + "'";
                } else {
                    maxSub = Math.max(maxSub, ref[0]);
                    i = ref[1] - 1;
                    continue;
                }
                break;
            }
            if (bad != null) {
                problems.add(problem(file, line, p, result, String.format(Locale.ROOT, "%s table rule %s: %s",
                        kind, esc(keyText), bad)));
                continue;
            }
            if (maxSub > 0 && !first.match) {
                problems.add(problem(file, line, p, result, String.format(Locale.ROOT, "%s table rule %s: $number"
                        + " in the result of a negative match ('!'), which has no groups", kind,
                        esc(keyText))));
                continue;
            }
            Action action = null;
            Action dunno = null;
            Action listed = null; // what actions() lists for a rule whose result is built when it matches
            try {
                if (maxSub == 0) {
                    action = Action.parse(family, result.replace("$$", "$"), keyText, file.toString(),
                            line.first());
                } else {
                    int w = 0;
                    while (w < result.length() && !LogicalLines.isSpace(result.charAt(w))) {
                        w++;
                    }
                    if (result.substring(0, w).indexOf('$') >= 0) {
                        throw new IllegalArgumentException("the action word must be written out; $number may only"
                                + " stand in its text");
                    }
                    // the word is checked with a text that satisfies every action's argument check; the rule is
                    // listed with that word, so that the rules know a RELAY rule is there and lint sees it
                    listed = Action.parse(family, result.substring(0, w) + " x@x: x", keyText, file.toString(),
                            line.first());
                    dunno = Action.parse(family, "DUNNO", keyText, file.toString(), line.first());
                }
            } catch (IllegalArgumentException e) {
                problems.add(problem(file, line, p, result, String.format(Locale.ROOT, "%s table rule %s: %s",
                        kind, esc(keyText), e.getMessage())));
                continue;
            }
            CompiledRegexp re = compileAt(engine, file, line, first, kind, problems);
            CompiledRegexp re2 = second == null ? null : compileAt(engine, file, line, second, kind, problems);
            if (re == null || (second != null && re2 == null)) {
                continue;
            }
            if (maxSub > re.groupCount()) {
                problems.add(problem(file, line, p, result, String.format(Locale.ROOT, "%s table rule %s: out of"
                        + " range replacement index \"%d\": the pattern has %d groups", kind, esc(keyText),
                        maxSub, re.groupCount())));
                continue;
            }
            if (listed != null) {
                actions.add(listed);
            }
            if (action != null) {
                actions.add(action);
                if (action.numeric()) {
                    warnings.add(problem(file, line, p, result, String.format(Locale.ROOT, "%s table rule %s: the"
                            + " all-numerical result '%s' means OK to Postfix", kind, esc(keyText),
                            esc(result))));
                }
            }
            rules.add(new Rule(MATCH, re, first.match, re2, second == null || second.match, action,
                    action == null ? result : null, maxSub, dunno, keyText, line.first()));
        }
        for (int n : open) {
            problems.add(new PolicyFileException.Problem(file, n, 1, "if",
                    kind + " table 'if' without a matching 'endif'"));
        }
        Rule[] all = rules.toArray(new Rule[0]);
        int[] ends = new int[all.length];
        Arrays.fill(ends, all.length);
        List<Integer> stack = new ArrayList<>();
        for (int i = 0; i < all.length; i++) {
            if (all[i].op == IF) {
                stack.add(i);
            } else if (all[i].op == ENDIF && !stack.isEmpty()) {
                ends[stack.remove(stack.size() - 1)] = i;
            }
        }
        return new RegexpTable(family, reference, file, format, actions, warnings, all, ends);
    }

    /** A pattern as written: where it is in the logical line, its flags, whether it is negated. */
    private record Pattern(String text, int start, int end, boolean match, int flags) {
    }

    /** Postfix's dict_regexp_get_pat / dict_pcre_get_pattern from offset {@code p}; null after adding a problem. */
    private static @Nullable Pattern pattern(Path file, LogicalLines.Line line, int p, String kind, Format format,
            List<PolicyFileException.Problem> problems) {
        String t = line.text();
        int n = t.length();
        boolean match = true;
        while (p < n && (t.charAt(p) == '!' || LogicalLines.isSpace(t.charAt(p)))) {
            if (t.charAt(p) == '!') {
                match = !match;
            }
            p++;
        }
        if (p == n) {
            problems.add(problem(file, line, Math.max(0, n - 1), t, kind + " table: no pattern"));
            return null;
        }
        char delimiter = t.charAt(p);
        int start = p + 1;
        int k = start;
        while (k < n) {
            char c = t.charAt(k);
            if (c == '\\') {
                if (k + 1 >= n) {
                    break;
                }
                k++;
            } else if (c == delimiter) {
                break;
            }
            k++;
        }
        if (k >= n || t.charAt(k) != delimiter) {
            problems.add(problem(file, line, p, t.substring(p), String.format(Locale.ROOT, "%s table: no closing"
                    + " delimiter \"%c\" of the pattern %s", kind, delimiter, esc(t.substring(p)))));
            return null;
        }
        String text = t.substring(start, k);
        if (format == Format.REGEXP) {
            // GNU regcomp's word operators: RE2 reads \< and \> as the characters < and >, which would silently
            // change what the rule matches
            for (int i = 0; i + 1 < text.length(); i++) {
                if (text.charAt(i) == '\\') {
                    char e = text.charAt(i + 1);
                    if (e == '<' || e == '>' || e == '`' || e == '\'') {
                        problems.add(problem(file, line, start + i, text, String.format(Locale.ROOT,
                                "regexp table pattern /%s/: the GNU operator \\%c is not supported by the"
                                        + " linear-time engine; use \\b for a word boundary, ^ and $ for the ends",
                                esc(text), e)));
                        return null;
                    }
                    i++;
                }
            }
        }
        k++;
        int flags;
        if (format == Format.REGEXP) {
            // REG_EXTENDED | REG_ICASE by default, and without REG_NEWLINE '.' matches a newline
            flags = RegexpEngineProvider.CASE_INSENSITIVE | RegexpEngineProvider.DOTALL
                    | RegexpEngineProvider.LONGEST_MATCH;
        } else {
            flags = RegexpEngineProvider.CASE_INSENSITIVE | RegexpEngineProvider.DOTALL;
        }
        while (k < n && !LogicalLines.isSpace(t.charAt(k)) && !(format == Format.REGEXP && t.charAt(k) == '!')) {
            char f = t.charAt(k);
            String why = null;
            switch (f) {
                case 'i' -> flags ^= RegexpEngineProvider.CASE_INSENSITIVE;
                case 'm' -> {
                    if (format == Format.REGEXP) {
                        // REG_NEWLINE: '.' stops at newlines, ^ and $ match at them
                        flags ^= RegexpEngineProvider.MULTILINE | RegexpEngineProvider.DOTALL;
                    } else {
                        flags ^= RegexpEngineProvider.MULTILINE;
                    }
                }
                case 's' -> {
                    if (format == Format.PCRE) {
                        flags ^= RegexpEngineProvider.DOTALL;
                    } else {
                        why = "unknown regexp option";
                    }
                }
                case 'x' -> why = format == Format.PCRE
                        ? "the option x (PCRE extended syntax, whitespace and comments ignored) is not supported by"
                                + " the linear-time engine; remove the whitespace and comments and the x"
                        : "the option x (POSIX basic regular expressions) is not supported by the linear-time"
                                + " engine; write the pattern as an extended regular expression without the x";
                case 'A' -> {
                    if (format == Format.PCRE) {
                        flags ^= RegexpEngineProvider.ANCHORED;
                    } else {
                        why = "unknown regexp option";
                    }
                }
                case 'U' -> {
                    if (format == Format.PCRE) {
                        flags ^= RegexpEngineProvider.UNGREEDY;
                    } else {
                        why = "unknown regexp option";
                    }
                }
                case 'E', 'X' -> {
                    // PCRE's DOLLAR_ENDONLY: the looked-up text never ends in a newline; X: obsolete, PCRE2 ignores it
                    if (format != Format.PCRE) {
                        why = "unknown regexp option";
                    }
                }
                default -> why = "unknown " + kind + " option";
            }
            if (why != null) {
                problems.add(problem(file, line, k, String.valueOf(f), String.format(Locale.ROOT,
                        "%s table pattern %s: %s \"%c\"", kind, esc(t.substring(p, k + 1)), why, f)));
                return null;
            }
            k++;
        }
        return new Pattern(text, start, k, match, flags);
    }

    private static @Nullable CompiledRegexp compileAt(RegexpEngineProvider engine, Path file, LogicalLines.Line line,
            Pattern pattern, String kind, List<PolicyFileException.Problem> problems) {
        try {
            return engine.compile(pattern.text, pattern.flags);
        } catch (RegexpSyntaxException e) {
            int at = pattern.start + Math.max(0, Math.min(e.index(), pattern.text.length()));
            problems.add(problem(file, line, at, pattern.text, String.format(Locale.ROOT,
                    "%s table pattern /%s/: %s (%s)", kind, esc(pattern.text), e.description(),
                    engine.name())));
            return null;
        }
    }

    /** Patterns are echoed with their backslashes as written; only control characters are escaped. */
    private static String esc(String s) {
        return Text.escapeControls(s);
    }

    /** Postfix's keyword test: the word, any case, not followed by a letter or digit. */
    private static boolean keyword(String t, String word) {
        int n = word.length();
        return t.length() >= n && t.regionMatches(true, 0, word, 0, n)
                && (t.length() == n || !Character.isLetterOrDigit(t.charAt(n)));
    }
}

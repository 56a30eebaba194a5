package io.github.relaypolicy.core.internal.policyfile;

import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.internal.TextFiles;
import io.github.relaypolicy.core.internal.engine.Rules;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.dns.ListNames;
import io.github.relaypolicy.core.internal.dns.ZoneNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The syntax of a policy file: strict UTF-8 lines, comments, {@code key = value} settings with continuation lines,
 * list values split at commas and whitespace, list files expanded in place; every piece keeps its file, line and
 * column. It knows the keys (from {@link Keys}) but not what their values mean: {@link Applier} gives them to the
 * builder.
 */
public final class Lexer {

    private static final Pattern INDENTED_SETTING = Pattern.compile("\\s+([A-Za-z0-9_.-]+)\\s*=");

    /**
     * A piece of a value on one physical line: where it starts and its text.
     *
     * @param file the file
     * @param line the line, from 1
     * @param column the column, from 1
     * @param text the text
     */
    public record Segment(Path file, int line, int column, String text) {
        /** Where this piece is. */
        public Origin origin() {
            return new Origin(file, line, column, text);
        }
    }

    /**
     * A setting as written: its key (with suffix), the key's place and the value's pieces.
     *
     * @param key the key
     * @param name the key's name
     * @param suffix what follows the key's dot ({@code reply.RULE}), or ""
     * @param keyOrigin where the key is written
     * @param value the pieces of the value
     */
    public record Setting(Keys.Key key, String name, String suffix, Origin keyOrigin, List<Segment> value) {
        /** The value's pieces joined with single spaces. */
        public String text() {
            StringBuilder sb = new StringBuilder();
            for (Segment s : value) {
                sb.append(sb.isEmpty() ? "" : " ").append(s.text());
            }
            return sb.toString();
        }

        /** Where the value starts, or the key's place for an empty value. */
        public Origin valueOrigin() {
            return value.isEmpty() ? keyOrigin : value.get(0).origin();
        }

        /** The key as written, with its suffix: {@code reply.relay_denied}. */
        public String written() {
            return suffix.isEmpty() ? name : name + "." + suffix;
        }
    }

    private Lexer() {
    }

    /**
     * The settings of {@code file}, list files expanded; problems are added to {@code problems}, every file read to
     * {@code files}.
     */
    public static List<Setting> read(Path file, List<PolicyFileException.Problem> problems, Set<Path> files) {
        List<String> lines = lines(file, null, problems);
        List<Setting> settings = new ArrayList<>();
        Map<String, Origin> seen = new HashMap<>();
        Setting current = null;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = uncomment(lines.get(i));
            if (line.isBlank()) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                int start = firstNonBlank(line);
                Matcher indented = INDENTED_SETTING.matcher(line);
                if (indented.lookingAt() && Keys.lookup(indented.group(1)) != null) {
                    problems.add(new PolicyFileException.Problem(file, lineNo, start + 1, line.strip(),
                            "'" + Keys.echo(line.strip()) + "' is indented, so it would continue the setting above;"
                                    + " start a setting at column 1"));
                    current = ignored(file, lineNo);
                } else if (current == null) {
                    problems.add(new PolicyFileException.Problem(file, lineNo, start + 1, line.strip(),
                            "continuation line without a setting above it; a setting starts at column 1:"
                                    + " key = value"));
                } else {
                    current.value().add(new Segment(file, lineNo, start + 1, line.strip()));
                }
                continue;
            }
            current = setting(file, lineNo, line, problems);
            if (current != null) {
                String id = current.suffix().isEmpty() ? current.name() : current.name() + "." + normalized(current);
                Origin previous = seen.putIfAbsent(id, current.keyOrigin());
                if (previous != null) {
                    problems.add(current.keyOrigin().problem(String.format(Locale.ROOT,
                            "'%s' is already set on line %d; give each key once (continue a long value on lines that"
                                    + " start with whitespace)", Text.escape(id), previous.line())));
                    current = ignored(file, lineNo); // its continuation lines belong to the duplicate
                    continue;
                }
                settings.add(current);
            } else {
                current = ignored(file, lineNo); // takes the continuation lines of the broken setting
            }
        }
        settings.removeIf(s -> s.name().isEmpty());
        for (Setting s : settings) {
            if (s.key().kind() == Keys.Kind.LIST) {
                expandListFiles(file, s, problems, files);
            }
        }
        return settings;
    }

    /** The name after the key's dot as the engine reads it: a rule name, or a zone in lower case without a dot. */
    private static String normalized(Setting s) {
        if (s.name().equals("reply")) {
            return s.suffix();
        }
        try {
            return ZoneNames.normalize("zone", s.suffix());
        } catch (IllegalArgumentException e) {
            return s.suffix().toLowerCase(Locale.ROOT); // reported when the setting is applied
        }
    }

    /** A stand-in for a setting already reported as broken, so that its continuation lines are not reported. */
    private static Setting ignored(Path file, int lineNo) {
        return new Setting(Keys.lookup("mydestination"), "", "", new Origin(file, lineNo, 1, ""), new ArrayList<>());
    }

    /** A setting's first line, or null (with a problem) if it is not {@code key = value} with a known key. */
    private static @Nullable Setting setting(Path file, int lineNo, String line,
            List<PolicyFileException.Problem> problems) {
        int end = 0;
        while (end < line.length() && isKeyChar(line.charAt(end))) {
            end++;
        }
        String written = line.substring(0, end);
        int eq = end;
        while (eq < line.length() && (line.charAt(eq) == ' ' || line.charAt(eq) == '\t')) {
            eq++;
        }
        if (written.isEmpty() || eq >= line.length() || line.charAt(eq) != '=') {
            String found = eq >= line.length() ? "the end of the line" : "'" + Text.escape(line.substring(eq,
                    eq + Character.charCount(line.codePointAt(eq)))) + "'";
            problems.add(new PolicyFileException.Problem(file, lineNo, written.isEmpty() ? 1 : eq + 1,
                    line.strip(), written.isEmpty()
                            ? "expected a setting, key = value, with a key of letters, digits and _; found '"
                                    + Keys.echo(line.strip()) + "'"
                            : "expected '=' after the key '" + Text.escape(written) + "', found " + found));
            return null;
        }
        Origin keyOrigin = new Origin(file, lineNo, 1, written);
        Keys.Key key = Keys.lookup(written);
        if (key == null) {
            problems.add(keyOrigin.problem(Keys.unknownKey(written)));
            return null;
        }
        String suffix = key.suffixed() ? written.substring(key.name().length() + 1) : "";
        if (key.suffixed() && suffix.isEmpty()) {
            problems.add(keyOrigin.problem(String.format(Locale.ROOT, "'%s' needs a name after the dot: %s",
                    written, Keys.example(key))));
            return null;
        }
        if (key.name().equals("reply") && !Rules.DEFAULT_REPLIES.containsKey(suffix)) {
            problems.add(keyOrigin.problem(String.format(Locale.ROOT, "unknown rule '%s' in '%s'%s; rules: %s",
                    Text.escape(suffix), Text.escape(written),
                    Keys.suggestion(suffix, Rules.DEFAULT_REPLIES.keySet(), "reply."),
                    String.join(", ", Rules.DEFAULT_REPLIES.keySet()))));
            return null;
        }
        if (key.suffixed() && !key.name().equals("reply")) {
            try {
                ZoneNames.normalize(key.name(), suffix);
            } catch (IllegalArgumentException e) {
                String example = Keys.example(key);
                problems.add(keyOrigin.problem(String.format(Locale.ROOT, "'%s' names '%s', which is not a zone name:"
                        + " expected a domain name of at least two labels, e.g. %s", Text.escape(written),
                        Text.escape(suffix), example.substring(0, example.indexOf(' ')))));
                return null;
            }
        }
        List<Segment> value = new ArrayList<>();
        int start = eq + 1;
        while (start < line.length() && Character.isWhitespace(line.charAt(start))) {
            start++;
        }
        if (start < line.length()) {
            value.add(new Segment(file, lineNo, start + 1, line.substring(start).strip()));
        }
        return new Setting(key, key.name(), suffix, keyOrigin, value);
    }

    private static boolean isKeyChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
                || c == '-';
    }

    /** A line without its comment: {@code #} at the start or after whitespace starts one. */
    static String uncomment(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private static int firstNonBlank(String line) {
        int i = 0;
        while (i < line.length() && Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        return i;
    }

    /**
     * The lines of a file, strictly UTF-8; a line that is not is reported and read as empty. A file that cannot
     * be read is reported at {@code from} (the entry that named it) or as a whole.
     */
    private static List<String> lines(Path file, @Nullable Origin from, List<PolicyFileException.Problem> problems) {
        byte[] bytes;
        try {
            bytes = TextFiles.read(file);
        } catch (IOException e) {
            String why = TextFiles.why(e);
            if (from == null) {
                problems.add(new PolicyFileException.Problem(file, 0, 0, "", "cannot read the policy file: " + why));
            } else {
                problems.add(from.problem("cannot read list file '" + file + "': " + why));
            }
            return List.of();
        }
        List<String> lines = TextFiles.utf8Lines(file, bytes, problems);
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            for (int c = 0; c < l.length(); c++) {
                char ch = l.charAt(c);
                if (ch < 0x20 && ch != '\t' || ch == 0x7f) {
                    problems.add(new PolicyFileException.Problem(file, i + 1, c + 1, "",
                            String.format(Locale.ROOT, "control character U+%04X; only text and tabs are allowed",
                                    (int) ch)));
                    lines.set(i, "");
                    break;
                }
            }
        }
        return lines;
    }

    /** Replaces list-file entries of a list setting by the entries of those files, each with its own place. */
    private static void expandListFiles(Path policy, Setting s, List<PolicyFileException.Problem> problems,
            Set<Path> files) {
        List<Segment> expanded = new ArrayList<>();
        for (Segment token : tokens(s.value())) {
            String t = token.text();
            if (!(t.startsWith("/") || t.startsWith("./") || t.startsWith("../"))) {
                expanded.add(token);
                continue;
            }
            Path listFile = resolve(policy, t);
            files.add(listFile);
            List<String> lines = lines(listFile, token.origin(), problems);
            for (int i = 0; i < lines.size(); i++) {
                String line = uncomment(lines.get(i));
                for (Segment entry : tokens(List.of(new Segment(listFile, i + 1, 1, line)))) {
                    String e = entry.text();
                    if (e.startsWith("/") || e.startsWith("./") || e.startsWith("../")) {
                        problems.add(entry.origin().problem("a list file cannot name another list file; expected "
                                + s.key().expected()));
                    } else {
                        expanded.add(entry);
                    }
                }
            }
        }
        s.value().clear();
        s.value().addAll(expanded);
    }

    /** The tokens of a list value, separated by commas or whitespace, each with its column. */
    public static List<Segment> tokens(List<Segment> value) {
        List<Segment> tokens = new ArrayList<>();
        for (Segment seg : value) {
            String text = seg.text();
            int i = 0;
            while (i < text.length()) {
                while (i < text.length() && isSeparator(text.charAt(i))) {
                    i++;
                }
                int start = i;
                while (i < text.length() && !isSeparator(text.charAt(i))) {
                    i++;
                }
                if (i > start) {
                    tokens.add(new Segment(seg.file(), seg.line(), seg.column() + start, text.substring(start, i)));
                }
            }
        }
        return tokens;
    }

    private static boolean isSeparator(char c) {
        return c == ',' || Character.isWhitespace(c);
    }

    public static Path resolve(Path policy, String path) {
        Path p = Path.of(path);
        Path dir = policy.toAbsolutePath().getParent();
        return p.isAbsolute() || dir == null ? p : dir.resolve(p).normalize();
    }
}

package io.github.relaypolicy.core.internal.login;

import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.internal.TextFiles;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.match.DomainNames;
import io.github.relaypolicy.core.internal.match.SmtpPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The sender login maps as written: Postfix's {@code smtpd_sender_login_maps} text format, one {@code KEY LOGIN[,
 * LOGIN...]} a line (logins separated by commas and/or whitespace), a line starting with whitespace continuing the
 * one above, {@code #} starting a comment line. A KEY is {@code user@domain} or {@code @domain}; keys and addresses
 * are compared in one normal form ({@link #normalKey}): the local part unquoted (RFC 5321 section 4.1.2: the same
 * mailbox whether quoted or not), the domain in A-labels without a trailing dot, everything case-folded by
 * {@link #fold}, as Postfix's tables fold the case of their keys.
 */
public final class LoginMaps {

    /** The longest login, as for the authenticated user of a request. */
    public static final int MAX_LOGIN = 255;

    /**
     * One key of the maps.
     *
     * @param key the key in normal form ({@link #normalKey})
     * @param written the key as written
     * @param logins the logins that own the addresses of the key, as written
     * @param file the map file, or null for an entry given to the builder
     * @param line the line in the file, from 1 (0 for the builder)
     * @param column the key's column, from 1 (0 for the builder)
     */
    public record Entry(String key, String written, List<String> logins, @Nullable Path file, int line, int column) {

        public Entry {
            logins = List.copyOf(logins);
        }

        /** Where the entry was given, as traces and messages name it: {@code users.map:3} or {@code builder}. */
        public String source() {
            return file == null ? "builder" : file.getFileName() + ":" + line;
        }

        /** Where the entry was given, with the whole path: {@code /etc/relay/users.map:3}. */
        public String place() {
            return file == null ? "the builder" : file + ":" + line;
        }

        /** A problem at this entry's key. */
        public PolicyFileException.Problem problem(String message) {
            return new PolicyFileException.Problem(file == null ? Path.of("builder") : file, line, column, written,
                    message);
        }
    }

    /**
     * Map entries that cannot be used: every problem with its file, line and column. The message is the first
     * problem (and how many more there are), so that a builder call names the place.
     */
    public static final class MapException extends io.github.relaypolicy.core.internal.FileProblemsException {

        private static final long serialVersionUID = 1L;

        @SuppressWarnings("serial") // immutable records; serialization is not supported anyway
        private final List<Entry> entries;

        /**
         * The exception for {@code problems}.
         *
         * @param problems at least one problem
         * @param entries the entries that were read well, so that duplicates among them can be reported too
         */
        public MapException(List<PolicyFileException.Problem> problems, List<Entry> entries) {
            super(problems);
            this.entries = List.copyOf(entries);
        }

        /** The entries that were read well. */
        public List<Entry> entries() {
            return entries;
        }
    }

    private LoginMaps() {
    }

    /**
     * The case fold of keys, addresses and logins: ASCII letters to lower case, other characters to their lower
     * case unless that is ASCII. A non-ASCII character never folds to ASCII: the Kelvin sign U+212A would otherwise
     * be {@code k}, and the dotted capital I U+0130 {@code i}, so that a look-alike could pass for a listed name.
     */
    public static char fold(char c) {
        if (c < 0x80) {
            return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
        }
        char lower = Character.toLowerCase(c);
        return lower < 0x80 ? c : lower;
    }

    /** {@code s} with every character folded by {@link #fold}. */
    public static String fold(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            sb.append(fold(s.charAt(i)));
        }
        return sb.toString();
    }

    /**
     * A key in normal form: the local part's content (quotes and backslash escapes removed), {@code @}, the domain
     * in lower-case A-labels without a trailing dot (an address literal as written, lower-cased); folded. An
     * {@code @domain} key has no local part.
     *
     * @param written the key as written
     * @return the normal form
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static String normalKey(String written) {
        String w = written.strip();
        boolean domainOnly = w.startsWith("@");
        String path = domainOnly ? "x" + w : w;
        long parsed = SmtpPath.parse(path);
        int status = w.isEmpty() || w.startsWith("<") ? SmtpPath.SYNTAX : SmtpPath.status(parsed);
        int flags = SmtpPath.flags(parsed);
        String expected = "expected user@domain or @domain";
        if (status == SmtpPath.PART_TOO_LONG || status == SmtpPath.PATH_TOO_LONG) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "'%s' is too long for an address (a local"
                    + " part has at most 64 octets, a domain 255)", Text.escape(written)));
        }
        if (status != SmtpPath.OK || (flags & (SmtpPath.SOURCE_ROUTE | SmtpPath.SEVERAL_AT)) != 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "'%s' is not an address: %s (a local"
                    + " part with spaces in double quotes: \"john smith\"@example.org)", Text.escape(written),
                    expected));
        }
        if ((flags & SmtpPath.HAS_DOMAIN) == 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "'%s' has no domain: %s (a bare local"
                    + " part is not looked up)", Text.escape(written), expected));
        }
        int domainStart = SmtpPath.domainStart(parsed);
        String domain = domain(path, parsed);
        if (domain == null) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "'%s': '%s' is not a valid domain name",
                    Text.escape(written), Text.escape(path.substring(domainStart, SmtpPath.domainEnd(parsed)))));
        }
        StringBuilder key = new StringBuilder(w.length());
        if (!domainOnly) {
            int local = 0;
            int localEnd = domainStart - 1;
            boolean quoted = path.charAt(local) == '"';
            int from = quoted ? local + 1 : local;
            int to = quoted ? localEnd - 1 : localEnd;
            for (int i = from; i < to; i++) {
                char c = path.charAt(i);
                if (quoted && c == '\\') {
                    c = path.charAt(++i);
                }
                key.append(fold(c));
            }
            if (key.length() == 0) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "'%s' has an empty local part; write"
                        + " @%s for every address of the domain", Text.escape(written), Text.escape(domain)));
            }
        }
        return key.append('@').append(domain).toString();
    }

    /**
     * The domain of a parsed path in normal form: lower-case A-labels (or an address literal, lower-cased), no
     * trailing dot; null if an internationalized name cannot be converted.
     */
    static @Nullable String domain(String path, long parsed) {
        int start = SmtpPath.domainStart(parsed);
        int end = SmtpPath.domainEnd(parsed);
        int flags = SmtpPath.flags(parsed);
        if ((flags & SmtpPath.NON_ASCII) != 0 && (flags & SmtpPath.LITERAL) == 0) {
            return DomainNames.toAscii(path.substring(start, end));
        }
        return fold(path.substring(start, end));
    }

    /**
     * Checks the logins of one key: at least one; each 1 to {@value #MAX_LOGIN} characters without control
     * characters.
     *
     * @param key the key as written, for messages
     * @throws IllegalArgumentException naming the key and the login
     */
    public static void checkLogins(String key, List<String> logins) {
        if (logins.isEmpty()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "key '%s' has no login: expected KEY"
                    + " LOGIN[, LOGIN...]", Text.escape(key)));
        }
        for (String login : logins) {
            if (login.isEmpty() || login.length() > MAX_LOGIN || Text.hasControlOrBrokenText(login)
                    || login.chars().anyMatch(c -> c == ',' || Character.isWhitespace(c))) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "login '%s' of key '%s': expected 1"
                        + " to %d characters without commas, whitespace or control characters", Text.escape(login),
                        Text.escape(key), MAX_LOGIN));
            }
        }
    }

    /**
     * The entries of a map file.
     *
     * @throws MapException with every problem of the file, each at its line and column
     */
    public static List<Entry> read(Path file) {
        List<PolicyFileException.Problem> problems = new ArrayList<>();
        List<String> lines = lines(file, problems);
        List<Entry> entries = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            int lineNo = i + 1;
            i++;
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                problems.add(new PolicyFileException.Problem(file, lineNo, 1, line.strip(), "continuation line"
                        + " without a key above it; a line starts with its key at column 1: KEY LOGIN[, LOGIN...]"));
                continue;
            }
            int keyEnd = keyEnd(line);
            String written = line.substring(0, keyEnd);
            List<String> logins = new ArrayList<>();
            List<int[]> places = new ArrayList<>(); // line and column of each login
            tokens(line, keyEnd, lineNo, logins, places);
            while (i < lines.size() && !lines.get(i).isEmpty() && Character.isWhitespace(lines.get(i).charAt(0))
                    && !lines.get(i).strip().startsWith("#")) {
                tokens(lines.get(i), 0, i + 1, logins, places);
                i++;
            }
            String key;
            try {
                key = normalKey(written);
            } catch (IllegalArgumentException e) {
                problems.add(new PolicyFileException.Problem(file, lineNo, 1, written, e.getMessage()));
                continue;
            }
            if (logins.isEmpty()) {
                problems.add(new PolicyFileException.Problem(file, lineNo, 1, written, String.format(Locale.ROOT,
                        "key '%s' has no login: expected KEY LOGIN[, LOGIN...]", Text.escape(written))));
                continue;
            }
            String problem = null;
            int k = 0;
            for (; k < logins.size() && problem == null; k++) {
                problem = loginProblem(written, logins.get(k));
            }
            if (problem != null) {
                int[] at = places.get(k - 1);
                problems.add(new PolicyFileException.Problem(file, at[0], at[1], logins.get(k - 1), problem));
                continue;
            }
            entries.add(new Entry(key, written, logins, file, lineNo, 1));
        }
        if (!problems.isEmpty()) {
            throw new MapException(problems, entries);
        }
        return entries;
    }

    /** What is wrong with one login of a map line, or null. */
    private static @Nullable String loginProblem(String key, String login) {
        if (login.startsWith("#")) {
            return "'" + Text.escape(login) + "': a comment must be on a line of its own (# as its first non-blank"
                    + " character)";
        }
        try {
            checkLogins(key, List.of(login));
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** Where the key that starts {@code line} ends: at whitespace, a double-quoted local part read whole. */
    private static int keyEnd(String line) {
        int i = 0;
        if (line.charAt(0) == '"') {
            i = 1;
            while (i < line.length() && line.charAt(i) != '"') {
                i += line.charAt(i) == '\\' ? 2 : 1;
            }
            i = Math.min(i + 1, line.length());
        }
        while (i < line.length() && !Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Adds the logins of {@code line} from {@code from}, separated by commas and/or whitespace, with places. */
    private static void tokens(String line, int from, int lineNo, List<String> out, List<int[]> places) {
        int i = from;
        while (i < line.length()) {
            while (i < line.length() && isSeparator(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < line.length() && !isSeparator(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                out.add(line.substring(start, i));
                places.add(new int[] {lineNo, start + 1});
            }
        }
    }

    private static boolean isSeparator(char c) {
        return c == ',' || Character.isWhitespace(c);
    }

    /**
     * The lines of a map file, strictly UTF-8, without control characters but tab; a bad line is reported and read
     * as empty. A file that cannot be read is reported as a whole.
     */
    private static List<String> lines(Path file, List<PolicyFileException.Problem> problems) {
        byte[] bytes;
        try {
            bytes = TextFiles.read(file);
        } catch (IOException e) {
            problems.add(new PolicyFileException.Problem(file, 0, 0, "", "cannot read the sender login map: "
                    + TextFiles.why(e)));
            return List.of();
        }
        List<String> lines = TextFiles.utf8Lines(file, bytes, problems);
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            int bad = firstControl(line);
            if (bad >= 0) {
                problems.add(new PolicyFileException.Problem(file, n + 1, bad + 1, "",
                        String.format(Locale.ROOT, "control character U+%04X; only text and tabs are allowed",
                                (int) line.charAt(bad))));
                lines.set(n, "");
            }
        }
        return lines;
    }

    private static int firstControl(String line) {
        for (int c = 0; c < line.length(); c++) {
            char ch = line.charAt(c);
            if (ch < 0x20 && ch != '\t' || ch >= 0x7f && ch < 0xa0) {
                return c;
            }
        }
        return -1;
    }
}

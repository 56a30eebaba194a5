package io.github.relaypolicy.core.internal.access;

import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.TextFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** One compiled table file of one family; immutable, shared by all decisions. */
public abstract class AccessTable {

    /** The file formats. */
    public enum Format {
        /** cidr_table(5): {@code NETWORK ACTION}, first match in file order. */
        CIDR,
        /** access(5) text, the source of a {@code hash:} map: {@code KEY ACTION}, looked up in Postfix's order. */
        TEXT,
        /** regexp_table(5): POSIX extended regular expressions, first match in file order. */
        REGEXP,
        /** pcre_table(5): Perl-compatible regular expressions (what RE2/J can express), first match in file order. */
        PCRE
    }

    /**
     * A table reference split into its type and file.
     *
     * @param type the Postfix type prefix as written, lower case ({@code cidr}, {@code hash}, {@code regexp}, ...),
     *     or empty when there is none
     * @param path the file as written, without the type prefix
     * @param format how the file is read
     */
    public record TableRef(String type, String path, Format format) {
    }

    private static final Set<String> TEXT_TYPES = Set.of("hash", "texthash", "btree", "lmdb", "cdb");

    final Family family;
    final String reference;
    final Path file;
    final List<Action> actions;
    final List<PolicyFileException.Problem> warnings;

    AccessTable(Family family, String reference, Path file, List<Action> actions,
            List<PolicyFileException.Problem> warnings) {
        this.family = family;
        this.reference = reference;
        this.file = file;
        this.actions = List.copyOf(actions);
        this.warnings = List.copyOf(warnings);
    }

    /**
     * The result of this file for the subject: an action (DUNNO included: a found key stops the lookups of this file),
     * or null when no entry applies. Allocation-free for cidr and text tables on ASCII input; a regexp table with
     * {@code $n} in the result creates the action.
     */
    public abstract @Nullable Action find(AccessSubject s);

    /** The reference as written, e.g. {@code cidr:/etc/relay/clients}. */
    public String reference() {
        return reference;
    }

    /** The family the table belongs to. */
    public Family family() {
        return family;
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** The file's format. */
    public abstract Format format();

    /** Every entry's action, in file order. */
    public List<Action> actions() {
        return actions;
    }

    /**
     * What lint should say about the file, each {@code FILE:LINE: message}: entries that never match (a cidr network
     * inside an earlier one, a duplicate key, which postmap also ignores), {@code .domain} keys (never matched with
     * Postfix's default parent_domain_matches_subdomains), all-numerical results (Postfix's OK).
     */
    public List<String> warnings() {
        return warnings.stream().map(w -> w.file() + ":" + w.line() + ": " + w.message()).toList();
    }

    /** The {@link #warnings()} with their columns and the text they are about. */
    public List<PolicyFileException.Problem> warningProblems() {
        return warnings;
    }

    @Override
    public String toString() {
        return family.setting() + " " + reference;
    }

    /**
     * Splits a table reference into its format and file. For {@code check_client_access} no prefix and {@code cidr:}
     * are cidr_table(5); for the others no prefix and {@code hash:}, {@code texthash:}, {@code btree:},
     * {@code lmdb:}, {@code cdb:} are access(5) text; {@code regexp:} and {@code pcre:} work for all.
     *
     * @throws IllegalArgumentException for a type this family cannot read, naming it
     */
    public static TableRef parseReference(Family family, String written) {
        String w = written.strip();
        int colon = w.indexOf(':');
        String type = null;
        if (colon >= 2) {
            String t = w.substring(0, colon);
            if (t.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                type = t;
            }
        }
        String path = type == null ? w : w.substring(colon + 1);
        if (path.isEmpty()) {
            throw new IllegalArgumentException(family.setting() + " '" + Text.escape(written) + "': no file name");
        }
        if (type == null) {
            return new TableRef("", path, family == Family.CLIENT ? Format.CIDR : Format.TEXT);
        }
        switch (type) {
            case "regexp":
                return new TableRef(type, path, Format.REGEXP);
            case "pcre":
                return new TableRef(type, path, Format.PCRE);
            case "cidr":
                if (family == Family.CLIENT) {
                    return new TableRef(type, path, Format.CIDR);
                }
                throw new IllegalArgumentException(String.format(Locale.ROOT, "%s '%s': a cidr: table matches"
                        + " client addresses only; use it in check_client_access, or write %s as an access(5) text"
                        + " file (hash:) or a regexp:/pcre: table", family.setting(), Text.escape(written),
                        family.setting()));
            default:
                break;
        }
        if (TEXT_TYPES.contains(type)) {
            if (family != Family.CLIENT) {
                return new TableRef(type, path, Format.TEXT);
            }
            throw new IllegalArgumentException(String.format(Locale.ROOT, "check_client_access '%s': a %s: client"
                    + " table is not supported; write the client networks as a cidr: table (cidr_table(5)), or match"
                    + " names with a regexp: or pcre: table", Text.escape(written), type));
        }
        throw new IllegalArgumentException(String.format(Locale.ROOT, "%s '%s': '%s:' is a Postfix %s: table, which"
                + " relay-policy cannot read; the files it reads are %s", family.setting(), Text.escape(written),
                type, type, family == Family.CLIENT ? "cidr: (or no prefix), regexp: and pcre:"
                        : "hash:, texthash:, btree:, lmdb:, cdb: (the access(5) text file postmap reads, or no"
                                + " prefix), regexp: and pcre:"));
    }

    /**
     * Reads and compiles one table file.
     *
     * @param family the family it is used in
     * @param reference the reference as written, e.g. {@code regexp:/etc/x}
     * @param file the file, resolved
     * @throws AccessTableException naming every problem at its file:line:column
     * @throws IllegalArgumentException if the reference's type is not allowed (see {@link #parseReference})
     */
    public static AccessTable load(Family family, String reference, Path file) {
        TableRef ref = parseReference(family, reference);
        List<PolicyFileException.Problem> problems = new ArrayList<>();
        byte[] bytes;
        try {
            bytes = TextFiles.read(file);
        } catch (IOException e) {
            throw new AccessTableException(List.of(new PolicyFileException.Problem(file, 0, 0, "",
                    family.setting() + " table '" + Text.escape(file.toString()) + "' cannot be read: "
                            + TextFiles.why(e))));
        }
        List<String> physical = TextFiles.utf8Lines(file, bytes, problems);
        for (int n = 0; n < physical.size(); n++) {
            // a control character is never part of a name, an address or a reply; a CR inside a line means a file
            // with CR line ends, whose later entries Postfix would read as this entry's text
            String s = physical.get(n);
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if ((c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                    problems.add(new PolicyFileException.Problem(file, n + 1, i + 1,
                            String.format(Locale.ROOT, "\\u%04X", (int) c), String.format(Locale.ROOT,
                                    "%s table line holds the control character U+%04X%s", family.setting(), (int) c,
                                    c == '\r' ? " (a file with CR line ends? save it with LF or CRLF line ends)"
                                            : "")));
                    break;
                }
            }
        }
        List<Integer> orphans = new ArrayList<>();
        List<LogicalLines.Line> lines = LogicalLines.split(physical, orphans);
        for (int n : orphans) {
            problems.add(new PolicyFileException.Problem(file, n, 1, physical.get(n - 1).strip(),
                    "a line starting with whitespace continues the entry above it, but there is none (Postfix"
                            + " ignores it with a warning); remove the leading whitespace"));
        }
        AccessTable table = switch (ref.format()) {
            case CIDR -> CidrTable.compile(family, reference, file, lines, problems);
            case TEXT -> TextTable.compile(family, reference, file, lines, problems);
            case REGEXP, PCRE -> RegexpTable.compile(family, reference, file, ref.format(), lines, problems);
        };
        if (!problems.isEmpty()) {
            problems.sort(java.util.Comparator.comparingInt(PolicyFileException.Problem::line)
                    .thenComparingInt(PolicyFileException.Problem::column));
            throw new AccessTableException(problems);
        }
        return table;
    }

    /** A problem at offset {@code at} of a logical line. */
    static PolicyFileException.Problem problem(Path file, LogicalLines.Line line, int at, String text,
            String message) {
        return new PolicyFileException.Problem(file, line.line(at), line.column(at), text, message);
    }
}

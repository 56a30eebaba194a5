package io.github.relaypolicy.core.internal.access;

import io.github.relaypolicy.core.PolicyFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The access tables of all four families, compiled; immutable. */
public final class AccessTables {

    private static final AccessTables EMPTY = new AccessTables(new EnumMap<>(Family.class));

    private final EnumMap<Family, List<AccessTable>> byFamily;
    private final List<Action> actions;
    private final List<PolicyFileException.Problem> warnings;
    private final boolean empty;

    private AccessTables(EnumMap<Family, List<AccessTable>> byFamily) {
        this.byFamily = byFamily;
        List<Action> all = new ArrayList<>();
        List<PolicyFileException.Problem> notes = new ArrayList<>();
        boolean none = true;
        for (Family f : Family.values()) {
            List<AccessTable> tables = byFamily.computeIfAbsent(f, k -> List.of());
            for (AccessTable t : tables) {
                all.addAll(t.actions());
                notes.addAll(t.warningProblems());
                none = false;
            }
        }
        this.actions = List.copyOf(all);
        this.warnings = List.copyOf(notes);
        this.empty = none;
    }

    /** No tables. */
    public static AccessTables empty() {
        return EMPTY;
    }

    /**
     * Assembles compiled tables (no file I/O).
     *
     * @param tables each family's tables in the order given; a missing family has none
     */
    public static AccessTables of(Map<Family, List<AccessTable>> tables) {
        EnumMap<Family, List<AccessTable>> m = new EnumMap<>(Family.class);
        for (Map.Entry<Family, List<AccessTable>> e : tables.entrySet()) {
            for (AccessTable t : e.getValue()) {
                if (t.family() != e.getKey()) {
                    throw new IllegalArgumentException(t + " is not a " + e.getKey().setting() + " table");
                }
            }
            m.put(e.getKey(), List.copyOf(e.getValue()));
        }
        return m.values().stream().allMatch(List::isEmpty) ? EMPTY : new AccessTables(m);
    }

    /**
     * Reads and compiles the tables of every family.
     *
     * @param references each family's table references as written ({@code cidr:/etc/x}, {@code clients}, ...)
     * @param baseDir the directory relative file names are resolved against
     * @throws AccessTableException with every problem of every file, each at its file:line:column
     * @throws IllegalArgumentException for a reference whose type the family cannot read
     */
    public static AccessTables load(Map<Family, List<String>> references, Path baseDir) {
        EnumMap<Family, List<AccessTable>> m = new EnumMap<>(Family.class);
        List<PolicyFileException.Problem> problems = new ArrayList<>();
        for (Family f : Family.values()) {
            List<String> refs = references.getOrDefault(f, List.of());
            List<AccessTable> tables = new ArrayList<>();
            for (String ref : refs) {
                AccessTable.TableRef r = AccessTable.parseReference(f, ref);
                try {
                    tables.add(AccessTable.load(f, ref, baseDir.resolve(r.path())));
                } catch (AccessTableException e) {
                    problems.addAll(e.problems());
                }
            }
            m.put(f, tables);
        }
        if (!problems.isEmpty()) {
            throw new AccessTableException(problems);
        }
        return of(m);
    }

    /** Whether there are no tables at all. */
    public boolean isEmpty() {
        return empty;
    }

    /** A family's tables, in the order given. */
    public List<AccessTable> family(Family f) {
        return byFamily.get(f);
    }

    /** Every entry's action, families in order, for lint and audit. */
    public List<Action> actions() {
        return actions;
    }

    /** Every table's warnings, {@code FILE:LINE: message} (see {@link AccessTable#warnings()}). */
    public List<String> warnings() {
        return warnings.stream().map(w -> w.file() + ":" + w.line() + ": " + w.message()).toList();
    }

    /**
     * The first result of a family's tables that is not DUNNO, WARN or a host action that lets the checks go on:
     * a convenience for tests and tools; the rules walk the tables themselves to record every step.
     */
    public @org.jspecify.annotations.Nullable Action first(Family f, AccessSubject s) {
        for (AccessTable t : byFamily.get(f)) {
            Action a = t.find(s);
            if (a != null && a.stops()) {
                return a;
            }
        }
        return null;
    }
}

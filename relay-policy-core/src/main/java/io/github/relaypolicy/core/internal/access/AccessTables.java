package io.github.relaypolicy.core.internal.access;
import java.util.List;
import java.util.Map;
/** STUB (lead) */
public final class AccessTables {
    public static AccessTables empty() { return new AccessTables(); }
    public static AccessTables of(Map<Family, List<AccessTable>> tables) { return new AccessTables(); }
    public boolean isEmpty() { return true; }
    public List<AccessTable> family(Family f) { return List.of(); }
    public List<Action> actions() { return List.of(); }
}

package io.github.relaypolicy.core.internal.access;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
/** STUB (lead) */
public abstract class AccessTable {
    public record TableRef(String type, String path) { }
    public static TableRef parseReference(Family family, String written) { return new TableRef("", written); }
    public static AccessTable load(Family family, String reference, Path file) { throw new UnsupportedOperationException(); }
    public abstract @Nullable Action find(AccessSubject s);
    public abstract String reference();
    public java.util.List<String> warnings() { return java.util.List.of(); }
}

package io.github.relaypolicy.core.internal.access;
/** STUB (lead) */
public final class AccessTableException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    @SuppressWarnings("serial")
    private final java.util.List<io.github.relaypolicy.core.PolicyFileException.Problem> problems;
    public AccessTableException(java.util.List<io.github.relaypolicy.core.PolicyFileException.Problem> problems) { super("x"); this.problems = java.util.List.copyOf(problems); }
    public java.util.List<io.github.relaypolicy.core.PolicyFileException.Problem> problems() { return problems; }
}

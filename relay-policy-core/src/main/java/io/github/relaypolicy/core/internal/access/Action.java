package io.github.relaypolicy.core.internal.access;
/** STUB (lead) */
public final class Action {
    public enum Type { OK, RELAY, REJECT, DEFER, CODE, DUNNO, WARN, DISCARD, HOLD, FILTER, REDIRECT, PREPEND }
    public Type type() { return Type.DUNNO; }
    public Family family() { return Family.CLIENT; }
    public boolean stops() { return false; }
    public int code() { return 0; }
    public String dsn() { return ""; }
    public String text() { return ""; }
    public String key() { return ""; }
    public String file() { return ""; }
    public int line() { return 0; }
    public String source() { return ""; }
}

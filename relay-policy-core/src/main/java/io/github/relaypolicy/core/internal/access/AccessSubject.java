package io.github.relaypolicy.core.internal.access;
import io.github.relaypolicy.RelayRequest;
/** STUB (lead) */
public final class AccessSubject {
    private static final ThreadLocal<AccessSubject> THREAD = ThreadLocal.withInitial(AccessSubject::new);
    public static AccessSubject forThread() { return THREAD.get(); }
    public AccessSubject request(RelayRequest r, long sender, long recipient, String delimiters, String nullKey) { return this; }
}

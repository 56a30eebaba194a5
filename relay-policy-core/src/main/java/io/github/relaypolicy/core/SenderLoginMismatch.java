package io.github.relaypolicy.core;

/**
 * Which clients the sender login maps bind to their MAIL FROM addresses ({@code sender_login_mismatch}). The check
 * comes after the relay rules: it can refuse a recipient that a rule accepted, never accept one that was refused.
 * The null sender {@code <>} is always allowed.
 *
 * @since 0.1.0
 */
public enum SenderLoginMismatch {
    /**
     * An authenticated client may use only the addresses that the maps give to its login; an address the maps do
     * not list belongs to nobody, so it is refused too (Postfix's {@code reject_authenticated_sender_login_mismatch}).
     * Unauthenticated clients are not checked. The default once maps are given.
     */
    AUTHENTICATED,
    /**
     * An authenticated client may not use an address that the maps give to other logins; addresses the maps do
     * not list are allowed. Unauthenticated clients are not checked.
     */
    KNOWN,
    /**
     * As {@link #AUTHENTICATED}, and an unauthenticated client outside the trusted networks may not use an address
     * that the maps give to any login ({@code 553 5.7.1 ... not logged in}).
     */
    ALL,
    /** The maps are read (and checked) but not enforced. */
    OFF
}

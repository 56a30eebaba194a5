package io.github.relaypolicy;

import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Something the mail server itself must do with the message, asked for by an access-table entry
 * ({@code check_*_access}) of an accepting decision: relay-policy cannot discard, hold, filter, redirect or add a
 * header, so the {@link Decision} carries the action and its argument for the server to apply, as Postfix's
 * {@code smtpd} does. Each action applies to the whole message, not only to the recipient of the decision.
 *
 * @param kind what to do
 * @param argument the action's argument as the table wrote it: the optional log text of {@code DISCARD} and
 *     {@code HOLD}, the {@code transport:destination} of {@code FILTER}, the address of {@code REDIRECT}, the
 *     header line of {@code PREPEND}; empty when the entry gave none
 * @param source where the entry is: table family, file and line, e.g.
 *     {@code check_sender_access /etc/relay-policy/senders:12}
 * @since 0.1.0
 */
public record HostAction(Kind kind, String argument, String source) {

    /**
     * The actions a host mail server applies, as Postfix's access(5) defines them.
     *
     * @since 0.1.0
     */
    public enum Kind {
        /** Accept the message, claim delivery and silently discard it. */
        DISCARD,
        /** Accept the message and keep it on hold until an administrator releases or deletes it. */
        HOLD,
        /** Accept the message and send it through the content filter {@code transport:destination}. */
        FILTER,
        /** Accept the message and deliver it to the argument's address instead of its recipients. */
        REDIRECT,
        /** Add the argument as a header line at the top of the message. */
        PREPEND;

        /**
         * The action's name as an access table writes it.
         *
         * @return e.g. {@code DISCARD}
         */
        public String tableName() {
            return name();
        }

        /**
         * The action with the given table name, in any case.
         *
         * @param name e.g. {@code hold}
         * @return the action, or {@code null} if none has that name
         */
        public static @Nullable Kind ofTableName(String name) {
            for (Kind k : values()) {
                if (k.name().equals(name.toUpperCase(Locale.ROOT))) {
                    return k;
                }
            }
            return null;
        }
    }

    /**
     * An action.
     *
     * @param kind what to do
     * @param argument the argument, empty if none
     * @param source where the entry is
     */
    public HostAction {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(argument, "argument");
        Objects.requireNonNull(source, "source");
    }

    /**
     * The action as an access table writes it, e.g. {@code FILTER smtp:[127.0.0.1]:10025}.
     *
     * @return the action and its argument
     */
    @Override
    public String toString() {
        return argument.isEmpty() ? kind.name() : kind.name() + " " + argument;
    }
}

package io.github.relaypolicy.core.internal.access;

import io.github.relaypolicy.HostAction;
import io.github.relaypolicy.core.internal.Text;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One table entry's result, compiled as Postfix's {@code check_table_result} (smtpd_check.c) reads it; immutable,
 * shared by all decisions. The action word is case-insensitive; the reply of a refusal is built here once, as
 * Postfix renders it: {@code CODE D.S.N <name>: CLASS rejected: TEXT}.
 */
public final class Action {

    /** What an entry does. */
    public enum Type {
        /** Stop the table checks and skip the DNS lists; never grants relay. An all-numerical result is OK too. */
        OK,
        /** Grants relay (client and recipient tables only), and stops like OK. */
        RELAY,
        /** Refuses with {@code access_map_reject_code} (554) and 5.7.1. */
        REJECT,
        /** Defers with {@code access_map_defer_code} (450) and 4.7.1. */
        DEFER,
        /** {@code 4NN text} or {@code 5NN text}: refuses or defers with that code. */
        CODE,
        /** No decision: the next table is asked. */
        DUNNO,
        /** A trace step only. */
        WARN,
        /** The host discards the message; stops like OK. */
        DISCARD,
        /** The host holds the message in its queue; the checks go on. */
        HOLD,
        /** The host sends the message through a content filter; the checks go on. */
        FILTER,
        /** The host delivers the message to another address; the checks go on. */
        REDIRECT,
        /** The host prepends a header; the checks go on. */
        PREPEND
    }

    /** Postfix's default {@code access_map_reject_code}. */
    public static final int REJECT_CODE = 554;
    /** Postfix's default {@code access_map_defer_code}. */
    public static final int DEFER_CODE = 450;

    private final Type type;
    private final Family family;
    private final int code;
    private final String dsn;
    private final String text;
    private final String value;
    private final String key;
    private final String file;
    private final int line;
    private final String source;
    private final boolean numeric;
    private final @Nullable HostAction hostAction;

    private Action(Type type, Family family, int code, String dsn, String text, String value, String key, String file,
            int line, boolean numeric) {
        this.type = type;
        this.family = family;
        this.code = code;
        this.dsn = dsn;
        this.text = text;
        this.value = value;
        this.key = key;
        this.file = file;
        this.line = line;
        this.source = family.setting() + " " + file + ":" + line;
        this.numeric = numeric;
        HostAction.Kind kind = switch (type) {
            case DISCARD -> HostAction.Kind.DISCARD;
            case HOLD -> HostAction.Kind.HOLD;
            case FILTER -> HostAction.Kind.FILTER;
            case REDIRECT -> HostAction.Kind.REDIRECT;
            case PREPEND -> HostAction.Kind.PREPEND;
            default -> null;
        };
        this.hostAction = kind == null ? null : new HostAction(kind, text, source);
    }

    /** What the entry does. */
    public Type type() {
        return type;
    }

    /** The family of the table the entry is in. */
    public Family family() {
        return family;
    }

    /** Whether a result of this type ends the table checks: OK, RELAY, DISCARD, REJECT, DEFER, a code. */
    public boolean stops() {
        return switch (type) {
            case OK, RELAY, DISCARD, REJECT, DEFER, CODE -> true;
            default -> false;
        };
    }

    /** Whether the result refuses or defers the request: REJECT, DEFER, a code. */
    public boolean refuses() {
        return type == Type.REJECT || type == Type.DEFER || type == Type.CODE;
    }

    /** Whether the result accepts as Postfix's OK does (OK, an all-numerical value, RELAY, DISCARD). */
    public boolean permits() {
        return type == Type.OK || type == Type.RELAY || type == Type.DISCARD;
    }

    /**
     * Whether Postfix closes the connection after this refusal: it does after every 421 and 521 reply (smtpd.c), so
     * a {@code 421 text} or {@code 521 text} entry ends the session there.
     */
    public boolean disconnects() {
        return code == 421 || code == 521;
    }

    /** The SMTP reply code of a refusal (e.g. 554), 0 otherwise. */
    public int code() {
        return code;
    }

    /** The enhanced status code of a refusal (e.g. {@code 5.7.1}), empty otherwise. */
    public String dsn() {
        return dsn;
    }

    /**
     * For a refusal, the reply text after {@code <name>: }, e.g. {@code Client host rejected: Access denied}; for WARN,
     * HOLD, DISCARD, FILTER, REDIRECT, PREPEND the argument (possibly empty); empty otherwise.
     */
    public String text() {
        return text;
    }

    /** The result as written in the table (after {@code $n} substitution for a regexp entry). */
    public String value() {
        return value;
    }

    /** The entry's key or pattern as written, for lint, audit and traces. */
    public String key() {
        return key;
    }

    /** The table file, as given. */
    public String file() {
        return file;
    }

    /** The entry's line in the file, from 1. */
    public int line() {
        return line;
    }

    /** Where the entry is, as traces name it: {@code check_client_access /etc/relay/clients:12}. */
    public String source() {
        return source;
    }

    /** Whether the value is all digits, which Postfix takes for OK ("some out-of-band authentication"). */
    public boolean numeric() {
        return numeric;
    }

    /** The action the host applies (DISCARD, HOLD, FILTER, REDIRECT, PREPEND), or null. */
    public @Nullable HostAction hostAction() {
        return hostAction;
    }

    /**
     * The whole reply line of a refusal as Postfix sends it: {@code 554 5.7.1 <name>: Client host rejected: Access
     * denied}, control characters replaced by spaces. Not cut: Postfix 3.7 sends a long text whole (its cut at 510
     * characters does not take effect), so a length limit is the caller's choice.
     *
     * @param replyName what Postfix names in the reply: {@code name[address]} of the client, the HELO name, the
     *     sender or recipient address (empty for the null sender)
     */
    public String reply(String replyName) {
        StringBuilder sb = new StringBuilder(32 + replyName.length() + text.length());
        sb.append(code).append(' ').append(dsn).append(" <").append(replyName).append(">: ").append(text);
        return printable(sb.toString());
    }

    /**
     * Postfix's printable(s, ' '): control characters (C0, DEL, C1) become spaces; UTF-8 text passes, except the line
     * and paragraph separators U+2028 and U+2029 and unpaired surrogates, which an SMTP reply line (SmtpReply) cannot
     * hold: they become spaces too, so that a table text or a regexp entry's $n never makes a reply that cannot be
     * sent.
     */
    static String printable(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1));
            if (pair) {
                i++;
                continue;
            }
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029
                    || Character.isSurrogate(c)) {
                if (sb == null) {
                    sb = new StringBuilder(s);
                }
                sb.setCharAt(i, ' ');
            }
        }
        return sb == null ? s : sb.toString();
    }

    @Override
    public String toString() {
        return value + " (" + source + ")";
    }

    /**
     * Compiles a table entry's result.
     *
     * @param family the table's family
     * @param value the result as written (trimmed)
     * @param key the entry's key or pattern as written
     * @param file the table file as given
     * @param line the entry's line
     * @return the action
     * @throws IllegalArgumentException saying why relay-policy cannot honour the result (the caller adds the place)
     */
    public static Action parse(Family family, String value, String key, String file, int line) {
        String v = value.strip();
        int wordEnd = 0;
        while (wordEnd < v.length() && v.charAt(wordEnd) != ' ' && v.charAt(wordEnd) != '\t') {
            wordEnd++;
        }
        String word = v.substring(0, wordEnd);
        int textStart = wordEnd;
        while (textStart < v.length() && LogicalLines.isSpace(v.charAt(textStart))) {
            textStart++;
        }
        String arg = v.substring(textStart);
        String upper = word.toUpperCase(Locale.ROOT);
        if (v.isEmpty()) {
            throw new IllegalArgumentException("no result (Postfix takes an empty result for OK with a warning; write"
                    + " OK, DUNNO, REJECT or another action)");
        }
        switch (upper) {
            case "DUNNO":
                return new Action(Type.DUNNO, family, 0, "", "", v, key, file, line, false);
            case "REJECT":
                return refusal(Type.REJECT, family, REJECT_CODE, "5.7.1", arg, v, key, file, line);
            case "DEFER":
                return refusal(Type.DEFER, family, DEFER_CODE, "4.7.1", arg, v, key, file, line);
            case "OK":
                return new Action(Type.OK, family, 0, "", "", v, key, file, line, false);
            case "RELAY":
                if (!family.mayRelay()) {
                    throw new IllegalArgumentException("RELAY grants relay and is allowed only in check_client_access"
                            + " and check_recipient_access tables; write OK to stop the checks without granting"
                            + " relay");
                }
                return new Action(Type.RELAY, family, 0, "", "", v, key, file, line, false);
            case "WARN":
                return new Action(Type.WARN, family, 0, "", arg, v, key, file, line, false);
            case "DISCARD":
                return new Action(Type.DISCARD, family, 0, "", arg, v, key, file, line, false);
            case "HOLD":
                return new Action(Type.HOLD, family, 0, "", arg, v, key, file, line, false);
            case "FILTER":
                if (arg.isEmpty() || arg.indexOf(':') < 0) {
                    throw new IllegalArgumentException("FILTER needs transport:destination (Postfix ignores the entry"
                            + " with a warning)");
                }
                return new Action(Type.FILTER, family, 0, "", arg, v, key, file, line, false);
            case "REDIRECT":
                if (arg.indexOf('@') < 0) {
                    throw new IllegalArgumentException("REDIRECT needs a user@domain target (Postfix ignores the"
                            + " entry with a warning)");
                }
                return new Action(Type.REDIRECT, family, 0, "", arg, v, key, file, line, false);
            case "PREPEND":
                if (!isHeader(arg)) {
                    throw new IllegalArgumentException("PREPEND needs 'header: text' (Postfix ignores the entry with a"
                            + " warning)");
                }
                return new Action(Type.PREPEND, family, 0, "", arg, v, key, file, line, false);
            default:
                break;
        }
        if (allDigits(v)) {
            return new Action(Type.OK, family, 0, "", "", v, key, file, line, true);
        }
        if (word.length() == 3 && !arg.isEmpty() && (word.charAt(0) == '4' || word.charAt(0) == '5')
                && isDigit(word.charAt(1)) && isDigit(word.charAt(2))) {
            return refusal(Type.CODE, family, Integer.parseInt(word), word.charAt(0) + ".7.1", arg, v, key, file,
                    line);
        }
        String why;
        switch (upper) {
            case "DEFER_IF_PERMIT", "DEFER_IF_REJECT":
                why = "relay-policy has no deferred decisions; write DEFER or REJECT";
                break;
            case "BCC":
                why = "relay-policy's Decision has no BCC host action";
                break;
            case "HANGUP", "INFO", "DELAY":
                why = "not an action of Postfix 3.7 access tables";
                break;
            default:
                why = v.indexOf(':') >= 0 ? "a lookup table in a result is not supported"
                        : "restriction lists and restriction classes in a result are not supported; the actions are"
                                + " OK, RELAY, REJECT, DEFER, 4NN text, 5NN text, DUNNO, WARN, DISCARD, HOLD, FILTER,"
                                + " REDIRECT and PREPEND";
        }
        throw new IllegalArgumentException(String.format(Locale.ROOT, "'%s' is not supported in a %s table: %s",
                Text.escape(word), family.setting(), why));
    }

    private static Action refusal(Type type, Family family, int code, String defaultDsn, String arg, String value,
            String key, String file, int line) {
        // dsn_split: an enhanced status code at the start of the text replaces the default
        int k = 0;
        while (k < arg.length() && LogicalLines.isSpace(arg.charAt(k))) {
            k++;
        }
        int len = dsnLength(arg, k);
        String dsn = len > 0 ? arg.substring(k, k + len) : defaultDsn;
        int t = len > 0 ? k + len : k;
        while (t < arg.length() && LogicalLines.isSpace(arg.charAt(t))) {
            t++;
        }
        // Postfix's printable(): a TAB or other control character in the text goes out as a space
        String text = printable(arg.substring(t));
        dsn = fixDsn(dsn, family);
        // smtpd_check_reject: "SMTP has the higher precedence", the DSN's class follows the reply code
        dsn = (char) ('0' + code / 100) + dsn.substring(1);
        return new Action(type, family, code, dsn, family.replyClass() + " rejected: "
                + (text.isEmpty() ? "Access denied" : text), value, key, file, line, false);
    }

    /** Postfix's dsn_valid: the length of a {@code D.SSS.DDD} code at {@code from}, or 0. */
    static int dsnLength(String s, int from) {
        int n = s.length();
        if (from + 1 >= n || (s.charAt(from) != '2' && s.charAt(from) != '4' && s.charAt(from) != '5')
                || s.charAt(from + 1) != '.') {
            return 0;
        }
        int p = from + 2;
        int d = digits(s, p);
        if (d < 1 || d > 3 || p + d >= n || s.charAt(p + d) != '.') {
            return 0;
        }
        p += d + 1;
        d = digits(s, p);
        if (d < 1 || d > 3 || (p + d < n && !LogicalLines.isSpace(s.charAt(p + d)))) {
            return 0;
        }
        return p + d - from;
    }

    private static int digits(String s, int from) {
        int k = from;
        while (k < s.length() && isDigit(s.charAt(k))) {
            k++;
        }
        return k - from;
    }

    /** smtpd_dsn_fix: an address status (X.1.Y) is mapped to what is being refused. */
    static String fixDsn(String dsn, Family family) {
        if (!(isDigit(dsn.charAt(0)) && dsn.startsWith(".1.", 1))) {
            return dsn;
        }
        String micro = dsn.substring(4);
        String fixed;
        if (family == Family.SENDER) {
            fixed = switch (micro) {
                case "1", "4", "6", "3", "7" -> "4.1.7";
                case "2", "8" -> "4.1.8";
                default -> "4.1.0";
            };
        } else if (family == Family.RECIPIENT) {
            fixed = switch (micro) {
                case "1" -> "4.1.1";
                case "2", "8" -> "4.1.2";
                case "3", "7" -> "4.1.3";
                case "4" -> "4.1.4";
                case "5" -> "4.1.5";
                case "6" -> "4.1.6";
                default -> "4.1.0";
            };
        } else {
            fixed = "4.0.0";
        }
        return dsn.charAt(0) + fixed.substring(1);
    }

    /** Postfix's is_header: a header name of printable ASCII other than ':' and space, then ':'. */
    private static boolean isHeader(String s) {
        int k = 0;
        while (k < s.length()) {
            char c = s.charAt(k);
            if (c == ':') {
                return k > 0;
            }
            if (c <= ' ' || c >= 0x7f) {
                // is_header also allows whitespace between the name and the colon
                int j = k;
                while (j < s.length() && (s.charAt(j) == ' ' || s.charAt(j) == '\t')) {
                    j++;
                }
                return k > 0 && j > k && j < s.length() && s.charAt(j) == ':';
            }
            k++;
        }
        return false;
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}

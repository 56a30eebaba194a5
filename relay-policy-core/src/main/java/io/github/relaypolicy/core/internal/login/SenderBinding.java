package io.github.relaypolicy.core.internal.login;

import io.github.relaypolicy.core.SenderLoginMismatch;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.match.DomainNames;
import io.github.relaypolicy.core.internal.match.SmtpPath;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The sender login maps compiled: which logins may use a MAIL FROM address, and the mode that says whom that binds.
 * Immutable; {@link #check} reads only final fields and arrays and allocates nothing for an ASCII domain.
 *
 * <p>The lookup follows Postfix's {@code mail_addr_find} for {@code smtpd_sender_login_maps}: the full address,
 * then (with a recipient delimiter) the address without its extension ({@code user+tag@domain} as
 * {@code user@domain}), then {@code @domain}. The address is taken in the normal form of {@link LoginMaps#normalKey}
 * straight from the request's text: its hash is computed over the local part's content (quotes and escapes
 * skipped, cut at the delimiter) and the folded domain, and compared with the keys in place, so no string is built.
 */
public final class SenderBinding {

    /** The null sender: always allowed. */
    public static final int NULL_SENDER = 0;
    /** The address belongs to the authenticated login. */
    public static final int OWNED = 1;
    /** No key lists the address, and mode {@code known} allows it. */
    public static final int UNLISTED_ALLOWED = 2;
    /** The client did not authenticate, and the mode checks only authenticated clients. */
    public static final int UNAUTHENTICATED = 3;
    /** The client did not authenticate but is in the trusted networks. */
    public static final int TRUSTED = 4;
    /** The client did not authenticate, and no key lists the address. */
    public static final int UNAUTHENTICATED_UNLISTED = 5;
    /** Mode {@code off}. */
    public static final int OFF = 6;
    /** Refused: a key lists the address, for other logins. */
    public static final int NOT_OWNED = 7;
    /** Refused: no key lists the address, so it belongs to no login. */
    public static final int UNLISTED_REFUSED = 8;
    /** Refused: a key lists the address and the client did not authenticate (mode {@code all}). */
    public static final int NOT_LOGGED_IN = 9;

    /** The full address matched. */
    public static final int FULL = 0;
    /** The address without its extension matched. */
    public static final int WITHOUT_EXTENSION = 1;
    /** {@code @domain} matched. */
    public static final int DOMAIN = 2;

    private static final int SEED = new SecureRandom().nextInt();

    private final SenderLoginMismatch mode;
    private final String delimiters;
    private final boolean dashDelimiter;
    // Open addressing, two ints a slot: the key's hash and its entry + 1 (0: empty).
    private final int[] table;
    private final int mask;
    private final String[] keys;
    private final String[][] logins; // folded
    private final LoginMaps.Entry[] entries;

    private SenderBinding(SenderLoginMismatch mode, String delimiters, List<LoginMaps.Entry> list) {
        this.mode = mode;
        this.delimiters = delimiters;
        this.dashDelimiter = delimiters.indexOf('-') >= 0;
        int n = list.size();
        entries = list.toArray(new LoginMaps.Entry[0]);
        keys = new String[n];
        logins = new String[n][];
        int slots = Integer.highestOneBit(Math.max(4, n * 2 + 1) - 1) << 1;
        table = new int[slots * 2];
        mask = slots - 1;
        for (int e = 0; e < n; e++) {
            keys[e] = entries[e].key();
            logins[e] = entries[e].logins().stream().map(LoginMaps::fold).toArray(String[]::new);
            int h = 0;
            for (int i = 0; i < keys[e].length(); i++) {
                h = 31 * h + keys[e].charAt(i);
            }
            int i = mix(h) & mask;
            while (table[2 * i + 1] != 0) {
                if (table[2 * i] == h && keys[table[2 * i + 1] - 1].equals(keys[e])) {
                    throw new IllegalStateException("duplicate key " + keys[e]); // the builder refused it before
                }
                i = (i + 1) & mask;
            }
            table[2 * i] = h;
            table[2 * i + 1] = e + 1;
        }
    }

    /** The binding of {@code settings}, or null if there are no maps (then nothing is checked). */
    public static @Nullable SenderBinding compile(SenderLoginSettings settings) {
        return settings.hasMaps() ? new SenderBinding(settings.effectiveMode(), settings.delimiters(),
                settings.entries()) : null;
    }

    /** The mode in force. */
    public SenderLoginMismatch mode() {
        return mode;
    }

    /** The number of keys. */
    public int size() {
        return entries.length;
    }

    /** The code of a {@link #check} result: {@link #OWNED}, {@link #NOT_OWNED}, ... */
    public static int code(long result) {
        return (int) (result & 0xff);
    }

    /** Whether a {@link #check} result refuses the recipient. */
    public static boolean refuses(long result) {
        return code(result) >= NOT_OWNED;
    }

    private static long result(int code, long found) {
        return found < 0 ? code : code | (found << 8);
    }

    /**
     * Checks a MAIL FROM address against the maps.
     *
     * @param sender the MAIL FROM path as received
     * @param parsed {@code SmtpPath.parse(sender)}: {@code OK} or {@code NULL_PATH}
     * @param user the authenticated login, or null if the client did not authenticate
     * @param trusted whether the client is in the trusted networks
     * @return the result: see {@link #code}
     */
    public long check(String sender, long parsed, @Nullable String user, boolean trusted) {
        if (mode == SenderLoginMismatch.OFF) {
            return OFF;
        }
        if (SmtpPath.status(parsed) == SmtpPath.NULL_PATH) {
            return NULL_SENDER;
        }
        if (user == null) {
            if (mode != SenderLoginMismatch.ALL) {
                return UNAUTHENTICATED;
            }
            if (trusted) {
                return TRUSTED;
            }
            long found = find(sender, parsed);
            return found < 0 ? UNAUTHENTICATED_UNLISTED : result(NOT_LOGGED_IN, found);
        }
        long found = find(sender, parsed);
        if (found < 0) {
            return mode == SenderLoginMismatch.KNOWN ? UNLISTED_ALLOWED : UNLISTED_REFUSED;
        }
        String[] owners = logins[(int) (found & 0xffffffffL)];
        for (String owner : owners) {
            if (sameLogin(user, owner)) {
                return result(OWNED, found);
            }
        }
        return result(NOT_OWNED, found);
    }

    private static boolean sameLogin(String user, String folded) {
        int n = user.length();
        if (n != folded.length()) {
            return false;
        }
        if (user.equals(folded)) {
            return true; // a login given in lower case, the usual: one vectorised compare
        }
        for (int i = 0; i < n; i++) {
            if (LoginMaps.fold(user.charAt(i)) != folded.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The entry that binds the address, with the lookup step in bits 32 and up, or -1. */
    private long find(String s, long parsed) {
        int flags = SmtpPath.flags(parsed);
        if ((flags & SmtpPath.HAS_DOMAIN) == 0) {
            return -1; // no key can name an address without a domain
        }
        int domainStart = SmtpPath.domainStart(parsed);
        String d = s;
        int df = domainStart;
        int dt = SmtpPath.domainEnd(parsed);
        if ((flags & SmtpPath.NON_ASCII) != 0 && (flags & SmtpPath.LITERAL) == 0) {
            d = DomainNames.toAscii(s.substring(df, dt)); // the uncommon case: allocates
            if (d == null) {
                return -1;
            }
            df = 0;
            dt = d.length();
        }
        int local = localStart(s, flags);
        boolean quoted = s.charAt(local) == '"';
        int from = quoted ? local + 1 : local;
        int to = quoted ? domainStart - 2 : domainStart - 1;
        int domainHash = 0;
        int power = 1; // 31^(1 + domain length): the domain's share of a key's hash follows the local part's
        for (int i = df; i < dt; i++) {
            domainHash = 31 * domainHash + LoginMaps.fold(d.charAt(i));
            power *= 31;
        }
        domainHash += '@' * power;
        power *= 31;
        int e = probe(hashContent(s, from, to, quoted) * power + domainHash, s, from, to, quoted, d, df, dt);
        if (e >= 0) {
            return e | (long) FULL << 32;
        }
        int cut = cut(s, from, to, quoted);
        if (cut >= 0) {
            e = probe(hashContent(s, from, cut, quoted) * power + domainHash, s, from, cut, quoted, d, df, dt);
            if (e >= 0) {
                return e | (long) WITHOUT_EXTENSION << 32;
            }
        }
        e = probe(domainHash, s, from, from, false, d, df, dt);
        return e >= 0 ? e | (long) DOMAIN << 32 : -1;
    }

    private int probe(int h, String s, int from, int to, boolean quoted, String d, int df, int dt) {
        int[] t = table;
        int i = mix(h) & mask;
        while (true) {
            int entry = t[2 * i + 1];
            if (entry == 0) {
                return -1;
            }
            if (t[2 * i] == h && sameKey(keys[entry - 1], s, from, to, quoted, d, df, dt)) {
                return entry - 1;
            }
            i = (i + 1) & mask;
        }
    }

    private static int mix(int h) {
        h ^= SEED;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    /** The hash of the local part's content {@code s[from, to)}, folded, a quoted part's escapes skipped. */
    private static int hashContent(String s, int from, int to, boolean quoted) {
        int h = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                c = s.charAt(++i);
            }
            h = 31 * h + LoginMaps.fold(c);
        }
        return h;
    }

    private static boolean sameKey(String key, String s, int from, int to, boolean quoted, String d, int df,
            int dt) {
        int n = key.length();
        int k = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                c = s.charAt(++i);
            }
            if (k >= n || key.charAt(k++) != LoginMaps.fold(c)) {
                return false;
            }
        }
        if (k >= n || key.charAt(k++) != '@') {
            return false;
        }
        if (n - k != dt - df) {
            return false;
        }
        for (int i = df; i < dt; i++) {
            if (key.charAt(k++) != LoginMaps.fold(d.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where the local part starts: after blanks, {@code <} and a source route ({@code @a,@b:}), which the parser
     * accepted.
     */
    private static int localStart(String s, int flags) {
        int i = 0;
        while (s.charAt(i) == ' ' || s.charAt(i) == '\t') {
            i++;
        }
        if (s.charAt(i) == '<') {
            i++;
        }
        if ((flags & SmtpPath.SOURCE_ROUTE) != 0) {
            while (true) {
                int end = i + 1;
                if (s.charAt(end) == '[') {
                    end = s.indexOf(']', end) + 1;
                } else {
                    while (s.charAt(end) != ',' && s.charAt(end) != ':') {
                        end++;
                    }
                }
                i = end + 1;
                if (s.charAt(end) == ':') {
                    break;
                }
            }
        }
        return i;
    }

    /**
     * Where the extension starts in {@code s[from, to)} (at its delimiter, or at the backslash escaping it), or -1
     * if the address is not split, as Postfix's {@code split_addr}: no delimiter, a delimiter first (the user would
     * be empty), and, with {@code -} a delimiter, {@code MAILER-DAEMON}, {@code owner-*} and {@code *-request}.
     */
    private int cut(String s, int from, int to, boolean quoted) {
        if (delimiters.isEmpty()) {
            return -1;
        }
        int n = 0;
        for (int i = from; i < to; i++) {
            int at = i;
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                c = s.charAt(++i);
            }
            if (delimiters.indexOf(c) >= 0) {
                if (n == 0 || dashDelimiter && (content(s, from, to, quoted, "mailer-daemon", true)
                        || content(s, from, to, quoted, "owner-", false) || endsWithRequest(s, from, to, quoted))) {
                    return -1;
                }
                return at;
            }
            n++;
        }
        return -1;
    }

    /** Whether the content starts with (or, {@code whole}, is) {@code word}, ignoring ASCII case. */
    private static boolean content(String s, int from, int to, boolean quoted, String word, boolean whole) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                c = s.charAt(++i);
            }
            if (n == word.length()) {
                return !whole;
            }
            if (LoginMaps.fold(c) != word.charAt(n)) {
                return false;
            }
            n++;
        }
        return n == word.length();
    }

    /** Whether the content ends in {@code -request} after at least one character, ignoring ASCII case. */
    private static boolean endsWithRequest(String s, int from, int to, boolean quoted) {
        String word = "-request";
        int length = 0;
        for (int i = from; i < to; i++) {
            if (quoted && s.charAt(i) == '\\') {
                i++;
            }
            length++;
        }
        if (length <= word.length()) {
            return false;
        }
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                c = s.charAt(++i);
            }
            int k = n - (length - word.length());
            if (k >= 0 && LoginMaps.fold(c) != word.charAt(k)) {
                return false;
            }
            n++;
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------- traces

    /**
     * What a {@link #check} result means, for a trace: the address, the key that matched and its logins, or the
     * keys looked up.
     */
    public String describe(long result, String sender, long parsed, @Nullable String user) {
        int code = code(result);
        String address = "<" + Text.escape(unbracket(sender)) + ">";
        String modeName = "sender_login_mismatch = " + mode.name().toLowerCase(Locale.ROOT);
        if (code == OFF) {
            return modeName + ": the sender login maps are not enforced";
        }
        if (code == NULL_SENDER) {
            return "MAIL FROM <> (the null sender is always allowed)";
        }
        if (code == UNAUTHENTICATED) {
            return "client did not authenticate; " + modeName + " checks authenticated clients only";
        }
        if (code == TRUSTED) {
            return "client did not authenticate but is in the trusted networks; MAIL FROM " + address + " not checked";
        }
        String who = user == null ? "" : "authenticated user '" + Text.escape(user) + "'";
        if (code == UNLISTED_ALLOWED || code == UNLISTED_REFUSED || code == UNAUTHENTICATED_UNLISTED) {
            String unlisted = "MAIL FROM " + address + " matches no key of the sender login maps (looked up "
                    + String.join(", ", lookedUp(sender, parsed)) + ")";
            return switch (code) {
                case UNLISTED_ALLOWED -> unlisted + "; allowed for " + who + " (" + modeName + ")";
                case UNLISTED_REFUSED -> unlisted + ", so it belongs to no login: not owned by " + who + " ("
                        + modeName + ")";
                default -> unlisted + "; allowed for a client that did not authenticate";
            };
        }
        long found = result >>> 8;
        LoginMaps.Entry entry = entries[(int) (found & 0xffffffffL)];
        int step = (int) (found >>> 32);
        String how = switch (step) {
            case WITHOUT_EXTENSION -> " without its address extension";
            case DOMAIN -> " by its domain";
            default -> "";
        };
        String bound = "MAIL FROM " + address + " matched" + how + " the key '" + Text.escape(entry.written())
                + "' (" + Text.escape(entry.source()) + "), owned by " + Text.escape(String.join(", ",
                entry.logins()));
        return switch (code) {
            case OWNED -> bound + ": " + who + " owns it";
            case NOT_OWNED -> bound + ": not owned by " + who;
            default -> bound + ": the client did not authenticate (" + modeName + ")";
        };
    }

    /** The keys looked up for an address, in normal form and in order. */
    private List<String> lookedUp(String s, long parsed) {
        List<String> keys = new ArrayList<>();
        int flags = SmtpPath.flags(parsed);
        if ((flags & SmtpPath.HAS_DOMAIN) == 0) {
            keys.add("nothing: the address has no domain");
            return keys;
        }
        String domain = LoginMaps.domain(s, parsed);
        if (domain == null) {
            keys.add("nothing: the domain is not a valid internationalized name");
            return keys;
        }
        int domainStart = SmtpPath.domainStart(parsed);
        int local = localStart(s, flags);
        boolean quoted = s.charAt(local) == '"';
        int from = quoted ? local + 1 : local;
        int to = quoted ? domainStart - 2 : domainStart - 1;
        keys.add(Text.escape(content(s, from, to, quoted) + "@" + domain));
        int cut = cut(s, from, to, quoted);
        if (cut >= 0) {
            keys.add(Text.escape(content(s, from, cut, quoted) + "@" + domain));
        }
        keys.add(Text.escape("@" + domain));
        return keys;
    }

    private static String content(String s, int from, int to, boolean quoted) {
        StringBuilder sb = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                c = s.charAt(++i);
            }
            sb.append(LoginMaps.fold(c));
        }
        return sb.toString();
    }

    private static String unbracket(String path) {
        String p = path.strip();
        return p.length() >= 2 && p.charAt(0) == '<' && p.charAt(p.length() - 1) == '>'
                ? p.substring(1, p.length() - 1) : p;
    }
}

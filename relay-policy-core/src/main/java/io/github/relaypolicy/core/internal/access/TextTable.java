package io.github.relaypolicy.core.internal.access;

import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.login.LoginMaps;
import io.github.relaypolicy.core.internal.match.DomainNames;
import io.github.relaypolicy.core.internal.match.IpText;
import io.github.relaypolicy.core.internal.match.NetworkSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An access(5) text file, the source postmap reads for a {@code hash:} map: {@code KEY ACTION} a line. Keys are
 * case-folded as postmap folds them, a key whose domain holds U-labels is stored in A-labels (so either form
 * matches), and a duplicate key is ignored as postmap ignores it (the first wins; a warning says so).
 *
 * <p>Lookups follow smtpd_check.c with Postfix's defaults: a HELO name and then its parent domains, each with the
 * first label dropped ({@code check_domain_access}; an address is only looked up whole); an address
 * ({@code check_mail_access}: {@code user+ext@domain}, {@code user@domain}, {@code domain} and its parents,
 * {@code user+ext@}, {@code user@}); the null sender by {@code smtpd_null_access_lookup_key}. The first key found
 * decides, whatever its action.
 *
 * <p>The index is an open-addressing hash table keyed by the folded key, hashed from right to left so that the
 * parent domains of a name are hashed incrementally: a lookup costs O(length of the name) plus one probe per label,
 * and allocates nothing on ASCII input.
 */
final class TextTable extends AccessTable {

    private final int[] slots; // per slot: hash, key index + 1 (0: empty)
    private final int mask;
    private final String[] keys;
    private final Action[] values;

    private TextTable(Family family, String reference, Path file, List<Action> actions,
            List<PolicyFileException.Problem> warnings, String[] keys, Action[] values) {
        super(family, reference, file, actions, warnings);
        this.keys = keys;
        this.values = values;
        int capacity = Integer.highestOneBit(Math.max(4, keys.length * 2 - 1)) << 1;
        this.mask = capacity - 1;
        this.slots = new int[capacity * 2];
        for (int i = 0; i < keys.length; i++) {
            String k = keys[i];
            int h = hash(0, k, 0, k.length());
            int j = mix(h) & mask;
            while (slots[j * 2 + 1] != 0) {
                j = (j + 1) & mask;
            }
            slots[j * 2] = h;
            slots[j * 2 + 1] = i + 1;
        }
    }

    @Override
    public Format format() {
        return Format.TEXT;
    }

    /** The number of keys. */
    int size() {
        return keys.length;
    }

    @Override
    public @Nullable Action find(AccessSubject s) {
        switch (family) {
            case HELO:
                return s.helo == null ? null : domain(s, s.helo, 0, s.helo.length(), true);
            case SENDER:
                return address(s, s.sender, true);
            case RECIPIENT:
                return address(s, s.recipient, false);
            default:
                return null; // client tables are cidr or regexp (parseReference refuses text)
        }
    }

    /**
     * check_domain_access (helo) or the domain part of mail_addr_find: the name, then its parents. Postfix moves to
     * the parent at the first '.' after the first character of the current name, so a start is a position right
     * after a '.' unless that '.' itself began the current name; {@code numeric}: an address is looked up whole.
     */
    private @Nullable Action domain(AccessSubject s, String text, int from, int to, boolean helo) {
        int n = to - from;
        if (n == 0 || n > AccessSubject.MAX_TEXT) {
            return null;
        }
        String d = text;
        if (!isAscii(text, from, to)) {
            String ascii = DomainNames.toAscii(text.substring(from, to));
            d = ascii == null ? text.substring(from, to) : ascii;
            from = 0;
            to = d.length();
            n = to;
        }
        if (helo && (IpText.parse4(d, from, to) >= 0 || NetworkSet.isIpv6(d, from, to))) {
            // "Don't apply subdomain magic to numerical hostnames"
            return get(probe(hash(0, d, from, to), d, from, to, null, 0, 0, null, 0, 0));
        }
        long[] starts = s.starts;
        java.util.Arrays.fill(starts, 0, (n >>> 6) + 1, 0L);
        boolean previous = true;
        starts[0] = 1L;
        for (int i = 1; i < n; i++) {
            boolean start = d.charAt(from + i - 1) == '.' && !previous;
            if (start) {
                starts[i >>> 6] |= 1L << i;
            }
            previous = start;
        }
        int best = -1;
        int h = 0;
        for (int i = n - 1; i >= 0; i--) {
            h = 31 * h + LoginMaps.fold(d.charAt(from + i));
            if ((starts[i >>> 6] & (1L << i)) != 0) {
                int k = probe(h, d, from + i, to, null, 0, 0, null, 0, 0);
                if (k >= 0) {
                    best = k; // a longer name comes later: Postfix asks it first
                }
            }
        }
        return get(best);
    }

    /** check_mail_access with mail_addr_find's order (see the class comment). */
    private @Nullable Action address(AccessSubject s, AccessSubject.Mailbox m, boolean sender) {
        String p = m.path;
        if (p == null) {
            return null;
        }
        if (m.nullPath) {
            if (!sender) {
                return null;
            }
            String key = s.nullSenderKey;
            return get(probe(hash(0, key, 0, key.length()), key, 0, key.length(), null, 0, 0, null, 0, 0));
        }
        if (!m.valid) {
            return null;
        }
        int localStart = m.localStart;
        int localEnd = m.at < 0 ? m.end : m.at;
        int bare = split(p, localStart, localEnd, s.delimiters);
        if (m.at >= 0) {
            String d = p;
            int dFrom = m.at + 1;
            int dTo = m.domainEnd;
            if (m.nonAscii) {
                String ascii = DomainNames.toAscii(p.substring(dFrom, dTo));
                if (ascii != null) {
                    d = ascii;
                    dFrom = 0;
                    dTo = ascii.length();
                }
            }
            int hd = hash(0, d, dFrom, dTo);
            int hAtD = hash(hd, "@", 0, 1);
            // user+ext@domain
            int k = probe(hash(hAtD, p, localStart, localEnd), p, localStart, localEnd, "@", 0, 1, d, dFrom, dTo);
            if (k < 0 && bare >= 0) { // user@domain
                k = probe(hash(hAtD, p, localStart, bare), p, localStart, bare, "@", 0, 1, d, dFrom, dTo);
            }
            if (k < 0) { // domain, parent domains
                Action a = domain(s, d, dFrom, dTo, false);
                if (a != null) {
                    return a;
                }
            }
            if (k >= 0) {
                return values[k];
            }
        }
        int hAt = hash(0, "@", 0, 1);
        int k = probe(hash(hAt, p, localStart, localEnd), p, localStart, localEnd, "@", 0, 1, null, 0, 0);
        if (k < 0 && bare >= 0) {
            k = probe(hash(hAt, p, localStart, bare), p, localStart, bare, "@", 0, 1, null, 0, 0);
        }
        return get(k);
    }

    /**
     * Postfix's split_addr: where the local part {@code p[from, to)} ends without its extension, or -1 if it has
     * none: no delimiter, a delimiter first, or a name Postfix never splits (postmaster, mailer-daemon,
     * double-bounce; owner-* and *-request when '-' is a delimiter, owner_request_special).
     */
    static int split(String p, int from, int to, String delimiters) {
        if (delimiters.isEmpty()) {
            return -1;
        }
        int n = to - from;
        if ((n == 10 && Text.equalsAsciiIgnoreCase(p, from, "postmaster"))
                || (n == 13 && Text.equalsAsciiIgnoreCase(p, from, "mailer-daemon"))
                || (n == 13 && Text.equalsAsciiIgnoreCase(p, from, "double-bounce"))) {
            return -1;
        }
        if (delimiters.indexOf('-') >= 0 && ((n >= 6 && Text.equalsAsciiIgnoreCase(p, from, "owner-"))
                || (n > 8 && Text.equalsAsciiIgnoreCase(p, to - 8, "-request")))) {
            return -1;
        }
        for (int i = from; i < to; i++) {
            if (delimiters.indexOf(p.charAt(i)) >= 0) {
                return i == from ? -1 : i;
            }
        }
        return -1;
    }

    private @Nullable Action get(int k) {
        return k < 0 ? null : values[k];
    }

    /** Continues hash {@code h} over {@code s[from, to)} from right to left, folded. */
    static int hash(int h, String s, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            h = 31 * h + LoginMaps.fold(s.charAt(i));
        }
        return h;
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return h;
    }

    /** The key index of {@code a + b + c} (each {@code [from, to)}, b and c may be null), or -1. */
    private int probe(int h, String a, int af, int at, @Nullable String b, int bf, int bt, @Nullable String c,
            int cf, int ct) {
        int len = (at - af) + (b == null ? 0 : bt - bf) + (c == null ? 0 : ct - cf);
        int[] t = slots;
        int j = mix(h) & mask;
        while (true) {
            int k = t[j * 2 + 1];
            if (k == 0) {
                return -1;
            }
            if (t[j * 2] == h) {
                String key = keys[k - 1];
                if (key.length() == len && equalsFolded(key, 0, a, af, at)
                        && (b == null || equalsFolded(key, at - af, b, bf, bt))
                        && (c == null || equalsFolded(key, at - af + bt - bf, c, cf, ct))) {
                    return k - 1;
                }
            }
            j = (j + 1) & mask;
        }
    }

    private static boolean equalsFolded(String key, int offset, String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (key.charAt(offset + i - from) != LoginMaps.fold(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAscii(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** A key as stored: folded, its domain (the text after the last '@', or the whole key) in A-labels. */
    static String normalKey(String key) {
        String folded = LoginMaps.fold(key);
        if (isAscii(folded, 0, folded.length())) {
            return folded;
        }
        int at = folded.lastIndexOf('@');
        String domain = folded.substring(at + 1);
        String ascii = domain.isEmpty() ? null : DomainNames.toAscii(domain);
        return ascii == null ? folded : folded.substring(0, at + 1) + ascii;
    }

    static TextTable compile(Family family, String reference, Path file, List<LogicalLines.Line> lines,
            List<PolicyFileException.Problem> problems) {
        Map<String, Integer> index = new HashMap<>();
        List<String> keys = new ArrayList<>();
        List<Action> values = new ArrayList<>();
        List<Action> actions = new ArrayList<>();
        List<Integer> keyLines = new ArrayList<>();
        List<PolicyFileException.Problem> warnings = new ArrayList<>();
        for (LogicalLines.Line line : lines) {
            String t = line.text();
            int n = t.length();
            int p = 0;
            while (p < n && !LogicalLines.isSpace(t.charAt(p))) {
                p++;
            }
            String key = t.substring(0, p);
            while (p < n && LogicalLines.isSpace(t.charAt(p))) {
                p++;
            }
            String value = t.substring(p);
            if (value.isEmpty()) {
                problems.add(problem(file, line, 0, key, String.format(Locale.ROOT,
                        "%s entry '%s' has no result (expected KEY ACTION; postmap skips the line with a warning)",
                        family.setting(), Text.escape(key))));
                continue;
            }
            Action action;
            try {
                action = Action.parse(family, value, key, file.toString(), line.first());
            } catch (IllegalArgumentException e) {
                problems.add(problem(file, line, p, value, family.setting() + " entry '" + Text.escape(key) + "': "
                        + e.getMessage()));
                continue;
            }
            actions.add(action);
            String normal = normalKey(key);
            Integer previous = index.putIfAbsent(normal, keys.size());
            if (previous != null) {
                warnings.add(problem(file, line, 0, key, String.format(Locale.ROOT,
                        "%s entry '%s' is ignored: the key is already at line %d (postmap keeps the first with a"
                                + " warning \"duplicate entry\")", family.setting(), Text.escape(key),
                        keyLines.get(previous))));
                continue;
            }
            keys.add(normal);
            values.add(action);
            keyLines.add(line.first());
            if (key.startsWith(".") && family != Family.HELO) {
                warnings.add(problem(file, line, 0, key, String.format(Locale.ROOT,
                        "%s entry '%s' never matches a domain: with Postfix's default parent_domain_matches_subdomains"
                                + " the key '%s' already matches its subdomains", family.setting(),
                        Text.escape(key), Text.escape(key.substring(1)))));
            } else if (key.startsWith(".")) {
                warnings.add(problem(file, line, 0, key, String.format(Locale.ROOT,
                        "%s entry '%s' matches only a HELO name that starts with a dot: with Postfix's default"
                                + " parent_domain_matches_subdomains the key '%s' already matches its subdomains",
                        family.setting(), Text.escape(key), Text.escape(key.substring(1)))));
            }
            if (action.numeric()) {
                warnings.add(problem(file, line, p, value, String.format(Locale.ROOT,
                        "%s entry '%s': the all-numerical result '%s' means OK to Postfix", family.setting(),
                        Text.escape(key), Text.escape(value))));
            }
        }
        return new TextTable(family, reference, file, actions, warnings, keys.toArray(new String[0]),
                values.toArray(new Action[0]));
    }
}

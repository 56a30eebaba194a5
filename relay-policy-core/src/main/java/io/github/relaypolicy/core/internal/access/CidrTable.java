package io.github.relaypolicy.core.internal.access;

import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.match.IpText;
import io.github.relaypolicy.core.internal.match.PrefixTrie;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A cidr_table(5) file: {@code NETWORK ACTION} a line (an address without {@code /len} is the host; IPv6 and IPv4
 * networks; {@code [..]} around the network allowed), {@code !NETWORK} matching the addresses outside it, {@code if
 * NETWORK} ... {@code endif} blocks. The first entry in file order that matches wins, as in Postfix.
 *
 * <p>A file without {@code !} and {@code if} compiles into two longest-prefix tries (IPv4, IPv6) after the entries
 * that an earlier entry contains are dropped: among the remaining entries that contain an address, the longest is
 * then the first in file order, so the lookup costs at most 8 or 32 node reads and allocates nothing. The dropped
 * entries never match and are reported as warnings. A file with {@code !} or {@code if} is evaluated entry by entry,
 * as Postfix does.
 */
final class CidrTable extends AccessTable {

    private static final int MATCH = 0;
    private static final int IF = 1;
    private static final int ENDIF = 2;

    /** One parsed line. */
    private record Entry(int op, boolean match, boolean v6, long hi, long lo, int length, @Nullable Action action,
            int line, String key) {

        boolean contains(int family, long a4, long ahi, long alo) {
            if (v6 != (family == 6)) {
                return false;
            }
            long qhi = v6 ? ahi : a4 << 32;
            long qlo = v6 ? alo : 0;
            return (qhi & maskHi(length)) == hi && (qlo & maskLo(length)) == lo;
        }
    }

    private final @Nullable PrefixTrie v4;
    private final @Nullable PrefixTrie v6;
    private final Action[] trieActions;
    /** For a file with {@code !} or {@code if}: every entry, and where each IF block ends. */
    private final Entry @Nullable [] linear;
    private final int @Nullable [] blockEnd;

    private CidrTable(Family family, String reference, Path file, List<Action> actions,
            List<PolicyFileException.Problem> warnings, @Nullable PrefixTrie v4, @Nullable PrefixTrie v6,
            Action[] trieActions, Entry @Nullable [] linear, int @Nullable [] blockEnd) {
        super(family, reference, file, actions, warnings);
        this.v4 = v4;
        this.v6 = v6;
        this.trieActions = trieActions;
        this.linear = linear;
        this.blockEnd = blockEnd;
    }

    @Override
    public Format format() {
        return Format.CIDR;
    }

    /** Whether the table compiled into tries (no {@code !}, no {@code if}). */
    boolean isTrie() {
        return linear == null;
    }

    @Override
    public @Nullable Action find(AccessSubject s) {
        int fam = s.family;
        if (fam == 0) {
            return null;
        }
        if (linear == null) {
            int i = fam == 4 ? v4.lookup(s.addr4 << 32, 0, 8) : v6.lookup(s.hi, s.lo, 32);
            return i < 0 ? null : trieActions[i];
        }
        Entry[] es = linear;
        for (int i = 0; i < es.length; i++) {
            Entry e = es[i];
            if (e.op == MATCH) {
                if (e.v6 == (fam == 6) && e.contains(fam, s.addr4, s.hi, s.lo) == e.match) {
                    return e.action;
                }
            } else if (e.op == IF) {
                if (!(e.v6 == (fam == 6) && e.contains(fam, s.addr4, s.hi, s.lo) == e.match)) {
                    i = blockEnd[i];
                    if (i < 0) {
                        return null;
                    }
                }
            }
        }
        return null;
    }

    static long maskHi(int len) {
        return len >= 64 ? -1L : len == 0 ? 0 : -1L << (64 - len);
    }

    static long maskLo(int len) {
        return len <= 64 ? 0 : len == 128 ? -1L : -1L << (128 - len);
    }

    static CidrTable compile(Family family, String reference, Path file, List<LogicalLines.Line> lines,
            List<PolicyFileException.Problem> problems) {
        List<Entry> entries = new ArrayList<>();
        List<Action> actions = new ArrayList<>();
        List<PolicyFileException.Problem> warnings = new ArrayList<>();
        boolean simple = true;
        int nesting = 0;
        List<Integer> openIfs = new ArrayList<>();
        for (LogicalLines.Line line : lines) {
            String t = line.text();
            int n = t.length();
            int p = 0;
            boolean match = true;
            if (keyword(t, "IF")) {
                p = 2;
                while (p < n && (t.charAt(p) == '!' || LogicalLines.isSpace(t.charAt(p)))) {
                    if (t.charAt(p) == '!') {
                        match = !match;
                    }
                    p++;
                }
                if (p == n) {
                    problems.add(problem(file, line, 0, t, "cidr table 'if' without an address pattern"));
                    continue;
                }
                Entry e = network(file, line, p, n, t.substring(p).strip(), match, IF, null, problems);
                if (e != null) {
                    openIfs.add(entries.size());
                    entries.add(e);
                    nesting++;
                    simple = false;
                }
                continue;
            }
            if (keyword(t, "ENDIF")) {
                if (!t.substring(5).isBlank()) {
                    problems.add(problem(file, line, 5, t, "cidr table: text after 'endif'"));
                } else if (nesting == 0) {
                    problems.add(problem(file, line, 0, t, "cidr table: 'endif' without 'if'"));
                } else {
                    nesting--;
                    openIfs.remove(openIfs.size() - 1);
                    entries.add(new Entry(ENDIF, true, false, 0, 0, 0, null, line.first(), "endif"));
                }
                continue;
            }
            while (p < n && (t.charAt(p) == '!' || LogicalLines.isSpace(t.charAt(p)))) {
                if (t.charAt(p) == '!') {
                    match = !match;
                }
                p++;
            }
            int keyStart = p;
            while (p < n && !LogicalLines.isSpace(t.charAt(p))) {
                p++;
            }
            String key = t.substring(keyStart, p);
            while (p < n && LogicalLines.isSpace(t.charAt(p))) {
                p++;
            }
            String value = t.substring(p);
            if (key.isEmpty()) {
                problems.add(problem(file, line, keyStart, t, "cidr table entry without an address pattern"));
                continue;
            }
            if (value.isEmpty()) {
                problems.add(problem(file, line, keyStart, key, String.format(Locale.ROOT,
                        "cidr table entry '%s' has no result (expected NETWORK ACTION)", Text.escape(key))));
                continue;
            }
            Action action;
            try {
                action = Action.parse(family, value, t.substring(0, keyStart) + key, file.toString(), line.first());
            } catch (IllegalArgumentException e) {
                problems.add(problem(file, line, p, value, "cidr table entry '" + Text.escape(key) + "': "
                        + e.getMessage()));
                continue;
            }
            Entry e = network(file, line, keyStart, n, key, match, MATCH, action, problems);
            if (e != null && e.match && e.v6 && e.hi == 0 && (e.lo >>> 32) == 0xffffL && e.length >= 96) {
                // smtpd looks an IPv4-mapped client up as IPv4, so no IPv6 entry inside ::ffff:0:0/96 ever matches
                warnings.add(new PolicyFileException.Problem(file, e.line, 1, e.key, String.format(Locale.ROOT,
                        "cidr table entry '%s' never matches: an IPv4-mapped client is looked up as its IPv4 address;"
                                + " write %s/%d", Text.escape(e.key), IpText.format4(e.lo & 0xffffffffL),
                        e.length - 96)));
            }
            if (e != null) {
                entries.add(e);
                actions.add(action);
                simple &= match;
            }
        }
        for (int i : openIfs) {
            problems.add(new PolicyFileException.Problem(file, entries.get(i).line(), 1, "if",
                    "cidr table 'if' without a matching 'endif'"));
        }
        if (!problems.isEmpty()) {
            return new CidrTable(family, reference, file, actions, warnings, null, null, new Action[0], null, null);
        }
        if (!simple) {
            Entry[] all = entries.toArray(new Entry[0]);
            int[] ends = new int[all.length];
            Arrays.fill(ends, -1);
            List<Integer> stack = new ArrayList<>();
            for (int i = 0; i < all.length; i++) {
                if (all[i].op == IF) {
                    stack.add(i);
                } else if (all[i].op == ENDIF) {
                    ends[stack.remove(stack.size() - 1)] = i;
                }
            }
            return new CidrTable(family, reference, file, actions, warnings, null, null, new Action[0], all, ends);
        }
        return trie(family, reference, file, entries, actions, warnings);
    }

    /** Drops the entries an earlier one contains and builds the tries (see the class comment). */
    private static CidrTable trie(Family family, String reference, Path file, List<Entry> entries,
            List<Action> actions, List<PolicyFileException.Problem> warnings) {
        record Net(long hi, long lo, int length) {
        }
        Map<Net, Entry> kept4 = new HashMap<>();
        Map<Net, Entry> kept6 = new HashMap<>();
        TreeSet<Integer> lengths4 = new TreeSet<>();
        TreeSet<Integer> lengths6 = new TreeSet<>();
        List<Entry> kept = new ArrayList<>();
        for (Entry e : entries) {
            Map<Net, Entry> map = e.v6 ? kept6 : kept4;
            TreeSet<Integer> lengths = e.v6 ? lengths6 : lengths4;
            Entry by = null;
            for (int len : lengths.headSet(e.length, true)) {
                by = map.get(new Net(e.hi & maskHi(len), e.lo & maskLo(len), len));
                if (by != null) {
                    break;
                }
            }
            if (by != null) {
                warnings.add(new PolicyFileException.Problem(file, e.line, 1, e.key, String.format(Locale.ROOT,
                        "cidr table entry '%s' never matches: the entry '%s' at line %d comes first and contains it"
                                + " (the first match in file order wins)", Text.escape(e.key), Text.escape(by.key),
                        by.line)));
                continue;
            }
            map.put(new Net(e.hi, e.lo, e.length), e);
            lengths.add(e.length);
            kept.add(e);
        }
        Action[] trieActions = new Action[kept.size()];
        Integer[] order = new Integer[kept.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            trieActions[i] = kept.get(i).action;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(kept.get(a).length, kept.get(b).length));
        PrefixTrie.Builder b4 = new PrefixTrie.Builder();
        PrefixTrie.Builder b6 = new PrefixTrie.Builder();
        for (int i : order) {
            Entry e = kept.get(i);
            (e.v6 ? b6 : b4).add(e.hi, e.lo, e.length, i);
        }
        return new CidrTable(family, reference, file, actions, warnings, b4.build(), b6.build(), trieActions, null,
                null);
    }

    /** Postfix's keyword test: the word, any case, not followed by a letter or digit. */
    private static boolean keyword(String t, String word) {
        int n = word.length();
        return t.length() >= n && t.regionMatches(true, 0, word, 0, n)
                && (t.length() == n || !Character.isLetterOrDigit(t.charAt(n)));
    }

    /** Parses a network as Postfix's cidr_match_parse does, with its messages; null after adding a problem. */
    private static @Nullable Entry network(Path file, LogicalLines.Line line, int at, int end, String key,
            boolean match, int op, @Nullable Action action, List<PolicyFileException.Problem> problems) {
        String pattern = key;
        String shown = key;
        int slashSearch = 0;
        if (pattern.startsWith("[")) {
            int close = pattern.indexOf(']');
            if (close < 0) {
                problems.add(problem(file, line, at, key, String.format(Locale.ROOT,
                        "cidr table entry '%s': missing ']' character after \"%s\"", Text.escape(key),
                        Text.escape(pattern))));
                return null;
            }
            String after = pattern.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith("/")) {
                problems.add(problem(file, line, at, key, String.format(Locale.ROOT,
                        "cidr table entry '%s': garbage after \"%s\"", Text.escape(key),
                        Text.escape(pattern.substring(0, close + 1)))));
                return null;
            }
            pattern = pattern.substring(1, close) + after;
        }
        int slash = pattern.indexOf('/', slashSearch);
        String addr = slash < 0 ? pattern : pattern.substring(0, slash);
        boolean v6 = addr.indexOf(':') >= 0;
        int bits = v6 ? 128 : 32;
        long[] hl = new long[2];
        boolean ok;
        if (v6) {
            ok = addr.indexOf('%') < 0 && IpText.parse6(addr, 0, addr.length(), (h, l) -> {
                hl[0] = h;
                hl[1] = l;
                return 0;
            }) != IpText.INVALID;
        } else {
            long a = IpText.parse4(addr, 0, addr.length());
            ok = a >= 0;
            hl[0] = a << 32;
        }
        int length = bits;
        if (slash >= 0) {
            String mask = pattern.substring(slash + 1);
            String why = null;
            if (mask.isEmpty() || mask.length() > 3 || !mask.chars().allMatch(c -> c >= '0' && c <= '9')) {
                why = "bad mask value";
            } else if ((length = Integer.parseInt(mask)) > bits) {
                why = "bad mask length";
            } else if (!ok) {
                why = "bad network value";
            }
            if (why != null) {
                problems.add(problem(file, line, at, key, String.format(Locale.ROOT,
                        "cidr table entry '%s': %s in \"%s\"", Text.escape(shown), why, Text.escape(pattern))));
                return null;
            }
            long mhi = maskHi(v6 ? length : length);
            long mlo = v6 ? maskLo(length) : 0;
            if (!v6) {
                mhi = length == 0 ? 0 : -1L << (64 - length);
            }
            if ((hl[0] & ~mhi) != 0 || (hl[1] & ~mlo) != 0) {
                String net = v6 ? IpText.format6(hl[0] & mhi, hl[1] & mlo) : IpText.format4((hl[0] & mhi) >>> 32);
                problems.add(problem(file, line, at, key, String.format(Locale.ROOT,
                        "cidr table entry '%s': non-null host address bits in \"%s\", perhaps you should use"
                                + " \"%s/%d\" instead", Text.escape(shown), Text.escape(pattern), net, length)));
                return null;
            }
        } else if (!ok) {
            problems.add(problem(file, line, at, key, String.format(Locale.ROOT,
                    "cidr table entry '%s': bad address pattern: \"%s\"", Text.escape(shown),
                    Text.escape(pattern))));
            return null;
        }
        return new Entry(op, match, v6, hl[0], hl[1], length, action, line.line(at), shown);
    }
}

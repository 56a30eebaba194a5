package io.github.relaypolicy.regexp;

import org.jspecify.annotations.Nullable;

/**
 * Runs of ASCII characters that every match of a pattern must contain (the longest few), found from the pattern's
 * text, so that a table of many patterns skips most of them with a plain substring search: RE2/J reads each character of the
 * text at a cost of the order of 100 ns per pattern, a search for a literal at about 1 ns.
 *
 * <p>Conservative by construction: a pattern with alternation ({@code |}), inline flags other than {@code (?:},
 * or an escape whose meaning is not obvious gets no literal, and is always run. Characters inside groups count only
 * when every enclosing group is required (not followed by {@code ?}, {@code *} or a repetition from 0); a
 * character followed by any repetition does not count.
 */
final class RequiredLiteral {

    private static final int MAX = 32;
    /** At most this many runs are kept, the longest. */
    private static final int RUNS = 4;

    private RequiredLiteral() {
    }

    /**
     * The required literals of at least 3 characters, longest first, lower-cased when {@code caseInsensitive}; null
     * when there is none or the pattern is not one this reader understands.
     */
    static String @Nullable [] all(String p, boolean caseInsensitive) {
        java.util.List<String> runs = new java.util.ArrayList<>();
        if (!scan(p, caseInsensitive, runs) || runs.isEmpty()) {
            return null;
        }
        runs.sort(java.util.Comparator.comparingInt(String::length).reversed());
        return runs.subList(0, Math.min(RUNS, runs.size())).toArray(new String[0]);
    }

    /** The longest required literal (see {@link #all}), or null. */
    static @Nullable String of(String p, boolean caseInsensitive) {
        String[] runs = all(p, caseInsensitive);
        return runs == null ? null : runs[0];
    }

    /** Collects the runs of at least 3 characters into {@code runs}; false if the pattern is not read. */
    private static boolean scan(String p, boolean caseInsensitive, java.util.List<String> runs) {
        int n = p.length();
        if (p.indexOf('|') >= 0) {
            return false;
        }
        int[] close = groups(p);
        if (close == null) {
            return false;
        }
        // required[d]: whether the group at depth d and all around it must match
        boolean[] required = new boolean[n + 2];
        int depth = 0;
        required[0] = true;
        StringBuilder run = new StringBuilder();
        int i = 0;
        while (i < n) {
            char c = p.charAt(i);
            int next;
            int literal = -1;
            if (c == '\\') {
                if (i + 1 >= n) {
                    return false;
                }
                char e = p.charAt(i + 1);
                if (e < 0x80 && !Character.isLetterOrDigit(e)) {
                    literal = e;
                } else if ("dDwWsSbBAz".indexOf(e) < 0) {
                    return false; // \p{..}, \x.., \Q..\E, \1 ...: not read here
                }
                next = i + 2;
            } else if (c == '[') {
                next = classEnd(p, i);
                if (next < 0) {
                    return false;
                }
            } else if (c == '(') {
                if (i + 1 < n && p.charAt(i + 1) == '?') {
                    if (i + 2 < n && p.charAt(i + 2) == ':') {
                        next = i + 3;
                    } else {
                        return false; // inline flags could turn case sensitivity or more on and off
                    }
                } else {
                    next = i + 1;
                }
                int after = close[i] + 1;
                required[depth + 1] = required[depth] && !optional(p, after);
                depth++;
                flush(run, runs);
                i = next;
                continue;
            } else if (c == ')') {
                depth--;
                flush(run, runs);
                i = skipQuantifier(p, i + 1);
                if (i < 0) {
                    return false;
                }
                continue;
            } else if (c == '.' || c == '^' || c == '$') {
                next = i + 1;
            } else if (c == '*' || c == '+' || c == '?' || c == '{') {
                return false; // a repetition of nothing, or a literal '{': not read here
            } else {
                literal = c;
                next = i + 1;
            }
            int after = skipQuantifier(p, next);
            if (after < 0) {
                return false;
            }
            if (literal >= 0 && literal < 0x80 && after == next && required[depth] && run.length() < MAX) {
                run.append(caseInsensitive ? Character.toLowerCase((char) literal) : (char) literal);
            } else {
                flush(run, runs);
            }
            i = after;
        }
        flush(run, runs);
        return true;
    }

    private static void flush(StringBuilder run, java.util.List<String> runs) {
        if (run.length() >= 3) {
            runs.add(run.toString());
        }
        run.setLength(0);
    }

    /** Whether the repetition at {@code i} allows zero times: {@code ?}, {@code *}, {@code {0...}}. */
    private static boolean optional(String p, int i) {
        if (i >= p.length()) {
            return false;
        }
        char c = p.charAt(i);
        return c == '?' || c == '*' || (c == '{' && i + 1 < p.length() && p.charAt(i + 1) == '0');
    }

    /**
     * Where the text after a repetition at {@code i} starts ({@code i} when there is none), or -1 for a '{' that is
     * not a repetition.
     */
    private static int skipQuantifier(String p, int i) {
        int n = p.length();
        if (i >= n) {
            return i;
        }
        char c = p.charAt(i);
        int k;
        if (c == '*' || c == '+' || c == '?') {
            k = i + 1;
        } else if (c == '{') {
            k = i + 1;
            int digits = 0;
            while (k < n && Character.isDigit(p.charAt(k))) {
                k++;
                digits++;
            }
            if (digits == 0) {
                return -1;
            }
            if (k < n && p.charAt(k) == ',') {
                k++;
                while (k < n && Character.isDigit(p.charAt(k))) {
                    k++;
                }
            }
            if (k >= n || p.charAt(k) != '}') {
                return -1;
            }
            k++;
        } else {
            return i;
        }
        if (k < n && p.charAt(k) == '?') {
            k++; // lazy
        }
        return k;
    }

    /** The index after the bracket expression starting at {@code i}, or -1. */
    private static int classEnd(String p, int i) {
        int n = p.length();
        int k = i + 1;
        if (k < n && p.charAt(k) == '^') {
            k++;
        }
        if (k < n && p.charAt(k) == ']') {
            k++;
        }
        while (k < n) {
            char c = p.charAt(k);
            if (c == '\\') {
                k += 2;
            } else if (c == '[' && k + 1 < n && p.charAt(k + 1) == ':') {
                int end = p.indexOf(":]", k + 2);
                if (end < 0) {
                    return -1;
                }
                k = end + 2;
            } else if (c == ']') {
                return k + 1;
            } else {
                k++;
            }
        }
        return -1;
    }

    /** For each '(' the index of its ')', or null if the parentheses do not balance. */
    private static int @Nullable [] groups(String p) {
        int n = p.length();
        int[] close = new int[n];
        int[] stack = new int[n + 1];
        int top = 0;
        for (int i = 0; i < n; i++) {
            char c = p.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '[') {
                int end = classEnd(p, i);
                if (end < 0) {
                    return null;
                }
                i = end - 1;
            } else if (c == '(') {
                stack[top++] = i;
            } else if (c == ')') {
                if (top == 0) {
                    return null;
                }
                close[stack[--top]] = i;
            }
        }
        return top == 0 ? close : null;
    }

    /**
     * Whether {@code input} may contain {@code literal}: false only when it certainly does not. With
     * {@code caseInsensitive}, a text with non-ASCII characters may match through Unicode case folding (the Kelvin
     * sign for {@code k}), so it is always "may".
     */
    static boolean mayContain(CharSequence input, String literal, boolean caseInsensitive) {
        int n = input.length();
        int m = literal.length();
        char first = literal.charAt(0);
        for (int i = 0; i + m <= n; i++) {
            char c = input.charAt(i);
            if (caseInsensitive) {
                if (c >= 0x80) {
                    return true;
                }
                if (c >= 'A' && c <= 'Z') {
                    c += 'a' - 'A';
                }
            }
            if (c != first) {
                continue;
            }
            int k = 1;
            while (k < m) {
                char d = input.charAt(i + k);
                if (caseInsensitive) {
                    if (d >= 0x80) {
                        return true;
                    }
                    if (d >= 'A' && d <= 'Z') {
                        d += 'a' - 'A';
                    }
                }
                if (d != literal.charAt(k)) {
                    break;
                }
                k++;
            }
            if (k == m) {
                return true;
            }
        }
        if (caseInsensitive) {
            for (int i = Math.max(0, n - m + 1); i < n; i++) {
                if (input.charAt(i) >= 0x80) {
                    return true;
                }
            }
        }
        return false;
    }
}

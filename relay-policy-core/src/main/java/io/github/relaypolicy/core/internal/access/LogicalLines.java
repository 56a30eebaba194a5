package io.github.relaypolicy.core.internal.access;

import java.util.ArrayList;
import java.util.List;

/**
 * Postfix's logical lines (readllines(3), as postmap and the cidr/regexp/pcre readers use them): a line whose first
 * non-blank character is {@code #} is a comment, blank lines are ignored, and a line starting with whitespace
 * continues the logical line before it, even across comment and blank lines. {@code #} elsewhere is text. Unlike
 * Postfix, which only warns, text continuing nothing is an error: it is a mistake that would change a table's meaning.
 */
final class LogicalLines {

    /**
     * One logical line.
     *
     * @param text the physical lines joined as Postfix joins them (no separator: the continuation's own leading
     *     whitespace separates)
     * @param starts where each physical line's text starts in {@code text}
     * @param lines the physical line number (from 1) of each part
     */
    record Line(String text, int[] starts, int[] lines) {

        /** The physical line of offset {@code i} of {@link #text}. */
        int line(int i) {
            return lines[part(i)];
        }

        /** The column (from 1) of offset {@code i} of {@link #text} in its physical line. */
        int column(int i) {
            return i - starts[part(i)] + 1;
        }

        private int part(int i) {
            int k = starts.length - 1;
            while (k > 0 && starts[k] > i) {
                k--;
            }
            return k;
        }

        /** The first physical line. */
        int first() {
            return lines[0];
        }
    }

    private LogicalLines() {
    }

    static List<Line> split(List<String> physical, List<Integer> orphans) {
        List<Line> out = new ArrayList<>();
        StringBuilder text = null;
        List<Integer> starts = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        for (int n = 0; n < physical.size(); n++) {
            String s = physical.get(n);
            int k = 0;
            while (k < s.length() && isSpace(s.charAt(k))) {
                k++;
            }
            if (k == s.length() || s.charAt(k) == '#') {
                continue; // blank or comment: ignored, and does not end the logical line
            }
            if (k > 0) {
                if (text == null) {
                    orphans.add(n + 1);
                    continue;
                }
                starts.add(text.length());
                lines.add(n + 1);
                text.append(s);
                continue;
            }
            if (text != null) {
                out.add(make(text, starts, lines));
            }
            text = new StringBuilder(s);
            starts.clear();
            lines.clear();
            starts.add(0);
            lines.add(n + 1);
        }
        if (text != null) {
            out.add(make(text, starts, lines));
        }
        return out;
    }

    private static Line make(StringBuilder text, List<Integer> starts, List<Integer> lines) {
        int end = text.length();
        while (end > 0 && isSpace(text.charAt(end - 1))) {
            end--;
        }
        return new Line(text.substring(0, end), starts.stream().mapToInt(Integer::intValue).toArray(),
                lines.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Postfix's ISSPACE: space, tab, line feed, vertical tab, form feed, carriage return. */
    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
    }
}

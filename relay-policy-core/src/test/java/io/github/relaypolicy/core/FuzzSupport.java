package io.github.relaypolicy.core;

import io.github.relaypolicy.SmtpReply;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What the fuzz tests share: how raw fuzzer bytes become strings, the per-input time bound, the SMTP reply
 * invariants, and the switch for invariants that a known, not yet merged defect of issue 9 breaks.
 *
 * <p>Input encoding (so that the committed seeds stay readable text): byte {@code 0xFF} separates fields; a field
 * that is exactly {@code 0xFD} is null; {@code 0xFE hi lo} is the UTF-16 code unit {@code hi lo} (lone surrogates,
 * C1 controls: anything UTF-8 cannot carry); every other run of bytes is UTF-8, malformed sequences becoming
 * U+FFFD. See docs/fuzzing.md.
 */
public final class FuzzSupport {

    /** A generous bound for one input, far above any real cost: it catches hangs and quadratic blow-ups. */
    public static final long MAX_NANOS_PER_INPUT = 5_000_000_000L;

    /** RFC 5321 4.5.3.1.5: a reply line is at most 512 octets, CRLF included. */
    public static final int MAX_REPLY_LINE_OCTETS = 512;

    private FuzzSupport() {
    }

    /** Splits fuzzer bytes into fields; see the class comment. */
    public static List<@Nullable String> fields(byte[] data) {
        List<@Nullable String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= data.length; i++) {
            if (i == data.length || data[i] == (byte) 0xFF) {
                out.add(decode(data, start, i));
                start = i + 1;
            }
        }
        return out;
    }

    /** The whole input as one string; see the class comment ({@code 0xFF} is then U+FFFD). */
    public static String text(byte[] data) {
        String s = decode(data, 0, data.length);
        return s == null ? "" : s;
    }

    /** Field {@code k}, or null if the input has fewer fields. */
    public static @Nullable String field(List<@Nullable String> fields, int k) {
        return k < fields.size() ? fields.get(k) : null;
    }

    private static @Nullable String decode(byte[] b, int from, int to) {
        if (to - from == 1 && b[from] == (byte) 0xFD) {
            return null;
        }
        StringBuilder sb = new StringBuilder(to - from);
        int run = from;
        for (int i = from; i < to; i++) {
            if (b[i] == (byte) 0xFE || b[i] == (byte) 0xFF) {
                utf8(b, run, i, sb);
                if (b[i] == (byte) 0xFE && i + 2 < to) {
                    sb.append((char) (((b[i + 1] & 0xff) << 8) | (b[i + 2] & 0xff)));
                    i += 2;
                } else {
                    sb.append('\uFFFD');
                }
                run = i + 1;
            }
        }
        utf8(b, run, to, sb);
        return sb.toString();
    }

    private static void utf8(byte[] b, int from, int to, StringBuilder sb) {
        if (from >= to) {
            return;
        }
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            sb.append(d.decode(ByteBuffer.wrap(b, from, to - from)));
        } catch (CharacterCodingException e) {
            throw new AssertionError(e); // REPLACE never throws
        }
    }

    /** Encodes fields the way {@link #fields} reads them (for seeds and tests). */
    public static byte[] encode(@Nullable String... fields) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int k = 0; k < fields.length; k++) {
            if (k > 0) {
                out.write(0xFF);
            }
            String f = fields[k];
            if (f == null) {
                out.write(0xFD);
                continue;
            }
            for (int i = 0; i < f.length(); i++) {
                char c = f.charAt(i);
                boolean pair = Character.isHighSurrogate(c) && i + 1 < f.length()
                        && Character.isLowSurrogate(f.charAt(i + 1));
                if (pair) {
                    out.writeBytes(f.substring(i, i + 2).getBytes(StandardCharsets.UTF_8));
                    i++;
                } else if (Character.isSurrogate(c) || (c >= 0x80 && c < 0xa0)) {
                    out.write(0xFE);
                    out.write(c >>> 8);
                    out.write(c & 0xff);
                } else {
                    out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        return out.toByteArray();
    }

    /**
     * The first input of a JVM also pays for class loading, static initialisers and Jazzer's instrumentation of
     * every class it reaches (seconds on a loaded machine), so its bound is this much larger.
     */
    private static final long FIRST_INPUT_FACTOR = 12;

    private static final Set<String> WARMED_UP = ConcurrentHashMap.newKeySet();

    /**
     * Fails if an input took longer than {@link #MAX_NANOS_PER_INPUT}: a hang or a blow-up, not a benchmark. The
     * first input of each kind ({@code what} up to its first space) in a JVM gets a warm-up allowance.
     */
    public static void checkTime(long startNanos, String what) {
        long took = System.nanoTime() - startNanos;
        int space = what.indexOf(' ');
        boolean first = WARMED_UP.add(space < 0 ? what : what.substring(0, space));
        long bound = first ? FIRST_INPUT_FACTOR * MAX_NANOS_PER_INPUT : MAX_NANOS_PER_INPUT;
        if (took > bound) {
            throw new AssertionError(String.format(Locale.ROOT, "%s took %d ms, over the %d ms bound per input",
                    what, took / 1_000_000, bound / 1_000_000));
        }
    }

    /** Whether the text holds a control character (C0 but HT, DEL, C1, U+2028/9) or an unpaired surrogate. */
    public static boolean hasControlOrBroken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                return true;
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks a reply as it goes on the wire: no control characters, at most 512 octets with CRLF.
     *
     * @param context the input, for the message
     */
    public static void checkReply(SmtpReply reply, String context) {
        String line = reply.toString();
        if (hasControlOrBroken(line)) {
            throw new AssertionError("SMTP reply holds a control character or broken UTF-16: '"
                    + io.github.relaypolicy.core.internal.Text.escape(line) + "' for " + context);
        }
        int octets = line.getBytes(StandardCharsets.UTF_8).length + 2;
        if (octets > MAX_REPLY_LINE_OCTETS) {
            throw new AssertionError(String.format(Locale.ROOT,
                    "SMTP reply line is %d octets with CRLF, over RFC 5321's %d: '%s...' for %s", octets,
                    MAX_REPLY_LINE_OCTETS, io.github.relaypolicy.core.internal.Text.escape(line), context));
        }
    }
}

package io.github.relaypolicy.core.internal.zone;

import io.github.relaypolicy.core.internal.match.DomainNames;
import io.github.relaypolicy.core.internal.match.IpText;
import io.github.relaypolicy.core.internal.Text;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads one rbldnsd data file, line by line on its bytes, the way rbldnsd 1.0 (Debian's 1.0~20210120) does: the
 * same address forms, value syntax, special entries and precedence, checked against the real daemon by
 * {@code RbldnsdDifferentialTest}. Where rbldnsd logs a warning and skips a line, this reports the line: strict
 * mode refuses the file, lenient mode skips it and lists it in {@link ZoneData#warnings()}.
 *
 * <p>Stricter than rbldnsd on purpose: control characters and invalid UTF-8 in TXT text; dnset names outside
 * letters, digits, hyphen and underscore (rbldnsd takes any byte, and {@code \}-escapes); a TTL above 2^31-1;
 * {@code $TIMESTAMP}, whose expiry a lookup structure cannot honour, is refused rather than ignored.
 */
final class ZoneParser {

    /** rbldnsd's default TTL (its {@code -t} option, 35 minutes) for files without {@code $TTL}. */
    static final int DEFAULT_TTL = 2100;
    /** Warnings kept; the rest are counted. */
    static final int MAX_WARNINGS = 1000;

    private static final int TXT_MAX_BYTES = 255;
    private static final int DEFAULT_A = 0x7f000002;
    private static final long IP4_ALL = 0xffffffffL;

    /** A bad line: reported, and the line skipped. Carries no stack trace: it is control flow. */
    private static final class LineError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LineError(String message) {
            super(message, null, false, false);
        }
    }

    private record ValueKey(int address, String txt) {
    }

    private final String fileName;
    private final byte[] b;
    private final ZoneType type;
    private final boolean strict;

    private final List<String> warnings = new ArrayList<>();
    private int unlistedWarnings;
    private int lineNo;
    private int lineStart;
    private int lineEnd;

    private final Substitutions substitutions = new Substitutions();
    private long ttl = DEFAULT_TTL;
    private long maxRange4;
    private int entries;

    /** Distinct (A, raw TXT) values by index; 0 is rbldnsd's built-in default, 127.0.0.2 without TXT. */
    private int[] valueA = new int[16];
    private String[] valueTxt = new String[16];
    private int valueCount;
    private final Map<ValueKey, Integer> valueIndex = new HashMap<>();
    private int defaultValue;

    /** Results of the address parsers, in fields so that parsing allocates nothing. */
    private long addr;
    private long addrEnd;
    private long hi6;
    private long lo6;
    private int cursor;
    private final byte[] ip6 = new byte[16];

    private final Ip4Map.@Nullable Builder ip4;
    private final Ip6Map.@Nullable Builder ip6b;
    private final NameMap.@Nullable Builder names;
    private final @Nullable PrefixSet seen;

    private ZoneParser(String fileName, byte[] content, ZoneType type, boolean strict) {
        this.fileName = fileName;
        this.b = content;
        this.type = type;
        this.strict = strict;
        this.ip4 = type == ZoneType.IP4SET || type == ZoneType.IP4TRIE ? new Ip4Map.Builder() : null;
        this.ip6b = type == ZoneType.IP6TRIE ? new Ip6Map.Builder() : null;
        this.names = type == ZoneType.DNSET ? new NameMap.Builder() : null;
        this.seen = type == ZoneType.IP4TRIE || type == ZoneType.IP6TRIE ? new PrefixSet() : null;
        intern(DEFAULT_A, "");
    }

    /**
     * Parses a whole file.
     *
     * @param fileName how messages name the file
     * @throws ZoneFileException in strict mode, for the first bad line
     */
    static ZoneData parse(String fileName, byte[] content, ZoneType type, boolean strict)
            throws ZoneFileException {
        ZoneParser p = new ZoneParser(fileName, content, type, strict);
        p.lines();
        return p.finish();
    }

    private void lines() throws ZoneFileException {
        int n = b.length;
        int p = 0;
        while (p < n) {
            int e = p;
            while (e < n && b[e] != '\n') {
                e++;
            }
            lineNo++;
            int s = p;
            while (s < e && isSpace(b[s])) {
                s++;
            }
            int t = e;
            while (t > s && isSpace(b[t - 1])) {
                t--;
            }
            lineStart = s;
            lineEnd = t;
            if (s < t) {
                try {
                    line(s, t);
                } catch (LineError err) {
                    report(err.getMessage());
                }
            }
            p = e + 1; // a last line without a newline is read too, as rbldnsd does
        }
    }

    private void line(int s, int t) throws ZoneFileException {
        byte c = b[s];
        if (c == '$') {
            special(s + 1, t);
        } else if ((c == '#' || c == ';' || c == ':') && s + 1 < t && b[s + 1] == '$') {
            special(s + 2, t); // "#$SOA ...": rbldnsd reads it, so that a file can serve rbldns too
        } else if (c != '#' && c != ';') {
            // ":2:..." is the default value line; in ip6trie "::1" is an address, not a value.
            if (c == ':' && (type != ZoneType.IP6TRIE || s + 1 >= t || b[s + 1] != ':')) {
                defaultValue = value(s, t, true);
                return;
            }
            boolean exclude = c == '!';
            int p = exclude ? skipSpace(s + 1, t) : s;
            switch (type) {
                case IP4SET:
                case IP4TRIE:
                    ip4Line(p, t, exclude);
                    break;
                case IP6TRIE:
                    ip6Line(p, t, exclude);
                    break;
                default:
                    nameLine(p, t, exclude);
                    break;
            }
        }
    }

    // ---------------------------------------------------------------- reporting

    private void report(String message) throws ZoneFileException {
        if (b[lineEnd - 1] == '\r') {
            message += " (the line ends in a carriage return: DOS line ends?)"; // rbldnsd does not strip it either
        }
        String text = at(message);
        if (strict) {
            throw new ZoneFileException(text, lineNo);
        }
        if (warnings.size() < MAX_WARNINGS) {
            warnings.add(text);
        } else {
            unlistedWarnings++;
        }
    }

    /** A problem rbldnsd only warns about, keeping the line: strict mode refuses it, lenient mode goes on. */
    private void warnOrFail(String strictMessage, String lenientMessage) throws ZoneFileException {
        report(strict ? strictMessage : lenientMessage);
    }

    private String at(String message) {
        String line = new String(b, lineStart, lineEnd - lineStart, StandardCharsets.UTF_8);
        return fileName + ":" + lineNo + ": " + message + ": '" + Text.escape(line) + "'";
    }

    // ---------------------------------------------------------------- IPv4

    /** An ip4set or ip4trie entry starting at {@code p}, after a {@code !} if {@code exclude}. */
    private void ip4Line(int p, int t, boolean exclude) throws ZoneFileException {
        boolean set = type == ZoneType.IP4SET;
        int bits = set ? ip4range(p, t) : ip4cidr(p, t);
        if (bits < 0 || !endOfAddress(cursor, t)) {
            throw new LineError("invalid address");
        }
        int q = cursor;
        long a = addr;
        long host = IP4_ALL >>> bits;
        if (bits < 32 && (a & host) != 0) {
            throw new LineError("non-zero host part, did you mean " + IpText.format4(a & ~host & IP4_ALL) + "/"
                    + bits + "?");
        }
        long z = set ? addrEnd : a | host;
        if (maxRange4 != 0 && maxRange4 <= z - a) {
            throw new LineError(String.format(Locale.ROOT, "%d addresses, more than $MAXRANGE4 %d", z - a + 1,
                    maxRange4));
        }
        int value = exclude ? -1 : entryValue(q, t);
        if (set) {
            expand(a, z, value);
        } else {
            int first = seen.add(0, a, bits, lineNo);
            if (first != 0) {
                throw new LineError("duplicate entry for " + IpText.format4(a) + "/" + bits + " (first at line "
                        + first + "), ignored");
            }
            add4(a, bits, value);
        }
        entries++;
    }

    /**
     * rbldnsd's ip4set storage: a range becomes entries of /32, /24, /16 and /8 (the largest aligned blocks), and
     * an address matches the entries of the most specific of these four levels only (its {@code
     * ip4range_expand_octet}).
     */
    private void expand(long a, long z, int value) {
        for (int bits = 0; bits < 24; bits += 8) {
            int level = bits >>> 3;
            if ((a | 255) >= z) {
                if (z - a == 255) {
                    addLevel(level + 1, a << bits, 1, value);
                } else {
                    addLevel(level, a << bits, z - a + 1, value);
                }
                return;
            }
            if ((a & 255) != 0) {
                addLevel(level, a << bits, 256 - (a & 255), value);
                a = (a >>> 8) + 1;
            } else {
                a >>>= 8;
            }
            if ((z & 255) != 255) {
                addLevel(level, (z & ~255L) << bits, (z & 255) + 1, value);
                z = (z >>> 8) - 1;
            } else {
                z >>>= 8;
            }
        }
        addLevel(3, a << 24, z - a + 1, value);
    }

    /** Adds {@code count} consecutive blocks of level 0 (/32) to 3 (/8). */
    private void addLevel(int level, long start, long count, int value) {
        int length = 32 - 8 * level;
        long step = 1L << (8 * level);
        for (long k = 0; k < count; k++) {
            add4(start + k * step, length, value);
        }
    }

    private void add4(long start, int length, int value) {
        if (!ip4.add(start, length, value)) {
            throw new LineError("more than " + Ip4Map.Builder.MAX_ENTRIES + " entries once ranges are expanded");
        }
    }

    /** rbldnsd's {@code ip4prefix}: 1 to 4 decimal octets (leading zeros allowed); returns 8 to 32 bits or -1. */
    private int ip4prefix(int p, int t) {
        long a = 0;
        for (int octet = 0; ; octet++) {
            if (p >= t || !isDigit(b[p])) {
                return -1;
            }
            int o = b[p++] - '0';
            while (p < t && isDigit(b[p])) {
                o = o * 10 + (b[p++] - '0');
                if (o > 255) {
                    return -1;
                }
            }
            a |= (long) o << (24 - 8 * octet);
            if (octet == 3 || p >= t || b[p] != '.') {
                addr = a;
                cursor = p;
                return 8 * (octet + 1);
            }
            p++;
        }
    }

    /** rbldnsd's {@code ip4mbits}: a prefix length, 0 to 32. */
    private int ip4mbits(int p, int t) {
        if (p >= t || !isDigit(b[p])) {
            return -1;
        }
        int bits = b[p++] - '0';
        while (p < t && isDigit(b[p])) {
            bits = bits * 10 + (b[p++] - '0');
            if (bits > 32) {
                return -1;
            }
        }
        cursor = p;
        return bits;
    }

    /**
     * rbldnsd's {@code ip4range}: {@code prefix}, {@code prefix/bits} or {@code prefix-prefix}, where a one-octet
     * end replaces the start's last octet ({@code 127.0.0.1-20}) and the end is filled with 255s. A bare number
     * needs {@code /bits}. Sets {@link #addr} and {@link #addrEnd}; returns the prefix length, 32 for a range.
     */
    private int ip4range(int p, int t) {
        int bits = ip4prefix(p, t);
        if (bits < 0) {
            return -1;
        }
        long a = addr;
        int q = cursor;
        if (q < t && b[q] == '-') {
            int endBits = ip4prefix(q + 1, t);
            if (endBits < 0) {
                return -1;
            }
            long z = addr;
            if (endBits == 8) {
                z = (z >>> (bits - 8)) | (a & ~(IP4_ALL >>> (bits - 8)) & IP4_ALL);
                endBits = bits;
            } else if (endBits != bits) {
                return -1;
            }
            z |= IP4_ALL >>> endBits;
            if (a > z) {
                return -1;
            }
            addr = a;
            addrEnd = z;
            return 32;
        }
        if (q < t && b[q] == '/') {
            bits = ip4mbits(q + 1, t);
            if (bits < 0) {
                return -1;
            }
        } else if (bits == 8) {
            return -1;
        }
        addr = a;
        addrEnd = a | (IP4_ALL >>> bits);
        return bits;
    }

    /** rbldnsd's {@code ip4cidr}: {@code prefix} or {@code prefix/bits}, a bare number needing {@code /bits}. */
    private int ip4cidr(int p, int t) {
        int bits = ip4prefix(p, t);
        if (bits < 0) {
            return -1;
        }
        if (cursor < t && b[cursor] == '/') {
            return ip4mbits(cursor + 1, t);
        }
        return bits == 8 ? -1 : bits;
    }

    // ---------------------------------------------------------------- IPv6

    /** An ip6trie entry starting at {@code p}, after a {@code !} if {@code exclude}. */
    private void ip6Line(int p, int t, boolean exclude) throws ZoneFileException {
        int bits = ip6cidr(p, t);
        if (bits < 0 || !endOfAddress(cursor, t)) {
            throw new LineError("invalid address");
        }
        long hi = hi6;
        long lo = lo6;
        long maskHi = bits == 0 ? 0 : bits >= 64 ? -1L : -1L << (64 - bits);
        long maskLo = bits <= 64 ? 0 : -1L << (128 - bits);
        if ((hi & ~maskHi) != 0 || (lo & ~maskLo) != 0) {
            throw new LineError("non-zero host part, did you mean " + IpText.format6(hi & maskHi, lo & maskLo)
                    + "/" + bits + "?");
        }
        int value = exclude ? -1 : entryValue(cursor, t);
        int first = seen.add(hi, lo, bits, lineNo);
        if (first != 0) {
            throw new LineError("duplicate entry for " + IpText.format6(hi, lo) + "/" + bits + " (first at line "
                    + first + "), ignored");
        }
        ip6b.add(hi, lo, bits, value);
        entries++;
    }

    /**
     * rbldnsd's {@code ip6prefix}: hex groups with at most one {@code ::}; without {@code ::} the groups given are
     * the prefix ({@code 2001:db8:1} is 48 bits), with it the address is complete. Sets {@link #hi6} and {@link
     * #lo6}; returns the bits or -1.
     */
    private int ip6prefix(int p, int t) {
        byte[] ap = ip6;
        Arrays.fill(ap, (byte) 0);
        int bytes = 0;
        int zeroAt = -1;
        int bits = -1;
        if (p + 1 < t && b[p] == ':' && b[p + 1] == ':') {
            zeroAt = 0;
            p += 2;
        }
        while (true) {
            int v = 0;
            int start = p;
            while (p < t) {
                int nibble = hex(b[p]);
                if (nibble < 0) {
                    break;
                }
                v = (v << 4) + nibble;
                if (v > 0xffff) {
                    break;
                }
                p++;
            }
            if (start == p || v > 0xffff) {
                break;
            }
            ap[bytes++] = (byte) (v >> 8);
            ap[bytes++] = (byte) v;
            if (p >= t || b[p] != ':' || bytes + 2 > 16) {
                bits = bytes * 8;
                break;
            }
            p++;
            if (zeroAt < 0 && p < t && b[p] == ':') {
                zeroAt = bytes;
                p++;
            }
        }
        if (zeroAt >= 0) {
            int zeros = 16 - bytes;
            if (zeros == 0) {
                bits = -1;
            } else {
                System.arraycopy(ap, zeroAt, ap, zeroAt + zeros, bytes - zeroAt);
                Arrays.fill(ap, zeroAt, zeroAt + zeros, (byte) 0);
                bits = 128;
            }
        }
        cursor = p;
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (ap[i] & 0xff);
            lo = (lo << 8) | (ap[i + 8] & 0xff);
        }
        hi6 = hi;
        lo6 = lo;
        return bits;
    }

    /** rbldnsd's {@code ip6cidr}: a prefix, optionally {@code /bits}; a single group needs {@code /bits}. */
    private int ip6cidr(int p, int t) {
        int bits = ip6prefix(p, t);
        int q = cursor;
        if (bits >= 0 && q < t && b[q] == '/') {
            q++;
            if (q >= t || !isDigit(b[q])) {
                bits = -1;
            } else {
                bits = b[q++] - '0';
                while (q < t && isDigit(b[q])) {
                    bits = bits * 10 + (b[q++] - '0');
                    if (bits > 128) {
                        bits = -1;
                        break;
                    }
                }
            }
        } else if (bits == 16) {
            bits = -1;
        }
        cursor = q;
        return bits;
    }

    // ---------------------------------------------------------------- names

    /** A dnset entry starting at {@code p}, after a {@code !} if {@code exclude}. */
    private void nameLine(int p, int t, boolean exclude) throws ZoneFileException {
        boolean exact = true;
        boolean wildcard = false;
        if (p < t && b[p] == '.') {
            wildcard = true;
            p++;
        } else if (p + 1 < t && b[p] == '*' && b[p + 1] == '.') {
            wildcard = true;
            exact = false;
            p += 2;
        }
        int e = p;
        while (e < t && !isSpace(b[e])) {
            e++;
        }
        String name = domainName(b, p, e);
        if (name == null) {
            throw new LineError("invalid domain name");
        }
        int value = exclude ? -1 : entryValue(e, t);
        names.add(name, exact, wildcard, value);
        entries++;
    }

    /**
     * A host name, letters, digits, hyphens and underscores, labels of 1 to 63, at most 253 characters; a trailing
     * dot is dropped; lower-cased.
     *
     * @return the name, or null if {@code b[p, e)} is not one
     */
    static @Nullable String domainName(byte[] b, int p, int e) {
        if (e > p && b[e - 1] == '.') {
            e--;
        }
        // bytes from 0x80 up become chars from U+0080 up, which the check refuses
        String name = new String(b, p, e - p, StandardCharsets.ISO_8859_1);
        if (DomainNames.check(name, 0, name.length(), DomainNames.ALLOW_UNDERSCORE | DomainNames.ALLOW_EDGE_HYPHEN,
                DomainNames.MAX_NAME) < 0) {
            return null;
        }
        return name.toLowerCase(Locale.ROOT); // ASCII by now
    }

    // ---------------------------------------------------------------- values

    /** The value after an entry: the default if there is none (or only a comment), else parsed. */
    private int entryValue(int q, int t) throws ZoneFileException {
        q = skipSpace(q, t);
        if (q == t || b[q] == '#' || b[q] == ';') {
            return defaultValue;
        }
        return value(q, t, false);
    }

    /**
     * rbldnsd's {@code parse_a_txt}: {@code :A:TXT} (A and TXT), {@code :A:} (A, no TXT), {@code :A} (A, the
     * default's TXT), or {@code TXT} (the default's A). A one-number A is 127.0.0.n; two or three numbers are
     * read as {@code inet_aton} does ({@code 127.1} is 127.0.0.1). On a default line ({@code :...}) the default
     * is rbldnsd's own: 127.0.0.2 without TXT.
     *
     * @return the value's index
     */
    private int value(int p, int t, boolean defaultLine) throws ZoneFileException {
        int a;
        String txt;
        if (b[p] == ':') {
            int bits = ip4prefix(p + 1, t);
            long v = addr;
            if (bits == 8) {
                v >>>= 24;
            } else if (bits == 16) {
                v = (v & 0xff000000L) | ((v >>> 16) & 255);
            } else if (bits == 24) {
                v = (v & 0xffff0000L) | ((v >>> 8) & 255);
            }
            if (bits < 0 || v == 0) {
                throw new LineError("invalid A value");
            }
            if (bits == 8) {
                v |= 0x7f000000L;
            }
            int q = skipSpace(cursor, t);
            if (q < t && b[q] == ':') {
                txt = text(skipSpace(q + 1, t), t, true);
            } else if (q < t) {
                throw new LineError("unrecognized value for an entry");
            } else {
                txt = defaultLine ? "" : valueTxt[defaultValue];
            }
            a = (int) v;
        } else {
            a = valueA[defaultValue];
            txt = text(p, t, true);
        }
        return intern(a, txt);
    }

    private int intern(int a, String txt) {
        Integer known = valueIndex.putIfAbsent(new ValueKey(a, txt), valueCount);
        if (known != null) {
            return known;
        }
        if (valueCount == valueA.length) {
            valueA = Arrays.copyOf(valueA, valueCount * 2);
            valueTxt = Arrays.copyOf(valueTxt, valueCount * 2);
        }
        valueA[valueCount] = a;
        valueTxt[valueCount] = txt;
        return valueCount++;
    }

    /** Text to the end of the line: UTF-8 without control characters (a tab is fine), TXT cut at 255 bytes. */
    private String text(int p, int t, boolean txt) throws ZoneFileException {
        boolean ascii = true;
        for (int i = p; i < t; i++) {
            byte c = b[i];
            if (c < 0) {
                ascii = false;
            } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new LineError("control character in text");
            }
        }
        String s;
        if (ascii) {
            s = new String(b, p, t - p, StandardCharsets.ISO_8859_1);
        } else {
            try {
                s = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(b, p, t - p)).toString();
            } catch (CharacterCodingException e) {
                throw new LineError("text is not valid UTF-8");
            }
        }
        if (txt && t - p > TXT_MAX_BYTES) {
            warnOrFail("TXT is longer than 255 bytes", "TXT is longer than 255 bytes, cut");
            s = ZoneAnswer.capUtf8(s, TXT_MAX_BYTES);
        }
        return s;
    }

    // ---------------------------------------------------------------- special entries

    /** {@code $SOA}, {@code $NS}, {@code $TTL}, {@code $MAXRANGE4}, {@code $0}..{@code $9}, {@code $=}. */
    private void special(int p, int t) throws ZoneFileException {
        int w;
        if ((w = keyword(p, t, "soa")) >= 0) {
            soa(w, t);
        } else if ((w = keyword(p, t, "ns")) >= 0 || (w = keyword(p, t, "nameserver")) >= 0) {
            ns(w, t);
        } else if ((w = keyword(p, t, "ttl")) >= 0) {
            long v = time(w, t);
            if (v < 0 || cursor != t) {
                throw new LineError("invalid $TTL, expected a time such as 3600, 60m, 1h, 1d or 1w");
            }
            if (v > Integer.MAX_VALUE) {
                throw new LineError("$TTL " + v + " is larger than 2147483647");
            }
            ttl = v == 0 ? DEFAULT_TTL : v;
        } else if ((w = keyword(p, t, "maxrange4")) >= 0) {
            maxRange4(w, t);
        } else if (p + 1 < t && (isDigit(b[p]) || b[p] == '=') && isSpace(b[p + 1])) {
            substitutions.define((char) b[p], text(skipSpace(p + 2, t), t, false));
        } else if (keyword(p, t, "timestamp") >= 0) {
            throw new LineError("$TIMESTAMP is not supported");
        } else {
            throw new LineError("invalid or unrecognized special entry");
        }
    }

    /** {@code $SOA ttl origin person serial refresh retry expire minimum}: checked, not used. */
    private void soa(int p, int t) {
        boolean ok = time(p, t) >= 0;
        p = ok ? dn(cursor, t) : -1;
        p = p >= 0 ? dn(p, t) : -1;
        ok = p >= 0 && uint32(p, t) >= 0;
        for (int i = 0; i < 4 && ok; i++) {
            ok = time(cursor, t) >= 0;
        }
        if (!ok || cursor != t) {
            throw new LineError(
                    "invalid $SOA, expected: $SOA ttl origin-name person-name serial refresh retry expire minimum");
        }
    }

    /** {@code $NS ttl name...}, a name starting with {@code -} left out: checked, not used. */
    private void ns(int p, int t) {
        boolean ok = time(p, t) >= 0;
        p = cursor;
        do {
            if (!ok) {
                break;
            }
            if (p < t && b[p] == '-') {
                while (p < t && !isSpace(b[p])) {
                    p++;
                }
                p = skipSpace(p, t);
            } else {
                p = dn(p, t);
                ok = p >= 0;
            }
        } while (p < t);
        if (!ok) {
            throw new LineError("invalid $NS, expected: $NS ttl name...");
        }
    }

    /** {@code $MAXRANGE4 count} or {@code $MAXRANGE4 /bits}: IPv4 entries may cover at most that many addresses. */
    private void maxRange4(int p, int t) throws ZoneFileException {
        boolean cidr = p < t && b[p] == '/';
        long r = uint32(cidr ? p + 1 : p, t);
        if (r <= 0 || cursor != t || (cidr && r > 32)) {
            throw new LineError("invalid $MAXRANGE4, expected a number of addresses or /bits");
        }
        if (cidr) {
            r = 1L << (32 - r);
        }
        if (maxRange4 != 0 && maxRange4 < r) {
            String m = "$MAXRANGE4 may not grow from " + maxRange4 + " to " + r;
            warnOrFail(m, m + ", ignored");
        } else {
            maxRange4 = r;
        }
    }

    /** {@code word} (any case) and blanks after it: the position after them, or -1. */
    private int keyword(int p, int t, String word) {
        int n = word.length();
        if (p + n >= t) {
            return -1;
        }
        for (int i = 0; i < n; i++) {
            byte c = b[p + i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != word.charAt(i)) {
                return -1;
            }
        }
        return isSpace(b[p + n]) ? skipSpace(p + n, t) : -1;
    }

    /** rbldnsd's {@code parse_time}: digits with an optional unit s, m, h, d or w; sets {@link #cursor}. */
    private long time(int p, int t) {
        return number(p, t, true);
    }

    /** An unsigned 32-bit number; sets {@link #cursor}. */
    private long uint32(int p, int t) {
        return number(p, t, false);
    }

    /**
     * Digits, with an optional unit (s, m, h, d, w) if {@code units}, up to 2^32 - 1 in all; -1 if there are none,
     * the value is larger, or something other than a separator follows. Sets {@link #cursor}.
     */
    private long number(int p, int t, boolean units) {
        if (p >= t || !isDigit(b[p])) {
            return -1;
        }
        long n = 0;
        while (p < t && isDigit(b[p])) {
            n = n * 10 + (b[p++] - '0');
            if (n > IP4_ALL) {
                return -1;
            }
        }
        if (units && p < t) {
            long unit;
            switch (b[p]) {
                case 'w': case 'W': unit = 604800; break;
                case 'd': case 'D': unit = 86400; break;
                case 'h': case 'H': unit = 3600; break;
                case 'm': case 'M': unit = 60; break;
                case 's': case 'S': unit = 1; break;
                default: unit = 0; break;
            }
            if (unit != 0) {
                n *= unit;
                if (n > IP4_ALL) {
                    return -1;
                }
                p++;
            }
        }
        return afterNumber(p, t) ? n : -1;
    }

    private boolean afterNumber(int p, int t) {
        if (p < t && !isSpace(b[p])) {
            return false;
        }
        cursor = skipSpace(p, t);
        return true;
    }

    /** A domain name (or {@code .}, the root) up to a blank: the position after the blanks, or -1. */
    private int dn(int p, int t) {
        int e = p;
        while (e < t && !isSpace(b[e])) {
            e++;
        }
        if (!(e == p + 1 && b[p] == '.') && domainName(b, p, e) == null) {
            return -1;
        }
        return skipSpace(e, t);
    }

    // ---------------------------------------------------------------- the result

    private ZoneData finish() {
        @Nullable ZoneAnswer[] answers = new ZoneAnswer[valueCount];
        Map<ZoneAnswer, ZoneAnswer> interned = new HashMap<>();
        for (int i = 0; i < valueCount; i++) {
            ZoneAnswer z = new ZoneAnswer(valueA[i], substitutions.normalize(valueTxt[i]));
            ZoneAnswer known = interned.putIfAbsent(z, z);
            answers[i] = known != null ? known : z;
        }
        if (unlistedWarnings > 0) {
            warnings.add(fileName + ": " + unlistedWarnings + " more warnings not listed");
        }
        return new ZoneData(type, (int) ttl, entries, List.copyOf(warnings),
                ip4 != null ? ip4.build(answers) : null,
                ip6b != null ? ip6b.build(answers) : null,
                names != null ? names.build(answers, interned) : null);
    }

    // ---------------------------------------------------------------- bytes

    private boolean endOfAddress(int q, int t) {
        if (q >= t) {
            return true;
        }
        byte c = b[q];
        return isSpace(c) || c == '#' || c == ';' || c == ':';
    }

    private int skipSpace(int p, int t) {
        while (p < t && isSpace(b[p])) {
            p++;
        }
        return p;
    }

    /** rbldnsd's blanks: space and tab only (a carriage return is not one). */
    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}

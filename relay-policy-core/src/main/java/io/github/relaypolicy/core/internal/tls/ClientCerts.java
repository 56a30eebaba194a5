package io.github.relaypolicy.core.internal.tls;

import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.TextFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The client certificates that may relay ({@code relay_clientcerts}): SHA-256 fingerprints of certificates or of
 * their public keys, in Postfix's format, one {@code FINGERPRINT [comment]} a line ({@code AB:CD:...} or 64 hex
 * digits without colons, any case), {@code #} starting a comment line. Compiled into a sorted index of the 32-byte
 * digests, so that a request's fingerprint text is looked up without allocating.
 *
 * <p>A certificate fingerprint and a public-key fingerprint are both SHA-256 digests and cannot be told apart in the
 * file: Postfix looks both up in the same table (with {@code smtpd_tls_fingerprint_digest = sha256}), and so does
 * this index. Immutable and thread-safe.
 */
public final class ClientCerts {

    /** No fingerprint: grants nothing. */
    public static final ClientCerts EMPTY = new ClientCerts(List.of());

    /** The hex digits of a SHA-256 fingerprint. */
    private static final int DIGITS = 64;

    /**
     * One listed fingerprint.
     *
     * @param digest the SHA-256 digest, 4 longs big-endian
     * @param written the fingerprint as written
     * @param file the file, or null for one given to the builder
     * @param line its line, from 1 (0 for the builder)
     * @param column its column, from 1 (0 for the builder)
     */
    public record Entry(long[] digest, String written, @Nullable Path file, int line, int column) {

        public Entry {
            digest = digest.clone();
        }

        /** Where the entry was given, as traces name it: {@code relay-clientcerts:3} or {@code builder}. */
        public String source() {
            return file == null ? "builder" : file.getFileName() + ":" + line;
        }

        /** Where the entry was given, with the whole path: {@code /etc/relay/relay-clientcerts:3}. */
        public String place() {
            return file == null ? "the builder" : file + ":" + line;
        }

        /** The digest in Postfix's form: upper-case hex bytes separated by colons. */
        public String fingerprint() {
            return format(digest);
        }

        PolicyFileException.Problem problem(String message) {
            return new PolicyFileException.Problem(file == null ? Path.of("builder") : file, line, column, written,
                    message);
        }
    }

    /** Fingerprint files that cannot be used: every problem with its file, line and column. */
    public static final class CertFileException extends io.github.relaypolicy.core.internal.FileProblemsException {

        private static final long serialVersionUID = 1L;

        @SuppressWarnings("serial") // immutable records; serialization is not supported anyway
        private final List<Entry> entries;

        /**
         * The exception for {@code problems}, at least one; the message is the first (and how many more).
         *
         * @param entries the entries that were read well, so that duplicates among them can be reported too
         */
        public CertFileException(List<PolicyFileException.Problem> problems, List<Entry> entries) {
            super(problems);
            this.entries = List.copyOf(entries);
        }

        /** The entries that were read well. */
        public List<Entry> entries() {
            return entries;
        }
    }

    /** What a request's fingerprint matched: the entry, and whether it was the public key's. */
    public record Match(Entry entry, boolean publicKey) {
    }

    private final Entry[] entries;   // sorted by digest
    private final long[] digests;    // entries' digests, 4 longs each, in the same order

    private ClientCerts(List<Entry> list) {
        entries = list.toArray(new Entry[0]);
        Arrays.sort(entries, Comparator.comparing(Entry::digest, ClientCerts::compare));
        digests = new long[entries.length * 4];
        for (int i = 0; i < entries.length; i++) {
            System.arraycopy(entries[i].digest(), 0, digests, i * 4, 4);
        }
    }

    /** The index of {@code entries}, which hold no digest twice. */
    public static ClientCerts of(List<Entry> entries) {
        return entries.isEmpty() ? EMPTY : new ClientCerts(entries);
    }

    /** How many fingerprints are listed. */
    public int size() {
        return entries.length;
    }

    // ------------------------------------------------------------------------------------------- lookups

    /**
     * The entry listing the fingerprint {@code text} (a request's {@code ccert_fingerprint} or
     * {@code ccert_pubkey_fingerprint}: hex, any case, with or without colons), or null: also for text that is not
     * a SHA-256 fingerprint. Allocates nothing.
     */
    public @Nullable Entry find(@Nullable String text) {
        if (text == null || entries.length == 0) {
            return null;
        }
        int n = text.length();
        boolean colons = n == DIGITS + 31;
        if (n != DIGITS && !colons) {
            return null;
        }
        long a = 0;
        long b = 0;
        long c = 0;
        long d = 0;
        int digit = 0;
        for (int i = 0; i < n; i++) {
            char ch = text.charAt(i);
            if (colons && i % 3 == 2) {
                if (ch != ':') {
                    return null;
                }
                continue;
            }
            int v = Character.digit(ch, 16);
            if (v < 0 || ch > 'f') {
                return null; // Character.digit takes non-ASCII digits too
            }
            switch (digit >> 4) {
                case 0 -> a = a << 4 | v;
                case 1 -> b = b << 4 | v;
                case 2 -> c = c << 4 | v;
                default -> d = d << 4 | v;
            }
            digit++;
        }
        return find(a, b, c, d);
    }

    /** The entry listing the digest {@code a b c d}, or null. */
    private @Nullable Entry find(long a, long b, long c, long d) {
        int low = 0;
        int high = entries.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int at = mid * 4;
            int cmp = Long.compareUnsigned(digests[at], a);
            if (cmp == 0) {
                cmp = Long.compareUnsigned(digests[at + 1], b);
                if (cmp == 0) {
                    cmp = Long.compareUnsigned(digests[at + 2], c);
                    if (cmp == 0) {
                        cmp = Long.compareUnsigned(digests[at + 3], d);
                    }
                }
            }
            if (cmp == 0) {
                return entries[mid];
            } else if (cmp < 0) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return null;
    }

    private @Nullable Entry find(byte @Nullable [] digest) {
        if (digest == null || digest.length != 32) {
            return null;
        }
        long[] v = toLongs(digest);
        return find(v[0], v[1], v[2], v[3]);
    }

    /**
     * What a request's client certificate matches: the fingerprints given as text, if either is (what a Postfix
     * policy request carries), else the SHA-256 digests of the certificate and of its public key, computed now. The
     * certificate's fingerprint is looked up first, as Postfix does. Never throws: a certificate that cannot be
     * encoded matches nothing.
     *
     * @param certText the certificate's fingerprint as text, or null
     * @param keyText the public key's fingerprint as text, or null
     * @param cert the certificate, or null
     * @return the match, or null
     */
    public @Nullable Match match(@Nullable String certText, @Nullable String keyText,
            @Nullable X509Certificate cert) {
        if (certText != null || keyText != null) {
            Entry e = find(certText);
            if (e != null) {
                return new Match(e, false);
            }
            e = find(keyText);
            return e == null ? null : new Match(e, true);
        }
        if (cert == null || entries.length == 0) {
            return null;
        }
        Entry e = find(certificateDigest(cert));
        if (e != null) {
            return new Match(e, false);
        }
        e = find(publicKeyDigest(cert));
        return e == null ? null : new Match(e, true);
    }

    /** The SHA-256 digest of the certificate's DER encoding, or null if it cannot be encoded. */
    public static byte @Nullable [] certificateDigest(X509Certificate cert) {
        try {
            return sha256(cert.getEncoded());
        } catch (java.security.cert.CertificateException | RuntimeException e) {
            return null; // a broken certificate matches nothing
        }
    }

    /** The SHA-256 digest of the certificate's public key (its SubjectPublicKeyInfo), or null. */
    public static byte @Nullable [] publicKeyDigest(X509Certificate cert) {
        try {
            PublicKey key = cert.getPublicKey();
            return key == null ? null : sha256(key.getEncoded());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static byte @Nullable [] sha256(byte @Nullable [] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** A digest in Postfix's form: upper-case hex bytes separated by colons; "" for null. */
    public static String format(byte @Nullable [] digest) {
        return digest == null ? "" : format(toLongs(digest));
    }

    private static String format(long[] digest) {
        StringBuilder sb = new StringBuilder(95);
        for (int i = 0; i < 32; i++) {
            int v = (int) (digest[i / 8] >>> (56 - 8 * (i % 8))) & 0xff;
            if (i > 0) {
                sb.append(':');
            }
            sb.append(Character.toUpperCase(Character.forDigit(v >> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(v & 15, 16)));
        }
        return sb.toString();
    }

    private static long[] toLongs(byte[] digest) {
        long[] v = new long[4];
        for (int i = 0; i < 32; i++) {
            v[i / 8] = v[i / 8] << 8 | (digest[i] & 0xff);
        }
        return v;
    }

    private static int compare(long[] x, long[] y) {
        for (int i = 0; i < 4; i++) {
            int c = Long.compareUnsigned(x[i], y[i]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------- parsing

    /**
     * Parses a fingerprint as a file or the builder gives it.
     *
     * @return the digest, 4 longs
     * @throws IllegalArgumentException saying what is wrong, with the offset of the first bad character in
     *     {@link BadFingerprint#offset()}
     */
    public static long[] parse(String written) {
        String w = written;
        int colons = 0;
        int digits = 0;
        for (int i = 0; i < w.length(); i++) {
            char ch = w.charAt(i);
            if (ch == ':') {
                colons++;
            } else if (ch < 0x80 && Character.digit(ch, 16) >= 0) {
                digits++;
            } else {
                throw new BadFingerprint(i, String.format(Locale.ROOT, "'%s' is not a fingerprint: '%s' is not a"
                        + " hexadecimal digit (expected the SHA-256 fingerprint of a certificate or of its public key,"
                        + " 32 bytes in hex: AB:CD:... or without colons)", Text.escape(written),
                        Text.escape(String.valueOf(ch))));
            }
        }
        if (digits != DIGITS) {
            String what = digits == 32 ? "an MD5 fingerprint (16 bytes)" : digits == 40 ? "a SHA-1 fingerprint"
                    + " (20 bytes)" : digits + " hex digits";
            throw new BadFingerprint(0, String.format(Locale.ROOT, "'%s' is %s; relay_clientcerts needs SHA-256"
                    + " fingerprints (32 bytes, 64 hex digits, as Postfix's smtpd_tls_fingerprint_digest = sha256"
                    + " prints them): openssl x509 -noout -fingerprint -sha256 -in CERT.pem", Text.escape(written),
                    what));
        }
        if (colons != 0) {
            for (int i = 0; i <= w.length(); i++) {
                if (i == w.length() ? w.length() != DIGITS + 31 : (w.charAt(i) == ':') != (i % 3 == 2)) {
                    throw new BadFingerprint(Math.min(i, w.length() - 1), String.format(Locale.ROOT, "'%s': colons"
                            + " must separate every two hex digits (AB:CD:...), or be left out", Text.escape(written)));
                }
            }
        }
        long[] v = new long[4];
        int digit = 0;
        for (int i = 0; i < w.length(); i++) {
            char ch = w.charAt(i);
            if (ch != ':') {
                v[digit >> 4] = v[digit >> 4] << 4 | Character.digit(ch, 16);
                digit++;
            }
        }
        return v;
    }

    /** A fingerprint that cannot be read, with the offset of the problem within it. */
    public static final class BadFingerprint extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        private final int offset;

        BadFingerprint(int offset, String message) {
            super(message);
            this.offset = offset;
        }

        /** The offset of the bad character in the fingerprint, from 0. */
        public int offset() {
            return offset;
        }
    }

    /**
     * The entries of a fingerprint file.
     *
     * @throws CertFileException with every problem of the file, each at its line and column
     */
    public static List<Entry> read(Path file) {
        List<PolicyFileException.Problem> problems = new ArrayList<>();
        byte[] bytes;
        try {
            bytes = TextFiles.read(file);
        } catch (IOException e) {
            throw new CertFileException(List.of(new PolicyFileException.Problem(file, 0, 0, "",
                    "cannot read the relay_clientcerts file: " + TextFiles.why(e))), List.of());
        }
        List<String> lines = TextFiles.utf8Lines(file, bytes, problems);
        List<Entry> entries = new ArrayList<>();
        boolean keyLineSeen = false;
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            int lineNo = n + 1;
            int control = firstControl(line);
            if (control >= 0) {
                problems.add(new PolicyFileException.Problem(file, lineNo, control + 1, "", String.format(
                        Locale.ROOT, "control character U+%04X; only text and tabs are allowed",
                        (int) line.charAt(control))));
                continue;
            }
            String stripped = line.strip();
            if (stripped.isEmpty() || stripped.startsWith("#")) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                if (!keyLineSeen) {
                    problems.add(new PolicyFileException.Problem(file, lineNo, 1, stripped, "continuation line"
                            + " without a fingerprint above it; a line starts with its fingerprint at column 1:"
                            + " FINGERPRINT [comment]"));
                }
                continue; // the comment of the line above, continued (Postfix's table format)
            }
            keyLineSeen = true;
            int end = 0;
            while (end < line.length() && !Character.isWhitespace(line.charAt(end))) {
                end++;
            }
            String written = line.substring(0, end);
            try {
                entries.add(new Entry(parse(written), written, file, lineNo, 1));
            } catch (BadFingerprint e) {
                problems.add(new PolicyFileException.Problem(file, lineNo, e.offset() + 1, written, e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new CertFileException(problems, entries);
        }
        return entries;
    }

    private static int firstControl(String line) {
        for (int c = 0; c < line.length(); c++) {
            char ch = line.charAt(c);
            if (ch < 0x20 && ch != '\t' || ch >= 0x7f && ch < 0xa0) {
                return c;
            }
        }
        return -1;
    }

    /** Whether two entries list the same digest. */
    public static boolean sameDigest(Entry x, Entry y) {
        return Arrays.equals(x.digest(), y.digest());
    }

    /** The digest as a key for finding duplicates. */
    public static String key(Entry e) {
        return format(e.digest());
    }
}

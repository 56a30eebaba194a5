package io.github.relaypolicy.core.internal;

import io.github.relaypolicy.core.internal.match.IpText;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.security.SecureRandom;

/**
 * Hash codes for keys an SMTP client chooses (sender domains, client addresses and texts, HELO names, rate-limit
 * identities): SipHash-1-3 under a secret key drawn once per process, so that which keys collide cannot be
 * worked out from outside.
 *
 * <p>{@code String.hashCode()} (and {@code Inet6Address.hashCode()}, the sum of its four 32-bit words) collide
 * for inputs anyone can compute: {@code "c0"} and {@code "an"} hash alike, so do all 2^n strings made of n such
 * blocks, and a {@code ConcurrentHashMap} (under Caffeine) keeps keys that are not {@code Comparable} in a
 * linear list per bin: a client sending such names makes each lookup walk all of them. A keyed PRF makes
 * collisions as rare as for random keys, whatever the input; seeded non-cryptographic hashes are not enough
 * (MurmurHash and CityHash have collisions that hold for every seed). Keys that use these hashes should also be
 * {@code Comparable}, so that the map's bins stay logarithmic should collisions happen anyway.
 *
 * <p>Nothing here allocates: a decision made from the caches hashes its per-thread probe keys with it.
 */
public final class SeededHash {

    // The per-process secret key. SecureRandom reads the OS's generator (non-blocking /dev/urandom on Linux).
    private static final long K0;
    private static final long K1;

    static {
        SecureRandom random = new SecureRandom();
        K0 = random.nextLong();
        K1 = random.nextLong();
    }

    private SeededHash() {
    }

    /** The 64-bit hash of the characters of {@code s} (as UTF-16LE bytes), under this process's key. */
    public static long of(String s) {
        return sip13(K0, K1, s);
    }

    /**
     * The 64-bit hash of {@code s.substring(from, to)} with its letters in lower case (ASCII at once, others by
     * {@link Character#toLowerCase(char)}), under this process's key: the same for every spelling of a name that
     * differs only in case. Allocates nothing.
     */
    public static long ofFolded(String s, int from, int to) {
        long v0 = K0 ^ 0x736f6d6570736575L;
        long v1 = K1 ^ 0x646f72616e646f6dL;
        long v2 = K0 ^ 0x6c7967656e657261L;
        long v3 = K1 ^ 0x7465646279746573L;
        int n = to - from;
        int full = from + (n & ~3);
        for (int i = from; i < full; i += 4) {
            long m = fold(s.charAt(i)) | (long) fold(s.charAt(i + 1)) << 16 | (long) fold(s.charAt(i + 2)) << 32
                    | (long) fold(s.charAt(i + 3)) << 48;
            v3 ^= m;
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            v0 ^= m;
        }
        long last = (long) (2 * n) << 56;
        for (int i = full, shift = 0; i < to; i++, shift += 16) {
            last |= (long) fold(s.charAt(i)) << shift;
        }
        return finish(v0, v1, v2, v3, last);
    }

    private static char fold(char c) {
        if (c < 0x80) {
            return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
        }
        return Character.toLowerCase(c);
    }

    /**
     * A fast keyed 64-bit hash of {@code s.substring(from, to)} with its letters in lower case, as
     * {@link #ofFolded}, for the rate-limit table's cells: ASCII text is read eight characters a word and mixed by
     * multiplication under this process's key; other text goes to {@link #ofFolded} (under another key, so the two
     * never meet). Not a PRF: two texts that share a cell only make the table stricter for both (its size is fixed),
     * so it needs to spread well and resist guessing without the key, not more. Allocates nothing.
     */
    public static long fastFolded(String s, int from, int to) {
        long h = K0 ^ (to - from) * 0x9E3779B97F4A7C15L;
        long w = 0;
        int shift = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return ofFolded(s, from, to) ^ K1;
            }
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            w |= (long) c << shift;
            shift += 8;
            if (shift == 64) {
                h = Long.rotateLeft((h ^ w) * 0x9E3779B97F4A7C15L, 29);
                w = 0;
                shift = 0;
            }
        }
        return mix(Long.rotateLeft((h ^ w) * 0x9E3779B97F4A7C15L, 29) ^ K1);
    }

    /** A keyed bijective mix of one 64-bit value (IPv4 addresses, IPv6 /64 prefixes): no two values meet. */
    public static long fastOf(long kind, long value) {
        return mix(mix(value ^ K1 ^ kind * 0xC2B2AE3D27D4EB4FL) ^ K0);
    }

    /** Murmur3's 64-bit finaliser: a bijection that spreads every input bit over the output. */
    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    /** The 64-bit hash of two longs (16 bytes, little-endian), under this process's key. */
    public static long of(long a, long b) {
        return sip13(K0, K1, a, b);
    }

    /**
     * The 64-bit hash of an address's bytes (4 or 16), under this process's key; IPv4 and IPv6 addresses with
     * the same value hash differently. Allocates nothing for IPv4; for IPv6 it reads {@code getAddress()}, a
     * 32-byte copy that the JIT of JDK 17 does not remove: on an allocation-free path hash an
     * {@code Inet6Address} some other way (see {@code OutcomeMemo.RequestKey}).
     */
    public static long of(InetAddress address) {
        if (address instanceof Inet4Address) {
            return sip13(K0, K1, 4, IpText.value((Inet4Address) address));
        }
        byte[] b = address.getAddress();
        return sip13(K0, K1 ^ 6, IpText.high(b), IpText.low(b)); // another key: an IPv6 address never shares an IPv4 address's hash
    }

    /** A 64-bit hash folded to an {@code int} hash code. */
    public static int fold(long h) {
        return (int) (h ^ (h >>> 32));
    }

    /** SipHash-1-3 of the UTF-16LE bytes of {@code s} under the key ({@code k0}, {@code k1}). */
    static long sip13(long k0, long k1, String s) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int n = s.length();
        int full = n & ~3; // four chars, eight bytes, per block
        for (int i = 0; i < full; i += 4) {
            long m = s.charAt(i) | (long) s.charAt(i + 1) << 16 | (long) s.charAt(i + 2) << 32
                    | (long) s.charAt(i + 3) << 48;
            v3 ^= m;
            // one SipRound (c = 1)
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            v0 ^= m;
        }
        long last = (long) (2 * n) << 56; // the message length in bytes, mod 256
        for (int i = full, shift = 0; i < n; i++, shift += 16) {
            last |= (long) s.charAt(i) << shift;
        }
        return finish(v0, v1, v2, v3, last);
    }

    /** SipHash-1-3 of the 16 bytes of {@code a} then {@code b}, each little-endian, under the key. */
    static long sip13(long k0, long k1, long a, long b) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        for (int w = 0; w < 2; w++) {
            long m = w == 0 ? a : b;
            v3 ^= m;
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            v0 ^= m;
        }
        return finish(v0, v1, v2, v3, 16L << 56);
    }

    /** The last block (c = 1 round), then the finalisation (d = 3 rounds). */
    private static long finish(long v0, long v1, long v2, long v3, long last) {
        v3 ^= last;
        v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
        v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        v0 ^= last;
        v2 ^= 0xff;
        for (int r = 0; r < 3; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}

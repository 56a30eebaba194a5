package io.github.relaypolicy.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The keyed hash for client-chosen keys: SipHash-1-3 done right, and colliding strings spread. */
final class SeededHashTest {

    private static final long K0 = 0x0706050403020100L; // the key 00 01 .. 0f of the SipHash paper
    private static final long K1 = 0x0f0e0d0c0b0a0908L;

    /** 2^14 strings of 14 blocks, each "c0" or "an": their String.hashCode() is one value. */
    static List<String> collidingLabels(int bits) {
        List<String> out = new ArrayList<>(1 << bits);
        for (int i = 0; i < 1 << bits; i++) {
            StringBuilder sb = new StringBuilder(2 * bits);
            for (int b = bits - 1; b >= 0; b--) {
                sb.append((i >>> b & 1) == 0 ? "c0" : "an");
            }
            out.add(sb.toString());
        }
        return out;
    }

    /**
     * The most keys that fall into one bin of a {@code ConcurrentHashMap} holding them all (table of 2^15 bins,
     * its size for 2^14 entries; its own spreading of the hash code).
     */
    public static int maxBinLoad(int[] hashCodes) {
        int[] bins = new int[1 << 15];
        int max = 0;
        for (int h : hashCodes) {
            int bin = (h ^ (h >>> 16)) & 0x7fffffff & (bins.length - 1);
            max = Math.max(max, ++bins[bin]);
        }
        return max;
    }

    @Test
    void reference_siphash_2_4_matches_the_papers_test_vectors() {
        // SipHash paper, appendix A (and the reference implementation's vectors.h): key 00..0f.
        assertThat(reference(2, 4, K0, K1, new byte[0])).isEqualTo(0x726fdb47dd0e0e31L);
        byte[] fifteen = new byte[15];
        for (int i = 0; i < fifteen.length; i++) {
            fifteen[i] = (byte) i;
        }
        assertThat(reference(2, 4, K0, K1, fifteen)).isEqualTo(0xa129ca6149be45e5L);
    }

    @Test
    void sip13_of_a_string_is_siphash_1_3_of_its_utf16le_bytes() {
        Random random = new Random(42);
        for (int n = 0; n < 40; n++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                sb.append((char) (i % 3 == 0 ? random.nextInt(0x10000) : 'a' + random.nextInt(26)));
            }
            String s = sb.toString();
            assertThat(SeededHash.sip13(K0, K1, s)).as("length %d", n)
                    .isEqualTo(reference(1, 3, K0, K1, utf16le(s)));
        }
    }

    @Test
    void sip13_of_two_longs_is_siphash_1_3_of_their_little_endian_bytes() {
        long a = 0x0123456789abcdefL;
        long b = 0xfedcba9876543210L;
        byte[] bytes = new byte[16];
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (a >>> (8 * i));
            bytes[8 + i] = (byte) (b >>> (8 * i));
        }
        assertThat(SeededHash.sip13(K0, K1, a, b)).isEqualTo(reference(1, 3, K0, K1, bytes));
    }

    @Test
    void strings_whose_string_hash_codes_collide_spread_over_the_bins() {
        List<String> colliding = collidingLabels(14);
        assertThat(colliding.stream().mapToInt(String::hashCode).distinct().count()).isEqualTo(1); // the attack

        int[] seeded = colliding.stream().mapToInt(s -> SeededHash.fold(SeededHash.of(s))).toArray();

        // 2^14 random 32-bit values: about 0.03 pairs collide; over 2^15 bins the fullest holds about 7
        assertThat(java.util.Arrays.stream(seeded).distinct().count()).isGreaterThan(colliding.size() - 8);
        assertThat(maxBinLoad(seeded)).isLessThanOrEqualTo(16);
    }

    @Test
    void the_key_decides_which_strings_collide() {
        List<String> colliding = collidingLabels(10);
        Set<Long> one = new HashSet<>();
        Set<Long> other = new HashSet<>();
        for (String s : colliding) {
            one.add(SeededHash.sip13(K0, K1, s));
            other.add(SeededHash.sip13(K0 + 1, K1, s));
        }
        assertThat(one).hasSize(colliding.size()).doesNotContainAnyElementsOf(other);
    }

    @Test
    void addresses_hash_by_their_bytes_and_family() throws Exception {
        java.net.InetAddress v4 = java.net.InetAddress.getByName("192.0.2.1");
        java.net.InetAddress mappedBytes = java.net.Inet6Address.getByAddress(null,
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 192, 0, 2, 1}, -1); // ::c000:201
        assertThat(SeededHash.of(v4)).isEqualTo(SeededHash.of(java.net.InetAddress.getByName("192.0.2.1")))
                .isNotEqualTo(SeededHash.of(mappedBytes));
        assertThat(SeededHash.of(java.net.InetAddress.getByName("2001:db8::1")))
                .isEqualTo(SeededHash.of(java.net.InetAddress.getByName("2001:DB8:0::1")))
                .isNotEqualTo(SeededHash.of(java.net.InetAddress.getByName("2001:db8::2")));
    }

    /** The UTF-16 code units of s, little-endian; lone surrogates kept (String.getBytes would replace them). */
    private static byte[] utf16le(String s) {
        byte[] b = new byte[2 * s.length()];
        for (int i = 0; i < s.length(); i++) {
            b[2 * i] = (byte) s.charAt(i);
            b[2 * i + 1] = (byte) (s.charAt(i) >>> 8);
        }
        return b;
    }

    /** SipHash-c-d of bytes, written from the paper, one byte at a time: the reference for the fast code. */
    private static long reference(int c, int d, long k0, long k1, byte[] m) {
        long[] v = {k0 ^ 0x736f6d6570736575L, k1 ^ 0x646f72616e646f6dL, k0 ^ 0x6c7967656e657261L,
            k1 ^ 0x7465646279746573L};
        int blocks = m.length / 8;
        for (int i = 0; i <= blocks; i++) {
            long w = 0;
            if (i < blocks) {
                for (int j = 0; j < 8; j++) {
                    w |= (m[8 * i + j] & 0xffL) << (8 * j);
                }
            } else {
                for (int j = 0; j < m.length % 8; j++) {
                    w |= (m[8 * i + j] & 0xffL) << (8 * j);
                }
                w |= (m.length & 0xffL) << 56;
            }
            v[3] ^= w;
            for (int r = 0; r < c; r++) {
                round(v);
            }
            v[0] ^= w;
        }
        v[2] ^= 0xff;
        for (int r = 0; r < d; r++) {
            round(v);
        }
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void round(long[] v) {
        v[0] += v[1];
        v[1] = Long.rotateLeft(v[1], 13);
        v[1] ^= v[0];
        v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3];
        v[3] = Long.rotateLeft(v[3], 16);
        v[3] ^= v[2];
        v[0] += v[3];
        v[3] = Long.rotateLeft(v[3], 21);
        v[3] ^= v[0];
        v[2] += v[1];
        v[1] = Long.rotateLeft(v[1], 17);
        v[1] ^= v[2];
        v[2] = Long.rotateLeft(v[2], 32);
    }
}

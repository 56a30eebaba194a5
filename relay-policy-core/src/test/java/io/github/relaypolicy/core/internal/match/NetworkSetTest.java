package io.github.relaypolicy.core.internal.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

final class NetworkSetTest {

    @ParameterizedTest
    @CsvSource({
        "10.0.0.1/8, 'trusted network ''10.0.0.1/8'': host bits set, did you mean 10.0.0.0/8?'",
        "2001:db8::1/32, 'trusted network ''2001:db8::1/32'': host bits set, did you mean 2001:db8::/32?'",
        "10.0.0.0/33, 'trusted network ''10.0.0.0/33'': IPv4 prefix length 33 is greater than 32'",
        "::/129, 'trusted network ''::/129'': IPv6 prefix length 129 is greater than 128'",
        "10.0.0.0/x, 'trusted network ''10.0.0.0/x'': prefix length ''x'' is not a number'",
        "10.0.0.0/, 'trusted network ''10.0.0.0/'': prefix length '''' is not a number'",
        "example.org, 'trusted network ''example.org'': ''example.org'' is not an IPv4 or IPv6 address'",
        "010.0.0.0/8, 'trusted network ''010.0.0.0/8'': ''010.0.0.0'' is not an IPv4 or IPv6 address'",
        "fe80::1%eth0, 'trusted network ''fe80::1%eth0'': ''fe80::1%eth0'' is not an IPv4 or IPv6 address'",
    })
    void bad_entries_are_refused_with_a_message_naming_them(String entry, String message) {
        assertThatThrownBy(() -> new NetworkSet.Builder("trusted network").add(entry, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void the_same_network_included_and_excluded_is_a_conflict() {
        NetworkSet.Builder b = new NetworkSet.Builder("trusted network").add("192.0.2.0/24", 1);
        assertThatThrownBy(() -> b.add("192.0.2.0/24", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trusted network '192.0.2.0/24' conflicts with '192.0.2.0/24' for the same network"
                        + " 192.0.2.0/24");
    }

    @Test
    void most_specific_network_wins() {
        NetworkSet set = new NetworkSet.Builder("n")
                .add("10.0.0.0/8", 1).add("10.1.0.0/16", 0).add("10.1.2.0/24", 1).add("10.1.2.3", 0)
                .add("0.0.0.0/0", 1).add("2001:db8::/32", 1).add("2001:db8:1::/48", 0)
                .build();
        assertThat(value(set, "10.9.9.9")).isEqualTo(1);
        assertThat(value(set, "10.1.9.9")).isEqualTo(0);
        assertThat(value(set, "10.1.2.9")).isEqualTo(1);
        assertThat(value(set, "10.1.2.3")).isEqualTo(0);
        assertThat(value(set, "11.0.0.1")).isEqualTo(1);
        assertThat(set.network(NetworkSet.index(set.lookup("11.0.0.1", 0, 8))).text()).isEqualTo("0.0.0.0/0");
        assertThat(value(set, "2001:db8:2::1")).isEqualTo(1);
        assertThat(value(set, "2001:db8:1::1")).isEqualTo(0);
        assertThat(set.lookup("2001:db9::1", 0, 11)).isEqualTo(NetworkSet.NO_MATCH);
    }

    @Test
    void an_ipv6_client_never_matches_an_ipv4_network_and_mapped_clients_are_ipv4() throws Exception {
        NetworkSet v4only = new NetworkSet.Builder("n").add("192.0.2.0/24", 1).add("0.0.0.0/0", 0).build();
        assertThat(value(v4only, "::c000:201")).isEqualTo(-1);          // IPv4-compatible, not mapped
        assertThat(value(v4only, "2001:db8::c000:201")).isEqualTo(-1);
        assertThat(value(v4only, "::ffff:192.0.2.1")).isEqualTo(1);
        assertThat(value(v4only, "::FFFF:c000:0201")).isEqualTo(1);
        assertThat(NetworkSet.index(v4only.lookup(InetAddress.getByName("::ffff:192.0.2.1")))).isEqualTo(0);
        NetworkSet v6only = new NetworkSet.Builder("n").add("::/0", 1).build();
        assertThat(value(v6only, "192.0.2.1")).isEqualTo(-1);
        assertThat(value(v6only, "::ffff:192.0.2.1")).isEqualTo(-1);
        assertThat(value(v6only, "::1")).isEqualTo(1);
    }

    @Test
    void an_ipv4_mapped_network_is_the_ipv4_network_it_carries() {
        NetworkSet set = new NetworkSet.Builder("n").add("::ffff:192.0.2.0/120", 1).build();
        assertThat(value(set, "192.0.2.77")).isEqualTo(1);
        assertThat(set.network(0).cidr()).isEqualTo("192.0.2.0/24");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4",
        "1..2.3", "::ffff:zz", "1:2:3:4:5:6:7:8:9", ":::", "1::2::3", "12345::", "fe80::1%", "[::1]", "::1/128",
        "1.2.3.4%eth0", "::ffff:1.2.3", "1:2:3:4:5:6:7::8x", ":1::", "1::2:", "2001:db8::1%eth0", "::%eth0",
        "::ffff:1.2.3.4%eth0", "fe80::1%eth0 ", "fe80::1%eth0\n", "fe80::1%%", "fe80::1%eth0%1",
        "fe80::1%0123456789abcdef", "fec0::1%1", "fe80::1%\u00e9", "0000:0000:0000:0000:0000:0000:0000:0000:"})
    void text_that_is_not_an_address_is_invalid(String text) {
        NetworkSet set = new NetworkSet.Builder("n").add("0.0.0.0/0", 1).add("::/0", 1).build();
        assertThat(set.lookup(text, 0, text.length())).isEqualTo(IpText.INVALID);
    }

    @ParameterizedTest
    @CsvSource({"::, ::", "::1, ::1", "1::, 1::", "2001:DB8:0:0:0:0:0:1, 2001:db8::1",
        "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1", "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
        "::ffff:1.2.3.4, ::ffff:102:304", "1:2:3:4:5:6:1.2.3.4, 1:2:3:4:5:6:102:304", "fe80::1%eth0, fe80::1",
        "febf::1%0123456789abcde, febf::1", "fe80::1.2.3.4%br-0.1_a, fe80::102:304", "fe80::%1, fe80::"})
    void ipv6_text_parses_to_the_same_address_as_the_jdk(String text, String canonical) {
        long[] got = new long[2];
        assertThat(IpText.parse6(text, 0, text.length(), (hi, lo) -> {
            got[0] = hi;
            got[1] = lo;
            return 0;
        })).isZero();
        assertThat(IpText.format6(got[0], got[1])).isEqualTo(canonical);
    }

    /** The trie against a plain scan of every network, on random data. */
    @Test
    void lookups_agree_with_a_linear_scan_on_random_networks() {
        SplittableRandom random = new SplittableRandom(42);
        NetworkSet.Builder b = new NetworkSet.Builder("n");
        List<long[]> nets = new ArrayList<>(); // hi, lo, length, ipv6, value
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int k = 0; k < 3000; k++) {
            boolean v6 = random.nextInt(3) == 0;
            int len = v6 ? random.nextInt(129) : random.nextInt(33);
            long hi = random.nextLong();
            long lo = random.nextLong();
            if (!v6) {
                hi &= 0xffffffff00000000L;
                lo = 0;
                hi &= len == 0 ? 0 : -1L << (64 - len);
            } else {
                hi &= len >= 64 ? -1L : len == 0 ? 0 : -1L << (64 - len);
                lo &= len <= 64 ? 0 : len == 128 ? -1L : -1L << (128 - len);
                if (hi == 0 && (lo >>> 32) == 0xffffL) {
                    continue;
                }
            }
            String text = (v6 ? IpText.format6(hi, lo) : IpText.format4(hi >>> 32)) + "/" + len;
            if (!seen.add(text)) {
                continue;
            }
            int value = random.nextInt(2);
            b.add(text, value);
            nets.add(new long[] {hi, lo, len, v6 ? 1 : 0, value});
        }
        NetworkSet set = b.build();
        for (int k = 0; k < 20000; k++) {
            boolean v6 = random.nextBoolean();
            long[] base = nets.get(random.nextInt(nets.size()));
            long hi = random.nextLong();
            long lo = random.nextLong();
            if (random.nextBoolean() && (base[3] == 1) == v6) {
                // near a listed network, to hit deep prefixes
                hi = base[0] ^ (random.nextLong() >>> (base[2] + random.nextInt(8) + 1 > 63 ? 63 : base[2] + 1));
                lo = v6 ? base[1] ^ (random.nextInt(4) == 0 ? random.nextLong() : 0) : 0;
            }
            if (!v6) {
                hi &= 0xffffffff00000000L;
                lo = 0;
            } else if (hi == 0 && (lo >>> 32) == 0xffffL) {
                continue;
            }
            String text = v6 ? IpText.format6(hi, lo) : IpText.format4(hi >>> 32);
            int expected = -1;
            int bestLen = -1;
            for (long[] n : nets) {
                if ((n[3] == 1) != v6 || n[2] <= bestLen) {
                    continue;
                }
                int len = (int) n[2];
                long hm = len >= 64 ? -1L : len == 0 ? 0 : -1L << (64 - len);
                long lm = len <= 64 ? 0 : len == 128 ? -1L : -1L << (128 - len);
                if ((hi & hm) == n[0] && (lo & lm) == n[1]) {
                    bestLen = len;
                    expected = (int) n[4];
                }
            }
            assertThat(value(set, text)).as(text).isEqualTo(expected);
        }
    }

    private static int value(NetworkSet set, String address) {
        int i = set.lookup(address, 0, address.length());
        try {
            // the InetAddress path (IPv4 read from the hash code, without a copy) finds the same network
            assertThat(set.lookup(InetAddress.getByName(address))).as("%s as InetAddress", address).isEqualTo(i);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
        if (i < 0) {
            return i;
        }
        assertThat(set.network(NetworkSet.index(i)).value()).isEqualTo(NetworkSet.value(i));
        return NetworkSet.value(i);
    }

    @Test
    void an_inet_address_is_given_as_128_bits_with_ipv4_in_its_mapped_form() throws Exception {
        long[] seen = new long[2];
        IpText.Sink6 sink = (hi, lo) -> {
            seen[0] = hi;
            seen[1] = lo;
            return 7;
        };

        assertThat(IpText.address(InetAddress.getByName("192.0.2.1"), sink)).isEqualTo(7);
        assertThat(seen).containsExactly(0L, 0xffff_c000_0201L);
        assertThat(IpText.isMapped(seen[0], seen[1])).isTrue();

        IpText.address(InetAddress.getByName("2001:db8::1"), sink);
        assertThat(seen).containsExactly(0x2001_0db8_0000_0000L, 1L);
        assertThat(IpText.isMapped(seen[0], seen[1])).isFalse();
    }
}

package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hash flooding (issue 9, defect 7): keys an SMTP client chooses, here MAIL FROM domains whose
 * {@code String.hashCode()} collide and IPv6 addresses of one /64, must spread over the bins of the caches'
 * {@code ConcurrentHashMap}s (the DNS answer and TXT caches, keyed by {@link QueryKey}, and the outcome memo,
 * keyed by {@link OutcomeMemo.RequestKey}), and the keys must be {@code Comparable} so that a bin that fills anyway
 * stays a tree. No timing: the test counts how many keys share a bin.
 */
final class HashFloodTest {

    private static final int KEYS = 1 << 14;
    private static final int MOST_PER_BIN = 16; // 2^14 random hashes over 2^15 bins: about 7 in the fullest

    /** 2^14 domains made of 14 "c0"/"an" blocks: one String.hashCode(), as for the MAIL FROM paths around them. */
    private static List<String> collidingDomains() {
        List<String> out = new ArrayList<>(KEYS);
        for (int i = 0; i < KEYS; i++) {
            StringBuilder sb = new StringBuilder(40);
            for (int b = 13; b >= 0; b--) {
                sb.append((i >>> b & 1) == 0 ? "c0" : "an");
            }
            out.add(sb.append(".example").toString());
        }
        assertThat(out.stream().mapToInt(String::hashCode).distinct().count()).isEqualTo(1);
        assertThat(out.stream().map(d -> "<a@" + d + ">").mapToInt(String::hashCode).distinct().count())
                .isEqualTo(1);
        return out;
    }

    /** The most keys in one bin of a ConcurrentHashMap of 2^15 bins (its size for 2^14 keys) holding them. */
    private static int maxBinLoad(List<?> keys) {
        int[] bins = new int[1 << 15];
        int max = 0;
        for (Object k : keys) {
            int h = k.hashCode();
            int bin = (h ^ (h >>> 16)) & 0x7fffffff & (bins.length - 1);
            max = Math.max(max, ++bins[bin]);
        }
        return max;
    }

    @Test
    void answer_cache_keys_of_colliding_sender_domains_spread_over_the_bins() {
        List<QueryKey> keys = new ArrayList<>();
        for (String d : collidingDomains()) {
            keys.add(QueryKey.domain("dbl.example.invalid", d));
        }

        assertThat(maxBinLoad(keys)).isLessThanOrEqualTo(MOST_PER_BIN);
    }

    @Test
    void answer_cache_keys_of_crafted_ipv6_clients_in_one_64_spread_over_the_bins() {
        // Addresses of 2001:db8::/64 whose interface identifiers were chosen against the former hash,
        // (int) (m ^ m >>> 32) with m = lo * 0x9E3779B97F4A7C15 ^ hi * 0xC2B2AE3D27D4EB4F: every m whose halves
        // differ by the same bits folds to one value, and lo = (m ^ hi * ...) * inverse(0x9E3779B97F4A7C15).
        long hi = 0x20010db800000000L;
        long inverse = BigInteger.valueOf(0x9E3779B97F4A7C15L).modInverse(BigInteger.ONE.shiftLeft(64)).longValue();
        List<QueryKey> keys = new ArrayList<>();
        for (long x = 1; x <= KEYS; x++) {
            long m = (x << 32) | (x ^ 0x5a5a5a5aL);
            long lo = (m ^ (hi * 0xC2B2AE3D27D4EB4FL)) * inverse;
            keys.add(QueryKey.ip6("bl.example.invalid", hi, lo));
        }

        assertThat(maxBinLoad(keys)).isLessThanOrEqualTo(MOST_PER_BIN);
    }

    @Test
    void memo_keys_of_one_client_and_colliding_senders_spread_over_the_bins() throws Exception {
        InetAddress address = InetAddress.getByName("192.0.2.7");
        List<OutcomeMemo.RequestKey> byText = new ArrayList<>();
        List<OutcomeMemo.RequestKey> byAddress = new ArrayList<>();
        for (String d : collidingDomains()) {
            byText.add(key("192.0.2.7", "<a@" + d + ">"));
            byAddress.add(key(address, "<a@" + d + ">"));
        }

        assertThat(maxBinLoad(byText)).isLessThanOrEqualTo(MOST_PER_BIN);
        assertThat(maxBinLoad(byAddress)).isLessThanOrEqualTo(MOST_PER_BIN);
    }

    @Test
    void memo_keys_of_ipv6_text_clients_of_one_64_spread_over_the_bins() {
        List<OutcomeMemo.RequestKey> keys = new ArrayList<>();
        for (int x = 0; x < KEYS; x++) {
            keys.add(key(ipv6Client(x), null));
        }

        assertThat(maxBinLoad(keys)).isLessThanOrEqualTo(MOST_PER_BIN);
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void memo_keys_of_ipv6_addresses_whose_hash_codes_collide_are_strictly_ordered() throws Exception {
        List<OutcomeMemo.RequestKey> keys = new ArrayList<>();
        List<Integer> plainHashes = new ArrayList<>();
        for (int x = 0; x < KEYS; x++) {
            InetAddress a = InetAddress.getByName(ipv6Client(x));
            plainHashes.add(a.hashCode());
            keys.add(key(a, null));
        }
        assertThat(plainHashes.stream().distinct().count()).isEqualTo(1); // the attack on the plain hash

        // Hashing an Inet6Address by content would copy its bytes on every memo hit, so these keys still share a
        // bin; a ConcurrentHashMap keeps a full bin of Comparable keys as a tree ordered by compareTo, so a
        // lookup makes about 14 comparisons instead of walking 16,384 keys. That needs a strict order.
        assertThat(keys.get(0)).isInstanceOf(Comparable.class);
        List<Comparable> sorted = new ArrayList<>((List) keys);
        java.util.Collections.sort(sorted);
        for (int i = 1; i < sorted.size(); i++) {
            assertThat(sorted.get(i - 1).compareTo(sorted.get(i))).isNegative();
        }
    }

    @Test
    void a_concurrent_hash_map_finds_every_colliding_ipv6_memo_key_through_its_tree_bin() throws Exception {
        java.util.concurrent.ConcurrentHashMap<OutcomeMemo.RequestKey, Integer> map =
                new java.util.concurrent.ConcurrentHashMap<>();
        for (int x = 0; x < KEYS; x++) {
            map.put(key(InetAddress.getByName(ipv6Client(x)), "<a@example.net>"), x);
        }

        assertThat(map).hasSize(KEYS);
        for (int x = 0; x < KEYS; x += 97) {
            assertThat(map.get(key(InetAddress.getByName(ipv6Client(x)), "<a@example.net>"))).isEqualTo(x);
            assertThat(map.get(key(InetAddress.getByName(ipv6Client(x)), "<b@example.net>"))).isNull();
            assertThat(map.get(key(ipv6Client(x), "<a@example.net>"))).isNull(); // the text is another key
        }
        assertThat(map.get(key(InetAddress.getByName("2001:db8::4000:0"), "<a@example.net>"))).isNull();
    }

    /** 2001:db8::x:(3fff - x): Inet6Address.hashCode() is the sum of the four 32-bit words, so all share it. */
    private static String ipv6Client(int x) {
        return String.format(java.util.Locale.ROOT, "2001:db8::%x:%x:%x:%x", x >>> 16, x & 0xffff,
                (0x3fff - x) >>> 16, (0x3fff - x) & 0xffff);
    }

    @Test
    void keys_are_comparable_consistently_with_equals_so_full_bins_stay_trees() throws Exception {
        QueryKey domain = QueryKey.domain("z.example", "c0an.example");
        QueryKey sameDomain = QueryKey.domain("z.example", "c0an.example");
        QueryKey otherDomain = QueryKey.domain("z.example", "anc0.example");
        QueryKey ip4 = QueryKey.ip4("z.example", 0xc0000201L);
        QueryKey ip6 = QueryKey.ip6("z.example", 0, 0xc0000201L);
        assertThat(domain).isEqualTo(sameDomain).isEqualByComparingTo(sameDomain).hasSameHashCodeAs(sameDomain);
        assertThat(Integer.signum(domain.compareTo(otherDomain)))
                .isEqualTo(-Integer.signum(otherDomain.compareTo(domain))).isNotZero();
        assertThat(ip4).isNotEqualTo(ip6);
        assertThat(ip4.compareTo(ip6)).isNotZero();

        OutcomeMemo.RequestKey text = key("2001:db8::1", "<a@c0an.example>");
        OutcomeMemo.RequestKey address = key(InetAddress.getByName("2001:db8::1"), "<a@c0an.example>");
        OutcomeMemo.RequestKey address2 = key(InetAddress.getByName("2001:db8:0::1"), "<a@c0an.example>");
        OutcomeMemo.RequestKey other = key(InetAddress.getByName("2001:db8::2"), "<a@c0an.example>");
        OutcomeMemo.RequestKey noSender = key(InetAddress.getByName("2001:db8::1"), null);
        assertThat(address).isEqualTo(address2).isEqualByComparingTo(address2).hasSameHashCodeAs(address2);
        assertThat(text).isNotEqualTo(address);
        assertThat(text.compareTo(address)).isNegative();
        assertThat(address.compareTo(other)).isNegative();
        assertThat(other.compareTo(address)).isPositive();
        assertThat(noSender.compareTo(address)).isNegative();
        assertThat(address.copy()).isEqualTo(address).isEqualByComparingTo(address).hasSameHashCodeAs(address);
        // the same client and sender for the lists asked only for authenticated clients: another key
        OutcomeMemo.RequestKey authenticated = key(OutcomeMemo.AUTHENTICATED, InetAddress.getByName("2001:db8::1"),
                "<a@c0an.example>");
        assertThat(authenticated).isNotEqualTo(address);
        assertThat(address.compareTo(authenticated)).isNegative();
        assertThat(authenticated.compareTo(address)).isPositive();
    }

    private static OutcomeMemo.RequestKey key(Object client, String sender) {
        return key(OutcomeMemo.UNAUTHENTICATED, client, sender);
    }

    private static OutcomeMemo.RequestKey key(int group, Object client, String sender) {
        OutcomeMemo.RequestKey k = new OutcomeMemo.RequestKey();
        k.set(group, client, sender);
        return k.copy();
    }
}

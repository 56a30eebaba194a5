package io.github.relaypolicy.core.internal.dns;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Policy;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.internal.SeededHash;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Outcomes made from cached DNS answers, kept (the memo) by the group of lists (those for all clients, or those
 * asked only for authenticated clients: one memo serves both, and an outcome of one group is never found for the
 * other), the request's client and, if there are domain lists, its MAIL FROM, for as long as the first of those
 * answers would still be cached: a later decision for the same client is one hash probe, whatever the number of
 * lists, and allocates nothing. The key is the client as the request holds it (its {@code InetAddress}, else its
 * text), so that a hit needs no parsing (the subject the lists are asked about is a function of it).
 */
final class OutcomeMemo {

    /** The group of the lists asked for clients that are neither trusted nor authenticated. */
    static final int UNAUTHENTICATED = 0;
    /** The group of the lists asked only for authenticated clients ({@code auth_dnsbl_sites}). */
    static final int AUTHENTICATED = 1;

    private final Policy<Object, ListOutcome> policy;
    private final Policy.VarExpiration<Object, ListOutcome> expiry;

    OutcomeMemo(Cache<Object, ListOutcome> memo) {
        this.policy = memo.policy();
        this.expiry = memo.policy().expireVariably().orElseThrow();
    }

    /**
     * This thread's probe set to {@code request}'s key: valid until the thread's next call, never stored.
     *
     * @param group the group of lists whose outcome is looked for: {@link #UNAUTHENTICATED} or
     *     {@link #AUTHENTICATED}
     * @param withSender whether the sender is part of the key (there are domain lists)
     * @param withHelo whether the HELO name is part of the key (there are HELO lists)
     * @param withName whether the verified client name is part of the key (there are client-name lists)
     */
    static RequestKey probe(int group, RelayRequest request, boolean withSender, boolean withHelo,
            boolean withName) {
        RequestKey probe = RequestKey.PROBES.get();
        probe.set(group, request.clientAddress() != null ? request.clientAddress() : request.client(),
                withSender ? request.sender() : null, withHelo ? request.helo() : null,
                withName ? request.clientName() : null);
        return probe;
    }

    /** The outcome kept under {@code key}, or null. */
    @Nullable ListOutcome get(RequestKey key) {
        // Quietly: lock-free, and no read is recorded for the memo's eviction policy (recording schedules
        // buffer drains on the DNS executor). A memo miss costs a recomposition from the answer caches,
        // whose reads are recorded, never a DNS query.
        return policy.getIfPresentQuietly(key);
    }

    /** Keeps {@code outcome} under a copy of {@code key} (perhaps a probe) for {@code nanos}. */
    void keep(RequestKey key, ListOutcome outcome, long nanos) {
        expiry.put(key.copy(), outcome, nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * The memo's key: the group of lists, the client (its {@code InetAddress}, else its text) and, with domain
     * lists, the MAIL FROM, as the request gave them. Keys in the memo are never changed; each thread probes the
     * memo with its own instance, changed before each probe and never stored. The client and the sender are
     * chosen by SMTP clients, so the hash is {@link SeededHash}'s and keys are {@link Comparable} (see
     * {@link QueryKey}).
     */
    static final class RequestKey implements Comparable<RequestKey> {
        static final ThreadLocal<RequestKey> PROBES = ThreadLocal.withInitial(RequestKey::new);

        private int group;
        private @Nullable Object client;
        private @Nullable String sender;
        private @Nullable String helo;
        private @Nullable String name;
        private int hash; // 0: not computed yet

        /** Sets this probe, without HELO or client name. */
        void set(int group, @Nullable Object client, @Nullable String sender) {
            set(group, client, sender, null, null);
        }

        /** Sets this probe. */
        void set(int group, @Nullable Object client, @Nullable String sender, @Nullable String helo,
                @Nullable String name) {
            this.group = group;
            this.client = client;
            this.sender = sender;
            this.helo = helo;
            this.name = name;
            this.hash = 0;
        }

        RequestKey copy() {
            RequestKey k = new RequestKey();
            k.group = group;
            k.client = client;
            k.sender = sender;
            k.helo = helo;
            k.name = name;
            k.hash = hash;
            return k;
        }

        @Override
        public boolean equals(@Nullable Object o) {
            return o instanceof RequestKey k && group == k.group && Objects.equals(client, k.client)
                    && Objects.equals(sender, k.sender) && Objects.equals(helo, k.helo) && Objects.equals(name, k.name);
        }

        @Override
        public int hashCode() {
            int h = hash;
            if (h == 0) {
                // An Inet6Address's bytes cannot be read without a copy (32 B per memo hit), so it is hashed by
                // its own hashCode(), the sum of its words, which clients of one /64 can make collide: for them
                // the keys being Comparable keeps the bin a tree. Text and IPv4 clients hash by content.
                long c = client instanceof java.net.Inet4Address a ? SeededHash.of(a)
                        : client instanceof java.net.InetAddress a ? SeededHash.of(6, a.hashCode())
                        : client instanceof String s ? SeededHash.of(s) : 0;
                long more = (helo == null ? 0 : SeededHash.of(helo)) * 31 + (name == null ? 0 : SeededHash.of(name));
                h = SeededHash.fold((c + group) * 0x9E3779B97F4A7C15L + (sender == null ? 0 : SeededHash.of(sender))
                        + more * 0xC2B2AE3D27D4EB4FL);
                h = h == 0 ? 1 : h;
                hash = h;
            }
            return h;
        }

        /** An order consistent with {@link #equals}: the group, the client (text, IPv4, IPv6), the sender. */
        @Override
        public int compareTo(RequestKey o) {
            int c = group != o.group ? Integer.compare(group, o.group) : compareClients(client, o.client);
            if (c == 0) {
                c = compareText(sender, o.sender);
            }
            if (c == 0) {
                c = compareText(helo, o.helo);
            }
            return c == 0 ? compareText(name, o.name) : c;
        }

        private static int compareText(@Nullable String a, @Nullable String b) {
            return a == b ? 0 : a == null ? -1 : b == null ? 1 : a.compareTo(b);
        }

        private static int compareClients(@Nullable Object a, @Nullable Object b) {
            int c = Integer.compare(rank(a), rank(b));
            if (c != 0 || a == b) {
                return c;
            }
            if (a instanceof String s) {
                return s.compareTo((String) b);
            }
            // Only on equal hashes in one bin, so the copies of the addresses' bytes do not touch the hot path.
            return java.util.Arrays.compareUnsigned(((java.net.InetAddress) a).getAddress(),
                    ((java.net.InetAddress) b).getAddress());
        }

        private static int rank(@Nullable Object client) {
            return client == null ? 0 : client instanceof String ? 1 : client instanceof java.net.Inet4Address ? 2
                    : 3;
        }
    }
}

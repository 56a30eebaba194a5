package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.internal.dns.ListAnswer.Status;
import io.github.relaypolicy.testsupport.RbldnsdServer;
import io.github.relaypolicy.testsupport.RequiresRbldnsd;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lookups against the real rbldnsd on loopback. */
@RequiresRbldnsd
final class ListLookupsTest {

    @TempDir
    static Path dir;
    private static RbldnsdServer rbldnsd;
    private static ExecutorService executor;

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(dir.resolve("bl.txt"), String.join("\n",
                "$TTL 300",
                ":127.0.0.2:Listed: see https://bl.test/lookup?ip=$",
                "192.0.2.0/24",
                "!192.0.2.66",
                "198.51.100.7 :127.0.0.4:Open proxy $",
                "203.0.113.1 :127.255.255.254:Query refused",
                "127.0.0.2",
                ""));
        Files.writeString(dir.resolve("dbl.txt"), String.join("\n", ":127.0.1.2:Spam domain $", "spam.example",
                "*.spam.example", ""));
        rbldnsd = RbldnsdServer.in(dir).start("bl.test:ip4set:bl.txt", "dbl.test:dnset:dbl.txt");
        executor = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    static void stop() throws Exception {
        rbldnsd.close();
        executor.shutdownNow();
    }

    private static ListLookups lookups(InetSocketAddress server, Duration timeout) {
        return new ListLookups(List.of(server), timeout, Duration.ofSeconds(5), Duration.ofHours(1), 10_000,
                executor);
    }

    private static long ip(String dotted) {
        String[] p = dotted.split("\\.");
        return (Long.parseLong(p[0]) << 24) | (Long.parseLong(p[1]) << 16) | (Long.parseLong(p[2]) << 8)
                | Long.parseLong(p[3]);
    }

    private static QueryKey ip4(String dotted, String zone) {
        return QueryKey.ip4(zone, ip(dotted));
    }

    private static QueryKey domain(String domain, String zone) {
        return QueryKey.domain(zone, domain);
    }

    @Test
    void listed_not_listed_error_codes_and_txt_come_through_as_rbldnsd_answers_them() {
        ListLookups l = lookups(rbldnsd.address(), Duration.ofSeconds(2));
        AnswerFilter zen = AnswerFilter.parse("127.0.0.[2..11]");

        RawAnswer raw = l.lookup(ip4("192.0.2.10", "bl.test")).join();
        assertThat(raw.failure()).isEmpty();
        assertThat(raw.classify(zen)).hasToString("LISTED 127.0.0.2");
        assertThat(l.txt(ip4("192.0.2.10", "bl.test")).join())
                .isEqualTo("Listed: see https://bl.test/lookup?ip=192.0.2.10");

        assertThat(l.lookup(ip4("192.0.2.66", "bl.test")).join().classify(zen).status())
                .isEqualTo(Status.NOT_LISTED);
        assertThat(l.lookup(ip4("10.1.1.1", "bl.test")).join().classify(zen).status())
                .isEqualTo(Status.NOT_LISTED);
        assertThat(l.lookup(ip4("198.51.100.7", "bl.test")).join().classify(zen))
                .hasToString("LISTED 127.0.0.4");
        assertThat(l.lookup(ip4("198.51.100.7", "bl.test")).join()
                .classify(AnswerFilter.parse("127.0.0.2"))).hasToString("NOT_LISTED");
        assertThat(l.lookup(ip4("203.0.113.1", "bl.test")).join().classify(zen))
                .hasToString("ERROR_CODE 127.255.255.254");
        // the RFC 5782 test point
        assertThat(l.lookup(ip4("127.0.0.2", "bl.test")).join().classify(zen).status())
                .isEqualTo(Status.LISTED);
        assertThat(l.lookup(domain("a.spam.example", "dbl.test")).join()
                .classify(AnswerFilter.parse("127.0.1.[2..99]"))).hasToString("LISTED 127.0.1.2");
        assertThat(l.lookup(domain("ham.example", "dbl.test")).join().classify(AnswerFilter.any())
                .status()).isEqualTo(Status.NOT_LISTED);
    }

    @Test
    void answers_are_cached_and_concurrent_lookups_share_one_query() {
        ListLookups l = lookups(rbldnsd.address(), Duration.ofSeconds(2));
        QueryKey name = ip4("192.0.2.11", "bl.test");
        assertThat(l.cached(name)).isNull();
        CompletableFuture<RawAnswer> a = l.lookup(name);
        CompletableFuture<RawAnswer> b = l.lookup(name);
        assertThat(a).isSameAs(b);
        RawAnswer raw = a.join();
        assertThat(l.cached(name)).isSameAs(raw);
        assertThat(raw.ttlSeconds()).isEqualTo(300);
        QueryKey absent = ip4("10.9.9.9", "bl.test");
        l.lookup(absent).join();
        assertThat(l.cached(absent)).isNotNull();
        assertThat(l.cached(absent).failed()).isFalse();
    }

    @Test
    void a_zone_the_server_does_not_serve_is_unknown_never_listed() {
        ListLookups l = lookups(rbldnsd.address(), Duration.ofSeconds(2));
        RawAnswer raw = l.lookup(ip4("192.0.2.10", "other.test")).join();
        assertThat(raw.failed()).isTrue();
        assertThat(raw.failure()).isEqualTo("REFUSED");
        assertThat(raw.classify(AnswerFilter.any()).status()).isEqualTo(Status.UNKNOWN);
    }

    @Test
    void no_server_at_all_is_unknown_within_the_timeout() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // nothing will answer UDP there
        }
        ListLookups l = lookups(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                Duration.ofMillis(300));
        RawAnswer raw = l.lookup(ip4("192.0.2.10", "bl.test")).join();
        assertThat(raw.failed()).isTrue();
        assertThat(raw.classify(AnswerFilter.any()).status()).isEqualTo(Status.UNKNOWN);
    }

    @Test
    void an_answer_is_kept_no_longer_than_its_ttl_whichever_way_the_cache_asks() {
        // given an answer that may be kept until t = 6000 ns, and the cache's "forever" for a pending future
        long forever = Long.MAX_VALUE;
        ListLookups.AnswerExpiry<Long> expiry = new ListLookups.AnswerExpiry<>((expiresAt, now) -> expiresAt - now);
        Long answer = 6000L;

        // then created, completed (an update) or read at t = 1000, it has 5000 ns left, never "forever"
        assertThat(expiry.expireAfterCreate(null, answer, 1000)).isEqualTo(5000);
        assertThat(expiry.expireAfterUpdate(null, answer, 1000, forever)).isEqualTo(5000);
        assertThat(expiry.expireAfterRead(null, answer, 1000, forever)).isEqualTo(5000);
        // a read never extends what is left, and an answer past its time is gone at once
        assertThat(expiry.expireAfterRead(null, answer, 1000, 100)).isEqualTo(100);
        assertThat(expiry.expireAfterCreate(null, answer, 7000)).isZero();
        assertThat(expiry.expireAfterUpdate(null, answer, 7000, forever)).isZero();
    }
}

package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.DnsListHealth;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.testsupport.RbldnsdServer;
import io.github.relaypolicy.testsupport.RequiresRbldnsd;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 5782 section 5 test points, against rbldnsd on 127.0.0.1. */
@RequiresRbldnsd
final class DnsListHealthTest {

    @TempDir
    static Path dir;
    private static RbldnsdServer rbldnsd;

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(dir.resolve("good.txt"), "127.0.0.2\n192.0.2.0/24\n");
        Files.writeString(dir.resolve("dead.txt"), "192.0.2.0/24\n");
        Files.writeString(dir.resolve("world.txt"), "127.0.0.0/8\n"); // a lapsed list answering everything
        Files.writeString(dir.resolve("refusing.txt"), ":127.255.255.254:Query refused\n127.0.0.0/8\n");
        Files.writeString(dir.resolve("dbl.txt"), ":127.0.1.2:Test\ntest\nspam.example\n");
        rbldnsd = RbldnsdServer.in(dir).start("good.test:ip4set:good.txt", "dead.test:ip4set:dead.txt",
                "world.test:ip4set:world.txt", "refusing.test:ip4set:refusing.txt", "dbl.test:dnset:dbl.txt");
    }

    @AfterAll
    static void stop() throws Exception {
        rbldnsd.close();
    }

    @Test
    void each_list_is_reported_healthy_dead_listing_the_world_or_answering_error_codes() {
        RelayEngine engine = RelayEngine.builder().localDomains("example.org")
                .dnsServers(rbldnsd.hostAndPort()).dnsTimeout(Duration.ofSeconds(2))
                .dnsbl("good.test").dnsbl("dead.test").dnsbl("world.test").dnsbl("refusing.test")
                .rhsbl("dbl.test").build();
        List<DnsListHealth> report = engine.checkDnsLists().toCompletableFuture().join();
        assertThat(report).extracting(DnsListHealth::toString).containsExactly(
                "dnsbl good.test: ok (127.0.0.2: LISTED 127.0.0.2, 127.0.0.1: NOT_LISTED)",
                "dnsbl dead.test: dead (127.0.0.2: NOT_LISTED, 127.0.0.1: NOT_LISTED)",
                "dnsbl world.test: lists the world (127.0.0.2: LISTED 127.0.0.2, 127.0.0.1: LISTED 127.0.0.2)",
                "dnsbl refusing.test: answers error codes (refused, rate-limited, or asked through a public"
                        + " resolver) (127.0.0.2: ERROR_CODE 127.255.255.254, 127.0.0.1: ERROR_CODE 127.255.255.254)",
                "rhsbl dbl.test: ok (TEST: LISTED 127.0.1.2, INVALID: NOT_LISTED)");
        assertThat(report).extracting(DnsListHealth::healthy).containsExactly(true, false, false, false, true);
    }

    @Test
    void a_list_nobody_answers_for_is_unreachable_and_an_engine_without_lists_reports_nothing() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RelayEngine engine = RelayEngine.builder().localDomains("example.org").dnsServers("127.0.0.1:" + port)
                .dnsTimeout(Duration.ofMillis(300)).dnsbl("good.test").build();
        assertThat(engine.checkDnsLists().toCompletableFuture().join()).singleElement()
                .satisfies(h -> assertThat(h.problem()).isEqualTo("unreachable"));
        assertThat(RelayEngine.builder().build().checkDnsLists().toCompletableFuture().join()).isEmpty();
    }
}

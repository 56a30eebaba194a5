package io.github.relaypolicy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.testsupport.RbldnsdServer;
import io.github.relaypolicy.testsupport.RequiresRbldnsd;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decisions that wait for DNS, through the server: a real rbldnsd answers one list, a silent UDP socket never
 * answers another. A decision waiting for DNS never holds up the event loop: with one event-loop thread, another
 * connection is answered while it waits.
 */
@RequiresRbldnsd
final class PolicyServerDnsTest {

    @TempDir
    static Path zones;

    private static RbldnsdServer rbldnsd;

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(zones.resolve("bl.txt"), ":127.0.0.2:Listed: see https://bl.test/$\n192.0.2.99\n");
        rbldnsd = RbldnsdServer.in(zones).start("bl.test:ip4set:bl.txt");
    }

    @AfterAll
    static void stop() {
        if (rbldnsd != null) {
            rbldnsd.close();
        }
    }

    private static String rcpt(String client, String recipient) {
        return "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=" + client
                + "\nclient_name=unknown\nhelo_name=mx.example.net\nsender=a@example.net\nrecipient=" + recipient
                + "\ninstance=1\n\n";
    }

    private static Socket connect(PolicyServer server) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.addresses().get(0).getPort());
        s.setSoTimeout(15_000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
    }

    @Test
    void a_client_listed_by_a_real_dns_list_is_refused_with_the_lists_reply() throws Exception {
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").trustedNetworks("192.0.2.0/28")
                .dnsServers(rbldnsd.hostAndPort()).dnsTimeout(Duration.ofSeconds(5)).dnsbl("bl.test").build();
                PolicyServer server = PolicyServer.builder(engine).listen(new InetSocketAddress(
                        InetAddress.getLoopbackAddress(), 0)).log(new RecordingLogger()).start();
                Socket s = connect(server)) {
            send(s, rcpt("192.0.2.99", "bob@example.org") + rcpt("192.0.2.98", "bob@example.org"));
            assertThat(PolicyServerTest.answer(s)).isEqualTo("action=554 5.7.1 Service unavailable; client"
                    + " [192.0.2.99] blocked using bl.test; Listed: see https://bl.test/192.0.2.99\n\n");
            assertThat(PolicyServerTest.answer(s)).isEqualTo("action=DUNNO\n\n");
        }
    }

    @Test
    void a_decision_waiting_for_dns_holds_up_no_other_connection_and_a_silent_list_defers() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                RelayEngine engine = RelayEngine.builder().localDomains("example.org").trustedNetworks("192.0.2.0/28")
                        .dnsServers("127.0.0.1:" + silent.getLocalPort()).dnsTimeout(Duration.ofSeconds(3))
                        .dnsbl("bl.test").build();
                PolicyServer server = PolicyServer.builder(engine).threads(1).listen(new InetSocketAddress(
                        InetAddress.getLoopbackAddress(), 0)).log(new RecordingLogger()).start();
                Socket waiting = connect(server);
                Socket other = connect(server)) {
            send(waiting, rcpt("203.0.113.7", "bob@example.org"));
            send(other, rcpt("192.0.2.1", "x@victim.example") + rcpt("203.0.113.8", "x@victim.example"));
            assertThat(PolicyServerTest.answer(other)).as("mynetworks, no DNS").isEqualTo("action=DUNNO\n\n");
            assertThat(PolicyServerTest.answer(other)).isEqualTo(
                    "action=554 5.7.1 <x@victim.example>: Relay access denied\n\n");
            assertThat(waiting.getInputStream().available()).as("still waiting for DNS").isZero();
            assertThat(PolicyServerTest.answer(waiting)).startsWith("action=451 4.");
        }
    }
}

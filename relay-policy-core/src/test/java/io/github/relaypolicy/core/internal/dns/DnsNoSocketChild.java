package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.core.RelayEngine;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The process under test of {@link DnsOutageTest}'s socket check, in its own JVM because it narrows dnsjava's
 * source ports for the whole process: dnsjava may use one source port only, which this process holds first, so
 * the first query cannot get a socket; then the port is freed and the same decision is made again. It prints
 * {@code RESULT name=value} lines.
 */
final class DnsNoSocketChild {

    private DnsNoSocketChild() {
    }

    public static void main(String[] args) throws Exception {
        DatagramSocket occupier = new DatagramSocket(new InetSocketAddress(0)); // the wildcard, as dnsjava binds
        int port = occupier.getLocalPort();
        // Read by dnsjava's UDP client when it is first used, below: its only source port is the occupied one.
        System.setProperty("dnsjava.udp.ephemeral.start", String.valueOf(port));
        System.setProperty("dnsjava.udp.ephemeral.end", String.valueOf(port + 1));
        try (FakeDnsServer server = FakeDnsServer.start(name -> name.equals(DnsOutageChild.LISTED_QUERY)
                ? FakeDnsServer.listed("Listed by test") : FakeDnsServer.nxdomain());
                RelayEngine engine = RelayEngine.builder().localDomains("example.org").dnsServers(server.address())
                        .dnsTimeout(Duration.ofSeconds(2)).dnsbl("bl.test").build()) {
            RelayRequest request = RelayRequest.of(DnsOutageChild.LISTED_CLIENT, "<a@example.net>",
                    "<user@example.org>");
            Decision first = engine.decide(request);
            occupier.close();
            Decision second = engine.decide(request);
            result("first_reply", first.reply());
            result("first_trace", first.trace().stream().filter(s -> s.rule().equals("dnsbl:bl.test"))
                    .map(TraceStep::detail).findFirst().orElse(""));
            result("a_queries", server.queries(DnsOutageChild.LISTED_QUERY, org.xbill.DNS.Type.A));
            result("second_reply", second.reply());
        }
        System.out.flush();
        System.exit(0);
    }

    private static void result(String name, Object value) {
        System.out.println("RESULT " + name + "=" + String.valueOf(value).replace('\n', ' '));
    }
}

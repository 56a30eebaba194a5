package io.github.relaypolicy.server;

import io.github.relaypolicy.core.RelayEngine;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** The policy the Postfix and Exim tests ask, and its service on a free loopback port. */
final class MtaFixture {

    private MtaFixture() {
    }

    /**
     * A file of the repository, from the module's folder (where Maven runs the tests) or the repository's.
     *
     * @param path relative to the repository, e.g. {@code examples/exim/rcpt-acl.conf}
     */
    static Path repositoryFile(String path) {
        Path inModule = Path.of("..").resolve(path);
        return (Files.exists(inModule) ? inModule : Path.of(path)).toAbsolutePath().normalize();
    }

    /**
     * An engine for example.org with a local zone listing 198.51.100.7 (no rbldnsd: the zone is read in-process), a
     * sender table refusing bad@example.net, holding hold@example.net and discarding trap@example.net, and a limit of two recipients an hour per
     * SASL login.
     */
    static RelayEngine engine(Path dir) throws IOException {
        Files.writeString(dir.resolve("blocked.ip4set"), """
                :127.0.0.2:Listed in bl.test: see https://bl.test/lookup?ip=$
                198.51.100.7
                """);
        Files.writeString(dir.resolve("senders"), """
                bad@example.net    550 5.1.1 unknown sender
                hold@example.net   HOLD suspicious sender
                trap@example.net   DISCARD
                """);
        Path policy = dir.resolve("relay-policy.conf");
        Files.writeString(policy, """
                mydestination = example.org
                permit_authenticated = yes
                recipient_rate_limit = user:2/1h
                local_zone.bl.test = blocked.ip4set
                check_sender_access = senders
                """);
        return RelayEngine.fromFile(policy);
    }

    /**
     * The service on 127.0.0.1 on a free port, answering DUNNO for what the engine accepts, logging into
     * {@code log}: a request of the mail server's that broke the protocol would be a WARNING there.
     */
    static PolicyServer serve(RelayEngine engine, RecordingLogger log) throws IOException {
        return PolicyServer.builder(engine).listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .log(log).start();
    }

    /** The port {@link #serve} bound. */
    static int port(PolicyServer server) {
        return server.addresses().get(0).getPort();
    }
}

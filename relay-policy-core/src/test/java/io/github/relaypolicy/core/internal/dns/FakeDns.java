package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.core.internal.dns.FakeDnsServer.Behaviour;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link FakeDnsServer} on loopback for each test, answering from a map the test fills:
 * {@code @RegisterExtension final FakeDns dns = new FakeDns();} then {@code dns.zone().put(name, behaviour)} and
 * {@code dnsServers(dns.server().address())}.
 */
final class FakeDns implements BeforeEachCallback, AfterEachCallback {

    private final Map<String, Behaviour> zone = new ConcurrentHashMap<>();
    private FakeDnsServer server;

    /** What the server answers, by query name (absolute, lower case); a name not in it gets NXDOMAIN. */
    Map<String, Behaviour> zone() {
        return zone;
    }

    /** The running server. */
    FakeDnsServer server() {
        return server;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        server = FakeDnsServer.start(zone::get);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        server.close();
    }
}

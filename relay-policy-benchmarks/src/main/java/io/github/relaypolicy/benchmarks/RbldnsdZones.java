package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.testsupport.RbldnsdServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Two rbldnsd zones, {@code bl.test} in {@code bl.txt} and {@code two.test} in {@code two.txt}, written to a
 * temporary directory by a subclass and served by the Debian rbldnsd on 127.0.0.1 ({@link RbldnsdServer}, the
 * tests' launcher; answers without {@code $TTL} live an hour), with the clients a benchmark asks about.
 * {@link #close()} stops rbldnsd and deletes the directory.
 */
abstract class RbldnsdZones implements AutoCloseable {

    final Path dir;
    /** Clients listed in {@code bl.test}. */
    final List<String> listedClients = new ArrayList<>();
    /** Clients in neither zone. */
    final List<String> unlistedClients = new ArrayList<>();
    @Nullable RbldnsdServer server;

    RbldnsdZones(String prefix) throws IOException {
        this.dir = Files.createTempDirectory(prefix);
    }

    /** Writes {@code bl.txt} and {@code two.txt} into {@link #dir} and fills the client lists. */
    abstract void write() throws IOException;

    /** The zones rbldnsd serves, as its command line names them; a subclass may serve more. */
    String[] zoneSpecs() {
        return new String[] {"bl.test:ip4set:bl.txt", "two.test:ip4set:two.txt"};
    }

    /**
     * Writes the zones and starts rbldnsd on them; on failure cleans up and rethrows.
     *
     * @throws IllegalStateException if rbldnsd is missing or does not come up
     */
    static <Z extends RbldnsdZones> Z start(Z zones) throws IOException, InterruptedException {
        try {
            zones.write();
            zones.server = RbldnsdServer.in(zones.dir).ttl(Duration.ofHours(1)).checkInterval(Duration.ofMinutes(1))
                    .start(zones.zoneSpecs());
            return zones;
        } catch (IOException | InterruptedException | RuntimeException e) {
            zones.close();
            throw e;
        }
    }

    /** The running rbldnsd. */
    RbldnsdServer server() {
        if (server == null) {
            throw new IllegalStateException("rbldnsd is not running");
        }
        return server;
    }

    /** Stops rbldnsd and deletes the directory. */
    @Override
    public void close() {
        if (server != null) {
            server.close();
            server = null;
        }
        RbldnsdServer.deleteDirectory(dir);
    }
}

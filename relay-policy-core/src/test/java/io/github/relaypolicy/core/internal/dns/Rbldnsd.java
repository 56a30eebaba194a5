package io.github.relaypolicy.core.internal.dns;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The Debian rbldnsd, the server block-list operators run, serving test zones on 127.0.0.1 on a free port.
 * CI installs it ({@code apt-get install -y rbldnsd}); a missing rbldnsd fails the test, it never skips.
 */
public final class Rbldnsd implements AutoCloseable {

    private final Process process;
    private final int port;

    private Rbldnsd(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts rbldnsd on 127.0.0.1 and waits until it answers for the first zone; it logs to
     * {@code dir/rbldnsd.log}.
     *
     * @param dir where the data files are
     * @param zones zone specifications, e.g. {@code bl.test:ip4set:bl.txt}
     */
    public static Rbldnsd start(Path dir, String... zones) throws IOException, InterruptedException {
        Path binary = Path.of("/usr/sbin/rbldnsd");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("rbldnsd is not installed: apt-get install -y rbldnsd");
        }
        // rbldnsd started as root drops to its own user, which must be able to read the data files.
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-n", "-b", "127.0.0.1/" + port,
                "-w", dir.toString(), "-t", "60", "-c", "1s"));
        command.addAll(List.of(zones));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("rbldnsd.log").toFile()).start();
        Rbldnsd server = new Rbldnsd(p, port);
        server.awaitReady(zones[0].substring(0, zones[0].indexOf(':')), dir);
        return server;
    }

    private void awaitReady(String zone, Path dir) throws IOException, InterruptedException {
        SimpleResolver r = new SimpleResolver(address());
        r.setTimeout(Duration.ofMillis(200));
        for (int attempt = 0; attempt < 50; attempt++) {
            if (!process.isAlive()) {
                throw new IllegalStateException("rbldnsd exited: " + Files.readString(dir.resolve("rbldnsd.log")));
            }
            try {
                Message m = r.send(Message.newQuery(Record.newRecord(Name.fromString("2.0.0.127." + zone + "."),
                        Type.A, DClass.IN)));
                if (m != null && m.getRcode() != org.xbill.DNS.Rcode.SERVFAIL) {
                    return; // SERVFAIL: the zones are not loaded yet
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("rbldnsd did not answer on port " + port);
    }

    /** Whether the server is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The address it answers on: 127.0.0.1 and its port. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}

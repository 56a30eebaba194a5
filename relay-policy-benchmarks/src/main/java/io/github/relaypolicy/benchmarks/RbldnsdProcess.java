package io.github.relaypolicy.benchmarks;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The Debian rbldnsd (the server block-list operators run) serving zones on 127.0.0.1, on a free UDP port, for
 * the DNS list benchmarks: {@code /usr/sbin/rbldnsd -n -b 127.0.0.1/PORT -w DIR -t 3600 ZONE...}. It listens on
 * loopback only. {@code apt-get install -y rbldnsd} installs it; a missing rbldnsd fails the trial.
 */
final class RbldnsdProcess implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/sbin/rbldnsd");
    private static final InetAddress LOOPBACK;

    static {
        try {
            LOOPBACK = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new ExceptionInInitializerError(e); // never: four bytes are an address
        }
    }

    private final Process process;
    private final int port;
    private final Path log;

    private RbldnsdProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts rbldnsd on 127.0.0.1 and waits until every zone answers its RFC 5782 test point {@code 127.0.0.2},
     * which each zone's data must list.
     *
     * @param dir where the data files are; rbldnsd's output goes to {@code rbldnsd.log} there
     * @param zones zone specifications, e.g. {@code bl.test:ip4set:bl.txt}
     * @return the running server
     * @throws IllegalStateException if rbldnsd is not installed, exits, or does not answer within 10 seconds
     */
    static RbldnsdProcess start(Path dir, String... zones) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: the DNS list benchmarks need the real rbldnsd"
                    + " (apt-get install -y rbldnsd)");
        }
        // rbldnsd started as root drops to its own user, which must be able to read the directory and the files.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, LOOPBACK)) {
            port = probe.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "-n", "-b", "127.0.0.1/" + port,
                "-w", dir.toString(), "-t", "3600"));
        command.addAll(List.of(zones));
        Path log = dir.resolve("rbldnsd.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RbldnsdProcess server = new RbldnsdProcess(p, port, log);
        try {
            for (String zone : zones) {
                server.awaitReady(zone.substring(0, zone.indexOf(':')));
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void awaitReady(String zone) throws IOException, InterruptedException {
        SimpleResolver r = new SimpleResolver(address());
        r.setTimeout(Duration.ofMillis(200));
        Message query = Message.newQuery(Record.newRecord(Name.fromString("2.0.0.127." + zone + "."), Type.A,
                DClass.IN));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("rbldnsd exited with status " + process.exitValue() + ": "
                        + Files.readString(log));
            }
            try {
                Message m = r.send(query);
                if (m.getRcode() == Rcode.NOERROR
                        && m.getSection(Section.ANSWER).stream().anyMatch(a -> a instanceof ARecord)) {
                    return;
                }
                last = Rcode.string(m.getRcode()); // SERVFAIL while the zones load
            } catch (IOException e) {
                last = String.valueOf(e); // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("rbldnsd on 127.0.0.1:" + port + " did not list 2.0.0.127." + zone
                + " within 10 s (last: " + last + "); log: " + Files.readString(log));
    }

    /** The UDP port rbldnsd listens on, on 127.0.0.1. */
    int port() {
        return port;
    }

    /** 127.0.0.1 and the port. */
    InetSocketAddress address() {
        return new InetSocketAddress(LOOPBACK, port);
    }

    /** Stops rbldnsd (SIGTERM, then SIGKILL after 5 seconds). */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Deletes a temporary directory and what it holds; one left behind is not worth failing a trial for. */
    static void deleteDirectory(Path dir) {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            // left behind in the temporary folder
        }
    }
}

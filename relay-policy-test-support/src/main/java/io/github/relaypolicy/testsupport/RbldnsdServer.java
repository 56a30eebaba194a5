package io.github.relaypolicy.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Debian rbldnsd, the DNS server block-list operators run, serving zones from data files on 127.0.0.1 on a
 * free UDP port: the one launcher of the tests tagged {@value #TAG} ({@link RequiresRbldnsd}) and the DNS list
 * benchmarks. It runs {@code /usr/sbin/rbldnsd -n -b 127.0.0.1/PORT -w DIR -t TTL -c CHECK ZONE...}, logs
 * rbldnsd's output to {@code DIR/rbldnsd.log}, and returns once every zone answers. A missing rbldnsd fails the
 * caller with a message saying how to install it ({@code apt-get install -y rbldnsd}); it never skips.
 *
 * <pre>{@code
 * try (RbldnsdServer rbldnsd = RbldnsdServer.in(dir).start("bl.test:ip4set:bl.txt", "dbl.test:dnset:dbl.txt")) {
 *     String server = rbldnsd.hostAndPort(); // "127.0.0.1:PORT"
 * }
 * }</pre>
 */
public final class RbldnsdServer implements AutoCloseable {

    /** The JUnit tag of every test that needs rbldnsd: {@code -DexcludedGroups=rbldnsd} skips them. */
    public static final String TAG = "rbldnsd";

    /** Where Debian's package installs rbldnsd. */
    public static final Path BINARY = Path.of("/usr/sbin/rbldnsd");

    /** The name of rbldnsd's log (its standard output and error) in the data directory. */
    public static final String LOG = "rbldnsd.log";

    private static final InetAddress LOOPBACK = loopback();
    /** How long {@code start} waits for every zone to answer; rbldnsd usually does within milliseconds. */
    private static final Duration READY = Duration.ofSeconds(15);
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(200);
    /** Ports taken between choosing and binding: another port is tried, a bounded number of times. */
    private static final int PORT_ATTEMPTS = 5;
    private static final int SERVFAIL = 2;

    private final Process process;
    private final int port;
    private final Path dir;
    private final boolean deleteOnClose;

    private RbldnsdServer(Process process, int port, Path dir, boolean deleteOnClose) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.deleteOnClose = deleteOnClose;
    }

    /**
     * Starts describing an rbldnsd serving the data files in {@code dir}.
     *
     * @param dir the directory of the data files; rbldnsd's log is written there
     * @return a builder; nothing runs until {@link Builder#start(String...)}
     */
    public static Builder in(Path dir) {
        return new Builder(Objects.requireNonNull(dir, "dir"));
    }

    /** The options of one rbldnsd. Not thread-safe. */
    public static final class Builder {
        private final Path dir;
        private Path binary = BINARY;
        private Duration ttl = Duration.ofSeconds(60);
        private Duration checkInterval = Duration.ofSeconds(1);
        private boolean deleteOnClose;
        private int firstPort;

        private Builder(Path dir) {
            this.dir = dir;
        }

        /**
         * The TTL of answers from data without {@code $TTL} (rbldnsd's {@code -t}). Default: 60 seconds (rbldnsd's
         * own default is 35 minutes).
         *
         * @param ttl whole seconds, at least one
         * @return this builder
         */
        public Builder ttl(Duration ttl) {
            this.ttl = seconds(ttl, "ttl");
            return this;
        }

        /**
         * How often rbldnsd checks its data files for changes (its {@code -c}). Default: every second, so that a
         * test sees a rewritten file at once (rbldnsd's own default is a minute).
         *
         * @param interval whole seconds, at least one
         * @return this builder
         */
        public Builder checkInterval(Duration interval) {
            this.checkInterval = seconds(interval, "checkInterval");
            return this;
        }

        /**
         * Deletes the directory and everything in it when the server is closed, or when it fails to start.
         *
         * @return this builder
         */
        public Builder deleteOnClose() {
            this.deleteOnClose = true;
            return this;
        }

        /** Another rbldnsd binary; for the launcher's own tests. */
        Builder binary(Path binary) {
            this.binary = Objects.requireNonNull(binary, "binary");
            return this;
        }

        /** The port of the first attempt, instead of a free one; for the launcher's own tests. */
        Builder firstPort(int port) {
            this.firstPort = port;
            return this;
        }

        /**
         * Starts rbldnsd on 127.0.0.1 and waits until every zone answers a query for its RFC 5782 test point
         * ({@code 2.0.0.127.ZONE}) with anything but SERVFAIL, which rbldnsd answers for a zone it has not loaded.
         * A port taken by someone else between choosing and binding is replaced by another.
         *
         * @param zones zone specifications as rbldnsd takes them, e.g. {@code bl.test:ip4set:bl.txt}, relative to
         *     the directory
         * @return the running server; close it
         * @throws IllegalArgumentException if there is no zone or a zone has no {@code name:type:file} form
         * @throws IllegalStateException if rbldnsd is not installed, exits (its log is in the message) or does not
         *     answer within 15 seconds
         * @throws IOException if the directory cannot be prepared or rbldnsd cannot be started
         * @throws InterruptedException if interrupted while waiting; rbldnsd is stopped
         */
        public RbldnsdServer start(String... zones) throws IOException, InterruptedException {
            List<String> names = zoneNames(zones);
            try {
                if (!Files.isExecutable(binary)) {
                    throw new IllegalStateException(binary + " is missing: this needs the real rbldnsd (apt-get install"
                            + " -y rbldnsd); skip the tests that need it with mvn verify -DexcludedGroups=" + TAG);
                }
                readableByRbldnsd(dir);
                for (int attempt = 1; ; attempt++) {
                    RbldnsdServer server = launch(attempt == 1 ? firstPort : 0, zones);
                    try {
                        server.awaitReady(names);
                        return server;
                    } catch (PortTaken e) {
                        server.stop();
                        if (attempt == PORT_ATTEMPTS) {
                            throw new IllegalStateException("rbldnsd found no free port in " + PORT_ATTEMPTS
                                    + " attempts: " + e.getMessage(), e);
                        }
                    } catch (IOException | InterruptedException | RuntimeException e) {
                        server.stop();
                        throw e;
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                if (deleteOnClose) {
                    deleteDirectory(dir);
                }
                throw e;
            }
        }

        private RbldnsdServer launch(int chosen, String... zones) throws IOException {
            int port = chosen;
            if (port == 0) {
                // free now; rbldnsd binds it a moment later, unless someone else was quicker (then: PortTaken)
                try (DatagramSocket probe = new DatagramSocket(0, LOOPBACK)) {
                    port = probe.getLocalPort();
                }
            }
            List<String> command = new ArrayList<>(List.of(binary.toString(), "-n", "-b",
                    LOOPBACK.getHostAddress() + "/" + port, "-w", dir.toString(), "-t",
                    String.valueOf(ttl.getSeconds()), "-c", checkInterval.getSeconds() + "s"));
            command.addAll(List.of(zones));
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve(LOG).toFile()).start();
            return new RbldnsdServer(p, port, dir, deleteOnClose);
        }
    }

    private static Duration seconds(Duration d, String what) {
        if (d.isNegative() || d.getSeconds() < 1 || d.getNano() != 0) {
            throw new IllegalArgumentException(what + " " + d + ": rbldnsd takes whole seconds, at least one");
        }
        return d;
    }

    private static List<String> zoneNames(String... zones) {
        if (zones.length == 0) {
            throw new IllegalArgumentException("no zone: rbldnsd needs at least one name:type:file");
        }
        List<String> names = new ArrayList<>();
        for (String zone : zones) {
            int colon = zone.indexOf(':');
            if (colon <= 0 || zone.indexOf(':', colon + 1) < 0) {
                throw new IllegalArgumentException("zone '" + zone + "': expected name:type:file");
            }
            names.add(zone.substring(0, colon));
        }
        return names;
    }

    /** rbldnsd started as root drops to its own user, which must be able to read the directory and the files. */
    private static void readableByRbldnsd(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(f,
                        PosixFilePermissions.fromString(Files.isDirectory(f) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    /** rbldnsd could not bind the port chosen for it: someone took it after the launcher let it go. */
    private static final class PortTaken extends Exception {
        private static final long serialVersionUID = 1L;

        PortTaken(String message) {
            super(message);
        }
    }

    private void awaitReady(List<String> zones) throws IOException, InterruptedException, PortTaken {
        long deadline = System.nanoTime() + READY.toNanos();
        try (DatagramSocket socket = new DatagramSocket(0, LOOPBACK)) {
            socket.connect(address());
            socket.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
            int id = 0;
            for (String zone : zones) {
                String last = "no answer";
                while (true) {
                    if (!process.isAlive()) {
                        process.waitFor(1, TimeUnit.SECONDS); // the log is complete once it has exited
                        String log = logText();
                        if (log.contains("Address already in use")) {
                            throw new PortTaken(log.strip());
                        }
                        throw new IllegalStateException("rbldnsd exited with status " + process.exitValue() + ": "
                                + log.strip());
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException(String.format(Locale.ROOT,
                                "rbldnsd on %s did not answer 2.0.0.127.%s within %d s (last: %s); log: %s",
                                hostAndPort(), zone, READY.getSeconds(), last, logText().strip()));
                    }
                    id = (id + 1) & 0xffff;
                    int rcode = probe(socket, id, "2.0.0.127." + zone);
                    if (rcode >= 0 && rcode != SERVFAIL) {
                        break;
                    }
                    last = rcode < 0 ? "no answer" : "SERVFAIL"; // SERVFAIL: the zone is not loaded yet
                    Thread.sleep(100);
                }
            }
        }
    }

    /** One A query; the answer's RCODE, or -1 if none came within the probe timeout. */
    private static int probe(DatagramSocket socket, int id, String name) {
        byte[] query = query(id, name);
        byte[] buffer = new byte[512];
        long until = System.nanoTime() + PROBE_TIMEOUT.toNanos();
        try {
            socket.send(new DatagramPacket(query, query.length));
            while (System.nanoTime() - until < 0) {
                DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
                socket.receive(answer);
                // an answer to this query, not a late one to an earlier probe: same ID, the QR bit set
                if (answer.getLength() >= 12 && ((buffer[0] & 0xff) << 8 | (buffer[1] & 0xff)) == id
                        && (buffer[2] & 0x80) != 0) {
                    return buffer[3] & 0x0f;
                }
            }
        } catch (IOException e) {
            // a timeout, or ICMP port unreachable (PortUnreachableException): not listening yet
        }
        return -1;
    }

    /** A DNS query for the A record of {@code name} (RFC 1035 section 4.1), recursion not desired. */
    private static byte[] query(int id, String name) {
        byte[] text = name.getBytes(StandardCharsets.US_ASCII);
        byte[] q = new byte[12 + text.length + 2 + 4];
        q[0] = (byte) (id >>> 8);
        q[1] = (byte) id;
        q[5] = 1; // QDCOUNT
        int at = 12;
        for (String label : name.split("\\.")) {
            q[at++] = (byte) label.length();
            for (int i = 0; i < label.length(); i++) {
                q[at++] = (byte) label.charAt(i);
            }
        }
        q[at++] = 0; // the root
        q[at++] = 0;
        q[at++] = 1; // QTYPE A
        q[at++] = 0;
        q[at] = 1; // QCLASS IN
        return q;
    }

    /**
     * The address rbldnsd answers on.
     *
     * @return 127.0.0.1 and the port
     */
    public InetSocketAddress address() {
        return new InetSocketAddress(LOOPBACK, port);
    }

    /**
     * The UDP port rbldnsd listens on, on 127.0.0.1.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * The server as a DNS server setting takes it.
     *
     * @return {@code 127.0.0.1:PORT}
     */
    public String hostAndPort() {
        return LOOPBACK.getHostAddress() + ":" + port;
    }

    /**
     * rbldnsd's log: what it wrote to its standard output and error, e.g. the lines of a data file it skipped.
     *
     * @return {@code rbldnsd.log} in the data directory
     */
    public Path log() {
        return dir.resolve(LOG);
    }

    /**
     * Whether rbldnsd is still running.
     *
     * @return true until it exits or is closed
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Stops rbldnsd (SIGTERM, then SIGKILL after five seconds) and, if asked for, deletes the data directory.
     * Interrupted while waiting for rbldnsd to exit, it kills rbldnsd and keeps the thread's interrupt status.
     */
    @Override
    public void close() {
        try {
            stop();
        } finally {
            if (deleteOnClose) {
                deleteDirectory(dir);
            }
        }
    }

    private void stop() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private String logText() {
        try {
            // rbldnsd echoes bytes of bad data lines, not necessarily UTF-8: replace, never fail on them
            return new String(Files.readAllBytes(log()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * Deletes a directory and what it holds, as far as it can: one left behind in the temporary folder is not
     * worth failing a test or a benchmark trial for.
     *
     * @param dir the directory; nothing happens if it does not exist
     */
    public static void deleteDirectory(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // left behind in the temporary folder
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e); // never: four bytes are an address
        }
    }
}

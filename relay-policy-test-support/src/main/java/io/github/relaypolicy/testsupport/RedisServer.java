package io.github.relaypolicy.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Debian redis-server on 127.0.0.1 on a free TCP port, with nothing written to disk: the one launcher of the
 * tests tagged {@value #TAG} ({@link RequiresRedis}) and the Redis benchmarks. It runs
 * {@code /usr/bin/redis-server --port PORT --bind 127.0.0.1 --save '' --appendonly no --dir DIR}, logs Redis's
 * output to {@code DIR/redis.log} in a temporary directory of its own, and returns once Redis answers
 * {@code PING}. {@link #kill()} and {@link #restart()} play an outage: the server dies, and comes back on the same
 * port with an empty data set and an empty script cache, as a restarted Redis without persistence does. A missing
 * redis-server fails the caller with a message saying how to install it ({@code apt-get install -y redis-server});
 * it never skips. A server left running when the JVM exits is killed then.
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.start()) {
 *     String uri = redis.uri(); // "redis://127.0.0.1:PORT/0"
 * }
 * }</pre>
 */
public final class RedisServer implements AutoCloseable {

    /** The JUnit tag of every test that needs redis-server: {@code -DexcludedGroups=redis} skips them. */
    public static final String TAG = "redis";

    /** Where Debian's package installs redis-server. */
    public static final Path BINARY = Path.of("/usr/bin/redis-server");

    /** The name of Redis's log (its standard output and error) in its directory. */
    public static final String LOG = "redis.log";

    private static final InetAddress LOOPBACK = loopback();
    /** How long a start waits for PING to be answered; Redis usually answers within milliseconds. */
    private static final Duration READY = Duration.ofSeconds(15);
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);
    /** Ports taken between choosing and binding: another port is tried, a bounded number of times. */
    private static final int PORT_ATTEMPTS = 5;

    /** Every server of this JVM still running, killed by one shutdown hook. */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "redis-server-reaper"));
    }

    private final Path binary;
    private final Path dir;
    private final int port;
    private volatile Process process;

    private RedisServer(Path binary, Path dir, int port, Process process) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /**
     * Starts redis-server on a free port of 127.0.0.1, in a new temporary directory, and waits until it answers
     * {@code PING}. A port taken by someone else between choosing and binding is replaced by another.
     *
     * @return the running server; close it
     * @throws IllegalStateException if redis-server is not installed, exits (its log is in the message) or does not
     *     answer within 15 seconds
     * @throws IOException if the directory cannot be made or redis-server cannot be started
     * @throws InterruptedException if interrupted while waiting; redis-server is stopped
     */
    public static RedisServer start() throws IOException, InterruptedException {
        return start(BINARY);
    }

    /** {@link #start()} with another binary; for the launcher's own tests. */
    static RedisServer start(Path binary) throws IOException, InterruptedException {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " is missing: this needs the real Redis (apt-get install -y"
                    + " redis-server); skip the tests that need it with mvn verify -DexcludedGroups=" + TAG);
        }
        Path dir = Files.createTempDirectory("redis-server");
        try {
            for (int attempt = 1; ; attempt++) {
                int port;
                // free now; Redis binds it a moment later, unless someone else was quicker (then: PortTaken)
                try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
                    port = probe.getLocalPort();
                }
                RedisServer server = new RedisServer(binary, dir, port, null);
                try {
                    server.launch();
                    return server;
                } catch (PortTaken e) {
                    if (attempt == PORT_ATTEMPTS) {
                        throw new IllegalStateException("redis-server found no free port in " + PORT_ATTEMPTS
                                + " attempts: " + e.getMessage(), e);
                    }
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            RbldnsdServer.deleteDirectory(dir);
            throw e;
        }
    }

    /** Starts the process on this server's port and waits for PONG; stops it again on any failure. */
    private void launch() throws IOException, InterruptedException, PortTaken {
        List<String> command = List.of(binary.toString(), "--port", String.valueOf(port), "--bind",
                LOOPBACK.getHostAddress(), "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--daemonize", "no");
        // the log holds every start; this start's failure is read from where it begins now
        long logStart = Files.exists(log()) ? Files.size(log()) : 0;
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
        RUNNING.add(p);
        process = p;
        try {
            awaitReady(p, logStart);
        } catch (PortTaken | InterruptedException | RuntimeException e) {
            stop(p);
            throw e;
        }
    }

    /** Redis could not bind the port chosen for it: someone took it after the launcher let it go. */
    private static final class PortTaken extends Exception {
        private static final long serialVersionUID = 1L;

        PortTaken(String message) {
            super(message);
        }
    }

    private void awaitReady(Process p, long logStart) throws InterruptedException, PortTaken {
        long deadline = System.nanoTime() + READY.toNanos();
        String last = "no answer";
        while (true) {
            if (!p.isAlive()) {
                p.waitFor(1, TimeUnit.SECONDS); // the log is complete once it has exited
                String log = logText(logStart);
                if (log.contains("Address already in use")) {
                    throw new PortTaken(log.strip());
                }
                throw new IllegalStateException("redis-server exited with status " + p.exitValue() + ": "
                        + log.strip());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "redis-server on %s did not answer PING within %d s (last: %s); log: %s", hostAndPort(),
                        READY.getSeconds(), last, logText(logStart).strip()));
            }
            last = ping();
            if (last.equals("+PONG")) {
                return;
            }
            Thread.sleep(50);
        }
    }

    /** One inline PING; the first line of the answer, or what went wrong. */
    private String ping() {
        try (Socket socket = new Socket()) {
            socket.connect(address(), (int) PROBE_TIMEOUT.toMillis());
            socket.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r' && line.length() < 200; c = in.read()) {
                line.append((char) c);
            }
            return line.toString(); // "+PONG", or e.g. "-LOADING ..." while Redis loads
        } catch (IOException e) {
            return e.toString(); // connection refused: not listening yet
        }
    }

    /**
     * Kills redis-server at once (SIGKILL), as a crash or a pulled cable would: clients see their connections
     * reset and new ones refused until {@link #restart()}. Nothing of the data survives (no persistence).
     */
    public void kill() {
        Process p = process;
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(p);
        }
    }

    /**
     * Starts redis-server again on the same port (stopping it first if it is running) and waits until it answers
     * {@code PING}. The new server is empty: no keys, no cached scripts.
     *
     * @throws IllegalStateException if it exits (its log is in the message), or does not answer within 15 seconds,
     *     e.g. because someone else took the port meanwhile
     * @throws IOException if redis-server cannot be started
     * @throws InterruptedException if interrupted while waiting; redis-server is stopped
     */
    public void restart() throws IOException, InterruptedException {
        stop(process);
        try {
            launch();
        } catch (PortTaken e) {
            throw new IllegalStateException("redis-server cannot bind port " + port + " again: " + e.getMessage(),
                    e);
        }
    }

    /**
     * The address Redis listens on.
     *
     * @return 127.0.0.1 and the port
     */
    public InetSocketAddress address() {
        return new InetSocketAddress(LOOPBACK, port);
    }

    /**
     * The TCP port Redis listens on, on 127.0.0.1; the same after {@link #restart()}.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * The server as {@code HOST:PORT}.
     *
     * @return {@code 127.0.0.1:PORT}
     */
    public String hostAndPort() {
        return LOOPBACK.getHostAddress() + ":" + port;
    }

    /**
     * The server's URI, database 0.
     *
     * @return {@code redis://127.0.0.1:PORT/0}
     */
    public String uri() {
        return "redis://" + hostAndPort() + "/0";
    }

    /**
     * Redis's log: what it wrote to its standard output and error, over all its starts.
     *
     * @return {@code redis.log} in the server's directory
     */
    public Path log() {
        return dir.resolve(LOG);
    }

    /**
     * The process id of the redis-server running now, e.g. to stop it with {@code kill -STOP}: connected clients
     * then get no answer at all, as from a hung server.
     *
     * @return the pid; another one after {@link #restart()}
     */
    public long pid() {
        return process.pid();
    }

    /**
     * Whether redis-server is running.
     *
     * @return true from a start until it is killed, exits or is closed
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Stops redis-server (SIGTERM, then SIGKILL after five seconds) and deletes its directory. Interrupted while
     * waiting for it to exit, it kills redis-server and keeps the thread's interrupt status.
     */
    @Override
    public void close() {
        try {
            stop(process);
        } finally {
            RbldnsdServer.deleteDirectory(dir);
        }
    }

    private static void stop(Process p) {
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(p);
        }
    }

    private String logText(long from) {
        try {
            byte[] all = Files.readAllBytes(log());
            int start = (int) Math.min(from, all.length);
            return new String(all, start, all.length - start, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e); // never: four bytes are an address
        }
    }

    @Override
    public String toString() {
        return "redis-server on " + hostAndPort() + (isAlive() ? "" : " (not running)");
    }
}

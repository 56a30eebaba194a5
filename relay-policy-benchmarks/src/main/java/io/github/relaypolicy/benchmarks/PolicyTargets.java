package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.testsupport.RbldnsdServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The three policy services of {@link PolicyServiceBenchmark}, each started as a process of its own on a free port
 * of 127.0.0.1 with configuration files written here into a temporary directory, so that the services share the
 * machine, not a process, with the load generator:
 *
 * <ul>
 * <li>{@code relay-policy}: {@code relay-policy serve --config FILE --listen 127.0.0.1:PORT}, the command users run
 *     ({@code relay-policy-cli/target/relay-policy.jar}, or {@code -Dpolicy.relayPolicyJar=FILE}), in a JVM of its own
 *     started with the JMH fork's {@code java} and default options ({@code -Dpolicy.serverJvmArgs="..."} adds
 *     some): {@code PolicyServer} (Netty, one event loop per processor) over a {@code RelayEngine} that follows the
 *     policy file; no {@code --metrics}.</li>
 * <li>{@code postfwd}: Debian's {@code postfwd2} (the package's default {@code /usr/sbin/postfwd}), which always
 *     daemonizes when its rate limits are to work (they live in its cache daemon); stopped through its pid file,
 *     with every process it forked.</li>
 * <li>{@code policyd-rate-limit}: Debian's {@code /usr/bin/policyd-rate-limit} in the foreground, its sqlite3
 *     database in a temporary directory on tmpfs ({@code /dev/shm}; {@code -Dpolicyd.db=DIR} puts it elsewhere,
 *     e.g. on disk as Debian's default {@code /var/lib/policyd-rate-limit} is: it commits every accepted request,
 *     so a disk's flush decides its speed).</li>
 * </ul>
 *
 * <p>None of them does DNS work: relay-policy has no DNS list, postfwd runs with {@code --nodns} and no rbl rule,
 * policyd-rate-limit does none; none looks up the client's name (Postfix sends it). Run as root, postfwd and
 * policyd-rate-limit drop their privileges to {@code nobody:nogroup}, as their Debian services do to their own users.
 */
final class PolicyTargets {

    static final String RELAY_POLICY = "relay-policy";
    static final String POSTFWD = "postfwd";
    static final String POLICYD_RATE_LIMIT = "policyd-rate-limit";
    /** Not a policy service: {@link PolicyFloorServer}, the floor of the method. */
    static final String FLOOR = "floor";

    static final Path POSTFWD_BINARY = Path.of("/usr/sbin/postfwd2");
    static final Path POLICYD_BINARY = Path.of("/usr/bin/policyd-rate-limit");

    /** The command's shaded jar, relative to the repository root (where the benchmarks are run from). */
    static final String CLI_JAR = "relay-policy-cli/target/relay-policy.jar";

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final long READY_MILLIS = 30_000;
    private static final Set<ProcessHandle> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(ProcessHandle::destroyForcibly),
                "policy-targets-reaper"));
    }

    private PolicyTargets() {
    }

    /** The per-user limit, as relay-policy writes it ({@code 10000/1h}), in the other two's terms too. */
    record UserLimit(int count, long seconds, String text) {

        private static final Pattern FORM = Pattern.compile("(\\d+)/(\\d+)([smhd])");

        static UserLimit parse(String text) {
            Matcher m = FORM.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException("userLimit '" + text + "': expected COUNT/PERIOD, e.g. 10000/1h");
            }
            long unit = switch (m.group(3)) {
                case "s" -> 1;
                case "m" -> 60;
                case "h" -> 3600;
                default -> 86_400;
            };
            return new UserLimit(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)) * unit, text);
        }
    }

    /** A running service. */
    abstract static class Target implements AutoCloseable {
        final String name;
        final Path dir;
        final int port;
        final Path log;

        Target(String name, Path dir, int port) {
            this.name = name;
            this.dir = dir;
            this.port = port;
            this.log = dir.resolve(name + ".log");
        }

        InetSocketAddress address() {
            return new InetSocketAddress(LOOPBACK, port);
        }

        /** Whether the service's processes are still running. */
        abstract boolean alive();

        /** Stops every process the service started. */
        abstract void stopProcesses();

        /** Stops the service and deletes its directory (kept with {@code -Dpolicy.keep=true}, for its log). */
        @Override
        public final void close() {
            stopProcesses();
            if (!Boolean.getBoolean("policy.keep")) {
                RbldnsdServer.deleteDirectory(dir);
            }
        }

        /** Starts the service's processes (configuration already written). */
        abstract void launch() throws IOException, InterruptedException;

        /** The service's log, for error messages. */
        String logText() {
            try {
                String text = Files.readString(log, StandardCharsets.UTF_8);
                return text.length() > 4000 ? "..." + text.substring(text.length() - 4000) : text;
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        /**
         * Waits until the service accepts a connection and answers a request.
         *
         * @param probe a request it must answer
         */
        void awaitReady(byte[] probe) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_MILLIS);
            String last = "no answer";
            while (System.nanoTime() - deadline < 0) {
                if (!alive()) {
                    String text = logText();
                    close();
                    throw new IllegalStateException(name + " exited; log:\n" + text);
                }
                try {
                    ask(probe);
                    return;
                } catch (IOException e) {
                    last = e.toString();
                }
                Thread.sleep(100);
            }
            String text = logText();
            close();
            throw new IllegalStateException(name + " did not answer on 127.0.0.1:" + port + " within "
                    + READY_MILLIS / 1000 + " s (" + last + "); log:\n" + text);
        }

        /**
         * Sends one request on a connection of its own and returns the answer without its empty line.
         *
         * @param request the request's bytes
         * @return the answer, e.g. {@code action=DUNNO}
         * @throws IOException if the connection fails or closes before the answer is complete
         */
        String ask(byte[] request) throws IOException {
            try (Socket socket = new Socket()) {
                socket.connect(address(), 2000);
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
                InputStream in = socket.getInputStream();
                byte[] buffer = new byte[4096];
                int n = 0;
                while (n < 2 || buffer[n - 1] != '\n' || buffer[n - 2] != '\n') {
                    int r = in.read(buffer, n, buffer.length - n);
                    if (r < 0) {
                        throw new IOException("closed after " + n + " bytes: "
                                + new String(buffer, 0, n, StandardCharsets.UTF_8));
                    }
                    n += r;
                }
                return new String(buffer, 0, n - 2, StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * Starts a service with the equivalent rules.
     *
     * @param name {@value #RELAY_POLICY}, {@value #POSTFWD} or {@value #POLICYD_RATE_LIMIT}
     * @param limit the per-user limit
     * @param connections the connections the benchmark will open (postfwd forks one child for each)
     * @param probe a request the service must answer before it counts as started
     * @return the running service
     * @throws IOException if the files cannot be written or the process cannot be started
     * @throws InterruptedException if interrupted while waiting for it
     */
    static Target start(String name, UserLimit limit, int connections, byte[] probe)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("policy-bench-" + name + "-");
        // the services drop to nobody, which must reach their files
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        int port = freePort();
        Target target = switch (name) {
            case RELAY_POLICY -> new RelayPolicy(dir, port, limit);
            case POSTFWD -> new Postfwd(dir, port, limit, connections);
            case POLICYD_RATE_LIMIT -> new PolicydRateLimit(dir, port, limit);
            case FLOOR -> new Floor(dir, port);
            default -> throw new IllegalArgumentException("target '" + name + "': expected " + RELAY_POLICY + ", "
                    + POSTFWD + ", " + POLICYD_RATE_LIMIT + " or " + FLOOR);
        };
        target.launch();
        target.awaitReady(probe);
        return target;
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
            return probe.getLocalPort();
        }
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Process spawn(List<String> command, Path log) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        RUNNING.add(p.toHandle());
        return p;
    }

    /** The JMH fork's {@code java} with {@code -Dpolicy.serverJvmArgs}. */
    private static List<String> java() {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java));
        String jvmArgs = System.getProperty("policy.serverJvmArgs", "").strip();
        if (!jvmArgs.isEmpty()) {
            command.addAll(List.of(jvmArgs.split("\\s+")));
        }
        return command;
    }

    private static void stop(ProcessHandle p) {
        List<ProcessHandle> family = new ArrayList<>(p.descendants().toList());
        p.destroy();
        try {
            p.onExit().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
        }
        for (ProcessHandle child : family) {
            child.destroy();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ProcessHandle child : family) {
            while (child.isAlive() && System.nanoTime() - deadline < 0) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            child.destroyForcibly();
            RUNNING.remove(child);
        }
        RUNNING.remove(p);
    }

    /** relay-policy: the command's {@code serve}, from its shaded jar, in a JVM of its own. */
    static final class RelayPolicy extends Target {
        private final Path policy;
        private Process process;

        RelayPolicy(Path dir, int port, UserLimit limit) throws IOException {
            super(RELAY_POLICY, dir, port);
            Files.writeString(dir.resolve("sender_access"), """
                    # check_sender_access (Postfix access(5) text): the sender check
                    %s REJECT
                    """.formatted(PolicyWorkload.BAD_DOMAIN));
            policy = dir.resolve("relay-policy.conf");
            Files.writeString(policy, """
                    # PolicyServiceBenchmark: the equivalent rules (a CIDR allow list, a sender check, a per-user limit)
                    mydestination = example.org
                    mynetworks = %s
                    permit_authenticated = yes
                    check_sender_access = ./sender_access
                    recipient_rate_limit = user:%s
                    """.formatted(PolicyWorkload.NETWORK, limit.text()));
        }

        @Override
        void launch() throws IOException {
            Path jar = Path.of(System.getProperty("policy.relayPolicyJar", CLI_JAR)).toAbsolutePath();
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: build the command first (mvn -pl relay-policy-cli"
                        + " -am package -DskipTests), or name it with -Dpolicy.relayPolicyJar=FILE");
            }
            List<String> command = java();
            command.addAll(List.of("-jar", jar.toString(), "serve", "--config", policy.toString(), "--listen",
                    LOOPBACK.getHostAddress() + ":" + port));
            process = spawn(command, log);
        }

        @Override
        boolean alive() {
            return process.isAlive();
        }

        @Override
        void stopProcesses() {
            stop(process.toHandle());
        }
    }

    /** {@link PolicyFloorServer} in a JVM of its own, from the benchmarks' jar. */
    static final class Floor extends Target {
        private Process process;

        Floor(Path dir, int port) {
            super(FLOOR, dir, port);
        }

        @Override
        void launch() throws IOException {
            List<String> command = java();
            command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                    PolicyFloorServer.class.getName(), LOOPBACK.getHostAddress() + ":" + port));
            process = spawn(command, log);
        }

        @Override
        boolean alive() {
            return process.isAlive();
        }

        @Override
        void stopProcesses() {
            stop(process.toHandle());
        }
    }

    /** postfwd2, daemonized, with its cache daemon (which holds the rate counters) on a unix socket. */
    static final class Postfwd extends Target {
        private final Path rules;
        private final Path pidFile;
        private final int connections;
        private ProcessHandle master;

        Postfwd(Path dir, int port, UserLimit limit, int connections) throws IOException {
            super(POSTFWD, dir, port);
            this.connections = connections;
            rules = dir.resolve("postfwd.cf");
            pidFile = dir.resolve("postfwd.pid");
            Files.writeString(rules, String.format(Locale.ROOT, """
                    # PolicyServiceBenchmark: the equivalent rules, first match wins, no match answers DUNNO
                    id=RELAY ; client_address=!!(%s) ; action=554 5.7.1 <$$recipient>: Relay access denied
                    id=SENDER ; sender_domain==%s ; action=554 5.7.1 <$$sender>: Sender address rejected: Access denied
                    id=RATE ; sasl_username=~. ; action=rate(sasl_username/%d/%d/451 4.7.1 <$$recipient>: \
                    Recipient address rejected: rate limit exceeded, try again later)
                    """, PolicyWorkload.NETWORK, PolicyWorkload.BAD_DOMAIN, limit.count(), limit.seconds()));
        }

        @Override
        void launch() throws IOException, InterruptedException {
            // the cache daemon (running as nobody) makes its socket here
            Path sockets = Files.createDirectories(dir.resolve("sockets"));
            Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxrwxrwx"));
            List<String> command = new ArrayList<>(List.of(POSTFWD_BINARY.toString(), "--file", rules.toString(),
                    "--interface", LOOPBACK.getHostAddress(), "--port", String.valueOf(port),
                    "--cache_proto", "unix", "--cache_port", sockets.resolve("cache.sock").toString(),
                    "--pidfile", pidFile.toString(), "--nodns", "--perfmon",
                    // Debian's /etc/default/postfwd: --cache=600 --cache-rdomain-only --cache-no-size
                    "--cache=600", "--cache-rdomain-only", "--cache-no-size",
                    // one child per connection (Net::Server::PreFork), all forked before the measurement; its
                    // default max_servers (100) would leave connections beyond it waiting for ever.
                    // Net::Server: max_spare_servers < max_servers, or the policy daemon exits without a word
                    "--min_servers", String.valueOf(connections + 2),
                    "--max_servers", String.valueOf(Math.max(100, connections + 20)),
                    "--min_spare_servers", "2", "--max_spare_servers", String.valueOf(connections + 10)));
            if (root()) {
                command.addAll(List.of("--user", "nobody", "--group", "nogroup"));
            }
            Process launcher = spawn(command, log);
            if (!launcher.waitFor(30, TimeUnit.SECONDS)) {
                stop(launcher.toHandle());
                throw new IllegalStateException("postfwd2 did not daemonize within 30 s; log:\n" + logText());
            }
            RUNNING.remove(launcher.toHandle());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(pidFile) || Files.readString(pidFile).isBlank()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("postfwd2 wrote no pid file " + pidFile + " (exit status "
                            + launcher.exitValue() + "); log:\n" + logText());
                }
                Thread.sleep(50);
            }
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            master = handle.orElseThrow(() -> new IllegalStateException("postfwd2 (pid " + pid
                    + ") exited at once; log:\n" + logText()));
            RUNNING.add(master);
        }

        @Override
        boolean alive() {
            return master.isAlive();
        }

        @Override
        void awaitReady(byte[] probe) throws InterruptedException {
            super.awaitReady(probe);
            // the pre-forked children: wait until they are all there, so that no connection waits for a fork
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (master.descendants().count() < connections + 2 && System.nanoTime() - deadline < 0) {
                Thread.sleep(100);
            }
        }

        @Override
        void stopProcesses() {
            if (master != null) {
                stop(master);
            }
        }
    }

    /** policyd-rate-limit in the foreground, its database sqlite3 on tmpfs unless {@code -Dpolicyd.db} says. */
    static final class PolicydRateLimit extends Target {
        private final Path config;
        private final Path dbDir;
        private Process process;

        PolicydRateLimit(Path dir, int port, UserLimit limit) throws IOException {
            super(POLICYD_RATE_LIMIT, dir, port);
            String where = System.getProperty("policyd.db", Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm"
                    : System.getProperty("java.io.tmpdir"));
            Path base = Files.createTempDirectory(Path.of(where), "policy-bench-sqlite-");
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            // run as root it creates these two and hands them to its user (when they are empty)
            dbDir = Files.createDirectories(base.resolve("db"));
            Path pidDir = Files.createDirectories(dir.resolve("pid"));
            config = dir.resolve("policyd-rate-limit.yaml");
            String user = root() ? "nobody" : System.getProperty("user.name");
            Files.writeString(config, String.format(Locale.ROOT, """
                    # PolicyServiceBenchmark: the same per-user limit (by SASL login only)
                    debug: False
                    user: "%s"
                    group: "%s"
                    pidfile: "%s"
                    backend: 0
                    sqlite_config:
                        database: "%s"
                    SOCKET: ["%s", %d]
                    limits:
                        - [%d, %d]
                    limits_by_id: {}
                    limit_by_sasl: True
                    limit_by_sender: False
                    limit_by_ip: False
                    limited_networks: []
                    success_action: "dunno"
                    fail_action: "451 4.7.1 Recipient address rejected: rate limit exceeded, try again later"
                    db_error_action: "dunno"
                    report: False
                    delay_to_close: 600
                    """, user, root() ? "nogroup" : user, pidDir.resolve("policyd-rate-limit.pid"),
                    dbDir.resolve("db.sqlite3"), LOOPBACK.getHostAddress(), port, limit.count(), limit.seconds()));
        }

        @Override
        void launch() throws IOException {
            process = spawn(List.of(POLICYD_BINARY.toString(), "--file", config.toString()), log);
        }

        @Override
        boolean alive() {
            return process.isAlive();
        }

        @Override
        void stopProcesses() {
            stop(process.toHandle());
            RbldnsdServer.deleteDirectory(dbDir.getParent());
        }
    }
}

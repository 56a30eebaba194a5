package io.github.relaypolicy.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The Debian Postfix (3.7 on bookworm) as an SMTP server on 127.0.0.1 on a free TCP port, with a configuration
 * directory, queue directory and data directory of its own in a temporary directory: the one launcher of the tests
 * tagged {@value #TAG} ({@link RequiresPostfix}), which compare relay-policy's decisions with Postfix's own. It
 * runs {@code /usr/lib/postfix/sbin/master -c DIR/conf -s} with a {@code master.cf} of only what smtpd needs
 * (smtpd on {@code 127.0.0.1:PORT}, cleanup, trivial-rewrite, proxymap, postlogd: no queue manager, no pickup, so
 * nothing is ever delivered; {@code default_transport = discard} besides), logs Postfix's log to
 * {@code DIR/postfix.log} ({@code maillog_file = /dev/stdout}), and returns once smtpd answers with its
 * {@code 220} greeting. The system's own Postfix instance (config {@code /etc/postfix}) is neither needed nor
 * touched. It needs root (Postfix's master daemon refuses to run otherwise; CI runs as root). A missing Postfix
 * fails the caller with a message saying how to install it; it never skips. A server left running when the JVM
 * exits is killed then.
 *
 * <p>The client of each request is set with XCLIENT ({@code smtpd_authorized_xclient_hosts} allows it), so
 * one connection can play many clients: see {@link SmtpProbe}. No DNS is asked ({@code disable_dns_lookups},
 * {@code smtpd_peername_lookup = no}), errors never slow the session down ({@code smtpd_error_sleep_time = 0},
 * high error limits) and rejections are made at RCPT TO ({@code smtpd_delay_reject = yes}).
 *
 * <pre>{@code
 * try (PostfixServer postfix = PostfixServer.builder()
 *         .relayDomains("relay.test")
 *         .file("clients", "192.0.2.0/24 REJECT\n")
 *         .recipientRestrictions("check_client_access cidr:$config_directory/clients")
 *         .start();
 *      SmtpProbe smtp = postfix.connect()) {
 *     SmtpProbe.Reply reply = smtp.rcpt(SmtpProbe.request("192.0.2.1").helo("mx.example")
 *             .sender("a@example.org").recipient("b@relay.test"));
 *     // reply.line(): "554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied"
 * }
 * }</pre>
 */
public final class PostfixServer implements AutoCloseable {

    /** The JUnit tag of every test that needs Postfix: {@code -DexcludedGroups=postfix} skips them. */
    public static final String TAG = "postfix";

    /** Where Debian's package installs Postfix's master daemon. */
    public static final Path MASTER = Path.of("/usr/lib/postfix/sbin/master");

    /** The name of Postfix's log (everything its daemons log) in the server's directory. */
    public static final String LOG = "postfix.log";

    private static final InetAddress LOOPBACK = loopback();
    /** How long a start waits for smtpd's greeting; Postfix usually greets within half a second. */
    private static final Duration READY = Duration.ofSeconds(20);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /** How long {@link #close()} waits for the master daemon (SIGTERM) before it kills everything (SIGKILL). */
    private static final Duration STOP = Duration.ofSeconds(5);
    /** Ports taken between choosing and binding: another port is tried, a bounded number of times. */
    private static final int PORT_ATTEMPTS = 5;
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,100}");
    private static final Pattern PARAMETER = Pattern.compile("[a-z][a-z0-9_]{0,100}");

    /** Every master daemon of this JVM still running, with its children: killed by one shutdown hook. */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(PostfixServer::kill),
                "postfix-reaper"));
    }

    private final Process process;
    private final Path dir;
    private final int port;

    private PostfixServer(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts describing a Postfix with nothing local ({@code mydestination =}), nothing to relay to
     * ({@code relay_domains =}), no trusted network ({@code mynetworks =}) and no recipient restrictions.
     *
     * @return a builder; nothing runs until {@link Builder#start()}
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The {@code main.cf} settings every server starts from, before the test's own ({@link Builder#set}): its own
     * directories, smtpd only on loopback, no DNS, no delivery, no delays, XCLIENT for loopback, and the relay
     * check of Postfix 3.x's {@code smtpd_relay_restrictions}. {@code DIR} stands for the server's directory.
     *
     * @return parameter names and values, in {@code main.cf} order
     */
    public static Map<String, String> defaults() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("compatibility_level", "3.6");
        p.put("queue_directory", "DIR/queue");
        p.put("data_directory", "DIR/data");
        // postlogd writes to master's standard output, which the launcher sends to DIR/postfix.log
        p.put("maillog_file", "/dev/stdout");
        p.put("myhostname", "postfix.test");
        p.put("mydomain", "postfix.test");
        p.put("myorigin", "postfix.test");
        p.put("inet_interfaces", "loopback-only");
        // IPv6 must be on for XCLIENT ADDR=IPV6:...; smtpd itself listens on 127.0.0.1 only (master.cf)
        p.put("inet_protocols", "all");
        p.put("mydestination", "");
        p.put("relay_domains", "");
        p.put("mynetworks", "");
        p.put("local_recipient_maps", "");
        p.put("relay_recipient_maps", "");
        p.put("default_transport", "discard");
        p.put("local_transport", "discard");
        p.put("relay_transport", "discard");
        p.put("virtual_transport", "discard");
        p.put("disable_dns_lookups", "yes");
        p.put("smtp_host_lookup", "native");
        p.put("smtpd_peername_lookup", "no");
        // XCLIENT is authorized by the client address in force, which the previous XCLIENT set: every address may
        // send it, so that one connection plays one client after the other (smtpd listens on 127.0.0.1 only)
        p.put("smtpd_authorized_xclient_hosts", "0.0.0.0/0, [::]/0");
        p.put("smtpd_delay_reject", "yes");
        // every refused RCPT is an error: no sleeping, no hanging up, however many a test makes
        p.put("smtpd_error_sleep_time", "0s");
        p.put("smtpd_soft_error_limit", "1000000");
        p.put("smtpd_hard_error_limit", "1000000");
        p.put("smtpd_junk_command_limit", "1000000");
        p.put("smtpd_recipient_limit", "1000000");
        // no anvil: one test connection plays thousands of clients
        p.put("smtpd_client_connection_count_limit", "0");
        p.put("smtpd_client_connection_rate_limit", "0");
        p.put("smtpd_client_message_rate_limit", "0");
        p.put("smtpd_client_recipient_rate_limit", "0");
        p.put("smtpd_client_new_tls_session_rate_limit", "0");
        p.put("smtpd_client_auth_rate_limit", "0");
        // cleanup takes a flow-control token from the queue manager before each queue file, or waits
        // in_flow_delay (1 s) for it: there is no queue manager
        p.put("in_flow_delay", "0");
        // no postmaster notices: cleanup would wait for the queue manager that is not there
        p.put("notify_classes", "");
        p.put("biff", "no");
        p.put("smtpd_relay_restrictions", "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination");
        p.put("smtpd_recipient_restrictions", "");
        return p;
    }

    /** The settings of one Postfix. Not thread-safe. */
    public static final class Builder {
        private final Map<String, String> parameters = defaults();
        private final Map<String, String> files = new LinkedHashMap<>();
        private Path master = MASTER;

        private Builder() {
        }

        /**
         * Sets one {@code main.cf} parameter, replacing the default; {@code $config_directory} in a value is the
         * directory the {@linkplain #file files} are in.
         *
         * @param name a Postfix parameter name, e.g. {@code recipient_delimiter}
         * @param value its value, on one line; empty for an empty value
         * @return this builder
         * @throws IllegalArgumentException if the name is not a parameter name or the value has a line break
         */
        public Builder set(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (!PARAMETER.matcher(name).matches()) {
                throw new IllegalArgumentException("main.cf parameter '" + name + "': expected a Postfix"
                        + " parameter name");
            }
            if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("main.cf parameter " + name + ": the value must be one line");
            }
            parameters.put(name, value);
            return this;
        }

        /**
         * Postfix's {@code mydestination}: the domains delivered here (default: none).
         *
         * @param domains comma- or space-separated, as in {@code main.cf}
         * @return this builder
         */
        public Builder mydestination(String domains) {
            return set("mydestination", domains);
        }

        /**
         * Postfix's {@code relay_domains}: the domains relayed to (default: none).
         *
         * @param domains comma- or space-separated, as in {@code main.cf}
         * @return this builder
         */
        public Builder relayDomains(String domains) {
            return set("relay_domains", domains);
        }

        /**
         * Postfix's {@code mynetworks}: the clients that may relay (default: none).
         *
         * @param networks comma- or space-separated, as in {@code main.cf}
         * @return this builder
         */
        public Builder mynetworks(String networks) {
            return set("mynetworks", networks);
        }

        /**
         * Postfix's {@code smtpd_recipient_restrictions}, evaluated after {@code smtpd_relay_restrictions}
         * ({@code permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination}) let the recipient
         * through (default: none).
         *
         * @param restrictions as in {@code main.cf}, e.g. {@code check_client_access cidr:$config_directory/c}
         * @return this builder
         */
        public Builder recipientRestrictions(String restrictions) {
            return set("smtpd_recipient_restrictions", restrictions);
        }

        /**
         * A file written into the configuration directory before Postfix starts, e.g. an access table; name it in
         * a parameter as {@code $config_directory/NAME}.
         *
         * @param name a plain file name (letters, digits, dot, dash, underscore)
         * @param content the content, written as UTF-8
         * @return this builder
         * @throws IllegalArgumentException if the name is not a plain file name or is {@code main.cf} or
         *     {@code master.cf}
         */
        public Builder file(String name, String content) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(content, "content");
            if (!FILE_NAME.matcher(name).matches() || name.equals("main.cf") || name.equals("master.cf")) {
                throw new IllegalArgumentException("file '" + name + "': expected a plain file name other than"
                        + " main.cf and master.cf");
            }
            files.put(name, content);
            return this;
        }

        /** Another master binary; for the launcher's own tests. */
        Builder master(Path binary) {
            this.master = Objects.requireNonNull(binary, "binary");
            return this;
        }

        /**
         * Writes the configuration into a new temporary directory, starts Postfix's master daemon and waits until
         * smtpd greets on 127.0.0.1. A port taken by someone else between choosing and binding is replaced by
         * another.
         *
         * @return the running server; close it
         * @throws IllegalStateException if Postfix is not installed, this is not root, Postfix exits (its log is in
         *     the message) or does not greet within 20 seconds
         * @throws IOException if the directories cannot be prepared or Postfix cannot be started
         * @throws InterruptedException if interrupted while waiting; Postfix is stopped
         */
        public PostfixServer start() throws IOException, InterruptedException {
            if (!Files.isExecutable(master)) {
                throw new IllegalStateException(master + " is missing: this needs the real Postfix"
                        + " (DEBIAN_FRONTEND=noninteractive apt-get install -y postfix); skip the tests that need"
                        + " it with mvn verify -DexcludedGroups=" + TAG);
            }
            if (!"root".equals(System.getProperty("user.name"))) {
                throw new IllegalStateException("Postfix's master daemon runs only as root (this is "
                        + System.getProperty("user.name") + "); skip the tests that need it with mvn verify"
                        + " -DexcludedGroups=" + TAG);
            }
            Path dir = Files.createTempDirectory("postfix");
            try {
                prepare(dir);
                for (int attempt = 1; ; attempt++) {
                    int port;
                    // free now; master binds it a moment later, unless someone else was quicker (then: PortTaken)
                    try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
                        port = probe.getLocalPort();
                    }
                    writeMasterCf(dir, port);
                    try {
                        return launch(dir, port);
                    } catch (PortTaken e) {
                        if (attempt == PORT_ATTEMPTS) {
                            throw new IllegalStateException("Postfix found no free port in " + PORT_ATTEMPTS
                                    + " attempts: " + e.getMessage(), e);
                        }
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                RbldnsdServer.deleteDirectory(dir);
                throw e;
            }
        }

        /** The directories Postfix insists on, owned as {@code postfix set-permissions} would make them. */
        private void prepare(Path dir) throws IOException {
            UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
            UserPrincipal postfix = users.lookupPrincipalByName("postfix");
            GroupPrincipal postdrop = users.lookupPrincipalByGroupName("postdrop");
            // the daemons run as postfix and must reach their queue below the temporary directory
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path conf = Files.createDirectory(dir.resolve("conf"));
            Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path queue = Files.createDirectory(dir.resolve("queue"));
            Files.setPosixFilePermissions(queue, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path data = Files.createDirectory(dir.resolve("data"));
            owned(data, postfix, null, "rwx------");
            owned(Files.createDirectory(queue.resolve("pid")), null, null, "rwxr-xr-x");
            owned(Files.createDirectory(queue.resolve("public")), postfix, postdrop, "rwx--x---");
            owned(Files.createDirectory(queue.resolve("maildrop")), postfix, postdrop, "rwx-wx---");
            for (String sub : List.of("private", "incoming", "active", "deferred", "hold", "saved", "trace",
                    "corrupt", "bounce", "defer", "flush")) {
                owned(Files.createDirectory(queue.resolve(sub)), postfix, null, "rwx------");
            }
            StringBuilder mainCf = new StringBuilder("# written by PostfixServer\n");
            parameters.forEach((name, value) -> mainCf.append(name).append(" = ")
                    .append(value.replace("DIR/", dir + "/")).append('\n'));
            Files.writeString(conf.resolve("main.cf"), mainCf, StandardCharsets.UTF_8);
            for (Map.Entry<String, String> f : files.entrySet()) {
                Path file = conf.resolve(f.getKey());
                Files.writeString(file, f.getValue(), StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }

        private PostfixServer launch(Path dir, int port) throws IOException, InterruptedException, PortTaken {
            Path log = dir.resolve(LOG);
            long logStart = Files.exists(log) ? Files.size(log) : 0;
            // -s: keep standard output, where postlogd writes the log (maillog_file = /dev/stdout); no -d: master
            // becomes a session leader, its daemons are its process group
            Process p = new ProcessBuilder(master.toString(), "-c", dir.resolve("conf").toString(), "-s")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            RUNNING.add(p);
            PostfixServer server = new PostfixServer(p, dir, port);
            try {
                server.awaitReady(logStart);
                return server;
            } catch (PortTaken | InterruptedException | RuntimeException e) {
                server.stop();
                throw e;
            }
        }
    }

    private static void owned(Path path, UserPrincipal user, GroupPrincipal group, String permissions)
            throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        if (user != null) {
            view.setOwner(user);
        }
        if (group != null) {
            view.setGroup(group);
        }
        view.setPermissions(PosixFilePermissions.fromString(permissions));
    }

    private static void writeMasterCf(Path dir, int port) throws IOException {
        // only what smtpd needs: cleanup takes the accepted envelope (and drops it at RSET), trivial-rewrite
        // resolves the addresses the access tables are asked with, proxymap for proxy: tables, postlogd the log.
        // No qmgr, no pickup: nothing is ever delivered. chroot off: the paths are outside any jail.
        String masterCf = String.format(Locale.ROOT, "# written by PostfixServer\n"
                + "%s:%d inet n - n - - smtpd\n"
                + "cleanup unix n - n - 0 cleanup\n"
                + "rewrite unix - - n - - trivial-rewrite\n"
                + "proxymap unix - - n - - proxymap\n"
                + "postlog unix-dgram n - n - 1 postlogd\n", LOOPBACK.getHostAddress(), port);
        Files.writeString(dir.resolve("conf").resolve("master.cf"), masterCf, StandardCharsets.UTF_8);
    }

    /** Postfix could not bind the port chosen for it: someone took it after the launcher let it go. */
    private static final class PortTaken extends Exception {
        private static final long serialVersionUID = 1L;

        PortTaken(String message) {
            super(message);
        }
    }

    private void awaitReady(long logStart) throws InterruptedException, PortTaken {
        long deadline = System.nanoTime() + READY.toNanos();
        String last = "no answer";
        while (true) {
            if (!process.isAlive()) {
                process.waitFor(1, TimeUnit.SECONDS);
                String log = logText(logStart);
                if (log.contains("Address already in use")) {
                    throw new PortTaken(log.strip());
                }
                throw new IllegalStateException("Postfix's master exited with status " + process.exitValue() + ": "
                        + log.strip());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "Postfix on %s did not greet within %d s (last: %s); log: %s", hostAndPort(),
                        READY.getSeconds(), last, logText(logStart).strip()));
            }
            last = greeting();
            if (last.startsWith("220 ")) {
                return;
            }
            Thread.sleep(50);
        }
    }

    /** The first line smtpd sends, or what went wrong. */
    private String greeting() {
        try (Socket socket = new Socket()) {
            socket.connect(address(), (int) PROBE_TIMEOUT.toMillis());
            socket.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r' && c != '\n' && line.length() < 512; c = in.read()) {
                line.append((char) c);
            }
            socket.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            return line.toString();
        } catch (IOException e) {
            return e.toString(); // connection refused: not listening yet
        }
    }

    /**
     * Opens an SMTP session with this server; one session can play any number of clients one after the other.
     *
     * @return the session, greeted; close it
     * @throws IOException if the connection fails or smtpd does not greet
     */
    public SmtpProbe connect() throws IOException {
        return SmtpProbe.connect(address());
    }

    /**
     * The address smtpd listens on.
     *
     * @return 127.0.0.1 and the port
     */
    public InetSocketAddress address() {
        return new InetSocketAddress(LOOPBACK, port);
    }

    /**
     * The TCP port smtpd listens on, on 127.0.0.1.
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
     * The configuration directory ({@code $config_directory}): {@code main.cf}, {@code master.cf} and the files
     * the builder wrote.
     *
     * @return {@code conf} in the server's directory
     */
    public Path configDirectory() {
        return dir.resolve("conf");
    }

    /**
     * Postfix's log: what its daemons logged, e.g. {@code NOQUEUE: reject: RCPT from ...} lines and warnings
     * about table entries it skipped.
     *
     * @return {@code postfix.log} in the server's directory
     */
    public Path log() {
        return dir.resolve(LOG);
    }

    /**
     * Postfix's log as text.
     *
     * @return everything logged so far; a note instead if it cannot be read
     */
    public String logText() {
        return logText(0);
    }

    /**
     * Postfix's log once it holds a text, or when a time is up: postlogd writes a line a moment after the event, so
     * a test that has its SMTP reply may not find the log line yet.
     *
     * @param text what to wait for, e.g. {@code NOQUEUE: reject: RCPT from unknown[192.0.2.1]}
     * @param timeout how long to wait at most
     * @return the log as text, with {@code text} in it unless the time ran out
     * @throws InterruptedException if interrupted while waiting
     */
    public String awaitLog(String text, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(text, "text");
        long deadline = System.nanoTime() + timeout.toNanos();
        String log = logText();
        while (!log.contains(text) && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
            log = logText();
        }
        return log;
    }

    /**
     * Whether the master daemon is running.
     *
     * @return true from the start until it exits or is closed
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Stops Postfix (SIGTERM to the master daemon, which stops its daemons; SIGKILL to all of them after five
     * seconds) and deletes its directory. Interrupted while waiting, it kills Postfix and keeps the thread's
     * interrupt status.
     */
    @Override
    public void close() {
        try {
            stop();
        } finally {
            RbldnsdServer.deleteDirectory(dir);
        }
    }

    private void stop() {
        // the daemons, seen before master goes: those that outlive it are killed by pid
        List<ProcessHandle> daemons = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
            }
            long deadline = System.nanoTime() + STOP.toNanos();
            for (ProcessHandle d : daemons) {
                while (d.isAlive() && System.nanoTime() - deadline < 0) {
                    Thread.sleep(20);
                }
                d.destroyForcibly();
            }
        } catch (InterruptedException e) {
            kill(process);
            daemons.forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(process);
        }
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
        return "Postfix on " + hostAndPort() + (isAlive() ? "" : " (not running)");
    }
}

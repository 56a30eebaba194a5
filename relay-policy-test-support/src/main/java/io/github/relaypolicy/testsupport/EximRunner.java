package io.github.relaypolicy.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Debian's Exim 4.96 ({@code exim4-daemon-light}), unpacked into a folder rather than installed (Debian's exim4
 * packages conflict with postfix, which the Postfix tests need), run in host-checking mode: {@code exim -C CONF
 * -bh ADDRESS} reads an SMTP dialogue from standard input as if a client at ADDRESS had connected, runs the ACLs
 * (so {@code ${readsocket ...}} really connects) and answers on standard output; it neither listens nor delivers.
 * The one launcher of the tests tagged {@value #TAG} ({@link RequiresExim}).
 *
 * <p>The folder is {@code .ci/exim}'s work ({@code apt-get download exim4-daemon-light exim4-base libidn12},
 * {@code dpkg-deb -x}, the {@code Debian-exim} user the binary drops its privileges to): the system property
 * {@value #ROOT_PROPERTY}, else the environment variable {@value #ROOT_ENV}, else {@code /var/tmp/relay-policy-exim}.
 * The tests never download anything. A missing folder or user fails the caller with a message saying how to set it
 * up; it never skips.
 *
 * <pre>{@code
 * EximRunner.Session s = EximRunner.locate().hostCheck(config, "203.0.113.9",
 *         List.of("EHLO mx.example", "MAIL FROM:<a@example.net>", "RCPT TO:<b@example.org>", "QUIT"));
 * s.replies("RCPT").get(0).text(); // e.g. "550 relay not permitted"
 * }</pre>
 */
public final class EximRunner {

    /** The JUnit tag of every test that needs Exim: {@code -DexcludedGroups=exim} skips them. */
    public static final String TAG = "exim";

    /** The system property naming the folder Exim's packages are unpacked in. */
    public static final String ROOT_PROPERTY = "relaypolicy.exim.root";

    /** The environment variable naming that folder, when the system property is not set. */
    public static final String ROOT_ENV = "RELAY_POLICY_EXIM_ROOT";

    /** The folder when neither names one; {@code .ci/exim} unpacks there by default. */
    public static final Path DEFAULT_ROOT = Path.of("/var/tmp/relay-policy-exim");

    /** The user Debian's binary was built to run as ({@code EXIM_USER}); {@code .ci/exim} creates it. */
    public static final String USER = "Debian-exim";

    /** One host check never takes longer; Exim answers a short dialogue within a few milliseconds. */
    private static final Duration RUN_LIMIT = Duration.ofSeconds(60);
    /** More output than any dialogue a test sends can produce: a broken binary, not an answer. */
    private static final int MAX_OUTPUT = 4 << 20;

    private final Path root;
    private final Path binary;
    private final String libraryPath;

    private EximRunner(Path root, Path binary, String libraryPath) {
        this.root = root;
        this.binary = binary;
        this.libraryPath = libraryPath;
    }

    /**
     * Finds the unpacked Exim: the folder {@value #ROOT_PROPERTY} names, else {@value #ROOT_ENV}, else
     * {@code /var/tmp/relay-policy-exim}.
     *
     * @return the runner
     * @throws IllegalStateException if the binary or the {@code Debian-exim} user is missing, with how to set them
     *     up
     */
    public static EximRunner locate() {
        String property = System.getProperty(ROOT_PROPERTY);
        String env = System.getenv(ROOT_ENV);
        Path root = property != null && !property.isEmpty() ? Path.of(property)
                : env != null && !env.isEmpty() ? Path.of(env) : DEFAULT_ROOT;
        return at(root);
    }

    /** The Exim unpacked in this folder; for the launcher's own tests. */
    static EximRunner at(Path root) {
        Path binary = root.resolve("usr/sbin/exim4");
        String setUp = "the Exim tests need Debian's Exim 4.96 unpacked there: run .ci/exim as root (it downloads"
                + " exim4-daemon-light, exim4-base and libidn12 into " + DEFAULT_ROOT + ", or into the folder "
                + ROOT_ENV + " names; -D" + ROOT_PROPERTY + "=FOLDER tells the tests); skip them with mvn verify"
                + " -DexcludedGroups=" + TAG;
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " is missing: " + setUp);
        }
        try {
            FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(USER);
        } catch (UserPrincipalNotFoundException e) {
            throw new IllegalStateException("there is no user " + USER + ", whom " + binary + " runs as: " + setUp,
                    e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new EximRunner(root, binary, libraryPath(root));
    }

    /** The multiarch library folders of the unpacked packages ({@code usr/lib/x86_64-linux-gnu}: libidn.so.12). */
    private static String libraryPath(Path root) {
        List<String> dirs = new ArrayList<>();
        for (Path lib : List.of(root.resolve("usr/lib"), root.resolve("lib"))) {
            if (!Files.isDirectory(lib)) {
                continue;
            }
            try (Stream<Path> children = Files.list(lib)) {
                children.filter(Files::isDirectory).filter(d -> d.getFileName().toString().contains("-linux-"))
                        .sorted().forEach(d -> dirs.add(d.toString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return String.join(":", dirs);
    }

    /**
     * The folder the packages are unpacked in.
     *
     * @return e.g. {@code /var/tmp/relay-policy-exim}
     */
    public Path root() {
        return root;
    }

    /**
     * Exim's binary.
     *
     * @return {@code usr/sbin/exim4} in {@link #root()}
     */
    public Path binary() {
        return binary;
    }

    /**
     * What Exim answered in one host check.
     *
     * @param greeting its {@code 220} greeting (or the refusal of the connection)
     * @param replies its replies to the commands, in order: {@code replies.get(i)} answers command {@code i}
     *     ({@link SmtpProbe.Reply#command()} is the command's first word, upper-cased); fewer than the commands if
     *     Exim hung up
     * @param log what Exim wrote to standard error: the ACLs' evaluation ({@code >>>} lines) and its log lines
     *     ({@code LOG:}), e.g. {@code LOG: H=... rejected RCPT <b@example.org>: ...}
     */
    public record Session(SmtpProbe.Reply greeting, List<SmtpProbe.Reply> replies, String log) {

        /**
         * A session.
         *
         * @param greeting the greeting
         * @param replies the replies to the commands
         * @param log the standard error
         */
        public Session {
            Objects.requireNonNull(greeting, "greeting");
            replies = List.copyOf(replies);
            Objects.requireNonNull(log, "log");
        }

        /**
         * The replies to one kind of command.
         *
         * @param command a command's first word, e.g. {@code RCPT}
         * @return its replies, in order
         */
        public List<SmtpProbe.Reply> replies(String command) {
            String c = command.toUpperCase(Locale.ROOT);
            return replies.stream().filter(r -> r.command().equals(c)).toList();
        }
    }

    /**
     * Runs {@code exim -C CONF -bh CLIENT} with the given configuration and SMTP commands, in a new temporary
     * directory that is deleted afterwards. The configuration is written after a few main options of the runner's
     * ({@code spool_directory} and {@code log_file_path} in that directory, {@code keep_environment} empty), which
     * it must not set again; files it includes are named by absolute paths. {@code -oMs} gives Exim the client's
     * host name, so {@code $sender_host_name} never makes Exim look the address up in the DNS.
     *
     * @param config the rest of the configuration: main options, then {@code begin acl} and so on
     * @param clientAddress the client's IP address, e.g. {@code 203.0.113.9}
     * @param clientName the client's verified host name, or null for none
     * @param commands the SMTP command lines, without CRLF; the dialogue ends after the last (add {@code QUIT})
     * @return the greeting, the replies and the log
     * @throws IOException if the directory cannot be written, Exim cannot be started, or its output is not SMTP
     *     (the message has its standard error)
     * @throws InterruptedException if interrupted while waiting; Exim is killed
     */
    public Session hostCheck(String config, String clientAddress, @Nullable String clientName, List<String> commands)
            throws IOException, InterruptedException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clientAddress, "clientAddress");
        for (String c : commands) {
            if (c.indexOf('\r') >= 0 || c.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("one command line, without CR or LF: " + c);
            }
        }
        Path dir = Files.createTempDirectory("exim");
        try {
            // Exim runs the session as Debian-exim: it must reach its spool and log below the directory
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path spool = Files.createDirectory(dir.resolve("spool"));
            Files.getFileAttributeView(spool, PosixFileAttributeView.class).setOwner(FileSystems.getDefault()
                    .getUserPrincipalLookupService().lookupPrincipalByName(USER));
            Path conf = dir.resolve("exim.conf");
            Files.writeString(conf, "# written by EximRunner\n"
                    + "spool_directory = " + spool + "\n"
                    + "log_file_path = " + spool + "/%slog\n"
                    + "keep_environment =\n"
                    + config, StandardCharsets.UTF_8);
            List<String> command = List.of(binary.toString(), "-C", conf.toString(), "-oMs",
                    clientName == null ? "" : clientName, "-bh", clientAddress);
            ProcessBuilder pb = new ProcessBuilder(command);
            Map<String, String> env = pb.environment();
            env.put("LD_LIBRARY_PATH", libraryPath);
            Process p = pb.start();
            CompletableFuture<byte[]> out = drain(p.getInputStream());
            CompletableFuture<byte[]> err = drain(p.getErrorStream());
            try (OutputStream in = p.getOutputStream()) {
                in.write(commands.stream().map(c -> c + "\r\n").collect(Collectors.joining())
                        .getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // Exim hung up before reading everything: its output says why
            }
            boolean finished;
            try {
                finished = p.waitFor(RUN_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                kill(p);
                throw e;
            }
            if (!finished) {
                kill(p);
                throw new IOException("exim -bh did not finish within " + RUN_LIMIT.getSeconds() + " s: "
                        + text(err, Duration.ofSeconds(1)));
            }
            String stderr = text(err, Duration.ofSeconds(5));
            String stdout = text(out, Duration.ofSeconds(5));
            return parse(stdout, stderr, commands, p.exitValue());
        } finally {
            RbldnsdServer.deleteDirectory(dir);
        }
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static CompletableFuture<byte[]> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try (in) {
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    if (b.size() < MAX_OUTPUT) {
                        b.write(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // the process is gone; what was read is kept
            }
            return b.toByteArray();
        });
    }

    private static String text(CompletableFuture<byte[]> output, Duration wait) throws InterruptedException {
        try {
            return new String(output.get(wait.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8);
        } catch (ExecutionException | TimeoutException e) {
            return "(output not read: " + e + ")";
        }
    }

    /** Standard output: a banner of {@code ****} lines, then the replies, each ending with a {@code NNN } line. */
    static Session parse(String stdout, String stderr, List<String> commands, int exitValue) throws IOException {
        List<List<String>> replies = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String raw : stdout.split("\n", -1)) {
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (current.isEmpty() && (line.isEmpty() || line.startsWith("**** "))) {
                continue;
            }
            if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                    || !Character.isDigit(line.charAt(2))) {
                throw new IOException(String.format(Locale.ROOT, "exim -bh (exit status %d) wrote '%s', not an"
                        + " SMTP reply; standard error: %s", exitValue, line, stderr.strip()));
            }
            current.add(line);
            if (line.length() < 4 || line.charAt(3) != '-') {
                replies.add(current);
                current = new ArrayList<>();
            }
        }
        if (replies.isEmpty()) {
            throw new IOException(String.format(Locale.ROOT, "exim -bh (exit status %d) did not greet; standard"
                    + " error: %s", exitValue, stderr.strip()));
        }
        SmtpProbe.Reply greeting = new SmtpProbe.Reply("greeting", replies.get(0));
        List<SmtpProbe.Reply> answers = new ArrayList<>();
        for (int i = 1; i < replies.size() && i - 1 < commands.size(); i++) {
            String c = commands.get(i - 1).strip();
            int space = c.indexOf(' ');
            answers.add(new SmtpProbe.Reply((space < 0 ? c : c.substring(0, space)).toUpperCase(Locale.ROOT),
                    replies.get(i)));
        }
        return new Session(greeting, answers, stderr);
    }

    @Override
    public String toString() {
        return "Exim in " + root;
    }
}

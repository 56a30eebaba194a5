package io.github.relaypolicy.cli;

import io.github.relaypolicy.core.EngineListener;
import io.github.relaypolicy.server.MetricsEndpoint;
import io.github.relaypolicy.server.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import io.github.relaypolicy.core.PolicyFile;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.server.PolicyAnswers.AcceptAction;
import io.github.relaypolicy.server.PolicyServer;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ResourceBundle;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code relay-policy serve}: the policy service for Postfix and Exim, in the foreground. */
@Command(name = "serve",
        description = {"Runs the policy service in the foreground: answers Postfix's check_policy_service and"
                + " Exim's readsocket over Postfix's policy delegation protocol with the decisions of the policy"
                + " file, which it follows (a changed file is reloaded; a broken edit keeps the rules in force and is"
                + " logged). Logs go to standard error. SIGTERM or SIGINT stops it gracefully: no new connections,"
                + " the requests already read are answered, exit 0."},
        mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:stopped by SIGTERM or SIGINT",
            "64:usage error: invalid arguments",
            "69:an address cannot be listened on (in use, not local, or not permitted)",
            "70:internal error",
            "78:the policy file cannot be used (every problem is printed with file:line:column)"
        },
        footer = {"%nExamples:", "  relay-policy serve --config examples/relay-policy.conf",
            "  relay-policy serve --config /etc/relay-policy/relay-policy.conf --listen 127.0.0.1:10040"
                    + " --listen [::1]:10040 --metrics 127.0.0.1:9149",
            "%nIn Postfix's main.cf:",
            "  smtpd_recipient_restrictions = ..., check_policy_service inet:127.0.0.1:10040"})
final class ServeCommand extends PolicyCommand {

    /** Exit code for an address that cannot be listened on (sysexits {@code EX_UNAVAILABLE}). */
    static final int EXIT_UNAVAILABLE = 69;
    /** How often the policy file and the files it names are checked for changes. */
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(2);

    @Option(names = "--listen", paramLabel = "ADDR:PORT", converter = AddressConverter.class,
            description = "Where to listen: an IP address and port, IPv6 in brackets ([::1]:10040); repeat for"
                    + " several (default: 127.0.0.1:10040).")
    private List<InetSocketAddress> listen = new ArrayList<>();

    @Option(names = "--metrics", paramLabel = "ADDR:PORT", converter = AddressConverter.class,
            description = "Serve Prometheus metrics over HTTP at /metrics on this address (default: none).")
    private @Nullable InetSocketAddress metrics;

    @Option(names = "--accept-action", paramLabel = "ACTION", defaultValue = "DUNNO",
            description = "The answer to an accepted recipient: DUNNO (relay-policy only narrows what the mail server"
                    + " allows; Postfix goes on with its own restrictions) or OK (relay-policy is the whole relay"
                    + " policy) (default: ${DEFAULT-VALUE}).")
    private AcceptAction acceptAction = AcceptAction.DUNNO;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "600s",
            description = "Close a connection quiet for this long: NUMBER with ms, s, m or h (default:"
                    + " ${DEFAULT-VALUE}; Postfix closes its own after smtpd_policy_service_max_idle, 300s).")
    private Duration idleTimeout = Duration.ofSeconds(600);

    @Option(names = {"-v", "--verbose"},
            description = "Log every connection reset and idle close as well.")
    private boolean verbose;

    /** Counted down by SIGTERM or SIGINT to stop. */
    private final CountDownLatch stop = new CountDownLatch(1);
    /** Counted down when {@link #run} has closed everything; the shutdown-hook fallback waits for it. */
    private final CountDownLatch done = new CountDownLatch(1);

    @Override
    int run(PolicyFile policy, PrintWriter out, PrintWriter err) throws Exception {
        for (int i = 0; i < listen.size(); i++) {
            InetSocketAddress a = listen.get(i);
            // the second bind would fail as "address already in use", sending the administrator after
            // another process; port 0 twice is two free ports
            if (a.getPort() != 0 && listen.subList(0, i).contains(a)) {
                err.println("relay-policy serve: --listen " + ErrLog.text(a) + " is given twice");
                return Main.EXIT_USAGE;
            }
        }
        ErrLog log = new ErrLog(err, verbose);
        // before anything is served: a signal from now on stops the service gracefully
        onSignals(stop::countDown, done);
        JulBridge bridge = JulBridge.install(log, verbose);
        try {
            return serve(policy, err, log);
        } finally {
            bridge.close();
            done.countDown();
        }
    }

    private int serve(PolicyFile policy, PrintWriter err, ErrLog log) throws Exception {
        for (String warning : LintCommand.warnings(policy)) {
            log.log(System.Logger.Level.WARNING, "policy: " + Text.printable(warning, 500));
        }
        PrometheusMeterRegistry registry = metrics == null ? null
                : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerMetrics recorder = registry == null ? null : new MicrometerMetrics(registry);
        EngineListener listener = recorder == null ? EngineListener.NONE : recorder;
        // the engine logs its reloads (a failed one with every problem at file:line:column) through the bridge
        try (RelayEngine engine = RelayEngine.fromFile(policy.file(), CHECK_INTERVAL, listener)) {
            for (String warning : engine.zoneWarnings()) {
                log.log(System.Logger.Level.WARNING, "policy: " + Text.printable(warning, 500));
            }
            PolicyServer.Builder builder = PolicyServer.builder(engine).acceptAction(acceptAction)
                    .idleTimeout(idleTimeout).log(log);
            if (recorder != null) {
                builder.metrics(recorder);
            }
            listen.forEach(builder::listen);
            MetricsEndpoint endpoint = null;
            PolicyServer server;
            try {
                if (registry != null && metrics != null) {
                    endpoint = MetricsEndpoint.start(metrics, registry);
                }
                server = builder.start();
            } catch (BindException e) {
                if (endpoint != null) {
                    endpoint.close();
                }
                err.println("relay-policy serve: " + e.getMessage());
                return EXIT_UNAVAILABLE;
            }
            try (server; MetricsEndpoint scrape = endpoint) {
                if (scrape != null) {
                    log.log(System.Logger.Level.INFO, "metrics on " + scrape.url());
                }
                log.log(System.Logger.Level.INFO, "serving " + policy.file() + " (accept action "
                        + acceptAction + "); stop with SIGTERM or SIGINT");
                stop.await();
                log.log(System.Logger.Level.INFO, "stopping: answering the requests in flight, then closing "
                        + server.openConnections() + " connection" + (server.openConnections() == 1 ? "" : "s"));
            }
            log.log(System.Logger.Level.INFO, "stopped");
            return 0;
        }
    }

    /**
     * While serving, everything written to {@code java.util.logging} (the engine's reload and zone messages,
     * Netty, Lettuce) goes to the {@link ErrLog} instead of the JDK's console handler, one line a message line, so
     * standard error has one format and each message once. {@link #close()} puts the handlers back.
     */
    static final class JulBridge extends Handler {
        private final ErrLog log;
        private final java.util.logging.Logger root;
        private final Handler[] previous;
        private final java.util.logging.Level previousLevel;

        private JulBridge(ErrLog log, java.util.logging.Logger root) {
            this.log = log;
            this.root = root;
            this.previous = root.getHandlers();
            this.previousLevel = root.getLevel();
        }

        static JulBridge install(ErrLog log, boolean verbose) {
            java.util.logging.Logger root = LogManager.getLogManager().getLogger("");
            JulBridge bridge = new JulBridge(log, root);
            for (Handler h : bridge.previous) {
                root.removeHandler(h);
            }
            bridge.setLevel(verbose ? java.util.logging.Level.FINE : java.util.logging.Level.INFO);
            root.setLevel(bridge.getLevel());
            root.addHandler(bridge);
            return bridge;
        }

        @Override
        public void publish(LogRecord record) {
            if (record == null || !isLoggable(record)) {
                return;
            }
            int level = record.getLevel().intValue();
            System.Logger.Level to = level >= java.util.logging.Level.SEVERE.intValue() ? System.Logger.Level.ERROR
                    : level >= java.util.logging.Level.WARNING.intValue() ? System.Logger.Level.WARNING
                    : level >= java.util.logging.Level.INFO.intValue() ? System.Logger.Level.INFO
                    : System.Logger.Level.DEBUG;
            String text = String.valueOf(new SimpleFormatter().formatMessage(record));
            List<String> lines = text.lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                log.log(to, null, lines.get(i), i == lines.size() - 1 ? record.getThrown() : null);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            root.removeHandler(this);
            for (Handler h : previous) {
                root.addHandler(h);
            }
            root.setLevel(previousLevel);
        }
    }

    /**
     * Runs {@code action} on SIGTERM and SIGINT instead of letting the JVM exit with 143 or 130: the command then
     * closes gracefully and exits 0. {@code sun.misc.Signal} (module jdk.unsupported) is the only way the JDK
     * offers; it is reached by reflection so the build needs no internal API. Without it, a shutdown hook does the
     * same, waiting at most 30 s for the close, and the JVM exits with the signal's status.
     */
    private static void onSignals(Runnable action, CountDownLatch done) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object handler = Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            action.run();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "relay-policy serve signal handler";
                    });
            for (String name : List.of("TERM", "INT")) {
                signal.getMethod("handle", signal, handlerType)
                        .invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // the JVM halts once its hooks return: wait (bounded) for the graceful close to end
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                action.run();
                try {
                    done.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }, "relay-policy-serve-stop"));
        }
    }

    /** {@code 127.0.0.1:10040}, {@code [::1]:10040}; IP addresses only, never a name to resolve. */
    static final class AddressConverter implements ITypeConverter<InetSocketAddress> {
        private static final Pattern FORM = Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)]|([0-9.]+)):([0-9]{1,5})");

        @Override
        public InetSocketAddress convert(String value) {
            Matcher m = FORM.matcher(value);
            if (!m.matches()) {
                throw new TypeConversionException("'" + Text.printable(value, 100) + "' is not ADDR:PORT with an IP"
                        + " address (127.0.0.1:10040, [::1]:10040)");
            }
            int port = Integer.parseInt(m.group(3));
            if (port > 65535) {
                throw new TypeConversionException("'" + value + "': port " + port + " is above 65535");
            }
            String host = m.group(1) != null ? m.group(1) : m.group(2);
            boolean v6 = m.group(1) != null;
            if (v6 ? host.indexOf(':') < 0 : !isIpv4(host)) {
                throw new TypeConversionException("'" + value + "': " + host + " is not an IPv" + (v6 ? "6" : "4")
                        + " address");
            }
            try {
                // a literal: InetAddress parses it without asking DNS
                return new InetSocketAddress(InetAddress.getByName(host), port);
            } catch (UnknownHostException e) {
                throw new TypeConversionException("'" + value + "': " + host + " is not an IP address");
            }
        }

        /**
         * Four decimal octets up to 255: anything else that InetAddress does not take as a literal, it would look up
         * as a host name ({@code 999.1.1.1} asks the resolver).
         */
        private static boolean isIpv4(String host) {
            if (!host.matches("(\\d{1,3}\\.){3}\\d{1,3}")) {
                return false;
            }
            for (String octet : host.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return false;
                }
            }
            return true;
        }
    }

    /** {@code 600s}, {@code 10m}, {@code 500ms}, {@code 1h}. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        private static final Pattern FORM = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

        @Override
        public Duration convert(String value) {
            Matcher m = FORM.matcher(value.toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new TypeConversionException("'" + Text.printable(value, 100) + "' is not a duration"
                        + " (NUMBER with ms, s, m or h: 600s)");
            }
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
            if (d.isZero() || d.compareTo(Duration.ofDays(1)) > 0) {
                throw new TypeConversionException("'" + value + "' must be more than 0 and at most 24h");
            }
            return d;
        }
    }

    /** One line a message on standard error: {@code 2026-11-30T14:50:01.123Z WARNING message: cause}. */
    static final class ErrLog implements System.Logger {
        private final PrintWriter err;
        private final boolean verbose;

        ErrLog(PrintWriter err, boolean verbose) {
            this.err = err;
            this.verbose = verbose;
        }

        @Override
        public String getName() {
            return "relay-policy serve";
        }

        /** {@code 127.0.0.1:9149}, {@code [::1]:9149}. */
        static String text(InetSocketAddress a) {
            String host = a.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
        }

        @Override
        public boolean isLoggable(Level level) {
            return level.getSeverity() >= (verbose ? Level.DEBUG : Level.INFO).getSeverity();
        }

        @Override
        public void log(Level level, @Nullable ResourceBundle bundle, @Nullable String msg,
                @Nullable Throwable thrown) {
            if (!isLoggable(level)) {
                return;
            }
            String line = Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + level.getName() + " "
                    + Text.printable(String.valueOf(msg), 2000)
                    + (thrown == null ? "" : ": " + Text.printable(String.valueOf(thrown), 1000));
            synchronized (err) {
                err.println(line);
                err.flush();
            }
        }

        @Override
        public void log(Level level, @Nullable ResourceBundle bundle, @Nullable String format,
                @Nullable Object... params) {
            log(level, bundle, params == null || params.length == 0 ? format
                    : java.text.MessageFormat.format(String.valueOf(format), params), (Throwable) null);
        }
    }
}

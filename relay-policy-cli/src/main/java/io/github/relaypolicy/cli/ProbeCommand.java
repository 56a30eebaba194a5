package io.github.relaypolicy.cli;

import io.github.relaypolicy.cli.SmtpProbe.Outcome;
import io.github.relaypolicy.cli.SmtpProbe.ProbeException;
import io.github.relaypolicy.cli.SmtpProbe.Result;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code relay-policy probe HOST[:PORT]}: runs the {@link RelayBattery open-relay battery} over SMTP against a
 * live server and reports whether it relays.
 *
 * @since 0.1.0
 */
@Command(name = "probe",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        descriptionHeading = "%n",
        parameterListHeading = "%nParameters:%n",
        optionListHeading = "%nOptions:%n",
        description = {
            "Tests a live mail server for open relay: runs the open-relay battery over SMTP, 30 MAIL FROM / RCPT TO "
                    + "pairs that try to get mail to a third-party domain (plain address, %% hack, quoted local "
                    + "parts, double @, source routes, bang paths), with a sender in our domain, a foreign sender, "
                    + "the null sender and a sender at our address literal.",
            "",
            "Only the named host is contacted, at the one address its name resolves to. Per test: MAIL FROM, "
                    + "RCPT TO, RSET; never DATA, so no mail is sent, and never STARTTLS or AUTH. A connection the "
                    + "server drops is opened again for the next test. Progress is shown on a terminal only."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:closed: every test was refused (4xx or 5xx to RCPT TO or to MAIL FROM)",
            " 1:open relay: at least one test was accepted (2xx to RCPT TO)",
            " 2:could not test: no connection, a greeting other than 220, or a test that could not be completed "
                    + "(and none relayed)",
            "64:usage error: invalid arguments",
            "70:internal error"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  relay-policy probe mail.example.org",
            "  relay-policy probe --domain example.org 192.0.2.25:2525",
            "  relay-policy probe --json [2001:db8::25]:25"
        })
final class ProbeCommand implements Callable<Integer> {

    /** Every test was refused. */
    static final int EXIT_CLOSED = 0;
    /** At least one test was relayed. */
    static final int EXIT_OPEN_RELAY = 1;
    /** The server could not be tested, or a test could not be completed and none relayed. */
    static final int EXIT_COULD_NOT_TEST = 2;

    private static final int MAX_TIMEOUT_SECONDS = 3600;
    private static final int MAX_REPLY = 200;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]",
            description = "The server to test: a host name or IP address, port 25 unless given; an IPv6 address "
                    + "with a port in brackets, e.g. [::1]:2525.")
    private String target;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "Limit of each step (connect, each command's reply), 1 to 3600 seconds "
                    + "(default: ${DEFAULT-VALUE}).")
    private int timeoutSeconds;

    @Option(names = "--helo", paramLabel = "NAME", defaultValue = "relay-policy.invalid",
            description = "EHLO/HELO name (default: ${DEFAULT-VALUE}).")
    private String helo;

    @Option(names = "--domain", paramLabel = "DOMAIN",
            description = "The server's own domain, used in the routed forms (user%%victim@DOMAIN, ...) and the "
                    + "local sender (default: the host name the server announces in its greeting or EHLO reply, "
                    + "else HOST).")
    private @Nullable String domain;

    @Option(names = "--victim", paramLabel = "DOMAIN", defaultValue = "victim.example",
            description = "The third-party domain that mail must not be relayed to (default: ${DEFAULT-VALUE}).")
    private String victim;

    @Option(names = "--json", description = "Print the results as one JSON object instead of a table.")
    private boolean json;

    /** Constructed by picocli. */
    ProbeCommand() {
    }

    @Override
    public Integer call() {
        Target where = parseTarget();
        checkOptions();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();

        InetAddress address;
        try {
            address = InetAddress.getByName(where.host());
        } catch (UnknownHostException e) {
            return couldNotTest(where, "cannot resolve host '" + Text.printable(where.host(), 100) + "'");
        }
        String literal = Text.addressLiteral(address);
        try (SmtpProbe probe = new SmtpProbe(address, where.port(), helo, Duration.ofSeconds(timeoutSeconds))) {
            try {
                probe.connect();
            } catch (ProbeException e) {
                return couldNotTest(where, e.getMessage());
            }
            String ours = domain != null ? domain
                    : probe.announcedName().orElse(Text.isDomain(where.host()) ? where.host() : literal);
            List<RelayBattery.Test> tests = RelayBattery.tests(ours, literal, victim);
            Progress progress = Main.interactive() ? new Progress(err, tests.size()) : null;
            List<Result> results = new ArrayList<>(tests.size());
            for (RelayBattery.Test test : tests) {
                if (progress != null) {
                    progress.show(test);
                }
                results.add(probe.run(test));
            }
            if (progress != null) {
                progress.clear();
            }
            Report report = new Report(where, address, probe.greeting(), ours, literal, results);
            if (json) {
                printJson(out, report, null);
            } else {
                printTable(out, report);
            }
            return report.exitCode();
        }
    }

    private Target parseTarget() {
        try {
            return Target.parse(target);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private void checkOptions() {
        if (timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
            throw usage("--timeout", Integer.toString(timeoutSeconds), "expected 1 to 3600 seconds");
        }
        if (!Text.isDomain(helo) && !Text.isAddressLiteral(helo)) {
            throw usage("--helo", helo, "expected a host name or an address literal such as [192.0.2.1]");
        }
        if (domain != null && !Text.isDomain(domain) && !Text.isAddressLiteral(domain)) {
            throw usage("--domain", domain, "expected an ASCII domain name (write an IDN as its xn-- form) or an "
                    + "address literal");
        }
        if (!Text.isDomain(victim)) {
            throw usage("--victim", victim, "expected an ASCII domain name (write an IDN as its xn-- form)");
        }
    }

    private ParameterException usage(String option, String value, String expected) {
        return new ParameterException(spec.commandLine(), String.format(Locale.ROOT, "%s '%s': %s", option,
                Text.printable(value, 100), expected));
    }

    /** Reports that testing could not start; in JSON mode on standard output, so that scripts see a result. */
    private int couldNotTest(Target where, String why) {
        if (json) {
            printJson(spec.commandLine().getOut(), new Report(where, null, "", "", "", List.of()), why);
        } else {
            spec.commandLine().getErr().println("relay-policy probe: could not test: " + why);
        }
        return EXIT_COULD_NOT_TEST;
    }

    private void printTable(PrintWriter out, Report report) {
        String host = Text.printable(report.target().host(), 100);
        String address = report.address() == null ? host : report.address().getHostAddress();
        out.printf(Locale.ROOT, "Probed %s port %d: %s%n", address.equals(host) ? host : host + " (" + address + ")",
                report.target().port(), Text.oneLine(report.greeting(), MAX_REPLY));
        out.printf(Locale.ROOT, "Our domain %s, our literal %s, victim %s, HELO %s%n%n", report.domain(),
                report.literal(), victim, helo);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "RESULT", "MAIL FROM", "RCPT TO", "REPLY"});
        for (Result r : report.results()) {
            rows.add(new String[] {Integer.toString(r.test().id()), label(r.outcome()), r.test().senderPath(),
                r.test().recipientPath(), Text.oneLine(r.reply(), MAX_REPLY)});
        }
        int[] widths = new int[4];
        for (String[] row : rows) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            line.append(" ".repeat(widths[0] - row[0].length())).append(row[0]);
            for (int i = 1; i < widths.length; i++) {
                line.append("  ").append(Text.pad(row[i], widths[i]));
            }
            out.println(line.append("  ").append(row[4]));
        }
        out.println();
        out.println(report.summary());
    }

    private void printJson(PrintWriter out, Report report, @Nullable String error) {
        StringBuilder sb = new StringBuilder(4096).append("{\n");
        field(sb, "host", Text.json(report.target().host()));
        field(sb, "port", Integer.toString(report.target().port()));
        field(sb, "address", report.address() == null ? "null" : Text.json(report.address().getHostAddress()));
        field(sb, "greeting", Text.json(Text.printable(report.greeting().strip(), 1000)));
        field(sb, "domain", Text.json(report.domain()));
        field(sb, "literal", Text.json(report.literal()));
        field(sb, "victim", Text.json(victim));
        field(sb, "helo", Text.json(helo));
        field(sb, "result", Text.json(error != null ? "could_not_test" : report.result()));
        field(sb, "exitCode", Integer.toString(error != null ? EXIT_COULD_NOT_TEST : report.exitCode()));
        field(sb, "error", error == null ? "null" : Text.json(error));
        field(sb, "relayed", Long.toString(report.count(Outcome.RELAYED)));
        field(sb, "refused", Long.toString(report.count(Outcome.REFUSED) + report.count(Outcome.REFUSED_AT_MAIL)));
        field(sb, "couldNotTest", Long.toString(report.count(Outcome.COULD_NOT_TEST)));
        sb.append("  \"tests\": [");
        String separator = "\n";
        for (Result r : report.results()) {
            sb.append(separator).append("    {\"id\": ").append(r.test().id())
                    .append(", \"description\": ").append(Text.json(r.test().description()))
                    .append(", \"sender\": ").append(Text.json(r.test().sender()))
                    .append(", \"recipient\": ").append(Text.json(r.test().recipient()))
                    .append(", \"result\": ").append(Text.json(r.outcome().name().toLowerCase(Locale.ROOT)))
                    .append(", \"reply\": ").append(Text.json(Text.printable(r.reply().strip(), 1000)))
                    .append('}');
            separator = ",\n";
        }
        sb.append(report.results().isEmpty() ? "]\n" : "\n  ]\n").append("}");
        out.println(sb);
    }

    private static void field(StringBuilder sb, String name, String jsonValue) {
        sb.append("  ").append(Text.json(name)).append(": ").append(jsonValue).append(",\n");
    }

    private static String label(Outcome outcome) {
        return switch (outcome) {
            case RELAYED -> "RELAYED";
            case REFUSED -> "refused";
            case REFUSED_AT_MAIL -> "refused at MAIL";
            case COULD_NOT_TEST -> "could not test";
        };
    }

    /** What the probe found. */
    private record Report(Target target, @Nullable InetAddress address, String greeting, String domain,
            String literal, List<Result> results) {

        long count(Outcome outcome) {
            return results.stream().filter(r -> r.outcome() == outcome).count();
        }

        int exitCode() {
            if (count(Outcome.RELAYED) > 0) {
                return EXIT_OPEN_RELAY;
            }
            return count(Outcome.COULD_NOT_TEST) > 0 ? EXIT_COULD_NOT_TEST : EXIT_CLOSED;
        }

        String result() {
            return switch (exitCode()) {
                case EXIT_OPEN_RELAY -> "open_relay";
                case EXIT_COULD_NOT_TEST -> "could_not_test";
                default -> "closed";
            };
        }

        String summary() {
            int total = results.size();
            long relayed = count(Outcome.RELAYED);
            long incomplete = count(Outcome.COULD_NOT_TEST);
            if (relayed > 0) {
                return String.format(Locale.ROOT, "OPEN RELAY: %d of %d tests relayed (%s).", relayed, total,
                        ids(Outcome.RELAYED));
            }
            if (incomplete > 0) {
                return String.format(Locale.ROOT, "COULD NOT TEST: %d of %d tests could not be completed (%s); "
                        + "none relayed.", incomplete, total, ids(Outcome.COULD_NOT_TEST));
            }
            long atMail = count(Outcome.REFUSED_AT_MAIL);
            return String.format(Locale.ROOT, "Closed: all %d tests refused%s.", total,
                    atMail == 0 ? "" : String.format(Locale.ROOT, " (%d at MAIL FROM)", atMail));
        }

        private String ids(Outcome outcome) {
            List<String> ids = results.stream().filter(r -> r.outcome() == outcome)
                    .map(r -> Integer.toString(r.test().id())).collect(Collectors.toList());
            return (ids.size() == 1 ? "test " : "tests ") + String.join(", ", ids);
        }
    }

    /** One overwritten line on a terminal: which test is running. */
    private static final class Progress {
        private final PrintWriter err;
        private final int total;
        private int width;

        Progress(PrintWriter err, int total) {
            this.err = err;
            this.total = total;
        }

        void show(RelayBattery.Test test) {
            String line = String.format(Locale.ROOT, "[%2d/%d] %s", test.id(), total, test.description());
            err.print("\r" + Text.pad(line, width));
            err.flush();
            width = Math.max(width, line.length());
        }

        void clear() {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
        }
    }
}

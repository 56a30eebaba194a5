package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.core.internal.match.SmtpPath;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Parsing the argument of {@code RCPT TO:} ({@code <local@domain>}): relay-policy's RFC 5321 path parser
 * ({@link #ours}, {@code SmtpPath.parse}, the result packed in a {@code long}) against jakarta.mail's
 * {@code new InternetAddress(path, true)} (strict RFC 822 parsing, Eclipse Angus implementation) ({@link #jakartaStrict}),
 * on the same 1,024 paths per {@link #kind}:
 * <ul>
 *   <li>{@code plain}: {@code <local@domain>}, dot-atoms of 3 to 25 characters, 2 to 4 labels;
 *   <li>{@code quoted}: quoted local parts ({@code "john smith"}, escaped quotes, a quoted {@code @});
 *   <li>{@code source_routed}: {@code <@a.example,@b.example:user@c.example>} (valid: RFC 5321 says accept and
 *       ignore the route);
 *   <li>{@code hostile}: 16 kinds of malformed paths a client may send on purpose: CR LF injection, NUL, tab,
 *       missing or doubled brackets, empty local part, two unquoted {@code @}, a 65-character local part, a
 *       300-character path, a space, {@code ..}, a leading hyphen in a label, an out-of-range address literal, an
 *       unterminated quote, an underscore in the domain, an RFC 822 comment;
 *   <li>{@code mix}: 70% plain, 10% quoted, 5% source-routed, 15% hostile, shuffled.
 * </ul>
 * The expected answer (well-formed by RFC 5321 or not) comes with each path; the setup counts the paths each parser
 * judges otherwise and records them next to the figure.
 *
 * <p>Run: {@code java -jar relay-policy-benchmarks/target/benchmarks.jar PathPeersBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PathPeersBenchmark {

    /** Which paths: see the class documentation. */
    @Param({"plain", "quoted", "source_routed", "hostile", "mix"})
    public String kind = "mix";

    private String[] paths;

    /**
     * Generates the paths and checks the measured parser's verdict on each.
     *
     * @param params which benchmark method this trial measures
     */
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        SplittableRandom rnd = new SplittableRandom(0x5EED_A000L + kind.hashCode());
        paths = new String[PeerData.QUERIES];
        boolean[] valid = new boolean[PeerData.QUERIES];
        String[] shape = new String[PeerData.QUERIES];
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < PeerData.QUERIES; i++) {
            order.add(i);
        }
        for (int i = 0; i < PeerData.QUERIES; i++) {
            String k = kind;
            if ("mix".equals(kind)) {
                int r = i % 20;
                k = r < 14 ? "plain" : r < 16 ? "quoted" : r < 17 ? "source_routed" : "hostile";
            }
            int slot = order.remove(rnd.nextInt(order.size())); // shuffled placement
            switch (k) {
                case "plain":
                    paths[slot] = "<" + PeerData.localPart(rnd) + "@" + PeerData.domainShape(rnd) + ">";
                    valid[slot] = true;
                    shape[slot] = "plain";
                    break;
                case "quoted":
                    paths[slot] = quoted(rnd, i);
                    valid[slot] = true;
                    shape[slot] = "quoted";
                    break;
                case "source_routed":
                    paths[slot] = "<@" + PeerData.domainShape(rnd) + (i % 2 == 0 ? ",@" + PeerData.domainShape(rnd) : "")
                            + ":" + PeerData.localPart(rnd) + "@" + PeerData.domainShape(rnd) + ">";
                    valid[slot] = true;
                    shape[slot] = "source route";
                    break;
                case "hostile":
                    paths[slot] = hostile(rnd, i);
                    valid[slot] = false;
                    shape[slot] = HOSTILE[i % HOSTILE.length];
                    break;
                default:
                    throw new IllegalArgumentException("kind '" + kind + "' is unknown");
            }
        }
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        Predicate<String> accepts;
        switch (method) {
            case "ours":
                accepts = p -> SmtpPath.status(SmtpPath.parse(p)) == SmtpPath.OK;
                break;
            case "jakartaStrict":
                accepts = PathPeersBenchmark::jakartaAccepts;
                break;
            default:
                throw new IllegalStateException("no setup for benchmark method '" + method + "'");
        }
        int wrong = 0;
        String example = null;
        Set<String> misjudged = new LinkedHashSet<>();
        for (int i = 0; i < PeerData.QUERIES; i++) {
            boolean a = accepts.test(paths[i]);
            if (a != valid[i]) {
                misjudged.add(shape[i]);
                if (wrong == 0) {
                    example = paths[i] + " -> " + (a ? "accepted" : "refused") + ", expected "
                            + (valid[i] ? "accepted" : "refused");
                }
                wrong++;
            }
        }
        PeerData.record(params.getBenchmark(), "kind=" + kind, wrong, PeerData.QUERIES, example,
                misjudged.isEmpty() ? "" : "misjudged: " + String.join(", ", misjudged));
    }

    private static String quoted(SplittableRandom rnd, int i) {
        String d = PeerData.domainShape(rnd);
        switch (i % 4) {
            case 0:
                return "<\"" + PeerData.label(rnd) + " " + PeerData.label(rnd) + "\"@" + d + ">";
            case 1:
                return "<\"" + PeerData.label(rnd) + "\\\"" + PeerData.label(rnd) + "\"@" + d + ">";
            case 2:
                return "<\"" + PeerData.label(rnd) + "@" + PeerData.domainShape(rnd) + "\"@" + d + ">";
            default:
                return "<\"" + PeerData.localPart(rnd) + "\"@" + d + ">";
        }
    }

    /** What {@link #hostile} makes for {@code i % 16}. */
    private static final String[] HOSTILE = {"CR LF and a second command", "NUL", "no closing >", "<<doubled>>",
        "empty local part", "two unquoted @", "65-character local part", "300-character path", "space",
        "'..' in the local part", "label starting with -", "literal 300.x.x.1", "unterminated quote",
        "_ in the domain", "tab", "RFC 822 comment"};

    private static String hostile(SplittableRandom rnd, int i) {
        String l = PeerData.label(rnd);
        String d = PeerData.domainShape(rnd);
        switch (i % 16) {
            case 0:
                return "<" + l + "@" + d + ">\r\nRCPT TO:<" + PeerData.label(rnd) + "@" + PeerData.domainShape(rnd)
                        + ">";
            case 1:
                return "<" + l + "\u0000x@" + d + ">";
            case 2:
                return "<" + l + "@" + d;
            case 3:
                return "<<" + l + "@" + d + ">>";
            case 4:
                return "<@" + d + ">";
            case 5:
                return "<" + l + "@" + PeerData.domainShape(rnd) + "@" + d + ">";
            case 6:
                return "<" + "a".repeat(65) + "@" + d + ">";
            case 7:
                StringBuilder sb = new StringBuilder("<").append(l).append('@');
                while (sb.length() < 300) {
                    sb.append(PeerData.label(rnd)).append('.');
                }
                return sb.append("org>").toString();
            case 8:
                return "<" + l + " " + PeerData.label(rnd) + "@" + d + ">";
            case 9:
                return "<" + l + ".." + PeerData.label(rnd) + "@" + d + ">";
            case 10:
                return "<" + l + "@-" + d + ">";
            case 11:
                return "<" + l + "@[300." + rnd.nextInt(256) + "." + rnd.nextInt(256) + ".1]>";
            case 12:
                return "<\"" + l + "@" + d + ">";
            case 13:
                return "<" + l + "@" + PeerData.label(rnd) + "_" + d + ">";
            case 14:
                return "<" + l + "\tx@" + d + ">";
            default:
                return "<" + l + "(comment)@" + d + ">";
        }
    }

    private static boolean jakartaAccepts(String path) {
        try {
            new InternetAddress(path, true);
            return true;
        } catch (AddressException e) {
            return false;
        }
    }

    /**
     * relay-policy's RFC 5321 path parser.
     *
     * @param c this thread's position in the paths
     * @return the packed result (status, flags, domain bounds)
     */
    @Benchmark
    public long ours(NetworkPeersBenchmark.Cursor c) {
        return SmtpPath.parse(paths[c.next++ & PeerData.MASK]);
    }

    /**
     * jakarta.mail {@code new InternetAddress(path, true)}; a malformed path throws {@code AddressException}.
     *
     * @param c this thread's position in the paths
     * @return whether the path parsed
     */
    @Benchmark
    public boolean jakartaStrict(NetworkPeersBenchmark.Cursor c) {
        return jakartaAccepts(paths[c.next++ & PeerData.MASK]);
    }
}

package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.core.internal.access.AccessSubject;
import io.github.relaypolicy.core.internal.access.AccessTable;
import io.github.relaypolicy.core.internal.access.Action;
import io.github.relaypolicy.core.internal.access.Family;
import io.github.relaypolicy.core.internal.match.SmtpPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
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

/**
 * One access-table file answering one request, without the engine around it:
 * <ul>
 *   <li>{@link #cidr}: a cidr table of {@link #entries} networks and one client address (a trie lookup);
 *   <li>{@link #recipient}: an access(5) text table of {@link #entries} addresses and domains, asked for a
 *       recipient {@code user+tag@a.b.domainN.example} that matches nothing, so every key form is looked up
 *       ({@code user+tag@...}, {@code user@...}, four domains, {@code user+tag@}, {@code user@});
 *   <li>{@link #helo}: the same for a HELO name of five labels;
 *   <li>{@link #regexpWorstCase}: a pcre table of {@link #patterns} patterns none of which matches a HELO name of
 *       {@link #heloLength} characters, each pattern reading the whole name before it fails (RE2/J), the worst case
 *       the issue asks for;
 *   <li>{@link #regexpOnePattern}: one pattern against a 30-character name, the cost per pattern.
 * </ul>
 * Run: {@code java -jar relay-policy-benchmarks/target/benchmarks.jar AccessTableBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AccessTableBenchmark {

    /** Entries of the cidr and text tables. */
    @Param({"100000"})
    public int entries = 100_000;

    /** Patterns of the regexp table of {@link #regexpWorstCase}. */
    @Param({"1000"})
    public int patterns = 1000;

    /**
     * Length of the HELO name of {@link #regexpWorstCase}: 1,000 as the issue asks, 255 the longest the request
     * checks let through.
     */
    @Param({"1000"})
    public int heloLength = 1000;

    private AccessTable cidrTable;
    private AccessTable textTable;
    private AccessTable heloTable;
    private AccessTable regexpTable;
    private AccessTable onePattern;
    private final AccessSubject subject = new AccessSubject();
    private final AccessSubject longHelo = new AccessSubject();
    private final AccessSubject shortHelo = new AccessSubject();

    /** Writes and loads the tables. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path dir = Files.createTempDirectory("access-bench");
        StringBuilder cidr = new StringBuilder();
        StringBuilder text = new StringBuilder();
        StringBuilder helo = new StringBuilder();
        for (int i = 0; i < entries; i++) {
            cidr.append(String.format(Locale.ROOT, "10.%d.%d.0/24 REJECT%n", i >> 8 & 255, i & 255));
            text.append("user").append(i).append("@domain").append(i).append(".example REJECT\n");
            helo.append("host").append(i).append(".example OK\n");
        }
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < patterns; i++) {
            re.append("/^[a-z0-9.-]*pattern").append(i).append("[0-9]+\\.example$/ REJECT\n");
        }
        cidrTable = load(dir, Family.CLIENT, "cidr:", "cidr", cidr);
        textTable = load(dir, Family.RECIPIENT, "", "text", text);
        heloTable = load(dir, Family.HELO, "", "helo", helo);
        regexpTable = load(dir, Family.HELO, "pcre:", "re", re);
        onePattern = load(dir, Family.HELO, "pcre:", "one", new StringBuilder("/^mail[0-9]+\\.example\\.org$/ OK\n"));
        String rcpt = "<user42+tag@a.b.domain4242.net>";
        subject.reset("+", "<>").client("10.20.30.40", null).helo("mx1.a.b.mail.example.org")
                .recipient(rcpt, SmtpPath.parse(rcpt));
        longHelo.helo("a".repeat(heloLength - 8) + ".example");
        shortHelo.helo("mx1.somewhere.example.net");
        if (cidr() == null || recipient() != null || helo() != null || regexpWorstCase() != null
                || regexpOnePattern() != null) {
            throw new IllegalStateException("unexpected answer");
        }
    }

    private static AccessTable load(Path dir, Family family, String prefix, String name, CharSequence content) {
        try {
            Path file = dir.resolve(name);
            Files.write(file, content.toString().getBytes(StandardCharsets.UTF_8));
            return AccessTable.load(family, prefix + file, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A cidr lookup. */
    @Benchmark
    public Action cidr() {
        return cidrTable.find(subject);
    }

    /** Every key form of a recipient, none found. */
    @Benchmark
    public Action recipient() {
        return textTable.find(subject);
    }

    /** A HELO name and its parents, none found. */
    @Benchmark
    public Action helo() {
        return heloTable.find(subject);
    }

    /** {@link #patterns} patterns against a 1,000-character name, none matching. */
    @Benchmark
    public Action regexpWorstCase() {
        return regexpTable.find(longHelo);
    }

    /** One pattern against a short name. */
    @Benchmark
    public Action regexpOnePattern() {
        return onePattern.find(shortHelo);
    }
}

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
 *   <li>{@link #cidr}: a cidr table of {@link Tables#entries} networks and one client address (a trie lookup);
 *   <li>{@link #recipient}: an access(5) text table of {@link Tables#entries} addresses and domains, asked for a
 *       recipient {@code user+tag@a.b.domainN.example} that matches nothing, so every key form is looked up
 *       ({@code user+tag@...}, {@code user@...}, four domains, {@code user+tag@}, {@code user@});
 *   <li>{@link #helo}: the same for a HELO name of five labels;
 *   <li>{@link #regexp}: a pcre table of {@link Regexp#patterns} patterns against a HELO name of
 *       {@link Regexp#length} characters ({@code 26}: {@code h0st-1.dsl.example.bad.net}, a typical name; {@code 1000}:
 *       the same name after 974 more letters, the worst case the issue names), none matching, each pattern reading
 *       the whole name before it fails; {@link Regexp#literal} says what the module's literal prefilter can do:
 *       <ul>
 *         <li>{@code none}: the patterns have no required literal ({@code /^[a-z0-9.-]*(dsl|dyn)\.example(\.pN)?
 *             \.bad$/}: an alternation), so RE2/J runs every one;
 *         <li>{@code absent}: each pattern requires a literal the name lacks ({@code /^[a-z0-9.-]*\.patternN\.example
 *             \.bad$/}), so the prefilter skips every one;
 *         <li>{@code present}: every pattern's required literals ({@code .dsl.example}, {@code .bad}) are in the name
 *             but the pattern still fails ({@code /^[a-z0-9.-]*\.dsl\.example(\.pN)?\.bad$/}), so the prefilter
 *             searches and RE2/J runs every one: the worst case for a table with literals.
 *       </ul>
 * </ul>
 * The regexp benchmark has parameters of its own ({@link Regexp}); the lookups above only {@link Tables#entries}.
 * Run: {@code java -jar relay-policy-benchmarks/target/benchmarks.jar AccessTableBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AccessTableBenchmark {

    /** The cidr and text tables and the subject they are asked for. */
    @State(Scope.Benchmark)
    public static class Tables {

        /** Entries of the cidr and text tables. */
        @Param({"100000"})
        public int entries = 100_000;

        AccessTable cidrTable;
        AccessTable textTable;
        AccessTable heloTable;
        final AccessSubject subject = new AccessSubject();

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
            cidrTable = load(dir, Family.CLIENT, "cidr:", "cidr", cidr);
            textTable = load(dir, Family.RECIPIENT, "", "text", text);
            heloTable = load(dir, Family.HELO, "", "helo", helo);
            String rcpt = "<user42+tag@a.b.domain4242.net>";
            subject.reset("+", "<>").client("10.20.30.40", null).helo("mx1.a.b.mail.example.org")
                    .recipient(rcpt, SmtpPath.parse(rcpt));
            if (cidrTable.find(subject) == null || textTable.find(subject) != null
                    || heloTable.find(subject) != null) {
                throw new IllegalStateException("unexpected answer");
            }
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
    public Action cidr(Tables t) {
        return t.cidrTable.find(t.subject);
    }

    /** Every key form of a recipient, none found. */
    @Benchmark
    public Action recipient(Tables t) {
        return t.textTable.find(t.subject);
    }

    /** A HELO name and its parents, none found. */
    @Benchmark
    public Action helo(Tables t) {
        return t.heloTable.find(t.subject);
    }

    /** A regexp table and the HELO name it is asked for; its own parameters. */
    @State(Scope.Benchmark)
    public static class Regexp {

        /** The typical HELO name; the long one is this after as many letters as {@link #length} asks. */
        static final String NAME = "h0st-1.dsl.example.bad.net";

        /** Patterns in the table. */
        @Param({"1", "10", "100", "1000"})
        public int patterns = 1000;

        /** Length of the HELO name: {@code 26} (typical) or {@code 1000} (the worst case). */
        @Param({"26", "1000"})
        public int length = 1000;

        /** What the literal prefilter can do: {@code none}, {@code absent} or {@code present} (see the class). */
        @Param({"none", "absent", "present"})
        public String literal = "none";

        AccessTable table;
        final AccessSubject subject = new AccessSubject();

        /** Writes and loads the table; checks that nothing matches. */
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            Path dir = Files.createTempDirectory("regexp-bench");
            StringBuilder re = new StringBuilder("# HELO patterns, as a Postfix check_helo_access pcre: table\n");
            for (int i = 0; i < patterns; i++) {
                re.append(switch (literal) {
                    case "none" -> "/^[a-z0-9.-]*(dsl|dyn)\\.example(\\.p" + i + ")?\\.bad$/";
                    case "absent" -> "/^[a-z0-9.-]*\\.pattern" + i + "\\.example\\.bad$/";
                    case "present" -> "/^[a-z0-9.-]*\\.dsl\\.example(\\.p" + i + ")?\\.bad$/";
                    default -> throw new IllegalArgumentException("literal '" + literal + "' is unknown");
                }).append(i % 10 == 0 ? " REJECT Dynamic address, use your provider's relay\n" : " DUNNO\n");
            }
            table = load(dir, Family.HELO, "pcre:", "helo.pcre", re);
            if (length < NAME.length()) {
                throw new IllegalArgumentException("length must be at least " + NAME.length());
            }
            subject.helo("abcdefghijklmnopqrstuvwxyz".repeat(40).substring(0, length - NAME.length()) + NAME);
            if (table.find(subject) != null) {
                throw new IllegalStateException("a pattern matched " + subject);
            }
        }
    }

    /** {@link Regexp#patterns} patterns against a name of {@link Regexp#length} characters, none matching. */
    @Benchmark
    public Action regexp(Regexp r) {
        return r.table.find(r.subject);
    }
}

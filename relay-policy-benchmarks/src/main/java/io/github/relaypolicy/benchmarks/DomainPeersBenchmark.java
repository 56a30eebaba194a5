package io.github.relaypolicy.benchmarks;

import com.google.common.net.InternetDomainName;
import io.github.relaypolicy.core.internal.match.DomainIndex;
import java.util.HashSet;
import java.util.Locale;
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
 * "Is this recipient domain, or a parent of it, one of N configured domains?" (Postfix's
 * {@code parent_domain_matches_subdomains}), answered the ways a Java mail server would answer it without
 * relay-policy, on the same domains and queries ({@link PeerData#domains}: 40% configured domains, 20% one to three
 * labels below one, 40% foreign; one in five in upper case).
 *
 * <p>Each query is the domain inside a recipient path, {@code <local@domain>}, as the server receives it; each
 * implementation takes the domain the way its API needs it. relay-policy reads it in place (the bounds after the
 * last {@code @}); the others take it out with {@code substring}, as a server must. This matters beyond the copy: a
 * benchmark that hands the same 1,024 {@code String} objects to a {@code HashSet} over and over measures
 * {@code String.hashCode()} from the cache inside each string, which a server never gets, since every {@code RCPT}
 * line is a new string.
 * <ul>
 *   <li>{@link #ours}: relay-policy's {@code DomainIndex}, every domain added as {@code .domain};
 *   <li>{@link #hashSetStrip}: a {@code HashSet<String>} of the domains; the query is lower-cased, then looked up
 *       and stripped of its first label until it hits or runs out of dots;
 *   <li>{@link #endsWithScan}: a loop over the domains, {@code endsWith} plus a check for the dot before it;
 *   <li>{@link #guavaParentWalk}: Guava {@code InternetDomainName.from}, then {@code parent()} up to the top, each
 *       name looked up in the same {@code HashSet}.
 * </ul>
 * {@link #n}: 16 or 1,000,000 configured domains. The setup checks every query's answer against the generator's.
 *
 * <p>Run: {@code java -jar relay-policy-benchmarks/target/benchmarks.jar DomainPeersBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DomainPeersBenchmark {

    /** How many domains are configured. */
    @Param({"16", "1000000"})
    public int n = 16;

    /** {@code <local@domain>}: the query domain inside the recipient path, as the server receives it. */
    private String[] paths;
    private DomainIndex index;
    private Set<String> set;
    private String[] list;

    /**
     * Builds the measured structure and checks its answer for every query.
     *
     * @param params which benchmark method this trial measures
     */
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        PeerData.Domains w = PeerData.domains(n);
        SplittableRandom rnd = new SplittableRandom(0x5EED_D100L);
        paths = new String[w.queries.length];
        for (int i = 0; i < paths.length; i++) {
            paths[i] = "<" + PeerData.localPart(rnd) + "@" + w.queries[i] + ">";
        }
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        Predicate<String> answer;
        switch (method) {
            case "ours":
                DomainIndex.Builder b = new DomainIndex.Builder();
                w.domains.forEach(d -> b.add("." + d, 0, "local domain", "local"));
                index = b.build();
                answer = this::ours;
                break;
            case "hashSetStrip":
                set = new HashSet<>(w.domains);
                answer = this::hashSetStrip;
                break;
            case "endsWithScan":
                list = w.domains.toArray(new String[0]);
                answer = this::endsWithScan;
                break;
            case "guavaParentWalk":
                set = new HashSet<>(w.domains);
                answer = this::guavaParentWalk;
                break;
            default:
                throw new IllegalStateException("no setup for benchmark method '" + method + "'");
        }
        int wrong = 0;
        String example = null;
        for (int i = 0; i < PeerData.QUERIES; i++) {
            String got;
            boolean ok;
            try {
                boolean a = answer.test(paths[i]);
                ok = a == w.expected[i];
                got = String.valueOf(a);
            } catch (RuntimeException e) {
                ok = false;
                got = e.getClass().getSimpleName();
            }
            if (!ok) {
                if (wrong == 0) {
                    example = paths[i] + " -> " + got + ", expected " + w.expected[i];
                }
                wrong++;
            }
        }
        PeerData.record(params.getBenchmark(), "n=" + n, wrong, PeerData.QUERIES, example, "");
    }

    /**
     * relay-policy's {@code DomainIndex}: one pass from the right, a hash probe per label boundary.
     *
     * @param c this thread's position in the queries
     * @return whether the query or a parent of it is configured
     */
    @Benchmark
    public boolean ours(NetworkPeersBenchmark.Cursor c) {
        return ours(paths[c.next++ & PeerData.MASK]);
    }

    private boolean ours(String path) {
        return index.lookup(path, path.lastIndexOf('@') + 1, path.length() - 1) >= 0;
    }

    /**
     * {@code HashSet} lookups of the lower-cased query and of each parent, by {@code substring}.
     *
     * @param c this thread's position in the queries
     * @return whether the query or a parent of it is configured
     */
    @Benchmark
    public boolean hashSetStrip(NetworkPeersBenchmark.Cursor c) {
        return hashSetStrip(paths[c.next++ & PeerData.MASK]);
    }

    private boolean hashSetStrip(String path) {
        String d = domain(path).toLowerCase(Locale.ROOT);
        while (true) {
            if (set.contains(d)) {
                return true;
            }
            int dot = d.indexOf('.');
            if (dot < 0) {
                return false;
            }
            d = d.substring(dot + 1);
        }
    }

    /**
     * A loop over every configured domain: {@code endsWith}, and a dot (or nothing) before the match.
     *
     * @param c this thread's position in the queries
     * @return whether the query or a parent of it is configured
     */
    @Benchmark
    public boolean endsWithScan(NetworkPeersBenchmark.Cursor c) {
        return endsWithScan(paths[c.next++ & PeerData.MASK]);
    }

    private boolean endsWithScan(String path) {
        String d = domain(path).toLowerCase(Locale.ROOT);
        for (String e : list) {
            if (d.endsWith(e) && (d.length() == e.length() || d.charAt(d.length() - e.length() - 1) == '.')) {
                return true;
            }
        }
        return false;
    }

    /**
     * Guava: {@code InternetDomainName.from} (validates and lower-cases), then the name and each {@code parent()}
     * looked up in a {@code HashSet}.
     *
     * @param c this thread's position in the queries
     * @return whether the query or a parent of it is configured
     */
    @Benchmark
    public boolean guavaParentWalk(NetworkPeersBenchmark.Cursor c) {
        return guavaParentWalk(paths[c.next++ & PeerData.MASK]);
    }

    private boolean guavaParentWalk(String path) {
        InternetDomainName name = InternetDomainName.from(domain(path));
        while (true) {
            if (set.contains(name.toString())) {
                return true;
            }
            if (!name.hasParent()) {
                return false;
            }
            name = name.parent();
        }
    }

    /** The domain of {@code <local@domain>}: a new String, as a server parsing a new RCPT line gets one. */
    private static String domain(String path) {
        return path.substring(path.lastIndexOf('@') + 1, path.length() - 1);
    }
}

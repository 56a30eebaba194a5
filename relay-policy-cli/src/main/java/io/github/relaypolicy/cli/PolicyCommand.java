package io.github.relaypolicy.cli;

import io.github.relaypolicy.core.PolicyFile;
import io.github.relaypolicy.core.PolicyFileException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command that reads a policy file ({@code --config FILE}): reads it, runs, and turns a policy that cannot be
 * used into every problem on standard error and exit code {@value #EXIT_CONFIG}.
 */
abstract class PolicyCommand implements Callable<Integer> {

    /** Exit code for a policy file that cannot be used (sysexits {@code EX_CONFIG}). */
    static final int EXIT_CONFIG = 78;

    @Spec
    private @Nullable CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "The policy file (format: docs/policy-file.md).")
    private @Nullable Path config;

    @Override
    public final Integer call() throws Exception {
        if (spec == null || config == null) {
            throw new IllegalStateException("picocli injects the spec and the required --config");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run(PolicyFile.read(config), out, err);
        } catch (PolicyFileException e) {
            for (PolicyFileException.Problem p : e.problems()) {
                err.println(Text.printable(p.toString(), 2000));
            }
            int n = e.problems().size();
            err.println(n == 1 ? "1 problem; the policy was not used" : n + " problems; the policy was not used");
            return EXIT_CONFIG;
        }
    }

    /**
     * Runs the command on a policy that was read without problems.
     *
     * @return the exit code
     * @throws PolicyFileException if building an engine finds a problem (a local zone file, say); reported
     */
    abstract int run(PolicyFile policy, PrintWriter out, PrintWriter err) throws Exception;
}

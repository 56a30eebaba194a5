package io.github.relaypolicy.cli;

import io.github.relaypolicy.core.PolicyFile;
import io.github.relaypolicy.core.PolicyFileException;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option of the commands that read a policy file, and how its errors are shown. */
final class PolicyOptions {

    /** Exit code for a policy file that cannot be used (sysexits {@code EX_CONFIG}). */
    static final int EXIT_CONFIG = 78;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "The policy file (format: docs/policy-file.md).")
    @Nullable Path config;

    /** The policy, or null after printing every problem of the file to {@code err}. */
    @Nullable PolicyFile read(PrintWriter err) {
        try {
            return PolicyFile.read(path());
        } catch (PolicyFileException e) {
            report(err, e);
            return null;
        }
    }

    Path path() {
        if (config == null) {
            throw new IllegalStateException("--config is required"); // picocli enforces it
        }
        return config;
    }

    /** Every problem, one per line, then a count: what a person fixes, in file order. */
    static void report(PrintWriter err, PolicyFileException e) {
        for (PolicyFileException.Problem p : e.problems()) {
            err.println(Text.printable(p.toString(), 2000));
        }
        int n = e.problems().size();
        err.println(n == 1 ? "1 problem; the policy was not used" : n + " problems; the policy was not used");
    }
}

package io.github.relaypolicy.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the {@code relay-policy} command line: its exit code and what it printed. */
record CommandRun(int exitCode, String out, String err) {

    static CommandRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new CommandRun(code, out.toString(), err.toString());
    }

    /** The lines of standard output. */
    java.util.List<String> outLines() {
        return out.lines().toList();
    }
}

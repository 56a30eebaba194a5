package io.github.relaypolicy.cli;

import java.io.Console;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.nio.charset.Charset;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code relay-policy} command: test relay control from a shell.
 *
 * <p>Exit codes common to every subcommand: {@value #EXIT_USAGE} for invalid arguments (sysexits {@code EX_USAGE};
 * picocli's default, 2, means "could not test" to {@code probe}) and {@value #EXIT_INTERNAL_ERROR} for an
 * unexpected failure ({@code EX_SOFTWARE}). Each subcommand documents its own codes in its help.
 *
 * @since 0.1.0
 */
@Command(name = "relay-policy",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        descriptionHeading = "%n",
        description = "Tests relay control: may this mail server accept this recipient?",
        optionListHeading = "%nOptions:%n",
        synopsisSubcommandLabel = "COMMAND",
        commandListHeading = "%nCommands:%n",
        // one line per command; keep HelpCommand last
        subcommands = {
            CheckCommand.class,
            AuditCommand.class,
            ProbeCommand.class,
            ZonesCommand.class,
            LintCommand.class,
            ServeCommand.class,
            HelpCommand.class,
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:success (see each command's help for its own codes)",
            "64:usage error: invalid arguments",
            "70:internal error"
        },
        footer = "%nRun 'relay-policy help COMMAND' for the options and exit codes of a command.")
public final class Main implements Runnable {

    /** Exit code for invalid arguments (sysexits {@code EX_USAGE}). */
    public static final int EXIT_USAGE = 64;

    /** Exit code for an unexpected failure inside the command (sysexits {@code EX_SOFTWARE}). */
    public static final int EXIT_INTERNAL_ERROR = 70;

    @Spec
    private CommandSpec spec;

    /** Constructed by picocli. */
    Main() {
    }

    /**
     * Runs the command line and exits with the command's exit code.
     *
     * @param args the command-line arguments
     */
    public static void main(String... args) {
        Console console = System.console();
        Charset charset = console != null ? console.charset() : Charset.defaultCharset();
        int code = run(new PrintWriter(new OutputStreamWriter(System.out, charset), true),
                new PrintWriter(new OutputStreamWriter(System.err, charset), true), args);
        System.exit(code);
    }

    /**
     * Runs the command line in this process, writing to {@code out} and {@code err} instead of the standard
     * streams; what {@link #main} does, without exiting. Both writers are flushed before this method returns.
     *
     * @param out where results go
     * @param err where errors and progress go
     * @param args the command-line arguments
     * @return the exit code
     * @since 0.1.0
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = commandLine();
        commandLine.setOut(out);
        commandLine.setErr(err);
        try {
            return commandLine.execute(args);
        } catch (RuntimeException | Error e) {
            // picocli handles what a command throws; this is what escapes it, such as a ServiceConfigurationError.
            // Never exit 1: to probe that means "open relay".
            err.println("relay-policy: internal error: " + e);
            e.printStackTrace(err);
            return EXIT_INTERNAL_ERROR;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The command line with the exit codes and error handling of every subcommand. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setParameterExceptionHandler(Main::usageError);
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": internal error: " + e);
            e.printStackTrace(cmd.getErr());
            return EXIT_INTERNAL_ERROR;
        });
        return commandLine;
    }

    /** Without a command: a usage error. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }

    /**
     * Whether standard error is a terminal that a person watches, so that progress may be shown there. On Java 22
     * and later {@code System.console()} is not null when output is redirected, so {@code isTerminal()} decides.
     */
    static boolean interactive() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return Boolean.TRUE.equals(isTerminal.invoke(console));
        } catch (NoSuchMethodException e) {
            return true; // before Java 22, a console exists only for a terminal
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    /** One line on standard error: what is wrong and where to read more; no usage dump. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        String message = Text.printable(String.valueOf(e.getMessage()).strip(), 300);
        if (e instanceof UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            if (!suggestions.isEmpty()) {
                message += " (did you mean " + String.join(" or ", suggestions) + "?)";
            }
        }
        cmd.getErr().println(name + ": " + message + "; see '" + name + " --help'");
        return EXIT_USAGE;
    }

    /** The version from the jar's manifest ({@code Implementation-Version}), written by the build. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"relay-policy " + (version == null ? "(development build)" : version)};
        }
    }
}

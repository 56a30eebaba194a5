package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class MainTest {

    @Test
    void version_is_printed() {
        CommandRun run = CommandRun.of("--version");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("relay-policy ");
    }

    @Test
    void help_lists_the_commands_and_the_common_exit_codes() {
        CommandRun run = CommandRun.of("--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: relay-policy [-hV] COMMAND", "Commands:", "  probe ", "  help ",
                "Exit codes:", "64   usage error", "70   internal error");
    }

    @Test
    void probe_help_documents_options_and_exit_codes() {
        CommandRun run = CommandRun.of("help", "probe");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: relay-policy probe [-hV] [--json] [--domain=DOMAIN] [--helo=NAME]",
                "HOST[:PORT]", "--helo=NAME", "--domain=DOMAIN", "--victim=DOMAIN", "default: 10",
                "EHLO/HELO name (default: relay-policy.invalid)", "default: victim.example", "user%victim@DOMAIN",
                " 0   closed: every test was refused", " 1   open relay:", " 2   could not test:",
                "64   usage error");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "''                                  | relay-policy: missing command; see 'relay-policy --help'",
        "prob 127.0.0.1                      | relay-policy: Unmatched arguments from index 0: 'prob', "
                + "'127.0.0.1' (did you mean probe?); see 'relay-policy --help'",
        "probe                               | relay-policy probe: Missing required parameter: 'HOST[:PORT]'; "
                + "see 'relay-policy probe --help'",
        "probe 127.0.0.1:0                   | relay-policy probe: HOST[:PORT] '127.0.0.1:0': the port must be "
                + "a number from 1 to 65535; see 'relay-policy probe --help'",
        "probe [::1:25                       | relay-policy probe: HOST[:PORT] '[::1:25': missing ']' after the "
                + "IPv6 address; see 'relay-policy probe --help'",
        "probe --timeout 0 127.0.0.1         | relay-policy probe: --timeout '0': expected 1 to 3600 seconds; "
                + "see 'relay-policy probe --help'",
        "probe --timeout soon 127.0.0.1      | relay-policy probe: Invalid value for option '--timeout': 'soon' "
                + "is not an int; see 'relay-policy probe --help'",
        "probe --victim a_b!c 127.0.0.1      | relay-policy probe: --victim 'a_b!c': expected an ASCII domain "
                + "name (write an IDN as its xn-- form); see 'relay-policy probe --help'",
        "probe --domain x@example 127.0.0.1  | relay-policy probe: --domain 'x@example': expected an ASCII "
                + "domain name (write an IDN as its xn-- form) or an address literal; see 'relay-policy probe "
                + "--help'",
        "probe --helo mx/1 127.0.0.1         | relay-policy probe: --helo 'mx/1': expected a host name or an address "
                + "literal such as [192.0.2.1]; see 'relay-policy probe --help'",
        "probe --port=25 127.0.0.1           | relay-policy probe: Unknown option: '--port=25'; see 'relay-policy "
                + "probe --help'",
    })
    void invalid_arguments_give_one_line_and_exit_code_64(String args, String error) {
        CommandRun run = CommandRun.of(args.isEmpty() ? new String[0] : args.split(" "));

        assertThat(run.exitCode()).isEqualTo(64);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo(error + System.lineSeparator());
    }
}

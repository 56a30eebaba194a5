package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A local zone file that cannot be loaded is a policy problem at its {@code local_zone} line for every command that
 * builds an engine (exit 78 with the problem), never an internal error (exit 70 with a stack trace).
 */
final class ZoneProblemExitCodeTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"lint", "check", "zones"})
    void a_missing_local_zone_file_is_a_policy_problem_with_its_place_not_an_internal_error(String command)
            throws IOException {
        Path conf = dir.resolve("p.conf");
        Files.writeString(conf, "dnsbl_sites = bl.local\nlocal_zone.bl.local = missing.ip4set\n");
        String[] args = command.equals("check")
                ? new String[] {"check", "-c", conf.toString(), "--client", "127.0.0.1", "--to", "b@example.org"}
                : new String[] {command, "-c", conf.toString()};

        CommandRun r = CommandRun.of(args);

        assertThat(r.exitCode()).isEqualTo(78);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo(conf + ":2:23: localZone 'bl.local': " + dir.resolve("missing.ip4set")
                + ": no such file" + System.lineSeparator() + "1 problem; the policy was not used"
                + System.lineSeparator());
    }
}

package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A local-zone problem that only shows when the engine is built (zone file missing, a directory, malformed, over
 * local_zone_max_size; a zone named by both dnsbl_sites and rhsbl_sites) is a PolicyFileException at the local_zone
 * line whichever way the engine is made from the file: {@code RelayEngine.fromFile}, {@code PolicyFile.builder()}
 * then {@code build()}, or {@code reload(policy.builder())}.
 */
final class PolicyFileBuilderZoneProblemsTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing file   | local_zone.bl.local = missing.ip4set               | 2:23: localZone 'bl.local': {dir}/missing.ip4set: no such file
            directory      | local_zone.bl.local = zdir.ip4set                  | 2:23: localZone 'bl.local': {dir}/zdir.ip4set: not a regular file but a directory; a local zone must be a regular file
            malformed      | local_zone.bl.local = broken.ip4set                | 2:23: localZone 'bl.local': {dir}/broken.ip4set:2: invalid address: '10.0.0.0/33'
            too large      | local_zone.bl.local = bl.ip4set\\nlocal_zone_max_size = 10 | 2:23: localZone 'bl.local': {dir}/bl.ip4set: 20 bytes, more than the 10 a local zone file may have (localZoneMaxSize, local_zone_max_size)
            both kinds     | rhsbl_sites = bl.local\\nlocal_zone.bl.local = bl.ip4set | 3:23: rhsbl 'bl.local' names the local zone 'bl.local', whose file {dir}/bl.ip4set holds addresses; a rhsbl list needs domains
            """)
    void a_zone_problem_found_at_build_is_a_policy_file_problem_from_every_way_to_an_engine(String name, String lines,
            String expected) throws IOException {
        Files.writeString(dir.resolve("bl.ip4set"), "127.0.0.2\n192.0.2.9\n"); // 20 bytes
        Files.writeString(dir.resolve("broken.ip4set"), "127.0.0.2\n10.0.0.0/33\n");
        Files.createDirectories(dir.resolve("zdir.ip4set"));
        Path conf = dir.resolve("p.conf");
        Files.writeString(conf, "dnsbl_sites = bl.local\n" + lines.replace("\\n", "\n") + "\n");
        String message = conf + ":" + expected.replace("{dir}", dir.toString());

        PolicyFile policy = PolicyFile.read(conf); // as on main: zone files are loaded when an engine is built

        // RelayEngine.fromFile: PolicyFileException at the local_zone line (passes on main and on fix/engine)
        assertThat(catchThrowable(() -> RelayEngine.fromFile(conf).close()))
                .isInstanceOf(PolicyFileException.class).hasMessage(message);
        // PolicyFile.builder().build(), what lint, check and zones do: on fix/engine a bare SettingException
        assertThat(catchThrowable(() -> policy.builder().build().close()))
                .isInstanceOf(PolicyFileException.class).hasMessage(message);
        // RelayEngine.reload(policy.builder()): the same
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").build()) {
            assertThat(catchThrowable(() -> engine.reload(policy.builder())))
                    .isInstanceOf(PolicyFileException.class).hasMessage(message);
        }
    }
}

package io.github.relaypolicy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.testsupport.RequiresPostfix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/postfix/main.cf.snippet} against the installed Postfix's {@code postconf}: every parameter it sets
 * (or shows commented out) exists, Postfix reads it without a warning, and the values it calls Postfix's defaults
 * are.
 */
@RequiresPostfix
final class PostfixSnippetTest {

    static final Path SNIPPET = MtaFixture.repositoryFile("examples/postfix/main.cf.snippet");
    /** {@code name = value}, possibly commented out; a value goes on in indented lines. */
    private static final Pattern PARAMETER = Pattern.compile("^#?([a-z][a-z0-9_]*) = ?(.*)$");
    /** The parameters whose value in the snippet is not Postfix's default, as its comments say. */
    private static final List<String> NOT_DEFAULT = List.of("smtpd_recipient_restrictions", "smtpd_sasl_auth_enable",
            "smtpd_policy_service_timeout");

    @TempDir
    Path dir;

    /** The snippet's parameters and values, continuation lines joined, commented ones included. */
    private static Map<String, String> snippet() throws IOException {
        Map<String, String> parameters = new LinkedHashMap<>();
        String last = null;
        for (String line : Files.readAllLines(SNIPPET, StandardCharsets.UTF_8)) {
            Matcher m = PARAMETER.matcher(line);
            if (m.matches()) {
                last = m.group(1);
                parameters.put(last, m.group(2).strip());
            } else if (last != null && !line.isBlank() && Character.isWhitespace(line.charAt(0))) {
                parameters.merge(last, line.strip(), (a, b) -> (a + " " + b).strip());
            } else {
                last = null;
            }
        }
        return parameters;
    }

    private static String postconf(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/usr/sbin/postconf"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("postconf finished").isTrue();
        return new String(out, StandardCharsets.UTF_8);
    }

    private static Map<String, String> parse(String postconfOutput) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : postconfOutput.split("\n")) {
            int eq = line.indexOf(" = ");
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 3));
            } else if (line.endsWith(" =")) {
                values.put(line.substring(0, line.length() - 2), "");
            }
        }
        return values;
    }

    @Test
    void every_parameter_of_the_snippet_exists_in_postfix_and_is_read_without_a_warning() throws Exception {
        Map<String, String> snippet = snippet();
        Map<String, String> defaults = parse(postconf("-d"));

        assertThat(snippet).containsKeys("smtpd_recipient_restrictions", "smtpd_policy_service_default_action",
                "smtpd_policy_service_max_idle", "smtpd_policy_service_max_ttl", "smtpd_policy_service_timeout");
        assertThat(defaults.keySet()).containsAll(snippet.keySet());

        Files.copy(SNIPPET, dir.resolve("main.cf"));
        Files.writeString(dir.resolve("master.cf"), "");
        String read = postconf("-c", dir.toString(), "-n");
        assertThat(read).doesNotContain("warning");
        Map<String, String> set = parse(read);
        snippet.forEach((name, value) -> {
            if (!name.equals("smtpd_sasl_auth_enable")) { // commented out
                assertThat(set).containsEntry(name, value);
            }
        });
    }

    @Test
    void the_values_it_calls_defaults_are_the_defaults_of_postfix() throws Exception {
        Map<String, String> defaults = parse(postconf("-d"));

        snippet().forEach((name, value) -> {
            if (!NOT_DEFAULT.contains(name)) {
                assertThat(value).as(name).isEqualTo(defaults.get(name));
            }
        });
    }

    @Test
    void it_asks_the_service_at_its_default_address() throws Exception {
        assertThat(snippet()).containsEntry("smtpd_recipient_restrictions", "check_policy_service inet:"
                + PolicyServer.DEFAULT_ADDRESS.getAddress().getHostAddress() + ":"
                + PolicyServer.DEFAULT_ADDRESS.getPort());
    }
}

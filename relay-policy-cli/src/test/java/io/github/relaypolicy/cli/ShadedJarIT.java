package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.RelayEngine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The executable jar that users run: {@code java -jar relay-policy-cli/target/relay-policy.jar}. */
final class ShadedJarIT {

    private static final Path JAR = Path.of(System.getProperty("relay-policy.jar", "target/relay-policy.jar"));
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private record Exec(int exitCode, String out, String err) {
    }

    @Test
    void manifest_names_the_main_class_the_version_and_multi_release() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            Manifest manifest = jar.getManifest();

            assertThat(manifest.getMainAttributes().getValue("Main-Class")).isEqualTo(Main.class.getName());
            assertThat(manifest.getMainAttributes().getValue("Implementation-Version"))
                    .isEqualTo(System.getProperty("project.version"));
            assertThat(manifest.getMainAttributes().getValue("Multi-Release")).isEqualTo("true");
            assertThat(jar.stream().map(JarEntry::getName))
                    .noneMatch(name -> name.matches("META-INF/[^/]*\\.(SF|DSA|RSA)"))
                    .noneMatch(name -> name.endsWith("module-info.class"));
        }
    }

    @Test
    void every_service_provider_named_in_the_jar_is_in_the_jar() throws IOException {
        // a provider missing at run time fails every lookup of its service, e.g. every host name lookup on Java 18+
        try (JarFile jar = new JarFile(JAR.toFile())) {
            boolean multiRelease = "true".equals(jar.getManifest().getMainAttributes().getValue("Multi-Release"));
            List<String> missing = new ArrayList<>();
            for (JarEntry entry : jar.stream().filter(e -> e.getName().startsWith("META-INF/services/")
                    && !e.isDirectory()).toList()) {
                String text;
                try (InputStream in = jar.getInputStream(entry)) {
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                text.lines().map(l -> l.replaceAll("#.*", "").strip()).filter(l -> !l.isEmpty()).forEach(provider -> {
                    String path = provider.replace('.', '/') + ".class";
                    // a class only under META-INF/versions/N is seen only in a jar whose manifest says Multi-Release
                    boolean present = jar.getJarEntry(path) != null || multiRelease && jar.stream()
                            .anyMatch(e -> e.getName().matches("META-INF/versions/\\d+/" + Pattern.quote(path)));
                    if (!present) {
                        missing.add(entry.getName() + ": " + provider);
                    }
                });
            }

            assertThat(missing).isEmpty();
        }
    }

    @Test
    void version_is_read_from_the_manifest() throws Exception {
        Exec run = exec("--version");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out().strip()).isEqualTo("relay-policy " + System.getProperty("project.version"));
    }

    @Test
    void probe_of_a_safe_server_exits_0_and_of_an_open_one_exits_1() throws Exception {
        try (PolicySmtpServer safe = PolicySmtpServer.start(RelayEngine.builder().localDomains("example.org").build());
                PolicySmtpServer open = PolicySmtpServer.start(RelayEngine.builder()
                        .localDomains("example.org").trustedNetworks("127.0.0.0/8").build())) {
            Exec closed = exec("probe", "localhost:" + safe.port());
            Exec relaying = exec("probe", "127.0.0.1:" + open.port());

            assertThat(closed.exitCode()).as(closed.toString()).isZero();
            assertThat(closed.err()).isEmpty();
            assertThat(closed.out()).endsWith("Closed: all 30 tests refused." + System.lineSeparator());
            assertThat(relaying.exitCode()).as(relaying.toString()).isEqualTo(1);
            assertThat(relaying.out()).contains("OPEN RELAY: 30 of 30 tests relayed");
        }
    }

    @Test
    void usage_error_exits_64() throws Exception {
        Exec run = exec("probe", "--timeout", "0", "127.0.0.1");

        assertThat(run.exitCode()).isEqualTo(64);
        assertThat(run.err()).startsWith("relay-policy probe: --timeout '0'");
    }

    private static Exec exec(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("relay-policy", ".out");
        Path err = Files.createTempFile("relay-policy", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .start();
            process.getOutputStream().close();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("relay-policy " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Exec(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }
}

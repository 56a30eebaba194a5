package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code relay-policy serve} as users run it: the shaded jar in its own JVM, asked over loopback, stopped with
 * SIGTERM ({@link Process#destroy()} sends it on Linux).
 */
final class ServeIT {

    private static final Path JAR = Path.of(System.getProperty("relay-policy.jar", "target/relay-policy.jar"));
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    /** A running {@code serve}; its standard error goes to a file. */
    private final class Service implements AutoCloseable {
        final Process process;
        final Path err;
        final int port;

        Service(String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR.toString(), "serve"));
            command.addAll(List.of(args));
            err = Files.createTempFile(dir, "serve", ".err");
            process = new ProcessBuilder(command).redirectOutput(dir.resolve("serve.out").toFile())
                    .redirectError(err.toFile()).start();
            process.getOutputStream().close();
            String text = awaitLog("stop with SIGTERM or SIGINT");
            Matcher m = LISTENING.matcher(text);
            assertThat(m.find()).as(text).isTrue();
            port = Integer.parseInt(m.group(1));
        }

        /** Waits (at most 60 s) until standard error holds {@code what}; returns all of it. */
        String awaitLog(String what) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                String text = Files.readString(err);
                if (text.contains(what)) {
                    return text;
                }
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("no '" + what + "' in the log of serve (alive: " + process.isAlive()
                            + "):\n" + text);
                }
                Thread.sleep(50);
            }
        }

        String ask(String request) throws IOException {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
                return answer(s.getInputStream());
            }
        }

        /** SIGTERM, then the exit code (at most 30 s). */
        int stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("serve did not stop within 30 s of SIGTERM");
            }
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static String answer(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int previous = -1;
        int b;
        while ((b = in.read()) >= 0) {
            out.write(b);
            if (b == '\n' && previous == '\n') {
                break;
            }
            previous = b;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String rcpt(String client, String recipient) {
        return "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=" + client
                + "\nclient_name=unknown\nreverse_client_name=unknown\nhelo_name=mail.example.net\n"
                + "sender=alice@example.net\nrecipient=" + recipient + "\nrecipient_count=0\ninstance=1a.2b.3c\n"
                + "sasl_username=\n\n";
    }

    @Test
    void serves_the_example_policy_offline_and_stops_on_sigterm_with_exit_0() throws Exception {
        Path example = Path.of("..", "examples", "relay-policy.conf").toAbsolutePath().normalize();
        try (Service serve = new Service("--config", example.toString(), "--listen", "127.0.0.1:0")) {
            assertThat(serve.ask(rcpt("203.0.113.9", "x@victim.example")))
                    .isEqualTo("action=554 5.7.1 <x@victim.example>: Relay access denied\n\n");
            assertThat(serve.ask(rcpt("203.0.113.9", "user@example.org"))).isEqualTo("action=DUNNO\n\n");
            assertThat(serve.ask(rcpt("198.51.100.200", "user@example.org"))).as("the example's own reply").isEqualTo("action=554 5.7.1 Service"
                    + " unavailable; client [198.51.100.200] blocked using bl.example.invalid; Listed in"
                    + " bl.example.invalid: see https://bl.example.invalid/lookup?ip=198.51.100.200\n\n");
            assertThat(serve.ask(rcpt("198.51.100.7", "x@victim.example"))).as("mynetworks")
                    .isEqualTo("action=DUNNO\n\n");

            assertThat(serve.stop()).isZero();
            assertThat(Files.readString(serve.err)).contains(" INFO stopping: answering the requests in flight")
                    .endsWith(" INFO stopped" + System.lineSeparator());
        }
    }

    @Test
    void follows_the_policy_file_and_keeps_the_rules_in_force_on_a_broken_edit() throws Exception {
        Path policy = dir.resolve("relay-policy.conf");
        Files.writeString(policy, "mydestination = example.org\n");
        try (Service serve = new Service("--config", policy.toString(), "--listen", "127.0.0.1:0",
                "--accept-action", "OK")) {
            assertThat(serve.ask(rcpt("192.0.2.7", "x@victim.example")))
                    .isEqualTo("action=554 5.7.1 <x@victim.example>: Relay access denied\n\n");
            assertThat(serve.ask(rcpt("192.0.2.7", "bob@example.org"))).isEqualTo("action=OK\n\n");

            Files.writeString(policy, "mydestination = example.org\nmynetworks = 192.0.2.0/24\n");
            awaitAnswer(serve, rcpt("192.0.2.7", "x@victim.example"), "action=OK\n\n");

            Files.writeString(policy, "mydestination = example.org\nmynetworks = 192.0.2.0/24\nmynetworks = nonsense\n");
            serve.awaitLog("relay-policy.conf:3");
            assertThat(serve.ask(rcpt("192.0.2.7", "x@victim.example"))).as("the rules in force stay")
                    .isEqualTo("action=OK\n\n");
            assertThat(serve.stop()).isZero();
        }
    }

    private static void awaitAnswer(Service serve, String request, String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last;
        while (!(last = serve.ask(request)).equals(expected)) {
            assertThat(System.nanoTime()).as("answer '%s' still '%s' after 30 s", expected, last)
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    void a_broken_policy_exits_78_and_an_address_in_use_69() throws Exception {
        Path policy = dir.resolve("broken.conf");
        Files.writeString(policy, "mydestination = example.org\nmynetworks = 10.0.0.0/33\n");
        Process broken = new ProcessBuilder(JAVA, "-jar", JAR.toString(), "serve", "--config", policy.toString())
                .redirectErrorStream(true).start();
        String text = new String(broken.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(broken.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(broken.exitValue()).as(text).isEqualTo(78);
        assertThat(text).contains("broken.conf:2:").contains("1 problem; the policy was not used");

        Files.writeString(policy, "mydestination = example.org\n");
        try (Service serve = new Service("--config", policy.toString(), "--listen", "127.0.0.1:0")) {
            Process second = new ProcessBuilder(JAVA, "-jar", JAR.toString(), "serve", "--config", policy.toString(),
                    "--listen", "127.0.0.1:" + serve.port).redirectErrorStream(true).start();
            String secondText = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(second.exitValue()).as(secondText).isEqualTo(69);
            assertThat(secondText).contains("relay-policy serve: cannot listen on 127.0.0.1:" + serve.port + ": ");
            assertThat(serve.stop()).isZero();
        }
    }
}

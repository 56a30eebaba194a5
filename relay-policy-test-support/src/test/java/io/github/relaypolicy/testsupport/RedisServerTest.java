package io.github.relaypolicy.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The launcher, against the real redis-server where a test is tagged; the rest needs no Redis. */
final class RedisServerTest {

    /** Sends one inline command and returns the first line of the answer. */
    private static String send(RedisServer server, String command) throws IOException {
        try (Socket socket = new Socket(server.address().getAddress(), server.port())) {
            socket.setSoTimeout(2000);
            socket.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString();
        }
    }

    @Test
    @RequiresRedis
    void answers_on_loopback_once_started_and_its_directory_goes_on_close() throws Exception {
        RedisServer server = RedisServer.start();
        Path log;
        try (server) {
            assertThat(server.isAlive()).isTrue();
            assertThat(server.hostAndPort()).isEqualTo("127.0.0.1:" + server.port());
            assertThat(server.uri()).isEqualTo("redis://127.0.0.1:" + server.port() + "/0");
            assertThat(send(server, "SET k v")).isEqualTo("+OK");
            assertThat(send(server, "GET k")).isEqualTo("$1");
            assertThat(send(server, "CONFIG GET save")).isEqualTo("*2"); // "save" and ""
            log = server.log();
            assertThat(log).exists();
        }
        assertThat(server.isAlive()).isFalse();
        assertThat(log.getParent()).doesNotExist();
        assertThatThrownBy(() -> send(server, "PING")).isInstanceOf(IOException.class);
    }

    @Test
    @RequiresRedis
    void kill_and_restart_come_back_on_the_same_port_with_nothing_kept() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            int port = server.port();
            assertThat(send(server, "SET k v")).isEqualTo("+OK");

            server.kill();
            assertThat(server.isAlive()).isFalse();
            assertThatThrownBy(() -> send(server, "PING")).isInstanceOf(IOException.class);

            server.restart();
            assertThat(server.isAlive()).isTrue();
            assertThat(server.port()).isEqualTo(port);
            assertThat(send(server, "PING")).isEqualTo("+PONG");
            assertThat(send(server, "GET k")).as("no persistence").isEqualTo("$-1");
        }
    }

    @Test
    void a_missing_binary_fails_with_the_install_command() {
        assertThatThrownBy(() -> RedisServer.start(Path.of("/nonexistent/redis-server")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("/nonexistent/redis-server is missing: this needs the real Redis (apt-get install -y"
                        + " redis-server); skip the tests that need it with mvn verify -DexcludedGroups=redis");
    }
}

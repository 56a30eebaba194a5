package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine.TypeConversionException;

/** {@code relay-policy serve}'s option values, in this process (ServeIT runs the command itself). */
final class ServeCommandTest {

    private final ServeCommand.AddressConverter addresses = new ServeCommand.AddressConverter();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1:10040 | 127.0.0.1 | 10040",
        "0.0.0.0:0       | 0.0.0.0   | 0",
        "[::1]:10040     | ::1       | 10040",
        "[::]:25         | ::        | 25",
        "[::ffff:192.0.2.1]:25 | 192.0.2.1 | 25",
        "192.0.2.1:00025 | 192.0.2.1 | 25",
    })
    void listen_addresses_are_ip_literals_and_a_port(String value, String address, int port) throws Exception {
        assertThat(addresses.convert(value)).isEqualTo(new InetSocketAddress(InetAddress.getByName(address), port));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // an octet over 255 is no IPv4 literal: InetAddress would have asked the resolver for it as a host name
        "999.1.1.1:10040  | '999.1.1.1:10040': 999.1.1.1 is not an IPv4 address",
        "256.0.0.1:10040  | '256.0.0.1:10040': 256.0.0.1 is not an IPv4 address",
        "1.2.3.4:65536    | '1.2.3.4:65536': port 65536 is above 65535",
        "[1:2]:25         | '[1:2]:25': 1:2 is not an IP address",
        "[1.2.3.4]:25     | '[1.2.3.4]:25': 1.2.3.4 is not an IPv6 address",
        "localhost:10040  | 'localhost:10040' is not ADDR:PORT with an IP address (127.0.0.1:10040, [::1]:10040)",
        "::1:10040        | '::1:10040' is not ADDR:PORT with an IP address (127.0.0.1:10040, [::1]:10040)",
        "1.2.3:25         | '1.2.3:25': 1.2.3 is not an IPv4 address",
    })
    void other_listen_addresses_are_refused_with_a_reason(String value, String message) {
        assertThatThrownBy(() -> addresses.convert(value)).isInstanceOf(TypeConversionException.class)
                .hasMessage(message);
    }

    @Test
    void the_same_listen_address_twice_is_a_usage_error_not_an_address_in_use(@TempDir Path dir) throws Exception {
        Path policy = Files.writeString(dir.resolve("relay-policy.conf"), "mydestination = example.org\n");
        // a port nobody listens on: the first bind would succeed, the second fail on the first
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        CommandRun run = CommandRun.of("serve", "--config", policy.toString(), "--listen", "127.0.0.1:" + port,
                "--listen", "[::1]:" + port, "--listen", "127.0.0.1:" + port);
        assertThat(run.exitCode()).as(run.err()).isEqualTo(64);
        assertThat(run.err()).isEqualTo("relay-policy serve: --listen 127.0.0.1:" + port + " is given twice\n");
    }
}

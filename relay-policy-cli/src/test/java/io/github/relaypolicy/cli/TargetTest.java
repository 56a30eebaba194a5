package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class TargetTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({
        "mail.example.org, mail.example.org, 25",
        "mail.example.org:2525, mail.example.org, 2525",
        "192.0.2.25, 192.0.2.25, 25",
        "192.0.2.25:587, 192.0.2.25, 587",
        "[::1]:2525, ::1, 2525",
        "[2001:db8::25], 2001:db8::25, 25",
        "2001:db8::25, 2001:db8::25, 25",
        "localhost:65535, localhost, 65535",
        "mx:1, mx, 1",
    })
    void parses_host_and_port(String text, String host, int port) {
        assertThat(Target.parse(text)).isEqualTo(new Target(host, port));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "''               | the host is empty",
        ":25              | the host is empty",
        "mx:              | the port must be a number from 1 to 65535",
        "mx:0             | the port must be a number from 1 to 65535",
        "mx:65536         | the port must be a number from 1 to 65535",
        "mx:-1            | the port must be a number from 1 to 65535",
        "mx:25x           | the port must be a number from 1 to 65535",
        "mx:0000025       | the port must be a number from 1 to 65535",
        "[::1             | missing ']' after the IPv6 address",
        "[::1]25          | expected ':PORT' after ']'",
        "[]:25            | the host is empty",
        "mx example:25    | character U+0020 is not allowed in a host",
        "user@mx:25       | character U+0040 is not allowed in a host",
    })
    void refuses_malformed_targets_naming_them(String text, String why) {
        assertThatThrownBy(() -> Target.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("HOST[:PORT] '" + text + "': " + why);
    }
}

package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Counting the public address space a mynetworks list trusts, most specific entry first, as the engine does. */
final class TrustedSpaceTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            81.0.0.0/16                                    | 65536      | 0
            81.0.0.0/16 81.0.0.0/16                        | 65536      | 0
            81.0.0.0/16 !81.0.1.0/24                       | 65280      | 0
            81.0.0.0/16 !81.0.1.0/24 81.0.1.7              | 65281      | 0
            10.0.0.0/8 172.16.0.0/12 192.168.0.0/16        | 0          | 0
            127.0.0.1 ::1 fd00::/8 2001:db8::/32           | 0          | 0
            0.0.0.0/0                                      | 3702258688 | 0
            0.0.0.0/0 !0.0.0.0/1                           | 1609300992 | 0
            ::ffff:81.0.0.0/112                            | 65536      | 0
            2a00:1450::/32                                 | 0          | 79228162514264337593543950336
            2000::/3 !2000::/4                             | 0          | 21267647932558653966460912964485513216
            """)
    void counts_trusted_public_addresses(String entries, String v4, String v6) {
        TrustedSpace space = TrustedSpace.of(List.of(entries.split(" ")));

        assertThat(space.publicV4()).isEqualTo(new BigInteger(v4));
        assertThat(space.publicV6()).isEqualTo(new BigInteger(v6));
    }

    @Test
    void more_than_a_slash_8_or_a_slash_16_is_open() {
        assertThat(TrustedSpace.of(List.of("81.0.0.0/8")).open()).isFalse();
        assertThat(TrustedSpace.of(List.of("81.0.0.0/8", "82.0.0.1")).open()).isTrue();
        assertThat(TrustedSpace.of(List.of("2a00::/16")).open()).isFalse();
        assertThat(TrustedSpace.of(List.of("2a00::/15")).open()).isTrue();
        assertThat(TrustedSpace.of(List.of("0.0.0.0/0", "!0.0.0.0/1", "!128.0.0.0/1")).open()).isFalse();
    }

    @Test
    void names_the_entries_that_alone_trust_too_much() {
        TrustedSpace space = TrustedSpace.of(List.of("0.0.0.0/1", "10.0.0.0/8", "::/0", "!2000::/3"));

        assertThat(space.broadEntries()).containsExactly("0.0.0.0/1 (2092957696 public IPv4 addresses (more than a"
                + " /2))");
        assertThat(space.describe()).isEqualTo("mynetworks trusts 2092957696 public IPv4 addresses (more than a /2)"
                + " and no public IPv6 addresses");
    }
}

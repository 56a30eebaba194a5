package io.github.relaypolicy.core.internal.zone;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.internal.match.LegacyValidators;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The zone parser reads dnset names, {@code $SOA} and {@code $NS} names through {@code DomainNames} exactly as it
 * read them with its own check before (issue 10): compared with its frozen copy in {@link LegacyValidators} on the
 * corpus, as UTF-8 and as Latin-1 bytes, inside a larger buffer, and on random bytes.
 */
final class ZoneParserNamesDifferentialTest {

    static Stream<String> corpus() {
        return LegacyValidators.corpus().stream();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("corpus")
    void dnset_names_are_read_as_before(String name) {
        for (byte[] bytes : encodings(name)) {
            assertThat(ZoneParser.domainName(bytes, 0, bytes.length))
                    .isEqualTo(LegacyValidators.zoneParserDomainName(bytes, 0, bytes.length));
            // inside a line: the range, not the buffer, is read
            byte[] line = new byte[bytes.length + 4];
            line[0] = 'A';
            line[1] = '.';
            System.arraycopy(bytes, 0, line, 2, bytes.length);
            line[line.length - 2] = '.';
            line[line.length - 1] = 'Z';
            assertThat(ZoneParser.domainName(line, 2, 2 + bytes.length))
                    .isEqualTo(LegacyValidators.zoneParserDomainName(line, 2, 2 + bytes.length));
        }
    }

    @Test
    void random_bytes_are_read_as_before() {
        byte[] alphabet = "aZ09.-_*\t #".getBytes(StandardCharsets.ISO_8859_1);
        SplittableRandom random = new SplittableRandom(0x5EED_10L);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[random.nextInt(12)];
            for (int k = 0; k < b.length; k++) {
                b[k] = random.nextInt(8) == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
            }
            assertThat(ZoneParser.domainName(b, 0, b.length)).as("%s", java.util.Arrays.toString(b))
                    .isEqualTo(LegacyValidators.zoneParserDomainName(b, 0, b.length));
        }
    }

    private static List<byte[]> encodings(String name) {
        List<byte[]> all = new ArrayList<>();
        all.add(name.getBytes(StandardCharsets.UTF_8));
        if (StandardCharsets.ISO_8859_1.newEncoder().canEncode(name)) {
            all.add(name.getBytes(StandardCharsets.ISO_8859_1));
        }
        return all;
    }
}

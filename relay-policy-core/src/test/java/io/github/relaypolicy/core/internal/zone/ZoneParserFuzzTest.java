package io.github.relaypolicy.core.internal.zone;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.relaypolicy.core.FuzzSupport;
import java.util.Arrays;

/**
 * Fuzzes {@link ZoneParser}, which reads rbldnsd data files that a block-list operator (or whoever can write the
 * mirror folder) controls. Input: the first byte selects the type ({@code byte % 4}: ip4set, ip4trie, ip6trie,
 * dnset) and strict mode (bit 2), so the digits {@code 0}-{@code 3} are the lenient types and {@code 4}-{@code 7}
 * the strict ones; the rest is the file. Seeds in {@code ZoneParserFuzzTestInputs/parse/}.
 *
 * <p>Invariants: a lenient parse never throws; a strict one throws only {@link ZoneFileException} naming the file
 * and the line; warnings stay capped; lookups on the result do not throw; TXT answers carry no control characters
 * into a reply; bounded time.
 */
class ZoneParserFuzzTest {

    private static final String FILE = "fuzz.zone";

    @FuzzTest(maxDuration = "15s")
    void parse(byte[] data) {
        if (data.length == 0) {
            return;
        }
        ZoneType type = ZoneType.values()[(data[0] & 0xff) % 4];
        boolean strict = (data[0] & 4) != 0;
        byte[] content = Arrays.copyOfRange(data, 1, data.length);
        String what = type + (strict ? " strict" : " lenient") + " zone of " + content.length + " bytes";
        long start = System.nanoTime();
        ZoneData zone;
        try {
            zone = ZoneData.parse(FILE, content, type, strict);
        } catch (ZoneFileException e) {
            FuzzSupport.checkTime(start, what);
            assertThat(strict).as("a lenient parse threw %s", e).isTrue();
            assertThat(e.getMessage()).as("message of %s", what).startsWith(FILE + ":");
            assertThat(e.line()).as("line of %s", what).isPositive();
            assertThat(FuzzSupport.hasControlOrBroken(e.getMessage())).as("message %s", e.getMessage()).isFalse();
            return;
        }
        assertThat(zone.type()).isEqualTo(type);
        assertThat(zone.warnings()).as("warnings of %s", what).hasSizeLessThanOrEqualTo(ZoneParser.MAX_WARNINGS + 1);
        if (strict) {
            assertThat(zone.warnings()).as("warnings of %s", what).isEmpty();
        }
        for (String w : zone.warnings()) {
            assertThat(w).as("warning of %s", what).startsWith(FILE + ":");
            assertThat(FuzzSupport.hasControlOrBroken(w)).as("warning %s", w).isFalse();
        }
        assertThat(zone.size()).isNotNegative();
        switch (type) {
            case IP4SET, IP4TRIE -> {
                check(zone.lookup4(0x7f000002L), "127.0.0.2");
                check(zone.lookup4(0xc0000201L), "192.0.2.1");
                check(zone.lookup4(0xffffffffL), "255.255.255.255");
            }
            case IP6TRIE -> {
                check(zone.lookup6(0x20010db800000000L, 1), "2001:db8::1");
                check(zone.lookup6(0, 0xffff7f000002L), "::ffff:127.0.0.2");
                check(zone.lookup6(-1L, -1L), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
            }
            case DNSET -> {
                check(zone.lookupName("test"), "test");
                check(zone.lookupName("a.b.example"), "a.b.example");
                check(zone.lookupName("example.com"), "example.com");
            }
        }
        FuzzSupport.checkTime(start, what);
    }

    private static void check(ZoneAnswer answer, String subject) {
        if (answer == null) {
            return;
        }
        assertThat(answer.addressText()).isNotEmpty();
        String txt = answer.txt(subject);
        if (txt != null) {
            assertThat(FuzzSupport.hasControlOrBroken(txt)).as("TXT answer '%s' for %s", txt, subject).isFalse();
        }
    }
}

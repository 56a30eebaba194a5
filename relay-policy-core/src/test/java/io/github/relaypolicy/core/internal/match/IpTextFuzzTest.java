package io.github.relaypolicy.core.internal.match;

import io.github.relaypolicy.core.internal.Text;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.relaypolicy.core.FuzzSupport;
import io.github.relaypolicy.core.RelayReference;
import java.util.Arrays;

/**
 * Fuzzes {@link IpText#parse4} and {@link IpText#parse6}, which read every client address, literal and network
 * entry, against the string-splitting parsers of {@link RelayReference}. Input: the text (see
 * {@link FuzzSupport}); seeds in {@code IpTextFuzzTestInputs/parse/}.
 *
 * <p>Invariants: no exception, bounded time; IPv4 text parses exactly when the reference reads it, to the same
 * address, and formats back to itself; IPv6 text (without its zone) likewise, and its RFC 5952 form parses back
 * to the same address.
 */
class IpTextFuzzTest {

    @FuzzTest(maxDuration = "15s")
    void parse(byte[] data) {
        String s = FuzzSupport.text(data);
        String shown = "'" + Text.escape(s) + "'";
        long start = System.nanoTime();
        long v4 = IpText.parse4(s, 0, s.length());
        long[] got = new long[2];
        int r6 = IpText.parse6(s, 0, s.length(), (hi, lo) -> {
            got[0] = hi;
            got[1] = lo;
            return 1;
        });
        FuzzSupport.checkTime(start, "IpText " + shown);

        byte[] ref4 = RelayReference.v4(s);
        assertThat(v4 >= 0).as("parse4 of %s agrees with the reference", shown).isEqualTo(ref4 != null);
        if (v4 >= 0) {
            assertThat(v4).as("parse4 of %s", shown).isLessThanOrEqualTo(0xffffffffL);
            assertThat(IpText.format4(v4)).as("format4(parse4(%s))", shown).isEqualTo(s);
        }

        int percent = s.indexOf('%');
        String address = percent < 0 ? s : s.substring(0, percent);
        byte[] ref6 = RelayReference.v6(address);
        if (r6 != IpText.INVALID) {
            assertThat(ref6).as("parse6 accepts %s; the reference reads its address", shown).isNotNull();
            assertThat(percent < 0 || percent < s.length() - 1).as("zone of %s is not empty", shown).isTrue();
            assertThat(bytes(got[0], got[1])).as("parse6 of %s", shown).isEqualTo(ref6);
            String formatted = IpText.format6(got[0], got[1]);
            long[] again = new long[2];
            int r = IpText.parse6(formatted, 0, formatted.length(), (hi, lo) -> {
                again[0] = hi;
                again[1] = lo;
                return 1;
            });
            assertThat(r).as("parse6(format6(%s)) = '%s'", shown, formatted).isNotEqualTo(IpText.INVALID);
            assertThat(again).as("parse6(format6(%s))", shown).isEqualTo(got);
        } else if (percent < 0) {
            assertThat(ref6).as("parse6 refuses %s, the reference reads %s", shown,
                    ref6 == null ? "" : Arrays.toString(ref6)).isNull();
        }
    }

    private static byte[] bytes(long hi, long lo) {
        byte[] b = new byte[16];
        for (int k = 0; k < 8; k++) {
            b[k] = (byte) (hi >>> (56 - 8 * k));
            b[k + 8] = (byte) (lo >>> (56 - 8 * k));
        }
        return b;
    }
}

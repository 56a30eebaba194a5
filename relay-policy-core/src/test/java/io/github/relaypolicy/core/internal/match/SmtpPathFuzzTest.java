package io.github.relaypolicy.core.internal.match;

import io.github.relaypolicy.core.internal.Text;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.relaypolicy.core.FuzzSupport;
import io.github.relaypolicy.core.RelayReference;

/**
 * Fuzzes {@link SmtpPath#parse}, the RFC 5321 path parser every decision starts with, against the grammar of
 * {@link RelayReference.Path}. Input: the path as text (see {@link FuzzSupport}); seeds in
 * {@code SmtpPathFuzzTestInputs/parse/}.
 *
 * <p>Invariants: no exception, bounded time; the one-pass common case agrees with the full parser; a path that
 * parses is well-formed by the reference grammar, its domain bounds are where the reference finds the domain, and
 * it is marked routed whenever the reference sees routing (an unrouted verdict on a routed path is an open relay).
 */
class SmtpPathFuzzTest {

    private static final int ROUTING_FORMS = SmtpPath.SOURCE_ROUTE | SmtpPath.SEVERAL_AT | SmtpPath.PERCENT
            | SmtpPath.BANG | SmtpPath.QUOTED_AT;

    @FuzzTest(maxDuration = "15s")
    void parse(byte[] data) {
        String s = FuzzSupport.text(data);
        String shown = "'" + Text.escape(s) + "'";
        long start = System.nanoTime();
        long r = SmtpPath.parse(s);
        long any = SmtpPath.parseAny(s);
        FuzzSupport.checkTime(start, "SmtpPath.parse " + shown);

        assertThat(r).as("SmtpPath.parse and parseAny of %s", shown).isEqualTo(any);
        int status = SmtpPath.status(r);
        int flags = SmtpPath.flags(r);
        assertThat(status).as("status of %s", shown).isBetween(SmtpPath.OK, SmtpPath.PART_TOO_LONG);
        if (status != SmtpPath.OK) {
            assertThat(flags).as("flags of failed %s", shown).isZero();
            if (status == SmtpPath.NULL_PATH) {
                RelayReference.Path ref = RelayReference.Path.parse(s);
                assertThat(ref != null && ref.isNullPath()).as("reference reads %s as <>", shown).isTrue();
            }
            return;
        }
        assertThat((flags & SmtpPath.ROUTED) != 0).as("ROUTED flag of %s", shown)
                .isEqualTo((flags & ROUTING_FORMS) != 0);

        RelayReference.Path ref = RelayReference.Path.parse(s);
        if (ref == null) {
            String detail = "SmtpPath accepts " + shown + " (flags " + Integer.toBinaryString(flags)
                    + "), the RFC 5321 reference grammar does not";
            throw new AssertionError(detail);
        }
        assertThat(ref.isNullPath()).as("reference reads %s as <>", shown).isFalse();
        if (ref.routed()) {
            assertThat(flags & SmtpPath.ROUTED).as("%s routes (reference), SmtpPath must flag it", shown)
                    .isNotZero();
        }
        if ((flags & SmtpPath.POSTMASTER) != 0) {
            assertThat(flags & (SmtpPath.HAS_DOMAIN | SmtpPath.SOURCE_ROUTE)).as("Postmaster %s", shown).isZero();
            if (!ref.isPostmaster()) {
                String detail = "SmtpPath reads " + shown + " as the bare Postmaster, the reference does not";
                throw new AssertionError(detail);
            }
        }
        boolean hasDomain = (flags & SmtpPath.HAS_DOMAIN) != 0;
        assertThat(hasDomain).as("%s has a domain", shown).isEqualTo(ref.domain() != null);
        if (hasDomain) {
            int from = SmtpPath.domainStart(r);
            int to = SmtpPath.domainEnd(r);
            assertThat(from).as("domain start in %s", shown).isPositive().isLessThanOrEqualTo(to);
            assertThat(to).as("domain end in %s", shown).isLessThanOrEqualTo(s.length());
            String refDomain = ref.domain();
            if (!refDomain.startsWith("[") && refDomain.endsWith(".")) {
                refDomain = refDomain.substring(0, refDomain.length() - 1);
            }
            assertThat(s.substring(from, to)).as("domain of %s", shown).isEqualTo(refDomain);
            assertThat((flags & SmtpPath.LITERAL) != 0).as("literal flag of %s", shown)
                    .isEqualTo(refDomain.startsWith("["));
        }
    }
}

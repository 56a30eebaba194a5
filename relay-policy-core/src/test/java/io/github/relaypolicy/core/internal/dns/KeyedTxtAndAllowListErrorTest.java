package io.github.relaypolicy.core.internal.dns;

import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.a;
import static io.github.relaypolicy.core.internal.dns.FakeDnsServer.listed;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.DnsFailure;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.core.internal.dns.FakeDnsServer.Behaviour;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A secret key cut by the TXT cap is still masked, and an allow list's error answer (dnswl.org 127.0.0.255) is a
 * failure of the list, never trust; each test failed before its fix.
 */
final class KeyedTxtAndAllowListErrorTest {

    private static final String KEY = "k3yk3yk3ysecr3tsecr3tabcde";
    private static final String ZEN = KEY + ".zen.dq.spamhaus.net";
    private static final String CLIENT = "192.0.2.10";

    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final Map<String, Behaviour> zone = dns.zone();

    private RelayEngine.Builder policy() {
        return RelayEngine.builder().localDomains("example.org").dnsServers(dns.server().address())
                .dnsTimeout(Duration.ofSeconds(2));
    }

    private static RelayRequest request() {
        return RelayRequest.of(CLIENT, "<a@example.net>", "<user@example.org>");
    }

    /** No run of six characters of the key past the three a mask shows, in any case. */
    private static void assertNoKeyPart(String text) {
        for (int i = 3; i + 6 <= KEY.length(); i++) {
            assertThat(text).doesNotContainIgnoringCase(KEY.substring(i, i + 6));
        }
    }

    @Test
    void a_long_reason_text_that_echoes_the_query_name_shows_no_part_of_the_key() {
        // The TXT is capped at 128 characters when echoed; the cap fell inside the key, and the masking ran after
        // the cap, so it no longer recognised the (now partial) key: 16 of its 26 characters reached the client.
        zone.put("10.2.0.192." + ZEN + ".", listed("x".repeat(100) + " 10.2.0.192." + ZEN));
        RelayEngine engine = policy().dnsbl(ZEN).build();

        for (Decision d : List.of(engine.decide(request()),
                engine.decideAsync(request()).toCompletableFuture().join())) {
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.rule()).isEqualTo("reject_rbl_client");
            assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; client [192.0.2.10] blocked using"
                    + " zen.dq.spamhaus.net; " + "x".repeat(100) + " 10.2.0.192.k3y***.zen.dq.sp...");
            assertNoKeyPart(d.reply().toString());
            for (TraceStep step : d.trace()) {
                assertNoKeyPart(step.rule() + step.detail());
            }
        }
    }

    @Test
    void dnswl_blocked_answer_127_0_0_255_is_an_error_not_a_trust_listing() {
        // dnswl.org answers 127.0.0.255 to every query from resolvers it blocks ("parentblock", over the fair-use
        // limit). Read as a listing by an allow list without a filter, it vouched for every client and cancelled
        // every block listing.
        zone.put("10.2.0.192.bl.test.", listed("Listed"));
        zone.put("10.2.0.192.list.dnswl.org.", a("127.0.0.255"));

        Decision deferred = policy().dnsbl("bl.test").dnswl("list.dnswl.org*-5").build().decide(request());

        assertThat(deferred.verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(deferred.rule()).isEqualTo("dnsbl_unavailable");
        assertThat(deferred.reply()).hasToString("451 4.7.1 Service unavailable; client [192.0.2.10] could not be"
                + " checked against list.dnswl.org, try again later");
        assertThat(deferred.trace()).extracting(TraceStep::toString).contains("dnswl:list.dnswl.org: SKIP - no"
                + " usable answer for 10.2.0.192.list.dnswl.org. (ERROR_CODE 127.0.0.255); its failures defer");

        Decision refused = policy().dnsbl("bl.test").dnswl("list.dnswl.org*-5")
                .dnsFailure("list.dnswl.org", DnsFailure.IGNORE).build().decide(request());

        assertThat(refused.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(refused.rule()).isEqualTo("reject_rbl_client");
        assertThat(refused.reply()).hasToString("554 5.7.1 Service unavailable; client [192.0.2.10] blocked using"
                + " bl.test; Listed");
    }

    @Test
    void only_allow_lists_read_127_0_0_255_as_an_error_block_lists_keep_it_as_a_listing() {
        // DroneBL lists "uncategorized threats" as 127.0.0.255: for a block list it stays a listing
        assertThat(ListAnswer.classify(new long[] {0x7f0000ffL}, AnswerFilter.any().forAllowList()))
                .hasToString("ERROR_CODE 127.0.0.255");
        assertThat(ListAnswer.classify(new long[] {0x7f0000ffL}, AnswerFilter.any()))
                .hasToString("LISTED 127.0.0.255");
        assertThat(ListSpec.parse(ListSpec.Kind.DNSWL, "list.dnswl.org*-5").filter().isError(0x7f0000ffL)).isTrue();
        assertThat(ListSpec.parse(ListSpec.Kind.DNSBL, "dnsbl.dronebl.org").filter().isError(0x7f0000ffL)).isFalse();

        zone.put("10.2.0.192.dnsbl.dronebl.test.", a("127.0.0.255"));
        Decision d = policy().dnsbl("dnsbl.dronebl.test").build().decide(request());

        assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(d.rule()).isEqualTo("reject_rbl_client");
        assertThat(d.reply()).hasToString("554 5.7.1 Service unavailable; client [192.0.2.10] blocked using"
                + " dnsbl.dronebl.test");
    }
}

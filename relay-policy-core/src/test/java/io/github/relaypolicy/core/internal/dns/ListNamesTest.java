package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The names of lists whose zones carry a secret key: shown without it in replies, masked everywhere else. */
final class ListNamesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // zone                                        | display name              | masked                               | secret
        "k3yk3yk3ysecr3tsecr3tabcde.zen.dq.spamhaus.net | zen.dq.spamhaus.net       | k3y***.zen.dq.spamhaus.net           | k3yk3yk3ysecr3tsecr3tabcde",
        "k3yk3yk3ysecr3tsecr3tabcde.dbl.dq.spamhaus.net | dbl.dq.spamhaus.net       | k3y***.dbl.dq.spamhaus.net           | k3yk3yk3ysecr3tsecr3tabcde",
        "k3yk3yk3ysecr3tsecr3tabcde.zrd.dq.spamhaus.com | zrd.dq.spamhaus.com       | k3y***.zrd.dq.spamhaus.com           | k3yk3yk3ysecr3tsecr3tabcde",
        "short.authbl.dq.spamhaus.net                   | authbl.dq.spamhaus.net    | ***.authbl.dq.spamhaus.net           | short",
        "0123456789abcdef01.combined.mail.abusix.zone   | combined.mail.abusix.zone | 012***.combined.mail.abusix.zone     | 0123456789abcdef01",
        "zen.dq.spamhaus.net                            | zen.dq.spamhaus.net       | zen.dq.spamhaus.net                  | ",
        "zen.spamhaus.org                               | zen.spamhaus.org          | zen.spamhaus.org                     | ",
        "bl.spamcop.net                                 | bl.spamcop.net            | bl.spamcop.net                       | ",
    })
    void zones_with_a_key_are_named_without_it_and_shown_masked(String zone, String name, String masked,
            String secret) {
        assertThat(ListNames.displayName(zone)).isEqualTo(name);
        assertThat(ListNames.masked(zone)).isEqualTo(masked);
        assertThat(ListNames.secret(zone)).isEqualTo(secret);
        ListSpec spec = ListSpec.parse(ListSpec.Kind.DNSBL, zone + "=127.0.0.[2..11;30]*3");
        assertThat(spec.name()).isEqualTo(name);
        assertThat(spec.maskedZone()).isEqualTo(masked);
        assertThat(spec.maskedText()).isEqualTo(masked + "=127.0.0.[2..11;30]*3");
        assertThat(spec.withName("Spamhaus ZEN").name()).isEqualTo("Spamhaus ZEN");
    }

    @Test
    void keys_are_masked_in_any_text_whatever_their_case_and_query_labels_stay() {
        assertThat(ListNames.maskAll("not listed: 10.2.0.192.K3YK3YK3YSECR3TSECR3TABCDE.Zen.DQ.spamhaus.net."))
                .isEqualTo("not listed: 10.2.0.192.k3y***.Zen.DQ.spamhaus.net.");
        assertThat(ListNames.maskAll("dnsbl_sites = a1b2c3d4e5f6g7h8i9.zen.dq.spamhaus.net*3,"
                + " a1b2c3d4e5f6g7h8i9.dbl.dq.spamhaus.net")).isEqualTo("dnsbl_sites = a1b***.zen.dq.spamhaus.net*3,"
                + " a1b***.dbl.dq.spamhaus.net");
        assertThat(ListNames.maskAll("blocked using zen.spamhaus.org")).isEqualTo("blocked using zen.spamhaus.org");
        assertThat(ListNames.redact("key k3yk3yk3ysecr3tsecr3tabcde and K3YK3YK3YSECR3TSECR3TABCDE!",
                "k3yk3yk3ysecr3tsecr3tabcde")).isEqualTo("key k3y*** and k3y***!");
        assertThat(ListNames.redact("nothing to hide", null)).isEqualTo("nothing to hide");
    }
}

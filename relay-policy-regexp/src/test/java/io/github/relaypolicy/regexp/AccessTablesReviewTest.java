package io.github.relaypolicy.regexp;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.PolicyFile;
import io.github.relaypolicy.core.RelayEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Findings of the adversarial review of regexp access tables (issue 12) through whole decisions. */
final class AccessTablesReviewTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return Files.write(dir.resolve(name), text.getBytes(StandardCharsets.UTF_8));
    }

    private RelayEngine engine(String policy) throws IOException {
        return RelayEngine.fromFile(write("relay.conf", "mydestination = example.org\n" + policy));
    }

    private static Decision decide(RelayEngine engine, String helo, String sender) {
        return engine.decide(RelayRequest.builder().client("203.0.113.5").helo(helo).sender(sender)
                .recipient("<bob@example.org>").build());
    }

    @Test
    void a_line_separator_the_client_sent_in_a_group_goes_out_as_a_space() throws IOException {
        // the HELO check lets U+2028 through (it is not a control character); copied by $1 into the reply text it
        // made SmtpReply throw inside decide()
        write("helo.re", "/^(.*)\\.bad\\.test$/ REJECT bad helo $1\n");
        try (RelayEngine engine = engine("check_helo_access = regexp:helo.re\n")) {
            Decision d = decide(engine, "a\u2028b.bad.test", "<a@b.example>");
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.rule()).isEqualTo(RuleNames.HELO_ACCESS);
            assertThat(d.reply().toString())
                    .isEqualTo("554 5.7.1 <a\\u2028b.bad.test>: Helo command rejected: bad helo a b");
        }
    }

    @Test
    void a_reply_code_whose_text_comes_out_empty_still_refuses() throws IOException {
        // "550 $1" with an empty group expanded to "550 ", which read as the all-numerical value, i.e. OK: the client
        // chose a HELO that turned a refusal into "stop all checks and skip the DNS lists". Postfix does not take
        // "550 " for a number either (it is not all digits); relay-policy refuses with the code and Postfix's default
        // text
        write("helo.re", "/^x(y*)\\.bad\\.test$/ 550 $1\n");
        write("senders", "a@b.example REJECT sender blocked\n");
        try (RelayEngine engine = engine("check_helo_access = regexp:helo.re\ncheck_sender_access = senders\n")) {
            Decision d = decide(engine, "x.bad.test", "<c@d.example>");
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.rule()).isEqualTo(RuleNames.HELO_ACCESS);
            assertThat(d.reply().toString())
                    .isEqualTo("550 5.7.1 <x.bad.test>: Helo command rejected: Access denied");
            Decision text = decide(engine, "xyy.bad.test", "<c@d.example>");
            assertThat(text.reply().toString()).isEqualTo("550 5.7.1 <xyy.bad.test>: Helo command rejected: yy");
        }
    }

    @Test
    void a_relay_rule_with_a_group_in_its_text_grants_relay_whether_or_not_another_relay_entry_exists()
            throws IOException {
        // the rules looked for RELAY entries among the compiled actions, which left out every rule whose result has a
        // $number: such a rule granted relay only when some other RELAY entry existed, and lint never listed it
        write("clients.re", "/^mail\\.(.*)\\.trusted\\.test$/ RELAY branch $1\n");
        write("clients.cidr", "192.0.2.0/24 RELAY\n");
        RelayRequest r = RelayRequest.builder().client("203.0.113.5").clientName("mail.paris.trusted.test")
                .helo("h.example").sender("<a@b.example>").recipient("<x@victim.example>").build();
        try (RelayEngine alone = engine("check_client_access = regexp:clients.re\n");
                RelayEngine both = engine("check_client_access = clients.cidr regexp:clients.re\n")) {
            for (RelayEngine engine : List.of(alone, both)) {
                Decision d = engine.decide(r);
                assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
                assertThat(d.rule()).isEqualTo(RuleNames.CLIENT_ACCESS);
            }
        }
        PolicyFile policy = PolicyFile.read(write("lint.conf", "check_client_access = regexp:clients.re\n"));
        assertThat(policy.accessEntries()).singleElement().satisfies(e -> {
            assertThat(e.line()).isEqualTo(1);
            assertThat(e.key()).isEqualTo("/^mail\\.(.*)\\.trusted\\.test$/");
            assertThat(e.action()).isEqualTo("RELAY");
        });
    }
}

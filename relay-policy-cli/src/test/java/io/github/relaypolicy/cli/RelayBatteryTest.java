package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.RelayEngine;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

final class RelayBatteryTest {

    private static final List<RelayBattery.Test> BATTERY =
            RelayBattery.tests("example.org", "[198.51.100.1]", "victim.example");

    /** Our domain is local; no trusted networks. */
    private static final RelayEngine ENGINE = RelayEngine.builder().localDomains("example.org").build();

    private static final RelayEngine TRUSTING_ENGINE = RelayEngine.builder()
            .localDomains("example.org")
            .trustedNetworks("192.0.2.0/24")
            .build();

    static List<RelayBattery.Test> battery() {
        return BATTERY;
    }

    @Test
    void battery_has_30_tests_with_ids_1_to_30_in_order() {
        assertThat(BATTERY).extracting(RelayBattery.Test::id)
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 30).boxed().toList());
        assertThat(BATTERY).extracting(RelayBattery.Test::description).doesNotHaveDuplicates();
        assertThat(BATTERY).extracting(t -> t.sender() + " " + t.recipient()).doesNotHaveDuplicates();
    }

    @Test
    void battery_has_the_14_recipient_forms_of_the_engine_battery_each_with_a_local_and_a_foreign_sender() {
        assertThat(BATTERY.stream().map(RelayBattery.Test::recipient).distinct()).containsExactly(
                "relaytest@victim.example",
                "relaytest%victim.example@[198.51.100.1]",
                "relaytest%victim.example@example.org",
                "\"relaytest@victim.example\"",
                "\"relaytest%victim.example\"",
                "relaytest@victim.example@example.org",
                "\"relaytest@victim.example\"@example.org",
                "relaytest@victim.example@[198.51.100.1]",
                "@example.org:relaytest@victim.example",
                "@[198.51.100.1]:relaytest@victim.example",
                "victim.example!relaytest",
                "victim.example!relaytest@example.org",
                "victim.example!relaytest@[198.51.100.1]",
                "\"victim.example!relaytest\"@example.org");
        for (int i = 0; i < 28; i += 2) {
            assertThat(BATTERY.get(i).sender()).isEqualTo("antispam@example.org");
            assertThat(BATTERY.get(i + 1).sender()).isEqualTo("antispam@victim.example");
            assertThat(BATTERY.get(i + 1).recipient()).isEqualTo(BATTERY.get(i).recipient());
        }
    }

    @ParameterizedTest(name = "test {0}: MAIL FROM:<{1}> RCPT TO:<{2}> ({3})")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        " 1 | antispam@example.org     | relaytest@victim.example                | plain victim address, local sender",
        " 2 | antispam@victim.example  | relaytest@victim.example                | plain victim address, foreign sender",
        " 3 | antispam@example.org     | relaytest%victim.example@[198.51.100.1] | percent hack via our literal, local sender",
        "14 | antispam@victim.example  | \"relaytest@victim.example\"@example.org | quoted victim address at our domain, foreign sender",
        "19 | antispam@example.org     | @[198.51.100.1]:relaytest@victim.example | source route via our literal, local sender",
        "28 | antispam@victim.example  | \"victim.example!relaytest\"@example.org | quoted bang path at our domain, foreign sender",
        "29 | ''                       | relaytest@victim.example                | plain victim address, null sender",
        "30 | antispam@[198.51.100.1]  | relaytest@victim.example                | plain victim address, sender at our literal",
    })
    void ids_are_stable(int id, String sender, String recipient, String description) {
        RelayBattery.Test test = BATTERY.get(id - 1);

        assertThat(test).isEqualTo(new RelayBattery.Test(id, sender, recipient, description));
    }

    @Test
    void paths_are_the_addresses_in_angle_brackets_and_the_null_sender_is_empty_brackets() {
        assertThat(BATTERY.get(28).senderPath()).isEqualTo("<>");
        assertThat(BATTERY.get(0).senderPath()).isEqualTo("<antispam@example.org>");
        assertThat(BATTERY.get(6).recipientPath()).isEqualTo("<\"relaytest@victim.example\">");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("battery")
    void untrusted_client_is_refused_every_test(RelayBattery.Test test) {
        // when
        Decision decision = ENGINE.decide(RelayRequest.of("203.0.113.9", test.senderPath(), test.recipientPath()));

        // then
        assertThat(decision.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(decision.rule()).isIn("reject_unauth_destination", "allow_untrusted_routing");
        assertThat(decision.reply()).hasToString("554 5.7.1 <" + test.recipient() + ">: Relay access denied");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("battery")
    void untrusted_client_is_refused_every_test_when_the_paths_come_without_brackets(RelayBattery.Test test) {
        String sender = test.sender().isEmpty() ? "<>" : test.sender();

        Decision decision = ENGINE.decide(RelayRequest.of("203.0.113.9", sender, test.recipient()));

        assertThat(decision.reply().code()).isEqualTo(554);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("battery")
    void trusted_client_is_accepted_for_every_test(RelayBattery.Test test) {
        Decision decision = TRUSTING_ENGINE.decide(
                RelayRequest.of("192.0.2.10", test.senderPath(), test.recipientPath()));

        assertThat(decision.accepted()).as("%s: %s", test, decision.reply()).isTrue();
        assertThat(decision.rule()).isEqualTo("mynetworks");
    }

    @Test
    void ipv6_literal_is_used_as_given() {
        List<RelayBattery.Test> tests = RelayBattery.tests("example.org", "[IPv6:2001:db8::25]", "victim.example");

        assertThat(tests.get(2).recipient()).isEqualTo("relaytest%victim.example@[IPv6:2001:db8::25]");
        assertThat(tests.get(18).recipient()).isEqualTo("@[IPv6:2001:db8::25]:relaytest@victim.example");
        assertThat(tests.get(29).sender()).isEqualTo("antispam@[IPv6:2001:db8::25]");
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "''                | [192.0.2.1] | victim.example | ourDomain is empty",
        "example.org       | 192.0.2.1   | victim.example | ourLiteral '192.0.2.1' is not an address literal",
        "example.org       | [192.0.2.1] | 'a b.example'  | victimDomain 'a b.example': character U+0020 at index 1",
        "'x@example.org'   | [192.0.2.1] | victim.example | ourDomain 'x@example.org': character U+0040 at index 1",
    })
    void malformed_domains_are_refused_with_a_message_naming_them(String ours, String literal, String victim,
            String message) {
        assertThatThrownBy(() -> RelayBattery.tests(ours, literal, victim))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}

package io.github.relaypolicy.core;

import static io.github.relaypolicy.core.ContractAssertions.assertAccepted;
import static io.github.relaypolicy.core.ContractAssertions.assertRelayDenied;
import static io.github.relaypolicy.core.ContractAssertions.stepOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.TraceStep;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The open-relay battery that block-list operators and scanners (nmap {@code smtp-open-relay}, Metasploit
 * {@code smtp_relay}) run against a server: 16 sender/recipient pairs that try to get mail to a third-party
 * domain through a relay check that only looks at the plain {@code user@domain} form (DOMAIN.md, RFC 2505).
 *
 * <p>Our domain is {@code example.org}, our IP literal is {@code [198.51.100.1]}, the victim is
 * {@code victim.example}.
 */
final class OpenRelayBatteryTest {

    private static final String UNTRUSTED = "203.0.113.9";
    private static final String PLAIN = "reject_unauth_destination";
    private static final String ROUTED = "allow_untrusted_routing";

    /** Our policy; our IP literal is not listed as a local domain. */
    private static final RelayEngine ENGINE = RelayEngine.builder()
            .localDomains("example.org", ".corp.example")
            .relayDomains("partner.example")
            .trustedNetworks("127.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "!192.0.2.66")
            .build();

    /** The same policy with our IP literal listed as a local domain, as many servers do. */
    private static final RelayEngine ENGINE_WITH_LOCAL_LITERAL = RelayEngine.builder()
            .localDomains("example.org", ".corp.example")
            .localDomains("[198.51.100.1]")
            .relayDomains("partner.example")
            .trustedNetworks("127.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "!192.0.2.66")
            .build();

    /** The same policy where SMTP AUTH does not grant relay. */
    private static final RelayEngine ENGINE_WITHOUT_AUTH_RELAY = RelayEngine.builder()
            .localDomains("example.org", ".corp.example")
            .relayDomains("partner.example")
            .trustedNetworks("127.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "!192.0.2.66")
            .permitAuthenticated(false)
            .build();

    /** The 16 forms: sender, recipient (without angle brackets) and the rule that must refuse it. */
    private static final List<String[]> BATTERY = List.of(
            new String[] {"", "relaytest@victim.example", PLAIN},
            new String[] {"antispam@example.org", "relaytest@victim.example", PLAIN},
            new String[] {"antispam@[198.51.100.1]", "relaytest@victim.example", PLAIN},
            new String[] {"antispam@example.org", "relaytest%victim.example@[198.51.100.1]", ROUTED},
            new String[] {"antispam@example.org", "relaytest%victim.example@example.org", ROUTED},
            new String[] {"antispam@example.org", "\"relaytest@victim.example\"", ROUTED},
            new String[] {"antispam@example.org", "\"relaytest%victim.example\"", ROUTED},
            new String[] {"antispam@example.org", "relaytest@victim.example@example.org", ROUTED},
            new String[] {"antispam@example.org", "\"relaytest@victim.example\"@example.org", ROUTED},
            new String[] {"antispam@example.org", "relaytest@victim.example@[198.51.100.1]", ROUTED},
            new String[] {"antispam@example.org", "@example.org:relaytest@victim.example", ROUTED},
            new String[] {"antispam@example.org", "@[198.51.100.1]:relaytest@victim.example", ROUTED},
            new String[] {"antispam@example.org", "victim.example!relaytest", ROUTED},
            new String[] {"antispam@example.org", "victim.example!relaytest@example.org", ROUTED},
            new String[] {"antispam@example.org", "victim.example!relaytest@[198.51.100.1]", ROUTED},
            new String[] {"antispam@example.org", "\"victim.example!relaytest\"@example.org", ROUTED});

    /** Every battery form, with and without angle brackets: sender path, recipient path, bare recipient, rule. */
    static Stream<Arguments> battery() {
        List<Arguments> cases = new ArrayList<>();
        for (String[] form : BATTERY) {
            String sender = form[0];
            String recipient = form[1];
            cases.add(Arguments.of("<" + sender + ">", "<" + recipient + ">", recipient, form[2]));
            // the bare form of the null sender is still "<>": an empty MAIL FROM argument is a syntax error
            cases.add(Arguments.of(sender.isEmpty() ? "<>" : sender, recipient, recipient, form[2]));
        }
        return cases.stream();
    }

    static Stream<Arguments> batteryAgainstBothPolicies() {
        return battery().flatMap(a -> Stream.of(
                Arguments.of(Named.of("our literal not local", ENGINE), a.get()[0], a.get()[1], a.get()[2],
                        a.get()[3]),
                Arguments.of(Named.of("our literal local", ENGINE_WITH_LOCAL_LITERAL), a.get()[0], a.get()[1],
                        a.get()[2], a.get()[3])));
    }

    static Stream<Arguments> batteryFromTrustedClients() {
        return battery().flatMap(a -> Stream.of("192.0.2.10", "::ffff:192.0.2.10", "2001:db8::5", "127.0.0.1")
                .map(client -> Arguments.of(client, a.get()[0], a.get()[1])));
    }

    static Stream<Arguments> batteryFromExcludedClients() {
        return battery().flatMap(a -> Stream.of("192.0.2.66", "::ffff:192.0.2.66")
                .map(client -> Arguments.of(client, a.get()[0], a.get()[1], a.get()[2], a.get()[3])));
    }

    @ParameterizedTest(name = "[{index}] {0}: MAIL FROM:{1} RCPT TO:{2}")
    @MethodSource("batteryAgainstBothPolicies")
    void untrusted_unauthenticated_client_cannot_relay_with_any_battery_form(RelayEngine engine, String sender,
            String recipient, String echoed, String rule) {
        // when
        Decision decision = engine.decide(RelayRequest.of(UNTRUSTED, sender, recipient));

        // then
        assertRelayDenied(decision, rule, echoed);
        assertThat(stepOf(decision, "mynetworks").outcome()).isEqualTo(TraceStep.Outcome.NO_MATCH);
    }

    @ParameterizedTest(name = "[{index}] MAIL FROM:{0} RCPT TO:{1}")
    @MethodSource("battery")
    void untrusted_client_is_refused_the_same_way_through_the_async_api(String sender, String recipient,
            String echoed, String rule) {
        Decision decision = ENGINE.decideAsync(RelayRequest.of(UNTRUSTED, sender, recipient))
                .toCompletableFuture().join();

        assertRelayDenied(decision, rule, echoed);
    }

    @ParameterizedTest(name = "[{index}] {0}: MAIL FROM:{1} RCPT TO:{2}")
    @MethodSource("batteryFromTrustedClients")
    void trusted_client_relays_every_battery_form(String client, String sender, String recipient) {
        Decision decision = ENGINE.decide(RelayRequest.of(client, sender, recipient));

        assertAccepted(decision, "mynetworks");
        assertThat(stepOf(decision, "mynetworks").outcome()).isEqualTo(TraceStep.Outcome.ACCEPT);
    }

    @ParameterizedTest(name = "[{index}] MAIL FROM:{0} RCPT TO:{1}")
    @MethodSource("battery")
    void authenticated_client_relays_every_battery_form(String sender, String recipient) {
        Decision decision = ENGINE.decide(RelayRequest.builder()
                .client(UNTRUSTED)
                .helo("client.example.net")
                .sender(sender)
                .recipient(recipient)
                .authenticatedUser("alice")
                .build());

        assertAccepted(decision, "permit_authenticated");
        assertThat(stepOf(decision, "mynetworks").outcome()).isEqualTo(TraceStep.Outcome.NO_MATCH);
    }

    @ParameterizedTest(name = "[{index}] {0}: MAIL FROM:{1} RCPT TO:{2}")
    @MethodSource("batteryFromExcludedClients")
    void client_excluded_from_trusted_network_is_untrusted(String client, String sender, String recipient,
            String echoed, String rule) {
        Decision decision = ENGINE.decide(RelayRequest.of(client, sender, recipient));

        assertRelayDenied(decision, rule, echoed);
        assertThat(stepOf(decision, "mynetworks").outcome()).isEqualTo(TraceStep.Outcome.NO_MATCH);
    }

    @ParameterizedTest(name = "[{index}] MAIL FROM:{0} RCPT TO:{1}")
    @MethodSource("battery")
    void authenticated_client_is_untrusted_when_authenticated_relay_is_not_permitted(String sender,
            String recipient, String echoed, String rule) {
        Decision decision = ENGINE_WITHOUT_AUTH_RELAY.decide(RelayRequest.builder()
                .client(UNTRUSTED)
                .sender(sender)
                .recipient(recipient)
                .authenticatedUser("alice")
                .build());

        assertRelayDenied(decision, rule, echoed);
    }

    @ParameterizedTest(name = "[{index}] MAIL FROM:{0} RCPT TO:{1}")
    @MethodSource("battery")
    void trusted_client_excluded_and_authenticated_still_relays(String sender, String recipient) {
        // the exclusion only removes network trust; SMTP AUTH still grants relay
        Decision decision = ENGINE.decide(RelayRequest.builder()
                .client("192.0.2.66")
                .sender(sender)
                .recipient(recipient)
                .authenticatedUser("alice")
                .build());

        assertAccepted(decision, "permit_authenticated");
    }
}

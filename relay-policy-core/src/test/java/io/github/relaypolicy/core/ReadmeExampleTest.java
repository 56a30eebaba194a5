package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayPolicy;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.Verdict;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's example, kept compiling and true. */
final class ReadmeExampleTest {

    private final List<String> replies = new ArrayList<>();

    @Test
    void the_readme_example_refuses_relay_and_explains_why() throws Exception {
        InetAddress clientAddress = InetAddress.getByName("203.0.113.9");
        String heloName = "mail.example.net";
        String mailFromArgument = "<spammer@example.net>";
        String rcptToArgument = "<victim@example.net>";
        String authUserOrNull = null;

        // README: "Use it"
        RelayPolicy policy = RelayEngine.builder()
            .localDomains("example.org", ".corp.example")   // final destination
            .relayDomains("partner.example")                 // we are backup MX / smarthost for these
            .trustedNetworks("127.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "!192.0.2.66")
            .permitAuthenticated(true)                       // the default
            .build();

        // For every RCPT TO:
        Decision d = policy.decide(RelayRequest.builder()
            .client(clientAddress)                           // or .client("203.0.113.9")
            .helo(heloName)
            .sender(mailFromArgument)                        // "<user@example.net>", "user@example.net" or "<>"
            .recipient(rcptToArgument)
            .authenticatedUser(authUserOrNull)
            .build());
        if (!d.accepted()) {
            reply(d.reply().toString());                     // e.g. "554 5.7.1 <victim@example.net>: Relay access denied"
        }

        assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(d.rule()).isEqualTo("reject_unauth_destination");
        assertThat(replies).containsExactly("554 5.7.1 <victim@example.net>: Relay access denied");
        assertThat(d.trace()).last().hasToString(
                "reject_unauth_destination: REJECT - neither the client nor the recipient domain allows relaying");
        assertThat(policy.decide(RelayRequest.of("203.0.113.9", "<a@example.net>", "<b@example.org>")).reply())
                .isEqualTo(SmtpReply.of(250, "2.1.5", "Ok"));
    }

    private void reply(String line) {
        replies.add(line);
    }
}

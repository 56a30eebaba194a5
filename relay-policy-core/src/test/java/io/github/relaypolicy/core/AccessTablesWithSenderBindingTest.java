package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.HostAction;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.TraceStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access tables still apply when sender login maps are configured too (found by the issue 13 load run: with
 * both, {@code decide()} skipped the tables once the binding let a sender through, so a table's REJECT accepted,
 * while the trace, which took the other branch, showed the refusal and then "evaluation failed unexpectedly").
 */
final class AccessTablesWithSenderBindingTest {

    @TempDir
    Path dir;

    private RelayEngine engine(String mismatch) throws IOException {
        Files.writeString(dir.resolve("clients.cidr"), "198.51.100.0/28 REJECT Go away\n");
        Files.writeString(dir.resolve("sender_access"), "hold@example.net HOLD suspicious sender\n");
        Files.writeString(dir.resolve("logins"), "alice@example.org alice\n");
        Path policy = Files.writeString(dir.resolve("relay-policy.conf"), """
                mydestination = example.org
                sender_login_maps = logins
                sender_login_mismatch = %s
                check_client_access = clients.cidr
                check_sender_access = sender_access
                """.formatted(mismatch));
        return RelayEngine.fromFile(policy);
    }

    private static RelayRequest request(String client, String sender, String user) {
        return RelayRequest.builder().client(client).sender(sender).recipient("bob@example.org")
                .authenticatedUser(user).build();
    }

    @Test
    void a_client_table_refusal_refuses_with_every_binding_mode() throws IOException {
        for (String mode : new String[] {"authenticated", "known", "all", "off"}) {
            try (RelayEngine engine = engine(mode)) {
                Decision d = engine.decide(request("198.51.100.3", "someone@example.com", null));

                assertThat(d.rule()).as(mode).isEqualTo(RuleNames.CLIENT_ACCESS);
                assertThat(d.reply().toString()).as(mode)
                        .isEqualTo("554 5.7.1 <unknown[198.51.100.3]>: Client host rejected: Go away");
                assertThat(d.trace()).as(mode).last().extracting(TraceStep::rule)
                        .isEqualTo(RuleNames.CLIENT_ACCESS);
            }
        }
    }

    @Test
    void a_host_action_is_kept_for_a_sender_the_binding_lets_through() throws IOException {
        try (RelayEngine engine = engine("authenticated")) {
            Decision d = engine.decide(request("203.0.113.9", "hold@example.net", null));

            assertThat(d.rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
            assertThat(d.hostActions()).extracting(HostAction::kind).containsExactly(HostAction.Kind.HOLD);
            assertThat(d.trace()).last().extracting(TraceStep::rule).isEqualTo(RuleNames.LOCAL_DOMAINS);
        }
    }
}

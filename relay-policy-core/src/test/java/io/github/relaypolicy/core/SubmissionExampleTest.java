package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.internal.ManualClock;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's submission-server example (examples/submission.conf), kept true. */
final class SubmissionExampleTest {

    private static final Path EXAMPLE = Path.of("..", "examples", "submission.conf");

    private static RelayRequest submit(String user, String from, String to, String tx) {
        return RelayRequest.builder().client("198.51.100.20").authenticatedUser(user).sender("<" + from + ">")
                .recipient("<" + to + ">").transactionId(tx).build();
    }

    @Test
    void users_send_as_themselves_at_a_bounded_rate() {
        // the engine's clock stands still, so that the minute limit is not refilled while the test runs
        try (RelayEngine engine = EngineTestHooks.timeSource(PolicyFile.read(EXAMPLE).builder(), new ManualClock())
                .build()) {
            assertThat(engine.decide(submit("alice", "alice+lists@example.org", "friend@example.net", "s1.1"))
                    .verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(engine.decide(submit("bob", "info@example.org", "friend@example.net", "s2.1")).verdict())
                    .isEqualTo(Verdict.ACCEPT);
            assertThat(engine.decide(submit("carol", "anyone@sales.example.org", "x@example.net", "s3.1"))
                    .verdict()).isEqualTo(Verdict.ACCEPT);

            Decision spoof = engine.decide(submit("carol", "alice@example.org", "friend@example.net", "s3.2"));
            assertThat(spoof.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(spoof.rule()).isEqualTo(RuleNames.SENDER_LOGIN_MISMATCH);
            assertThat(spoof.reply().toString())
                    .isEqualTo("553 5.7.1 <alice@example.org>: Sender address rejected: not owned by user carol");

            // a stolen password: 100 recipients a minute, then deferred
            int accepted = 0;
            for (int i = 0; i < 150; i++) {
                Decision d = engine.decide(submit("bob", "bob@example.org", "r" + i + "@example.net",
                        "s4." + (i / 50)));
                if (d.verdict() == Verdict.ACCEPT) {
                    accepted++;
                } else {
                    assertThat(d.rule()).isIn(RuleNames.RECIPIENT_RATE_LIMIT, RuleNames.RECIPIENTS_PER_MESSAGE);
                    assertThat(d.reply().code() / 100).isEqualTo(4);
                }
            }
            assertThat(accepted).isEqualTo(99); // one went to s2.1 before; user:100/1m holds

            // the open-relay door stays shut
            Decision relay = engine.decide(RelayRequest.of("203.0.113.9", "<alice@example.org>",
                    "<victim@example.com>"));
            assertThat(relay.rule()).isEqualTo(RuleNames.RELAY_DENIED);
        }
    }
}

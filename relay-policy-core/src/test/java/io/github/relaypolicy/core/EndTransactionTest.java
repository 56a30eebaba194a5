package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import org.junit.jupiter.api.Test;

/** {@link RelayEngine#endTransaction}: what the policy service calls at END-OF-MESSAGE. */
final class EndTransactionTest {

    private static Decision rcpt(RelayEngine engine, String tx) {
        return engine.decide(RelayRequest.builder().client("203.0.113.5").authenticatedUser("bob")
                .sender("<bob@example.org>").recipient("<a@example.com>").transactionId(tx).build());
    }

    @Test
    void an_ended_transaction_is_forgotten_and_its_id_starts_a_new_one() {
        try (RelayEngine engine = RelayEngine.builder().recipientsPerMessage(2).build()) {
            assertThat(rcpt(engine, "t1").reply().toString()).startsWith("250");
            assertThat(rcpt(engine, "t1").reply().toString()).startsWith("250");
            assertThat(rcpt(engine, "t1").reply().toString()).isEqualTo("452 4.5.3 Too many recipients");

            assertThat(engine.endTransaction("t1")).isTrue();
            assertThat(engine.endTransaction("t1")).as("already forgotten").isFalse();
            assertThat(engine.endTransaction("never-seen")).isFalse();
            assertThat(rcpt(engine, "t1").reply().toString()).startsWith("250");
        }
    }

    @Test
    void the_message_is_counted_again_for_a_new_transaction_and_counts_taken_stay_taken() {
        try (RelayEngine engine = RelayEngine.builder().messageRateLimit("user:2/1h").build()) {
            assertThat(rcpt(engine, "m1").reply().toString()).startsWith("250");
            assertThat(rcpt(engine, "m1").reply().toString()).as("same message").startsWith("250");
            assertThat(engine.endTransaction("m1")).isTrue();
            assertThat(rcpt(engine, "m1").reply().toString()).as("a second message").startsWith("250");
            assertThat(engine.endTransaction("m1")).isTrue();
            assertThat(rcpt(engine, "m1").reply().toString()).as("a third message: the limit's two are used")
                    .startsWith("451 4.7.1");
        }
    }

    @Test
    void without_limits_it_does_nothing_and_null_is_refused() {
        try (RelayEngine engine = RelayEngine.builder().build()) {
            assertThat(engine.endTransaction("t")).isFalse();
            assertThatThrownBy(() -> engine.endTransaction(null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("transactionId");
        }
    }
}

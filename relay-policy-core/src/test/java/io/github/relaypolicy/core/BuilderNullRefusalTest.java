package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A refused domain or network entry also fails build() and reload(), whatever the refusal: a batch refused because
 * one entry is null (a list read from a configuration source with an empty item) included, so a caller who logs the
 * refusal and goes on never builds an engine that trusts a host it meant to exclude.
 */
class BuilderNullRefusalTest {

    @Test
    void a_batch_refused_for_a_null_entry_also_fails_the_build() {
        RelayEngine.Builder b = RelayEngine.builder().localDomains("example.org").trustedNetworks("192.0.2.0/24");
        assertThatThrownBy(() -> b.trustedNetworks(Arrays.asList("!192.0.2.66", null)))
                .isInstanceOf(NullPointerException.class).hasMessage("trustedNetworks[1] is null");

        // the caller logged the refusal and went on
        RelayEngine engine;
        try {
            engine = b.build();
        } catch (RuntimeException expected) {
            return; // as for an IllegalArgumentException: the refusal fails the build
        }
        try (engine) {
            assertThat(engine.decide(RelayRequest.of("192.0.2.66", "<a@example.net>", "<b@example.net>")).verdict())
                    .as("192.0.2.66 was to be excluded from the trusted networks").isEqualTo(Verdict.REJECT);
        }
    }
}

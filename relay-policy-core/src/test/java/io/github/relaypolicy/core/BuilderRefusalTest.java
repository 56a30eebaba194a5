package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import org.junit.jupiter.api.Test;

/**
 * Builder settings are checked when they are given, and a refused domain or network entry also fails the build: a
 * caller who catches and ignores the refusal never gets an engine that trusts more than was asked.
 */
class BuilderRefusalTest {

    @Test
    void a_refused_network_entry_is_refused_at_once_and_again_at_build() {
        RelayEngine.Builder b = RelayEngine.builder().localDomains("example.org").trustedNetworks("192.0.2.0/24");
        assertThatThrownBy(() -> b.trustedNetworks("!192.0.2.66", "192.0.2.1/24"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trusted network '192.0.2.1/24': host bits set, did you mean 192.0.2.0/24?");
        assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trusted network '192.0.2.1/24': host bits set, did you mean 192.0.2.0/24?");
        try (RelayEngine engine = RelayEngine.builder().build()) {
            assertThatThrownBy(() -> engine.reload(b)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("trusted network '192.0.2.1/24': host bits set, did you mean 192.0.2.0/24?");
            assertThat(engine.decide(RelayRequest.of("192.0.2.66", "<a@example.net>", "<b@example.net>")).verdict())
                    .isEqualTo(Verdict.REJECT);
        }
    }

    @Test
    void a_refused_domain_entry_leaves_the_builder_as_it_was_and_fails_the_build() {
        RelayEngine.Builder b = RelayEngine.builder().localDomains("example.org");
        assertThatThrownBy(() -> b.relayDomains("partner.example", "[192.0.2.300]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("relay domain '[192.0.2.300]': ");
        // the refused call added nothing: example.org stays local, with no conflict from partner.example
        b.localDomains("partner.example");
        assertThatThrownBy(b::build).hasMessageStartingWith("relay domain '[192.0.2.300]': ");
    }

    @Test
    void a_policy_file_builder_adds_to_a_checked_policy() {
        RelayEngine.Builder b = RelayEngine.builder().localDomains("example.org");
        assertThatThrownBy(() -> b.relayDomains("example.org")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("relay domain 'example.org' conflicts with 'example.org': the same domain cannot be both"
                        + " relay and another kind");
    }
}

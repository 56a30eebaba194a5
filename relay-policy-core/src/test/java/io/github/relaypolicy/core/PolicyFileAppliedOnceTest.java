package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy file's settings are given to a builder once, when the file is read; every builder, engine and effective
 * policy made from it afterwards copies that result instead of reading or applying the settings again.
 */
class PolicyFileAppliedOnceTest {

    @TempDir
    Path dir;

    @Test
    void builders_engines_and_lint_use_what_was_read_even_after_the_files_are_gone() throws IOException {
        Path list = Files.writeString(dir.resolve("local.txt"), "example.org\n.corp.example\n");
        Path conf = Files.writeString(dir.resolve("p.conf"), "mydestination = ./local.txt\nmynetworks = 192.0.2.0/24\n"
                + "dns_timeout = 2s\n");
        PolicyFile policy = PolicyFile.read(conf);
        Files.delete(list);
        Files.delete(conf);

        RelayEngine.Builder first = policy.builder();
        first.localDomains("added.example");
        try (RelayEngine engine = policy.builder().build(); RelayEngine more = first.build()) {
            RelayRequest toCorp = RelayRequest.of("203.0.113.9", "<a@example.net>", "<b@x.corp.example>");
            RelayRequest toAdded = RelayRequest.of("203.0.113.9", "<a@example.net>", "<b@added.example>");
            assertThat(engine.decide(toCorp).verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(more.decide(toAdded).verdict()).isEqualTo(Verdict.ACCEPT);
            // adding to one builder changes neither the policy nor the other builders
            assertThat(engine.decide(toAdded).verdict()).isEqualTo(Verdict.REJECT);
            assertThat(engine.decide(toAdded).reply().toString())
                    .isEqualTo("554 5.7.1 <b@added.example>: Relay access denied");
        }
        assertThat(policy.effective(10)).contains("mydestination = example.org, .corp.example\n",
                "mynetworks = 192.0.2.0/24\n", "dns_timeout = 2s\n");
        assertThat(policy.withoutDnsLists().effective(10)).contains("mydestination = example.org, .corp.example\n",
                "dns_timeout = 5s\n");
    }
}

package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An attacker rotating through three million client addresses and senders cannot grow the heap: the engine's
 * counters are one fixed table (a million identities, 8 MB), and the run completes in a 48 MB heap.
 */
final class RateLimitHeapTest {

    @Test
    void three_million_identities_fit_in_a_small_heap() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx48m", "-cp", TestFiles.classPath(), RateLimitHeapChild.class.getName(),
                "3000000"));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        Map<String, String> results = new HashMap<>();
        List<String> output = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && output.size() < 1000) {
                output.add(line);
                if (line.startsWith("RESULT ")) {
                    results.put(line.substring(7, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
                }
            }
        } finally {
            if (!child.waitFor(180, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
        assertThat(results).as(String.join("\n", output)).containsEntry("done", "yes");
        assertThat(Long.parseLong(results.get("accepted"))).isEqualTo(1_500_000);
        assertThat(Long.parseLong(results.get("refused"))).isEqualTo(1_500_000);
        assertThat(Long.parseLong(results.get("used"))).as("heap in use after GC").isLessThan(40L << 20);
    }
}

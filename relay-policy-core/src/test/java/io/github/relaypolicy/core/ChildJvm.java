package io.github.relaypolicy.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the tests in a JVM of its own (a small heap, say) and collects what it reports: lines
 * {@code RESULT name=value}, and its whole output for failure messages.
 *
 * @param results the reported values by name
 * @param output every line it printed (at most 1,000)
 */
record ChildJvm(Map<String, String> results, List<String> output) {

    /**
     * Runs {@code main} with {@code -Xmx}{@code heap} and the tests' class path, waiting at most {@code seconds}.
     */
    static ChildJvm run(Class<?> main, String heap, int seconds, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx" + heap, "-cp", TestFiles.classPath(), main.getName()));
        command.addAll(List.of(args));
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
            if (!child.waitFor(seconds, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
        return new ChildJvm(results, output);
    }

    /** The output, for a failure message. */
    String log() {
        return String.join("\n", output);
    }
}

package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Files and processes the file and fault tests use: edits a watcher sees, polling, FIFOs, a child JVM's class path. */
public final class TestFiles {

    private TestFiles() {
    }

    /** Makes a FIFO at {@code path} with mkfifo(1). */
    public static Path mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("mkfifo finished").isTrue();
        assertThat(p.exitValue()).as("mkfifo " + path).isZero();
        return path;
    }

    /**
     * Releases a reader blocked in the open of a FIFO by opening it for writing, on a daemon thread waited for at
     * most {@code millis}: a test never hangs here.
     */
    public static void releaseFifo(Path fifo, long millis) throws InterruptedException {
        Thread release = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.flush();
            } catch (IOException e) {
                // the reader is gone already
            }
        });
        release.setDaemon(true);
        release.start();
        release.join(millis);
    }

    /** Rewrites a file so that its stamp changes even within one clock tick. */
    public static void change(Path file, String text) throws IOException {
        FileTime before = Files.getLastModifiedTime(file);
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(before.toInstant().plusSeconds(2)));
    }

    /** Polls {@code condition} every 10 ms until it holds or 20 s have passed; the caller asserts what it needs. */
    public static void waitFor(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The test class path, whether surefire put the classes on the class path or the module path. */
    public static String classPath() {
        List<String> parts = new ArrayList<>();
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            String value = System.getProperty(property);
            if (value != null && !value.isBlank()) {
                parts.add(value);
            }
        }
        return String.join(File.pathSeparator, parts);
    }
}

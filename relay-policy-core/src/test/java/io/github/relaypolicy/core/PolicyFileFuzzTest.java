package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.internal.Text;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Fuzzes the policy-file reader through {@link RelayEngine#fromFile(Path)} on a file in a private temporary
 * folder that also holds a few list and zone files the input may name. Input: the file's bytes; seeds in
 * {@code PolicyFileFuzzTestInputs/read/}.
 *
 * <p>Invariants: a file is either an engine or a {@link PolicyFileException} whose message names the file (every
 * problem, issue 9 #5); nothing else escapes, in bounded time; an engine built from it (without its DNS lists,
 * which would query the network) decides sample requests with well-formed replies.
 *
 * <p>Inputs that name files outside the folder (absolute paths, {@code ..}) are skipped: the reader would
 * happily open {@code /dev/zero} (issue 9 #4) and that is not what this test is about.
 */
class PolicyFileFuzzTest {

    private static final Path DIR;
    private static final Path POLICY;

    static {
        try {
            DIR = Files.createTempDirectory("relay-policy-fuzz");
            DIR.toFile().deleteOnExit();
            POLICY = DIR.resolve("policy.conf");
            write("networks.txt", "10.0.0.0/8\n2001:db8::/32\n# comment\n!10.9.9.9\n");
            write("domains.txt", "example.org\n.corp.example\n*.wild.example\n");
            write("bl.ip4set", ":127.0.0.2:Listed, see https://bl.example/?$\n192.0.2.0/24\n203.0.113.7\n");
            write("bl.dnset", ".spam.example :127.0.1.2:spam domain $\n");
            write("bl.ip6trie", "2001:db8:bad::/48\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(String name, String content) throws IOException {
        Path p = DIR.resolve(name);
        Files.writeString(p, content);
        p.toFile().deleteOnExit();
    }

    /** A file name that starts a value, or a list entry, and leaves the folder. */
    private static final Pattern OUTSIDE = Pattern.compile("(^|[\\s=,:;\"'])[/~]|\\.\\.|/(dev|proc|sys)\\b");

    private static final List<RelayRequest> SAMPLES = List.of(
            RelayRequest.of("203.0.113.9", "<a@example.net>", "<b@example.org>"),
            RelayRequest.of("10.1.2.3", "<>", "<victim@elsewhere.example>"),
            RelayRequest.of("192.0.2.1", "<a@example.net>", "<user%victim.example@example.org>"),
            RelayRequest.builder().client("198.51.100.1").helo("x").sender("<a@b.example>")
                    .recipient("<c@partner.example>").authenticatedUser("alice").build());

    @FuzzTest(maxDuration = "15s")
    void read(byte[] data) throws IOException {
        String text = new String(data, StandardCharsets.UTF_8);
        if (OUTSIDE.matcher(text).find()) {
            return;
        }
        Files.write(POLICY, data);
        long start = System.nanoTime();
        try (RelayEngine engine = RelayEngine.fromFile(POLICY)) {
            FuzzSupport.checkTime(start, "RelayEngine.fromFile");
            assertThat(engine.toString()).startsWith("RelayEngine[");
        } catch (PolicyFileException e) {
            FuzzSupport.checkTime(start, "RelayEngine.fromFile");
            assertThat(e.problems()).as("problems of '%s'", Text.escape(text)).isNotEmpty();
            assertThat(e.getMessage()).as("message for '%s'", Text.escape(text)).contains(POLICY.getFileName().toString());
            for (String line : e.getMessage().split("\n", -1)) {
                assertThat(FuzzSupport.hasControlOrBroken(line)).as("message line '%s'", Text.escape(line)).isFalse();
            }
            return;
        } catch (IllegalArgumentException e) {
            throw new AssertionError("RelayEngine.fromFile threw " + e + " for '" + Text.escape(text) + "'", e);
        }

        // The rules alone (DNS lists would query the network): every sample decided, replies well-formed.
        RelayEngine offline = PolicyFile.read(POLICY).withoutDnsLists().builder().build();
        for (RelayRequest r : SAMPLES) {
            Decision d = offline.decide(r);
            assertThat(d.rule()).as("%s under '%s'", r, Text.escape(text)).isNotEqualTo("internal_error");
            FuzzSupport.checkReply(d.reply(), r + " under '" + Text.escape(text) + "'");
        }
        FuzzSupport.checkTime(start, "decisions under the policy file");
    }
}

package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spamhaus DQS zone carries the customer's secret key ({@code KEY.zen.dq.spamhaus.net}): {@code check},
 * {@code zones} and {@code lint} show it only masked, and the reply {@code check} prints names the zone without it.
 * The zone is served from a local data file here, so that the commands run offline.
 */
final class DqsKeyCommandsTest {

    private static final String KEY = "k3yk3yk3ysecr3tsecr3tabcde";
    private static final String ZEN = KEY + ".zen.dq.spamhaus.net";
    private static final String MASKED = "k3y***.zen.dq.spamhaus.net";

    @TempDir
    Path dir;
    private Path conf;

    /** What a command printed and returned. */
    record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeEach
    void policy() throws IOException {
        Files.writeString(dir.resolve("zen.ip4set"), ":127.0.0.2:Listed, see https://check.spamhaus.org/\n"
                + "127.0.0.2\n203.0.113.0/24\n");
        conf = dir.resolve("relay-policy.conf");
        Files.writeString(conf, String.join("\n", "mydestination = example.org",
                "dnsbl_sites = " + ZEN + "=127.0.0.[2..11;30]*3", "dnsbl_threshold = 3",
                "dnsbl_reply." + ZEN + " = 554 5.7.1 Client [{client}] listed in {zone}{txt}",
                "local_zone." + ZEN + " = zen.ip4set", ""));
    }

    private static void assertNoKey(Run r) {
        assertThat(r.out()).doesNotContainIgnoringCase(KEY);
        assertThat(r.err()).doesNotContainIgnoringCase(KEY);
    }

    @Test
    void check_prints_a_reply_without_the_key_and_a_trace_with_it_masked() {
        Run r = run("check", "-c", conf.toString(), "--client", "203.0.113.9", "--from", "a@example.net", "--to",
                "user@example.org");

        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).contains("Reply:    554 5.7.1 Client [203.0.113.9] listed in zen.dq.spamhaus.net; Listed,"
                + " see https://check.spamhaus.org/\n", "dnsbl:" + MASKED + "  MATCH     listed: 9.113.0.203." + MASKED
                + ". answered LISTED 127.0.0.2 (weight +3)\n");
        assertNoKey(r);

        Run json = run("check", "-c", conf.toString(), "--client", "203.0.113.9", "--to", "user@example.org",
                "--json");
        assertThat(json.out()).contains(MASKED);
        assertNoKey(json);
    }

    @Test
    void zones_shows_the_key_masked() {
        Run r = run("zones", "-c", conf.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("\ndnsbl +" + MASKED.replace(".", "\\.").replace("*", "\\*")
                + " +ok +127\\.0\\.0\\.2: LISTED 127\\.0\\.0\\.2, 127\\.0\\.0\\.1: NOT_LISTED\n");
        assertNoKey(r);

        Run json = run("zones", "-c", conf.toString(), "--json");
        assertThat(json.out()).contains("\"zone\":\"" + MASKED + "\"");
        assertNoKey(json);
    }

    @Test
    void lint_shows_the_key_masked_in_the_effective_policy() {
        Run r = run("lint", "-c", conf.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("dnsbl_sites = " + MASKED + "=127.0.0.[2..11;30]*3\n",
                "dnsbl_reply." + MASKED + " = 554 5.7.1 Client [{client}] listed in {zone}{txt}\n",
                "local_zone." + MASKED + " = ");
        assertNoKey(r);
    }

    @Test
    void lint_shows_the_key_masked_in_the_problems_of_a_broken_policy() throws IOException {
        Files.writeString(conf, String.join("\n", "mydestination = example.org",
                "dnsbl_sites = " + ZEN + "=127.0.0.[2..11;30]*x", "dnsbl_reply." + ZEN + " = 250 ok", ""));

        Run r = run("lint", "-c", conf.toString());

        assertThat(r.code()).isEqualTo(78);
        assertThat(r.err()).contains("dnsbl '" + MASKED + "=127.0.0.[2..11;30]*x': weight 'x' is not a whole number",
                "'dnsbl_reply." + MASKED + "' names the zone '" + MASKED + "'");
        assertNoKey(r);
    }
}

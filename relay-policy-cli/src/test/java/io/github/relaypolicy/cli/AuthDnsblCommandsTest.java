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
 * A list asked only for authenticated clients ({@code auth_dnsbl_sites}, a Spamhaus DQS AuthBL zone here, served
 * from a local data file so that the commands run offline) in {@code check}, {@code zones} and {@code lint}.
 */
final class AuthDnsblCommandsTest {

    private static final String KEY = "k3yk3yk3ysecr3tsecr3tabcde";
    private static final String AUTHBL = KEY + ".authbl.dq.spamhaus.net";
    private static final String MASKED = "k3y***.authbl.dq.spamhaus.net";

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
        Files.writeString(dir.resolve("authbl.ip4set"), ":127.0.0.20:Stolen credentials\n127.0.0.2 :127.0.0.2:Test\n"
                + "203.0.113.0/24\n");
        conf = dir.resolve("relay-policy.conf");
        Files.writeString(conf, String.join("\n", "mydestination = example.org",
                "auth_dnsbl_sites = " + AUTHBL, "local_zone." + AUTHBL + " = authbl.ip4set", ""));
    }

    private static void assertNoKey(Run r) {
        assertThat(r.out()).doesNotContainIgnoringCase(KEY);
        assertThat(r.err()).doesNotContainIgnoringCase(KEY);
    }

    @Test
    void check_refuses_an_authenticated_client_at_a_listed_address_and_accepts_it_unauthenticated() {
        Run auth = run("check", "-c", conf.toString(), "--client", "203.0.113.9", "--from", "alice@example.org",
                "--to", "bob@remote.example", "--auth", "alice");

        assertThat(auth.code()).as(auth.err()).isEqualTo(1);
        assertThat(auth.out()).contains(
                "Reply:    554 5.7.1 Service unavailable; authenticated mail from client [203.0.113.9] is refused\n",
                "Rule:     reject_auth_dnsbl_client\n",
                "auth_dnsbl:" + MASKED + "  MATCH     listed: 9.113.0.203." + MASKED + ". answered LISTED"
                        + " 127.0.0.20 (weight +1)\n");
        assertNoKey(auth);

        Run plain = run("check", "-c", conf.toString(), "--client", "203.0.113.9", "--from", "carol@example.net",
                "--to", "bob@example.org");
        assertThat(plain.code()).as(plain.err()).isZero();
        assertThat(plain.out()).contains("Rule:     mydestination\n").doesNotContain("auth_dnsbl");
    }

    @Test
    void zones_checks_the_list_and_aligns_its_wider_kind() {
        Run r = run("zones", "-c", conf.toString());

        assertThat(r.code()).as(r.err()).isZero();
        // the columns of the header and of the row line up: "auth_dnsbl" sets the width of the first
        assertThat(r.out()).startsWith("list        zone" + " ".repeat(MASKED.length() - 4) + "  status   answers")
                .contains("\nauth_dnsbl  " + MASKED + "  ok       127.0.0.2: LISTED 127.0.0.2, 127.0.0.1: NOT_LISTED\n")
                .endsWith("all 1 lists healthy\n");
        assertNoKey(r);
    }

    @Test
    void lint_writes_the_list_with_the_key_masked() {
        Run r = run("lint", "-c", conf.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("auth_dnsbl_sites = " + MASKED + "\n", "local_zone." + MASKED + " = ");
        assertNoKey(r);
    }
}

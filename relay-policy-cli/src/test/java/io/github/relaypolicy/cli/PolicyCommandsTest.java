package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The commands that read a policy file, run in-process as a shell runs them: {@code check}, {@code audit},
 * {@code zones} and {@code lint}, on the repository's example policy and on policies written for one mistake.
 */
final class PolicyCommandsTest {

    /** The repository's example policy; the tests run in relay-policy-cli. */
    private static final String EXAMPLE = Path.of("..", "examples", "relay-policy.conf").toString();

    @TempDir
    Path dir;

    /** What a command printed and returned. */
    record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"check", "audit", "probe", "zones", "lint"})
    void help_of_every_command_formats_cleanly_and_lists_its_exit_codes(String command) {
        PrintStream stderr = System.err;
        ByteArrayOutputStream picocliWarnings = new ByteArrayOutputStream();
        Run r;
        try {
            System.setErr(new PrintStream(picocliWarnings, true, StandardCharsets.UTF_8));
            r = run("help", command);
        } finally {
            System.setErr(stderr);
        }

        assertThat(r.code()).isZero();
        assertThat(picocliWarnings.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(r.out()).startsWith("Usage: relay-policy " + command + " ").contains("\nExit codes:\n",
                "  64   usage error: invalid arguments\n");
    }

    // ------------------------------------------------------------------------------------------------ check

    @Test
    void check_explains_a_refusal_by_a_local_zone() {
        Run r = run("check", "--config", EXAMPLE, "--client", "203.0.113.129", "--from", "a@example.net",
                "--to", "user@example.org");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("MAIL FROM:<a@example.net>  RCPT TO:<user@example.org>\n",
                "Decision: REJECT - refused\n",
                "Reply:    554 5.7.1 Service unavailable; client [203.0.113.129] blocked using bl.example.invalid;"
                        + " Listed in bl.example.invalid: see https://bl.example.invalid/lookup?ip=203.0.113.129\n",
                "Rule:     reject_rbl_client\n")
                .containsPattern("\n  mynetworks +NO_MATCH +client 203\\.0\\.113\\.129 is not in the 6 trusted"
                        + " networks\n")
                .containsPattern("\n  mydestination +MATCH +recipient domain example\\.org is a local domain")
                .containsPattern("\n  reject_rbl_client +REJECT +score 3 reached the threshold 3");
    }

    @Test
    void check_prints_what_the_readme_shows() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String prompt = "$ ./relay-policy check ";
        int start = readme.indexOf(prompt);
        assertThat(start).as("the README's check example").isPositive();
        String command = readme.substring(start + prompt.length(), readme.indexOf('\n', start));
        String shown = readme.substring(readme.indexOf('\n', start) + 1, readme.indexOf("```", start));

        // the README runs from the repository's root, the tests from relay-policy-cli
        Run r = run(("check " + command.replace("examples/", "../examples/")).split(" "));

        assertThat(r.out()).isEqualTo(shown);
    }

    @Test
    void check_accepts_local_mail_and_relay_from_trusted_and_authenticated_clients() {
        assertThat(run("check", "-c", EXAMPLE, "--client", "198.18.0.1", "--to", "<user@example.org>").out())
                .contains("Decision: ACCEPT - accepted\n", "Reply:    250 2.1.5 Ok\n", "Rule:     mydestination\n");
        assertThat(run("check", "-c", EXAMPLE, "--client", "192.0.2.10", "--to", "x@victim.example").code())
                .isZero();
        Run auth = run("check", "-c", EXAMPLE, "--client", "198.18.0.1", "--auth", "alice", "--helo",
                "laptop.example.net", "--from", "alice@example.org", "--to", "x@victim.example");
        assertThat(auth.code()).isZero();
        assertThat(auth.out()).startsWith("client 198.18.0.1, HELO laptop.example.net, authenticated as alice\n")
                .contains("Rule:     permit_authenticated\n");
    }

    @Test
    void check_refuses_relay_with_the_reply_the_server_would_send() {
        Run r = run("check", "-c", EXAMPLE, "--client", "198.18.0.1", "--from", "a@example.org", "--to",
                "relaytest%victim.example@example.org");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("Reply:    554 5.7.1 <relaytest%victim.example@example.org>: Relay access"
                + " denied\n", "Rule:     allow_untrusted_routing\n");
    }

    @Test
    void check_defers_when_a_dns_list_cannot_be_asked() throws IOException {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again below: nothing answers there
        }
        Path conf = write("p.conf", "mydestination = example.org\ndnsbl_sites = bl.test\n"
                + "dns_servers = 127.0.0.1:" + port + "\ndns_timeout = 300ms\n");

        Run r = run("check", "-c", conf.toString(), "--client", "203.0.113.9", "--to", "user@example.org");

        assertThat(r.code()).as(r.out()).isEqualTo(2);
        assertThat(r.out()).contains("Decision: TEMPFAIL - deferred (try again later)\n")
                .containsPattern("Reply: +451 4\\.7\\.1 ");
    }

    @Test
    void check_json_is_one_object_for_scripts() {
        Run r = run("check", "-c", EXAMPLE, "--client", "198.18.0.1", "--to", "x@victim.example", "--json");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).startsWith("{\"request\":{\"client\":\"198.18.0.1\",\"helo\":null,\"sender\":\"<>\","
                + "\"recipient\":\"x@victim.example\",\"authenticatedUser\":null},\"verdict\":\"REJECT\","
                + "\"accepted\":false,\"reply\":{\"code\":554,\"enhancedStatus\":\"5.7.1\",\"text\":"
                + "\"<x@victim.example>: Relay access denied\",\"line\":\"554 5.7.1 <x@victim.example>: Relay access"
                + " denied\"},\"rule\":\"reject_unauth_destination\",\"trace\":[{\"rule\":")
                .endsWith("]}\n").containsOnlyOnce("\n");
    }

    @Test
    void check_reports_every_problem_of_a_broken_policy_and_exits_78() throws IOException {
        Path conf = write("p.conf", "mydestination = example.org\nmynetwork = 10.0.0.0/8\ndns_timeout = soon\n");

        Run r = run("check", "-c", conf.toString(), "--client", "203.0.113.9", "--to", "user@example.org");

        assertThat(r.code()).isEqualTo(78);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo(conf + ":2:1: unknown key 'mynetwork'; did you mean 'mynetworks'?\n"
                + conf + ":3:15: dns_timeout: 'soon' is not a duration: 500ms, 5s, 1m\n"
                + "2 problems; the policy was not used\n");
    }

    @Test
    void check_without_a_recipient_is_a_usage_error() {
        Run r = run("check", "-c", EXAMPLE, "--client", "203.0.113.9");

        assertThat(r.code()).isEqualTo(64);
        assertThat(r.err()).contains("Missing required option: '--to=ADDR'");
    }

    // ------------------------------------------------------------------------------------------------ audit

    @Test
    void audit_of_the_example_policy_finds_it_closed_and_working() {
        Run r = run("audit", "--config", EXAMPLE);

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("our domain example.org, our address literal [192.0.2.25], third-party domain"
                + " victim.example, untrusted client 203.0.113.9\n")
                .containsPattern("\n3 +percent hack via our literal, local sender +<antispam@example\\.org> +"
                        + "<relaytest%victim\\.example@\\[192\\.0\\.2\\.25]> +ok: refused +allow_untrusted_routing +554"
                        + " 5\\.7\\.1 <relaytest%victim\\.example@\\[192\\.0\\.2\\.25]>: Relay access denied\n")
                .containsPattern("\nmynetworks +relay from a trusted client +127\\.0\\.0\\.1 ")
                .endsWith("closed: 31 of 31 battery tests refused; 6 of 6 checks passed.\n");
    }

    @Test
    void audit_finds_an_open_relay_when_the_whole_internet_is_trusted() throws IOException {
        Path conf = write("p.conf", "mydestination = example.org\nmynetworks = 0.0.0.0/0\n");

        Run r = run("audit", "-c", conf.toString());

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("note: every client tried (203.0.113.9, ")
                .contains("note: mynetworks trusts 3702258688 public IPv4 addresses (more than a /1) and no public"
                        + " IPv6 addresses: more than any one network holds, so strangers may relay")
                .containsPattern("\n1 +plain victim address, local sender .* FAIL: accepted +mynetworks +250 2\\.1\\.5"
                        + " Ok\n")
                .contains("OPEN RELAY (see the notes and the failed tests): 1 of ");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mynetworks = 0.0.0.0/0, !203.0.113.0/24, !198.51.100.0/24, !192.0.2.0/24",
        "mynetworks = 0.0.0.0/1", "mynetworks = 64.0.0.0/2, 192.0.2.0/24", "mynetworks = ::/0",
        "mynetworks = 2000::/3", "mynetworks = ::ffff:0:0/96", "relay_domains = .com", "relay_domains = *.co.uk",
        "relay_domains = .net, .example"})
    void audit_finds_open_relays_its_sample_clients_would_miss(String setting) throws IOException {
        Path conf = write("p.conf", "mydestination = example.org\n" + setting + "\n");

        Run r = run("audit", "-c", conf.toString());

        assertThat(r.code()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).containsPattern("\nnote: (mynetworks trusts|relay_domains )")
                .containsPattern("\n(public|tld|v6|1) .* FAIL: accepted ")
                .contains("OPEN RELAY (see the notes and the failed tests)");
    }

    @Test
    void audit_of_private_and_own_networks_is_closed() throws IOException {
        Path conf = write("p.conf", "mydestination = example.org\nmynetworks = 10.0.0.0/8, 172.16.0.0/12,"
                + " 192.168.0.0/16, 127.0.0.0/8, ::1, fd00::/8, 198.51.100.0/24, 2001:db8::/32, 81.0.0.0/16\n"
                + "relay_domains = .partner.example, partner.co.uk\npermit_authenticated = NO\n");

        Run r = run("audit", "-c", conf.toString());

        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).endsWith("closed: 31 of 31 battery tests refused; 6 of 6 checks passed.\n");
    }

    @Test
    void audit_uses_the_a_label_of_an_internationalized_domain() throws IOException {
        Path conf = write("p.conf", "mydestination = b\u00fccher.example\n");

        Run r = run("audit", "-c", conf.toString());

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("our domain xn--bcher-kva.example, ");
    }

    @Test
    void audit_finds_an_open_relay_through_a_relay_domain_that_is_too_broad() throws IOException {
        Path conf = write("p.conf", "mydestination = example.org\nrelay_domains = .example, .invalid\n");

        Run r = run("audit", "-c", conf.toString(), "--json");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).startsWith("{\"config\":\"" + conf + "\",\"ourDomain\":\"example.org\"")
                .contains("\"result\":\"open_relay\"")
                .contains("{\"id\":\"1\",\"test\":\"plain victim address, local sender\",\"client\":\"203.0.113.9\","
                        + "\"sender\":\"<antispam@example.org>\",\"recipient\":\"<relaytest@victim.example>\","
                        + "\"authenticatedUser\":null,\"expected\":\"REFUSE\",\"ok\":false,\"verdict\":\"ACCEPT\","
                        + "\"rule\":\"relay_domains\"");
    }

    @Test
    void audit_counts_a_sender_binding_refusal_as_relay_granted() throws IOException {
        write("logins.map", "@example.org alice\n");
        Path conf = write("p.conf", "mydestination = example.org\nmynetworks = 127.0.0.0/8\n"
                + "sender_login_maps = logins.map\nsender_login_mismatch = all\n");

        Run r = run("audit", "-c", conf.toString());

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).containsPattern("\nauth +relay for an authenticated client \\(AUTH audit-user\\) .* accept"
                + " +ok: refused +sender_login_mismatch +553 5\\.7\\.1 <sender@example\\.org>: Sender address rejected:"
                + " not owned by user audit-user\n")
                .endsWith("closed: 31 of 31 battery tests refused; 5 of 5 checks passed.\n");
    }

    @Test
    void audit_says_when_closed_but_local_mail_is_refused_too() throws IOException {
        Path conf = write("p.conf", "mynetworks = 192.0.2.0/24\npermit_authenticated = no\n");

        Run r = run("audit", "-c", conf.toString());

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).contains("note: mydestination names no domain: the battery uses example.invalid as ours")
                .containsPattern("\nlocal +local mail from an untrusted client .* accept +FAIL: refused +"
                        + "reject_unauth_destination")
                .containsPattern("\nauth +no relay for an authenticated client \\(permit_authenticated = no\\)"
                        + " \\(AUTH audit-user\\) .* refuse +ok: refused")
                .endsWith("closed: 31 of 31 battery tests refused; 2 of 5 checks passed.\n");
    }

    // ------------------------------------------------------------------------------------------------ zones

    @Test
    void zones_reports_the_health_of_every_list() {
        Run r = run("zones", "--config", EXAMPLE);

        assertThat(r.code()).isZero();
        assertThat(r.out()).containsPattern("\ndnsbl +bl\\.example\\.invalid +ok +127\\.0\\.0\\.2: LISTED 127\\.0\\.0\\.2,"
                + " 127\\.0\\.0\\.1: NOT_LISTED\n")
                .containsPattern("\nrhsbl +dbl\\.example\\.invalid +ok +TEST: LISTED 127\\.0\\.1\\.2, INVALID:"
                        + " NOT_LISTED\n")
                .endsWith("all 3 lists healthy\n");
    }

    @Test
    void zones_finds_a_dead_list_and_one_that_lists_the_world() throws IOException {
        write("dead.ip4set", ":127.0.0.2:listed\n10.0.0.0/8\n");
        write("world.ip4set", ":127.0.0.2:listed\n0.0.0.0/0\n");
        Path conf = write("p.conf", "local_zone.dead.test = dead.ip4set\nlocal_zone.world.test = world.ip4set\n");

        Run r = run("zones", "-c", conf.toString());

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).containsPattern("\ndnsbl +dead\\.test +PROBLEM +127\\.0\\.0\\.2: NOT_LISTED.*; dead\n")
                .containsPattern("\ndnsbl +world\\.test +PROBLEM +.*127\\.0\\.0\\.1: LISTED.*; lists the world\n")
                .endsWith("2 of 2 lists have a problem\n");
    }

    @Test
    void zones_without_lists_says_so() throws IOException {
        Path conf = write("p.conf", "mydestination = example.org\n");

        assertThat(run("zones", "-c", conf.toString()).out()).isEqualTo("no DNS lists configured in " + conf + "\n");
    }

    // ------------------------------------------------------------------------------------------------- lint

    @Test
    void lint_prints_the_effective_policy() {
        Run r = run("lint", "--config", EXAMPLE);

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("# valid, no warnings\n",
                "mynetworks = 127.0.0.0/8, ::1, 192.0.2.0/24, !192.0.2.66, 198.51.100.0/26, 2001:db8:25::/48\n",
                "# reply.internal_error = 451 4.3.0 Temporary internal error\n", "dns_timeout = 5s\n",
                "local_zone_check_interval = 1m\n");
    }

    @Test
    void lint_warns_about_networks_that_trust_much_of_the_internet() throws IOException {
        Path conf = write("p.conf", "mydestination = example.org\nmynetworks = 10.0.0.0/8, 64.0.0.0/2,"
                + " ::ffff:0.0.0.0/96, 2000::/3\n");

        Run r = run("lint", "-c", conf.toString());

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("# valid, 3 warnings\n",
                "# warning: mynetworks entry ::ffff:0.0.0.0/96 (2649488384 public IPv4 addresses (more than a /1))"
                        + " trusts more than any one network holds: every client in it may relay anywhere\n",
                "# warning: mynetworks entry 64.0.0.0/2 (1052770304 public IPv4 addresses (more than a /3))",
                "# warning: mynetworks entry 2000::/3 (2^124+ public IPv6 addresses (more than a /4))");
    }

    @Test
    void lint_warns_about_domain_patterns_under_a_public_suffix() throws IOException {
        Path conf = write("p.conf", "mydestination = example.org, .com\nrelay_domains = *.co.uk, .partner.co.uk\n");

        Run r = run("lint", "-c", conf.toString());

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("# valid, 2 warnings\n",
                "# warning: relay_domains entry '*.co.uk' covers every domain under a top-level or public suffix:"
                        + " anyone may relay to them\n",
                "# warning: mydestination entry '.com' makes every domain under a top-level or public suffix"
                        + " local\n");
    }

    @Test
    void lint_reports_a_malformed_local_zone_with_both_places() throws IOException {
        write("bl.ip4set", "127.0.0.2\n10.0.0.0/33\n");
        Path conf = write("p.conf", "local_zone.bl.local = bl.ip4set\n");

        Run r = run("lint", "-c", conf.toString());

        assertThat(r.code()).isEqualTo(78);
        assertThat(r.err()).startsWith(conf + ":1:23: localZone 'bl.local': ").contains("bl.ip4set:2");
    }

    @Test
    void lint_lists_skipped_zone_lines_as_warnings() throws IOException {
        write("bl.ip4set", "127.0.0.2\n10.0.0.0/33\n");
        Path conf = write("p.conf", "mydestination = example.org\nlocal_zone.bl.local = bl.ip4set malformed=skip\n");

        Run r = run("lint", "-c", conf.toString());

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("# valid, 1 warning\n", "# warning: localZone 'bl.local': ")
                .contains("bl.ip4set:2");
    }
}

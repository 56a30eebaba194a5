package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Policy files: the example policy, every key, list files, and the errors an administrator gets for each kind of
 * mistake (file:line:column, the text, what was expected), and the watch that reloads a changed file.
 */
final class PolicyFileTest {

    /** The repository's example, read where it lies: the tests run in relay-policy-core. */
    private static final Path EXAMPLE = Path.of("..", "examples", "relay-policy.conf");

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private static Decision decide(RelayEngine engine, String client, String sender, String recipient) {
        return engine.decide(RelayRequest.of(client, sender, recipient));
    }

    // ------------------------------------------------------------------------------------------- the example

    @Test
    void example_policy_decides_as_its_comments_say() {
        try (RelayEngine engine = RelayEngine.fromFile(EXAMPLE)) {
            assertThat(engine.zoneWarnings()).isEmpty();

            Decision local = decide(engine, "198.18.0.9", "<a@example.net>", "<user@example.org>");
            assertThat(local.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(local.rule()).isEqualTo("mydestination");

            Decision literal = decide(engine, "198.18.0.9", "<a@example.net>", "<user@[192.0.2.25]>");
            assertThat(literal.rule()).isEqualTo("mydestination");

            Decision backup = decide(engine, "198.18.0.9", "<a@example.net>", "<x@mx.branch.partner.example>");
            assertThat(backup.rule()).isEqualTo("relay_domains");

            Decision relay = decide(engine, "198.18.0.9", "<a@example.net>", "<victim@victim.example>");
            assertThat(relay.reply()).hasToString("554 5.7.1 <victim@victim.example>: Relay access denied");

            assertThat(decide(engine, "192.0.2.10", "<a@example.org>", "<x@victim.example>").rule())
                    .isEqualTo("mynetworks");
            assertThat(decide(engine, "198.51.100.7", "<a@example.org>", "<x@victim.example>").rule())
                    .as("from the list file").isEqualTo("mynetworks");
            assertThat(decide(engine, "192.0.2.66", "<a@example.org>", "<x@victim.example>").rule())
                    .as("the printer is excluded").isEqualTo("reject_unauth_destination");

            Decision listed = decide(engine, "203.0.113.129", "<a@example.net>", "<user@example.org>");
            assertThat(listed.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(listed.reply()).hasToString("554 5.7.1 Service unavailable; client [203.0.113.129] blocked"
                    + " using bl.example.invalid; Listed in bl.example.invalid: see"
                    + " https://bl.example.invalid/lookup?ip=203.0.113.129");

            assertThat(decide(engine, "203.0.113.130", "<a@example.net>", "<user@example.org>").verdict())
                    .as("excluded from the listed range").isEqualTo(Verdict.ACCEPT);
            assertThat(decide(engine, "203.0.113.200", "<a@example.net>", "<user@example.org>").verdict())
                    .as("listed (3) and allow-listed (-5)").isEqualTo(Verdict.ACCEPT);

            Decision spamSender = decide(engine, "198.18.0.9", "<a@mail.spammer.example>", "<user@example.org>");
            assertThat(spamSender.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(spamSender.reply().toString()).contains("dbl.example.invalid");
        }
    }

    @Test
    void example_policy_passes_the_rfc5782_health_check_of_its_local_zones() {
        try (RelayEngine engine = RelayEngine.fromFile(EXAMPLE)) {
            List<DnsListHealth> health = engine.checkDnsLists().toCompletableFuture().join();
            assertThat(health).extracting(DnsListHealth::zone)
                    .containsExactly("bl.example.invalid", "wl.example.invalid", "dbl.example.invalid");
            assertThat(health).allSatisfy(h -> assertThat(h.healthy()).as(h.toString()).isTrue());
        }
    }

    @Test
    void effective_policy_names_every_setting_and_reads_back_to_the_same_policy() throws IOException {
        PolicyFile policy = PolicyFile.read(EXAMPLE);
        String effective = policy.effective(1000);

        assertThat(effective).contains("mydestination = example.org, .corp.example.org, [192.0.2.25]\n",
                "relay_domains = partner.example, .branch.partner.example\n",
                "mynetworks = 127.0.0.0/8, ::1, 192.0.2.0/24, !192.0.2.66, 198.51.100.0/26, 2001:db8:25::/48\n",
                "permit_authenticated = yes\n", "reply.reject_unauth_destination = 554 5.7.1 <{recipient}>:"
                        + " Relay access denied\n",
                "# reply.internal_error = 451 4.3.0 Temporary internal error\n",
                "dnsbl_sites = bl.example.invalid=127.0.0.[2..11;30]*3\n", "dnsbl_threshold = 3\n",
                "dns_timeout = 5s\n", "dns_max_in_flight = 2000\n", "dns_failure = defer\n",
                "dns_cache_min_ttl = 10s\n",
                "dns_cache_max_ttl = 1h\n", "dns_cache_size = 100000\n", "local_zone_check_interval = 1m\n");

        // local zone paths are printed resolved, so the text reads back from anywhere
        Path copy = write("effective.conf", effective);
        assertThat(PolicyFile.read(copy).effective(1000)).isEqualTo(effective);
    }

    @Test
    void readme_policy_example_reads() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("## Policy files");
        int start = readme.indexOf("```\n", section) + 4;
        Path conf = write("readme.conf", readme.substring(start, readme.indexOf("```", start)));
        write("relay-domains.txt", "partner.example\n");
        write("blocked.ip4set", "127.0.0.2\n");

        PolicyFile policy = PolicyFile.read(conf);

        assertThat(policy.values("mynetworks")).containsExactly("127.0.0.0/8", "::1", "192.0.2.0/24", "!192.0.2.66");
        assertThat(policy.values("dnsbl_sites")).containsExactly("zen.spamhaus.org=127.0.0.[2..11;30]*3",
                "bl.local*3");
        assertThat(policy.values("local_zone.bl.local")).containsExactly("blocked.ip4set");
        try (RelayEngine engine = policy.builder().build()) {
            assertThat(engine.zoneWarnings()).isEmpty();
        }
    }

    @Test
    void effective_policy_counts_the_entries_it_does_not_show() throws IOException {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 250; i++) {
            many.append("10.0.").append(i).append(".0/24\n");
        }
        write("nets.txt", many.toString());
        Path conf = write("p.conf", "mynetworks = ./nets.txt\n");

        String effective = PolicyFile.read(conf).effective(5);

        assertThat(effective).contains("mynetworks = 10.0.0.0/24, 10.0.1.0/24, 10.0.2.0/24, 10.0.3.0/24,"
                + " 10.0.4.0/24\n    # ... and 245 more (250 entries)\n");
    }

    // --------------------------------------------------------------------------------------- every key works

    @Test
    void every_key_reaches_the_engine() throws IOException {
        Files.writeString(dir.resolve("bl.ip4set"), ":127.0.0.2:listed\n127.0.0.2\n203.0.113.0/24\n");
        Path conf = write("all.conf", """
                mydestination = example.org
                relay_domains = partner.example
                mynetworks = 192.0.2.0/24
                permit_authenticated = no
                reply.reject_unauth_destination = 550 5.7.1 No relaying for <{recipient}>
                dnsbl_sites = bl.local*2
                dnswl_sites = wl.test*-1
                rhsbl_sites = dbl.test
                dnsbl_threshold = 2
                dns_servers = 127.0.0.1:5353, [::1]:53
                dns_timeout = 750ms
                dns_max_in_flight = 300
                dns_failure = ignore
                dns_failure.wl.test = defer
                dnsbl_reply.bl.local = 550 5.7.1 Go away, {client}
                dns_cache_min_ttl = 0s
                dns_cache_max_ttl = 2h
                dns_cache_size = 500
                local_zone.bl.local = bl.ip4set malformed=skip
                local_zone_check_interval = 30s
                local_zone_max_size = 64m
                """);

        PolicyFile policy = PolicyFile.read(conf);

        assertThat(policy.effective(100)).contains("permit_authenticated = no\n",
                "reply.reject_unauth_destination = 550 5.7.1 No relaying for <{recipient}>\n",
                "dnsbl_sites = bl.local*2\n", "dnswl_sites = wl.test*-1\n", "rhsbl_sites = dbl.test\n",
                "dnsbl_threshold = 2\n", "dns_servers = 127.0.0.1:5353, [0:0:0:0:0:0:0:1]:53\n",
                "dns_timeout = 750ms\n", "dns_max_in_flight = 300\n", "dns_failure = ignore\n", "dns_failure.wl.test = defer\n",
                "dnsbl_reply.bl.local = 550 5.7.1 Go away, {client}\n", "dns_cache_min_ttl = 0s\n",
                "dns_cache_max_ttl = 2h\n", "dns_cache_size = 500\n",
                "local_zone.bl.local = " + dir.resolve("bl.ip4set") + " malformed=skip\n",
                "local_zone_check_interval = 30s\n", "local_zone_max_size = 64m\n");
        try (RelayEngine engine = policy.builder().build()) {
            Decision authenticated = engine.decide(RelayRequest.builder().client("198.18.0.1")
                    .sender("<a@example.net>").recipient("<b@victim.example>").authenticatedUser("alice").build());
            assertThat(authenticated.reply()).hasToString("550 5.7.1 No relaying for <b@victim.example>");
        }
    }

    @Test
    void values_may_be_split_by_commas_or_whitespace_over_continuation_lines_with_comments() throws IOException {
        Path conf = write("p.conf", """
                # a comment line
                mydestination = example.org,example.net   example.com   # trailing comment
                   # a comment between continuation lines
                   .corp.example,
                \t*.shop.example

                mynetworks = 192.0.2.0/24#not a comment: no whitespace before the '#'
                """);

        assertThatThrownBy(() -> PolicyFile.read(conf)).isInstanceOf(PolicyFileException.class)
                .hasMessage(conf + ":7:14: trusted network '192.0.2.0/24#not': prefix length '24#not' is not a"
                        + " number");

        Files.writeString(conf, Files.readString(conf).replace("#not a comment", " # a comment"));
        assertThat(PolicyFile.read(conf).effective(100)).contains(
                "mydestination = example.org, example.net, example.com, .corp.example, *.shop.example\n");
    }

    // ------------------------------------------------------------------------------------------------ errors

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            mynetwork = 10.0.0.0/8                 | 1:1: unknown key 'mynetwork'; did you mean 'mynetworks'?
            trustedNetworks = 10.0.0.0/8           | 1:1: unknown key 'trustedNetworks'; write mynetworks
            postscreen_dnsbl_threshold = 3         | 1:1: unknown key 'postscreen_dnsbl_threshold'; write dnsbl_threshold
            dns_timeuot = 5s                       | 1:1: unknown key 'dns_timeuot'; did you mean 'dns_timeout'?
            mynetworks: 10.0.0.0/8                 | 1:11: expected '=' after the key 'mynetworks', found ':'
            mynetworks                             | 1:11: expected '=' after the key 'mynetworks', found the end of the line
            = 10.0.0.0/8                           | 1:1: expected a setting, key = value, with a key of letters, digits and _
            mynetworks = 10.0.0.1/8                | 1:14: trusted network '10.0.0.1/8': host bits set, did you mean 10.0.0.0/8?
            mynetworks = 10.0.0.0/8, 300.1.1.1     | 1:26: trusted network '300.1.1.1': '300.1.1.1' is not an IPv4 or IPv6 address
            mydestination = exa_mple..org          | 1:17: local domain 'exa_mple..org': not a domain name
            permit_authenticated = true            | 1:24: permit_authenticated: 'true' is not yes or no
            dnsbl_threshold = 0                    | 1:19: dnsbl_threshold: '0' is not a whole number of at least 1
            dns_timeout = 5 seconds                | 1:15: dns_timeout: '5 seconds' is not a duration: 500ms, 5s, 1m
            dns_failure = tempfail                 | 1:15: dns_failure: 'tempfail' is not defer or ignore
            dnsbl_sites = zen.spamhaus.org*0       | 1:15: dnsbl 'zen.spamhaus.org*0'
            dns_servers = ns1.example.net          | 1:15: dnsServers entry 'ns1.example.net': not an IP address
            reply.reject_unauth_destination = 250 2.0.0 ok | 1:35: reply.reject_unauth_destination: reply for rule
            reply.reject_unauth_destination = 554 relay denied | 1:35: reply.reject_unauth_destination: '554 relay denied' is not an SMTP reply
            reply.reject_unauth_destinaton = 554 5.7.1 no | 1:1: unknown rule 'reject_unauth_destinaton' in 'reply.reject_unauth_destinaton'; did you mean 'reply.reject_unauth_destination'?
            reply. = 554 5.7.1 no                  | 1:1: 'reply.' needs a name after the dot
            dns_failure.bl.spamcop.net = ignore    | 1:1: 'dns_failure.bl.spamcop.net' names the zone 'bl.spamcop.net', which no dnsbl_sites, dnswl_sites, rhsbl_sites, auth_dnsbl_sites or local_zone setting configures; configured zones: none
            local_zone.bl.local = blocked.txt      | 1:23: local_zone.bl.local: localZone 'bl.local': file
            local_zone.bl.local = "no end.ip4set   | 1:23: local_zone.bl.local: '"no end.ip4set': the file name's closing " is missing
            local_zone.bl.local = missing.ip4set   | 1:23: localZone 'bl.local': 
            local_zone.bl.local = a.ip4set malformed=ignore | 1:23: local_zone.bl.local: 'malformed=ignore': expected malformed=skip or malformed=refuse
            mynetworks = ./missing.txt             | 1:14: cannot read list file
            mynetworks = ./                        | 1:14: cannot read list file
            dns_timeout = 15251w                   | 1:15: dns_timeout: dnsTimeout 106757d must be more than 0 and at most 10m
            dns_timeout = 11m                      | 1:15: dns_timeout: dnsTimeout 11m must be more than 0 and at most 10m
            dns_max_in_flight = 0                  | 1:21: dns_max_in_flight: '0' is not a whole number from 1 to 1000000
            dns_max_in_flight = 1000001            | 1:21: dns_max_in_flight: dnsMaxInFlight 1000001 must be from 1 to 1000000
            dns_cache_max_ttl = 15251w             | 1:21: dnsCache(10s, 106757d, 100000): need 0 <= floor <= ceiling <= 30d
            local_zone_check_interval = 2d         | 1:29: local_zone_check_interval: localZoneCheckInterval 2d must be from 1ms to 1d
            dnsbl_sites = bl.test=127.0.0.1        | 1:15: dnsbl 'bl.test=127.0.0.1': filter '127.0.0.1' matches no answer that can be a listing
            dnsbl_sites = bl.test=10.0.0.2         | 1:15: dnsbl 'bl.test=10.0.0.2': filter '10.0.0.2' matches no answer
            dnsbl_sites = bl.test=127.255.255.[0..255] | 1:15: dnsbl 'bl.test=127.255.255.[0..255]': filter '127.255.255.[0..255]' matches no answer
             mydestination = example.org          | 1:1: expected a setting, key = value, with a key of letters, digits and _; found '\\u00A0mydestination = example.org'
            """)
    void a_mistake_is_reported_with_its_place_and_what_was_expected(String line, String expected)
            throws IOException {
        Path conf = write("p.conf", line + "\n");

        assertThatThrownBy(() -> RelayEngine.fromFile(conf)).isInstanceOf(PolicyFileException.class)
                .hasMessageStartingWith(conf + ":" + expected);
    }

    @Test
    void every_problem_of_a_file_is_reported_at_once() throws IOException {
        Path conf = write("p.conf", """
                mydestination = example.org
                mynetwork = 10.0.0.0/8
                  192.0.2.0/24
                   indented = continuation without a setting above? no: continues the broken line
                dnsbl_threshold = -1
                mydestination = example.net
                """);

        PolicyFileException e = (PolicyFileException) org.assertj.core.api.Assertions.catchThrowable(
                () -> PolicyFile.read(conf));

        assertThat(e.problems()).extracting(p -> p.line() + ":" + p.column())
                .containsExactly("2:1", "6:1", "5:19");
        assertThat(e.problems().get(1).message()).isEqualTo("'mydestination' is already set on line 1; give each"
                + " key once (continue a long value on lines that start with whitespace)");
        assertThat(e.problems().get(2).text()).isEqualTo("-1");
    }

    @Test
    void continuation_line_without_a_setting_above_is_an_error() throws IOException {
        Path conf = write("p.conf", "  example.org\nmydestination = example.org\n");

        assertThatThrownBy(() -> PolicyFile.read(conf)).hasMessage(conf + ":1:3: continuation line without a"
                + " setting above it; a setting starts at column 1: key = value");
    }

    @Test
    void list_file_errors_name_the_list_file_line_and_column() throws IOException {
        write("nets.txt", "# office\n10.1.0.0/16\n\n  192.0.2.0/24, 10.2.0.1/16 # typo\n");
        Path conf = write("p.conf", "mynetworks = 127.0.0.0/8 ./nets.txt\n");

        assertThatThrownBy(() -> RelayEngine.fromFile(conf)).isInstanceOf(PolicyFileException.class)
                .hasMessage(dir.resolve("nets.txt") + ":4:17: trusted network '10.2.0.1/16': host bits set, did"
                        + " you mean 10.2.0.0/16?");
    }

    @Test
    void list_file_cannot_name_another_list_file() throws IOException {
        write("a.txt", "example.org\n./b.txt\n");
        Path conf = write("p.conf", "mydestination = ./a.txt\n");

        assertThatThrownBy(() -> PolicyFile.read(conf)).hasMessage(dir.resolve("a.txt") + ":2:1: a list file"
                + " cannot name another list file; expected domains: example.org, .example.org, *.example.org or"
                + " [192.0.2.1]");
    }

    @Test
    void conflicting_entries_across_settings_are_reported_at_the_second_one() throws IOException {
        Path conf = write("p.conf", "mydestination = example.org\nrelay_domains = partner.example,\n"
                + "    example.org\n");

        assertThatThrownBy(() -> RelayEngine.fromFile(conf)).isInstanceOf(PolicyFileException.class)
                .hasMessage(conf + ":3:5: relay domain 'example.org' conflicts with 'example.org': the same domain"
                        + " cannot be both relay and another kind");
    }

    @Test
    void malformed_line_of_a_local_zone_names_the_setting_and_the_zone_file_line() throws IOException {
        write("bl.ip4set", "127.0.0.2\n10.0.0.0/33\n");
        Path conf = write("p.conf", "dnsbl_sites = bl.local\nlocal_zone.bl.local = bl.ip4set\n");

        assertThatThrownBy(() -> RelayEngine.fromFile(conf)).isInstanceOf(PolicyFileException.class)
                .hasMessageStartingWith(conf + ":2:23: localZone 'bl.local': ")
                .hasMessageContaining("bl.ip4set:2");
    }

    @Test
    void file_that_is_not_utf8_or_holds_control_characters_is_refused() throws IOException {
        Path conf = dir.resolve("p.conf");
        Files.write(conf, new byte[] {'m', 'y', 'd', 'e', 's', 't', 'i', 'n', 'a', 't', 'i', 'o', 'n', '=',
            (byte) 0xff, '\n', 'm', 'y', 'n', 'e', 't', 'w', 'o', 'r', 'k', 's', '=', 1, '\n'});

        assertThatThrownBy(() -> PolicyFile.read(conf)).hasMessage(conf + ":1:15: byte 0xFF is not UTF-8 text; save"
                + " the file as UTF-8\n" + conf + ":2:12: control character U+0001; only text and tabs are allowed");
    }

    @Test
    void byte_order_mark_and_crlf_line_ends_are_read() throws IOException {
        Path conf = dir.resolve("p.conf");
        Files.write(conf, "\ufeffmydestination = example.org\r\nmynetworks = 192.0.2.0/24\r\n"
                .getBytes(StandardCharsets.UTF_8));

        PolicyFile policy = PolicyFile.read(conf);

        assertThat(policy.values("mydestination")).containsExactly("example.org");
        assertThat(policy.values("mynetworks")).containsExactly("192.0.2.0/24");
    }

    @Test
    void missing_policy_file_is_reported_as_such() {
        Path conf = dir.resolve("nope.conf");

        assertThatThrownBy(() -> RelayEngine.fromFile(conf)).isInstanceOf(PolicyFileException.class)
                .hasMessage(conf + ": cannot read the policy file: no such file");
    }

    @Test
    void empty_list_means_none_and_empty_scalar_is_an_error() throws IOException {
        Path conf = write("p.conf", "relay_domains =\nmydestination = example.org\ndns_timeout =\n");

        assertThatThrownBy(() -> PolicyFile.read(conf)).hasMessage(conf + ":3:1: dns_timeout: '' is not a"
                + " duration: 500ms, 5s, 1m");
    }

    @Test
    void an_indented_setting_is_an_error_not_part_of_the_value_above() throws IOException {
        Path conf = write("p.conf", "reply.reject_unauth_destination = 554 5.7.1 denied\n  permit_authenticated = no\n");

        assertThatThrownBy(() -> PolicyFile.read(conf)).hasMessage(conf + ":2:3: 'permit_authenticated = no' is"
                + " indented, so it would continue the setting above; start a setting at column 1");
    }

    @Test
    void zone_settings_are_one_per_zone_whatever_its_spelling() throws IOException {
        Path conf = write("p.conf", "dnsbl_sites = bl.test\ndns_failure.bl.test = ignore\n"
                + "dns_failure.BL.TEST. = defer\n");

        assertThatThrownBy(() -> PolicyFile.read(conf)).hasMessage(conf + ":3:1: 'dns_failure.bl.test' is already"
                + " set on line 2; give each key once (continue a long value on lines that start with whitespace)");
    }

    @Test
    void zone_settings_that_could_never_take_effect_are_errors() throws IOException {
        Files.writeString(dir.resolve("bl.ip4set"), "127.0.0.2\n");
        Files.writeString(dir.resolve("dbl.dnset"), "test\n");
        Path conf = write("p.conf", """
                dnsbl_sites = bl.local
                dnswl_sites = wl.test*-2
                rhsbl_sites = dbl.test, bl2.local
                local_zone.bl.local = bl.ip4set
                local_zone.bl2.local = bl.ip4set
                dns_failure.bl.local = ignore
                dnsbl_reply.wl.test = 554 5.7.1 listed
                dnsbl_reply.dbl.test = 554 5.7.1 {sender} is listed in {zone}
                """);

        PolicyFileException e = (PolicyFileException) org.assertj.core.api.Assertions.catchThrowable(
                () -> PolicyFile.read(conf));

        assertThat(e.problems()).extracting(PolicyFileException.Problem::toString).containsExactly(
                conf + ":3:25: rhsbl_sites names the local zone 'bl2.local', whose file bl.ip4set holds addresses:"
                        + " name it in dnsbl_sites or dnswl_sites",
                conf + ":6:1: 'dns_failure.bl.local' names a local zone, which is answered in-process and never"
                        + " fails to answer",
                conf + ":7:1: 'dnsbl_reply.wl.test' names an allow list (dnswl_sites), which never refuses, so never"
                        + " replies",
                conf + ":8:24: dnsbl_reply.dbl.test: reply for DNS list 'dbl.test' names the unknown placeholder"
                        + " '{sender}'; expected {client}, {domain}, {zone} or {txt}");
    }

    @Test
    void builder_refuses_a_list_kind_that_does_not_fit_the_local_zone_file() throws IOException {
        Files.writeString(dir.resolve("dbl.dnset"), "test\n");
        RelayEngine.Builder builder = RelayEngine.builder().dnsbl("dbl.local").localZone("dbl.local",
                dir.resolve("dbl.dnset"));

        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class).hasMessage("dnsbl 'dbl.local'"
                + " names the local zone 'dbl.local', whose file " + dir.resolve("dbl.dnset") + " holds domains; a"
                + " dnsbl list needs addresses");
    }

    @Test
    void bad_byte_is_reported_at_its_column_and_a_path_without_dot_slash_gets_a_hint() throws IOException {
        Path conf = dir.resolve("p.conf");
        Files.write(conf, new byte[] {'m', 'y', 'd', 'e', 's', 't', 'i', 'n', 'a', 't', 'i', 'o', 'n', ' ', '=', ' ',
            'a', (byte) 0xc0, '\n'});
        assertThatThrownBy(() -> PolicyFile.read(conf)).hasMessage(conf + ":1:18: byte 0xC0 is not UTF-8 text; save"
                + " the file as UTF-8");

        Files.createDirectories(dir.resolve("lists"));
        Files.writeString(dir.resolve("lists/nets.txt"), "192.0.2.0/24\n");
        Files.writeString(conf, "mynetworks = lists/nets.txt\n");
        assertThatThrownBy(() -> PolicyFile.read(conf)).hasMessage(conf + ":1:14: 'lists/nets.txt' names a file:"
                + " write ./lists/nets.txt (a list file starts with /, ./ or ../)");
    }

    @Test
    void local_zone_file_name_with_spaces_is_written_in_quotes_and_reads_back() throws IOException {
        Files.createDirectories(dir.resolve("my zones"));
        Files.writeString(dir.resolve("my zones/bl.ip4set"), "127.0.0.2\n");
        Path conf = write("p.conf", "local_zone.bl.local = \"my zones/bl.ip4set\" malformed=skip\n");

        String effective = PolicyFile.read(conf).effective(10);

        assertThat(effective).contains("local_zone.bl.local = \"" + dir.resolve("my zones/bl.ip4set")
                + "\" malformed=skip\n");
        assertThat(PolicyFile.read(write("again.conf", effective)).effective(10)).isEqualTo(effective);
    }

    // ------------------------------------------------------------------------------------------------ watch

    @Test
    void watched_file_reloads_when_changed_and_keeps_the_rules_when_broken() throws IOException {
        Path conf = write("p.conf", "mydestination = example.org\n");
        try (RelayEngine engine = RelayEngine.fromFile(conf, Duration.ofHours(1))) {
            assertThat(engine.reloadFileNow()).as("unchanged").isFalse();
            assertThat(decide(engine, "198.18.0.1", "<a@b.example>", "<u@example.net>").verdict())
                    .isEqualTo(Verdict.REJECT);

            TestFiles.change(conf, "mydestination = example.org, example.net\n");
            assertThat(engine.reloadFileNow()).isTrue();
            assertThat(decide(engine, "198.18.0.1", "<a@b.example>", "<u@example.net>").verdict())
                    .isEqualTo(Verdict.ACCEPT);

            TestFiles.change(conf, "mydestination = example.org\nmynetworks = 0.0.0.1/0\n");
            assertThatThrownBy(engine::reloadFileNow).isInstanceOf(PolicyFileException.class)
                    .hasMessageContaining("p.conf:2:14: trusted network '0.0.0.1/0': host bits set");
            assertThat(engine.policyFileFailure()).get().extracting(Throwable::getMessage)
                    .asString().contains("host bits set");
            assertThat(decide(engine, "198.18.0.1", "<a@b.example>", "<u@example.net>").verdict())
                    .as("previous rules kept").isEqualTo(Verdict.ACCEPT);
            assertThat(engine.reloadFileNow()).as("a broken file is reported once").isFalse();

            TestFiles.change(conf, "mydestination = example.org\n");
            assertThat(engine.reloadFileNow()).isTrue();
            assertThat(engine.policyFileFailure()).isEmpty();
            assertThat(decide(engine, "198.18.0.1", "<a@b.example>", "<u@example.net>").verdict())
                    .isEqualTo(Verdict.REJECT);
        }
    }

    @Test
    void watched_list_file_change_reloads_too() throws IOException {
        Path list = write("domains.txt", "example.org\n");
        Path conf = write("p.conf", "mydestination = ./domains.txt\n");
        try (RelayEngine engine = RelayEngine.fromFile(conf, Duration.ofMillis(20))) {
            TestFiles.change(list, "example.org\nexample.net\n");

            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (decide(engine, "198.18.0.1", "<a@b.example>", "<u@example.net>").verdict() != Verdict.ACCEPT
                    && System.nanoTime() < deadline) {
                sleep();
            }
            assertThat(decide(engine, "198.18.0.1", "<a@b.example>", "<u@example.net>").rule())
                    .as("the background watch picked up the list file").isEqualTo("mydestination");
        }
    }

    @Test
    void list_file_created_after_a_failed_reload_is_picked_up() throws IOException {
        write("relay.txt", "partner.example\n");
        Path conf = write("p.conf", "relay_domains = ./relay.txt\n");
        try (RelayEngine engine = RelayEngine.fromFile(conf, Duration.ofHours(1))) {
            TestFiles.change(conf, "relay_domains = ./relay.txt, ./more.txt\n");
            assertThatThrownBy(engine::reloadFileNow).hasMessageContaining("cannot read list file");

            write("more.txt", "partner3.example\n");
            assertThat(engine.reloadFileNow()).as("the new list file is watched too").isTrue();
            assertThat(engine.policyFileFailure()).isEmpty();
            assertThat(decide(engine, "198.18.0.1", "<a@b.example>", "<u@partner3.example>").rule())
                    .isEqualTo("relay_domains");
        }
    }

    @Test
    void closed_engine_no_longer_reloads_and_tiny_intervals_are_refused_before_building() throws IOException {
        Path conf = write("p.conf", "mydestination = example.org\n");
        RelayEngine engine = RelayEngine.fromFile(conf, Duration.ofHours(1));
        engine.close();
        assertThatThrownBy(engine::reloadFileNow).isInstanceOf(IllegalStateException.class)
                .hasMessage("this engine is closed: it no longer follows " + conf);

        assertThatThrownBy(() -> RelayEngine.fromFile(conf, Duration.ofNanos(500)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("checkInterval PT0.0000005S must be from 1 ms to 1 day");
    }

    @Test
    void engine_not_made_from_a_watched_file_says_so() {
        try (RelayEngine engine = RelayEngine.builder().build()) {
            assertThatThrownBy(engine::reloadFileNow).isInstanceOf(IllegalStateException.class)
                    .hasMessage("this engine was not made by RelayEngine.fromFile(Path, Duration)");
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void a_problem_never_carries_a_control_character_whatever_wrote_its_message() throws IOException {
        // found by PolicyFileFuzzTest (corpus: finding_local_zone_file_echoes_c1_control): a local zone's file name
        // was echoed as written, a C1 control character (U+0098) included
        Path conf = write("p.conf", "local_zone.bl.local = bl\u0098x.txt\n");

        Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> PolicyFile.read(conf));

        assertThat(e).isInstanceOf(PolicyFileException.class);
        PolicyFileException.Problem p = ((PolicyFileException) e).problems().get(0);
        assertThat(p.message()).contains("bl\\u0098x.txt").doesNotContain("\u0098");
        assertThat(e.getMessage()).doesNotContain("\u0098");
    }
}

package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Settings that name a zone ({@code dnsFailure(zone, ..)}, {@code dnsblReply}, {@code localZone} and their policy
 * file keys {@code dns_failure.ZONE}, {@code dnsbl_reply.ZONE}, {@code local_zone.ZONE}) check the name as a zone
 * name, not as a list specification, and a bad one in a policy file is a {@link PolicyFileException} with its
 * place, at first load and on a watched reload alike.
 */
final class ZoneNameSettingsTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            dnsbl_reply.blx = 554 5.7.1 listed           | 'dnsbl_reply.blx' names 'blx', which is not a zone name: expected a domain name of at least two labels, e.g. dnsbl_reply.zen.spamhaus.org
            dns_failure.blx = ignore                     | 'dns_failure.blx' names 'blx', which is not a zone name: expected a domain name of at least two labels, e.g. dns_failure.bl.spamcop.net
            local_zone.blx = bl.ip4set                   | 'local_zone.blx' names 'blx', which is not a zone name: expected a domain name of at least two labels, e.g. local_zone.bl.local
            dns_failure.bl..test = ignore                | 'dns_failure.bl..test' names 'bl..test', which is not a zone name: expected a domain name of at least two labels, e.g. dns_failure.bl.spamcop.net
            """)
    void a_per_zone_key_naming_an_invalid_zone_is_a_policy_file_problem_with_its_place(String line, String message)
            throws IOException {
        Files.writeString(dir.resolve("bl.ip4set"), "127.0.0.2\n");
        Path conf = write("p.conf", "dnsbl_sites = bl.test\n" + line + "\n");

        for (Throwable thrown : new Throwable[] {catchThrowable(() -> RelayEngine.fromFile(conf)),
            catchThrowable(() -> RelayEngine.fromFile(conf, Duration.ofHours(1))),
            catchThrowable(() -> PolicyFile.read(conf))}) {
            assertThat(thrown).isInstanceOf(PolicyFileException.class).hasMessage(conf + ":2:1: " + message);
            assertThat(((PolicyFileException) thrown).problems()).singleElement()
                    .satisfies(p -> assertThat(p.line()).isEqualTo(2))
                    .satisfies(p -> assertThat(p.column()).isEqualTo(1))
                    .satisfies(p -> assertThat(p.text()).isEqualTo(line.substring(0, line.indexOf(' '))));
        }
    }

    @Test
    void a_watched_reload_reports_an_invalid_zone_key_with_its_place_and_the_watch_goes_on() throws IOException {
        Path conf = write("p.conf", "mydestination = example.org\ndnsbl_sites = bl.test\n");
        try (RelayEngine engine = RelayEngine.fromFile(conf, Duration.ofMillis(10))) {
            // when an edit breaks the file with a per-zone key that names no zone
            TestFiles.change(conf, "mydestination = example.org, example.net\ndnsbl_sites = bl.test\n"
                    + "dnsbl_reply.blx = 554 5.7.1 listed\n");
            TestFiles.waitFor(() -> engine.policyFileFailure().isPresent());

            // then the watch reports it as a problem of the file, at its place, and keeps the rules in force
            assertThat(engine.policyFileFailure()).get().extracting(Throwable::getMessage).isEqualTo(conf
                    + ":3:1: 'dnsbl_reply.blx' names 'blx', which is not a zone name: expected a domain name of at"
                    + " least two labels, e.g. dnsbl_reply.zen.spamhaus.org");
            assertThat(decide(engine, "<u@example.net>").verdict()).isEqualTo(Verdict.REJECT);

            // and a later good edit is still picked up by the watch
            TestFiles.change(conf, "mydestination = example.org, example.net\n");
            TestFiles.waitFor(() -> engine.policyFileFailure().isEmpty());
            Decision d = decide(engine, "<u@example.net>");
            assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(d.rule()).isEqualTo("mydestination");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            bad zone           | 'bad zone'
            zen.spamhaus.org*3 | 'zen.spamhaus.org*3'
            bl.test=127.0.0.2  | 'bl.test=127.0.0.2'
            localhost          | 'localhost'
            """)
    void builder_settings_check_a_zone_as_a_zone_name_not_as_a_list_specification(String zone, String quoted) {
        String expected = "zone " + quoted + " is not a zone name: expected a domain name of at least two labels,"
                + " e.g. bl.example.net";
        Path file = dir.resolve("bl.ip4set");
        for (var setting : java.util.Map.<String, Consumer<RelayEngine.Builder>>of(
                "dnsFailure", b -> b.dnsFailure(zone, DnsFailure.IGNORE),
                "dnsblReply", b -> b.dnsblReply(zone, SmtpReply.of(554, "5.7.1", "listed")),
                "localZone", b -> b.localZone(zone, file),
                "dnsListName", b -> b.dnsListName(zone, "Some list")).entrySet()) {
            assertThatThrownBy(() -> setting.getValue().accept(RelayEngine.builder()))
                    .as(setting.getKey()).isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessage(setting.getKey() + " " + expected)
                    .hasMessageNotContaining("dnsbl '").hasMessageNotContaining("zone[=filter]");
        }
    }

    @Test
    void an_invalid_zone_with_a_secret_key_is_reported_with_the_key_masked() {
        String key = "k3yk3yk3yk3yk3yk3yk3yk3y";

        assertThatThrownBy(() -> RelayEngine.builder().dnsFailure(key + ".zen.dq.spamhaus.net*3", DnsFailure.IGNORE))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("dnsFailure zone '")
                .hasMessageContaining(".zen.dq.spamhaus.net*3' is not a zone name")
                .hasMessageNotContaining(key);
    }

    @Test
    void builder_zone_names_are_normalized_so_spellings_of_one_zone_are_one_setting() {
        RelayEngine.Builder b = RelayEngine.builder().dnsFailure("BL.Spamcop.NET.", DnsFailure.IGNORE);

        assertThatThrownBy(() -> b.dnsFailure("bl.spamcop.net", DnsFailure.DEFER))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("dnsFailure for zone 'bl.spamcop.net' was already set to IGNORE");
    }

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    private static Decision decide(RelayEngine engine, String recipient) {
        return engine.decide(RelayRequest.of("198.18.0.1", "<a@b.example>", recipient));
    }
}

package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An entry of mydestination, relay_domains or mynetworks with a C1 control character (U+0080..U+009F; the lexer lets
 * them through, the builder refuses them) is a problem at once, in file order and alongside every other problem of
 * the file: each such entry, not only the first.
 */
final class EntryControlCharacterProblemsTest {

    @TempDir
    Path dir;

    private List<String> problems(String text) throws IOException {
        Path conf = dir.resolve("p.conf");
        Files.writeString(conf, text, StandardCharsets.UTF_8);
        Throwable thrown = catchThrowable(() -> PolicyFile.read(conf));
        assertThat(thrown).isInstanceOf(PolicyFileException.class);
        return ((PolicyFileException) thrown).problems().stream()
                .map(p -> p.file().getFileName() + ":" + p.line() + ":" + p.column() + ": " + p.message()).toList();
    }

    @Test
    void every_entry_with_a_control_character_is_a_problem() throws IOException {
        // fix/engine: only the first
        assertThat(problems("mydestination = a\u0085b.example, c\u0085d.example\n")).containsExactly(
                "p.conf:1:17: localDomains entry 'a\\u0085b.example': holds a control character",
                "p.conf:1:30: localDomains entry 'c\\u0085d.example': holds a control character");
    }

    @Test
    void an_entry_with_a_control_character_is_reported_with_the_other_problems_of_the_file() throws IOException {
        // fix/engine: only the dns_timeout problem
        assertThat(problems("dns_timeout = x\nmydestination = a\u0085b.example\n")).containsExactly(
                "p.conf:1:15: dns_timeout: 'x' is not a duration: 500ms, 5s, 1m",
                "p.conf:2:17: localDomains entry 'a\\u0085b.example': holds a control character");
        // fix/engine: only the dns_failure.bl.other problem
        assertThat(problems("mydestination = example.org\nrelay_domains = partner.example\u0080\n"
                + "dnsbl_sites = bl.test\ndns_failure.bl.other = ignore\n")).containsExactly(
                "p.conf:2:17: relayDomains entry 'partner.example\\u0080': holds a control character",
                "p.conf:4:1: 'dns_failure.bl.other' names the zone 'bl.other', which no dnsbl_sites, dnswl_sites,"
                        + " rhsbl_sites, auth_dnsbl_sites or local_zone setting configures; configured zones: bl.test");
    }

    @Test
    void the_control_character_is_reported_not_a_later_entry_problem() throws IOException {
        // fix/engine: "p.conf:2:14: trusted network '10.0.0.1/8': host bits set, did you mean 10.0.0.0/8?"
        assertThat(problems("mydestination = example.org\u0085x\nmynetworks = 10.0.0.1/8\n")).containsExactly(
                "p.conf:1:17: localDomains entry 'example.org\\u0085x': holds a control character");
        // fix/engine: "p.conf:2:17: local domain 'bad..x': not a domain name (...)"
        assertThat(problems("relay_domains = a\u0085.example\nmydestination = bad..x\n")).containsExactly(
                "p.conf:1:17: relayDomains entry 'a\\u0085.example': holds a control character");
        // fix/engine: only the mynetworks one
        assertThat(problems("relay_domains = x\u0085.example\nmynetworks = 10.0.0.0/8\u0085\n")).containsExactly(
                "p.conf:1:17: relayDomains entry 'x\\u0085.example': holds a control character",
                "p.conf:2:14: trustedNetworks entry '10.0.0.0/8\\u0085': holds a control character");
    }

    @Test
    void every_entry_of_a_list_file_with_a_control_character_is_a_problem() throws IOException {
        Files.writeString(dir.resolve("nets.txt"), "192.0.2.0/24\n198.51.100.\u00850/24\n203.0.113.\u00850/24\n",
                StandardCharsets.UTF_8);
        // fix/engine: only nets.txt:2:1
        assertThat(problems("mynetworks = 10.0.0.0/8 ./nets.txt\n")).containsExactly(
                "nets.txt:2:1: trustedNetworks entry '198.51.100.\\u00850/24': holds a control character",
                "nets.txt:3:1: trustedNetworks entry '203.0.113.\\u00850/24': holds a control character");
    }
}

package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.core.internal.match.SmtpPath;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a request's DNS lists are asked about, parsed once per decision. */
final class ListSubjectsTest {

    @TempDir
    Path dir;

    private static RelayRequest request(String client, String sender) {
        return RelayRequest.of(client, sender, "<user@example.org>");
    }

    @ParameterizedTest
    @CsvSource({
        "192.0.2.1, 192.0.2.1",
        "::ffff:192.0.2.1, 192.0.2.1",     // IPv4-mapped is IPv4
        "2001:DB8::1, 2001:db8::1",
        "fe80::1%eth0, fe80::1"})
    void the_client_text_and_its_address_give_one_subject(String client, String subject) throws Exception {
        QueryKey fromText = ListSubjects.of(request(client, "<>")).client();
        RelayRequest byAddress = RelayRequest.builder().client(InetAddress.getByName(client.replace("%eth0",
                ""))).sender("<>").recipient("<user@example.org>").build();
        QueryKey fromAddress = ListSubjects.of(byAddress).client();

        assertThat(fromText).isEqualTo(fromAddress);
        assertThat(fromText.subjectText()).isEqualTo(subject);
        assertThat(fromText.zone()).isEmpty();
        assertThat(fromText.in("bl.example").name()).endsWith(".bl.example.");
    }

    @Test
    void a_client_that_is_not_an_address_has_no_subject() {
        assertThat(ListSubjects.of(request("unknown", "<>")).client()).isNull();
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
        "<a@Mail.Example.NET>, mail.example.net",
        "<a@bücher.example>, xn--bcher-kva.example",
        "<>, null",
        "<a@[192.0.2.1]>, null",
        "<postmaster>, null",
        "'<a b@example.net>', null"})
    void the_sender_domain_is_lower_case_a_labels_or_nothing(String sender, String domain) {
        assertThat(ListSubjects.of(request("192.0.2.1", sender)).senderDomain()).isEqualTo(domain);
    }

    @Test
    void the_lists_read_what_the_rules_parsed_for_the_same_request_and_parse_any_other() {
        RelayRequest evaluated = request("192.0.2.1", "<a@example.net>");
        RelayRequest other = request("192.0.2.1", "<a@example.net>");

        // given: the rules parsed a (here deliberately different) client for `evaluated`, and its sender
        ListSubjects s = ListSubjects.forThread();
        assertThat(s.parseClient(null, "198.51.100.7")).isTrue();
        s.sender(SmtpPath.parse(evaluated.sender()));
        s.filled(evaluated);

        // then: the lists read that form for `evaluated`, and parse `other` themselves
        assertThat(ListSubjects.of(evaluated).client()).isEqualTo(QueryKey.ip4("", 0xC6336407L));
        assertThat(ListSubjects.of(evaluated).senderDomain()).isEqualTo("example.net");
        assertThat(ListSubjects.of(other).client()).isEqualTo(QueryKey.ip4("", 0xC0000201L));
        assertThat(ListSubjects.of(other).senderDomain()).isEqualTo("example.net");
    }

    @Test
    void a_decision_with_dns_lists_leaves_its_parsed_request_on_the_thread() throws Exception {
        Path file = dir.resolve("blocked.ip4set");
        Files.writeString(file, "192.0.2.0/24\n");
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").localZone("bl.local", file)
                .build()) {
            RelayRequest listed = request("::ffff:192.0.2.10", "<a@Example.NET>");

            engine.decide(listed);

            ListSubjects s = ListSubjects.of(listed); // no parse: the rules filled it
            assertThat(s.hasClient()).isTrue();
            assertThat(s.clientIpv6()).isFalse();
            assertThat(s.clientLo()).isEqualTo(0xC000020AL);
            assertThat(s.senderDomain()).isEqualTo("example.net");
        }
    }
}

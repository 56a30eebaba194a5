package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.Verdict;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Findings of the adversarial review of the access tables (issue 12), each pinned by the case that broke it. */
final class AccessTablesReviewTest extends AccessTablesFixture {

    @Test
    void a_line_separator_in_a_table_text_goes_out_as_a_space_like_other_unprintable_characters() throws IOException {
        // U+2028 and U+2029 are valid UTF-8 (Postfix sends them), but an SMTP reply line must not hold them: the
        // engine used to fail to build with "SMTP reply text contains control character U+2028", naming neither the
        // table nor the line
        write("clients.cidr", "192.0.2.0/24 REJECT first\u2028second\u2029third\n");
        try (RelayEngine engine = engine("check_client_access = clients.cidr\n")) {
            Decision d = decide(engine, "192.0.2.1", "h.example", "<a@b.example>", "<bob@example.org>");
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.rule()).isEqualTo(RuleNames.CLIENT_ACCESS);
            assertThat(d.reply().toString())
                    .isEqualTo("554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: first second third");
        }
    }

    @Test
    void a_quoted_local_part_is_looked_up_unquoted_as_postfix_canonicalizes_it() throws IOException {
        // Postfix looks up the address trivial-rewrite returns, "bob"@example.org as bob@example.org; the quotes used
        // to hide the address from every user@domain and user@ key
        write("rcpt", "bob@example.org REJECT no mail for bob\nabuse@ REJECT no mail for abuse\n");
        write("senders", "spammer@b.example REJECT go away\nblocked.example REJECT b\n");
        try (RelayEngine engine = engine("check_recipient_access = rcpt\ncheck_sender_access = senders\n")) {
            Decision quoted = decide(engine, "203.0.113.5", "h.example", "<a@b.example>", "<\"bob\"@example.org>");
            assertThat(quoted.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(quoted.reply().toString())
                    .isEqualTo("554 5.7.1 <\"bob\"@example.org>: Recipient address rejected: no mail for bob");
            Decision any = decide(engine, "203.0.113.5", "h.example", "<a@b.example>", "<\"abuse\"@example.org>");
            assertThat(any.reply().toString())
                    .isEqualTo("554 5.7.1 <\"abuse\"@example.org>: Recipient address rejected: no mail for abuse");
            Decision sender = decide(engine, "203.0.113.5", "h.example", "<\"spammer\"@b.example>",
                    "<carol@example.org>");
            assertThat(sender.reply().toString())
                    .isEqualTo("554 5.7.1 <\"spammer\"@b.example>: Sender address rejected: go away");
            // an empty quoted local part does not hide the domain
            Decision empty = decide(engine, "203.0.113.5", "h.example", "<\"\"@blocked.example>",
                    "<carol@example.org>");
            assertThat(empty.reply().toString())
                    .isEqualTo("554 5.7.1 <\"\"@blocked.example>: Sender address rejected: b");
            // a quoted local part that needs its quotes is looked up without them too: "a b"@example.org is a b@...
            Decision plain = decide(engine, "203.0.113.5", "h.example", "<a@b.example>", "<\"carol x\"@example.org>");
            assertThat(plain.verdict()).isEqualTo(Verdict.ACCEPT);
        }
    }

    @Test
    void lint_names_a_cidr_entry_for_ipv4_mapped_addresses_which_never_matches() throws IOException {
        // an IPv4-mapped client is the IPv4 client (as in Postfix), so '::ffff:192.0.2.0/120 REJECT' refused nobody,
        // and nothing said so
        Path clients = write("clients.cidr", "::ffff:192.0.2.0/120 REJECT\n[::ffff:198.51.100.7] REJECT\n");
        try (RelayEngine engine = engine("check_client_access = clients.cidr\n")) {
            Decision d = decide(engine, "::ffff:192.0.2.1", "h.example", "<a@b.example>", "<bob@example.org>");
            assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
        }
        PolicyFile policy = PolicyFile.read(dir.resolve("relay.conf"));
        assertThat(policy.accessWarnings()).containsExactly(
                clients + ":1: cidr table entry '::ffff:192.0.2.0/120' never matches: an IPv4-mapped client is looked"
                        + " up as its IPv4 address; write 192.0.2.0/24",
                clients + ":2: cidr table entry '[::ffff:198.51.100.7]' never matches: an IPv4-mapped client is"
                        + " looked up as its IPv4 address; write 198.51.100.7/32");
    }

    @Test
    void a_control_character_in_a_table_line_is_an_error_at_its_place() throws IOException {
        // a file with CR line ends (old Mac) is one line: the second entry became part of the first's reply text
        // and was silently never checked
        Path clients = write("clients.cidr", "192.0.2.0/24 REJECT first\r198.51.100.0/24 REJECT second\r");
        assertThatThrownBy(() -> engine("check_client_access = clients.cidr\n"))
                .isInstanceOf(PolicyFileException.class)
                .hasMessageContaining(clients + ":1:26: check_client_access table line holds the control character"
                        + " U+000D (a file with CR line ends? save it with LF or CRLF line ends)");
        Path helo = write("helo", "bad.example HOLD held\u0007\n");
        assertThatThrownBy(() -> engine("check_helo_access = helo\n"))
                .isInstanceOf(PolicyFileException.class)
                .hasMessageContaining(helo + ":1:22: check_helo_access table line holds the control character U+0007");
    }

    @Test
    void a_decision_through_cidr_and_text_tables_of_all_four_families_allocates_no_more_than_one_without()
            throws Exception {
        // the block checks looped over Family.values(), a new array in every decision (32 bytes) that escape
        // analysis did not remove
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!mx.isThreadAllocatedMemorySupported()) {
            return;
        }
        mx.setThreadAllocatedMemoryEnabled(true);
        write("clients.cidr", "198.51.100.0/24 REJECT\n2001:db8::/32 DUNNO\n");
        write("helo", "bad.test REJECT\n");
        write("senders", "bad.test REJECT\nuser@ DUNNO\n");
        write("rcpt", "bad.example.org REJECT\n");
        RelayRequest[] requests = new RelayRequest[2048];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = RelayRequest.builder().client(i % 2 == 0 ? "203.0.113." + (i % 200) : "2001:db8::" + i)
                    .helo("mail" + i + ".good.test").sender("<a+" + i + "@c.good.test>")
                    .recipient("<r" + i + "@example.org>").build();
        }
        try (RelayEngine plain = engine("recipient_delimiter = +\n");
                RelayEngine tables = RelayEngine.fromFile(write("tables.conf", "mydestination = example.org\n"
                        + "recipient_delimiter = +\ncheck_client_access = clients.cidr\ncheck_helo_access = helo\n"
                        + "check_sender_access = senders\ncheck_recipient_access = rcpt\n"))) {
            long without = Allocations.leastBytes(mx, plain, requests);
            long with = Allocations.leastBytes(mx, tables, requests);
            without = Math.min(without, Allocations.leastBytes(mx, plain, requests));
            with = Math.min(with, Allocations.leastBytes(mx, tables, requests)); // each engine measured twice, alike
            assertThat(with).as("bytes of %d decisions with tables (without: %d)", requests.length, without)
                    .isLessThan(without + 512);
        }
    }

}

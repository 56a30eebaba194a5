package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.HostAction;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The access tables inside the engine: where they sit in the rule order, that no table opens the relay except by
 * RELAY, what OK, DISCARD and the host actions do to the decision and to the DNS lists, that rate limits count their
 * refusals, and that a broken table keeps the old rules on reload.
 */
final class AccessTablesEngineTest extends AccessTablesFixture {

    private static List<String> steps(Decision d) {
        return d.trace().stream().map(s -> s.rule() + " " + s.outcome() + ": " + s.detail()).toList();
    }

    // ------------------------------------------------------------------------------------------ relay safety

    @Test
    void ok_in_a_client_table_never_grants_relay_and_lint_says_where() throws IOException {
        write("clients.cidr", "# Postfix admins wrote this to let their office relay\n192.0.2.0/24 OK\n");
        try (RelayEngine engine = engine("check_client_access = clients.cidr\n")) {
            Decision relay = decide(engine, "192.0.2.7", "office.example", "<a@example.org>", "<x@victim.example>");
            assertThat(relay.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(relay.rule()).isEqualTo(RuleNames.RELAY_DENIED);
            assertThat(relay.reply().toString()).isEqualTo("554 5.7.1 <x@victim.example>: Relay access denied");

            Decision local = decide(engine, "192.0.2.7", "office.example", "<a@example.net>", "<bob@example.org>");
            assertThat(local.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(local.rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
            assertThat(steps(local)).anySatisfy(s -> assertThat(s).startsWith(RuleNames.CLIENT_ACCESS + " MATCH: ")
                    .contains("clients.cidr:2").contains("192.0.2.0/24"));
        }
        PolicyFile policy = PolicyFile.read(dir.resolve("relay.conf"));
        assertThat(policy.accessWarnings()).singleElement().asString()
                .contains("clients.cidr:2").contains("'192.0.2.0/24 OK' does not grant relay here")
                .contains("write RELAY, or put the network in mynetworks");
        assertThat(policy.accessEntries()).singleElement().satisfies(e -> {
            assertThat(e.setting()).isEqualTo("check_client_access");
            assertThat(e.line()).isEqualTo(2);
            assertThat(e.key()).isEqualTo("192.0.2.0/24");
            assertThat(e.action()).isEqualTo("OK");
        });
    }

    @Test
    void relay_in_a_client_table_grants_relay_like_mynetworks() throws IOException {
        write("clients.cidr", "198.51.100.0/24 RELAY\n");
        try (RelayEngine engine = engine("check_client_access = clients.cidr\n")) {
            Decision d = decide(engine, "198.51.100.9", "h.example", "<a@example.org>", "<x@victim.example>");
            assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(d.rule()).isEqualTo(RuleNames.CLIENT_ACCESS);
            assertThat(d.reply().toString()).isEqualTo("250 2.1.5 Ok");
            assertThat(d.trace().get(d.trace().size() - 1).detail()).contains("clients.cidr:1")
                    .contains("198.51.100.0/24 RELAY");
            Decision other = decide(engine, "198.51.101.9", "h.example", "<a@example.org>", "<x@victim.example>");
            assertThat(other.rule()).isEqualTo(RuleNames.RELAY_DENIED);
        }
    }

    @Test
    void an_ipv6_client_is_shown_in_its_canonical_form() throws IOException {
        write("clients.cidr", "2001:db8::/32 REJECT no thanks\n");
        try (RelayEngine engine = engine("check_client_access = clients.cidr\n")) {
            Decision d = decide(engine, "2001:0DB8:0004:4A4F:0000:0000:00BF:3E43", "h.example", "<a@b.example>",
                    "<bob@example.org>");
            assertThat(d.reply().toString())
                    .isEqualTo("554 5.7.1 <unknown[2001:db8:4:4a4f::bf:3e43]>: Client host rejected: no thanks");
        }
    }

    @Test
    void relay_in_a_recipient_table_makes_the_address_relayable_but_routing_tricks_stay_refused() throws IOException {
        write("rcpt", "partner.example RELAY\n");
        try (RelayEngine engine = engine("check_recipient_access = rcpt\n")) {
            Decision d = decide(engine, "203.0.113.5", "h.example", "<a@b.example>", "<u@mx.partner.example>");
            assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(d.rule()).isEqualTo(RuleNames.RECIPIENT_ACCESS);
            Decision routed = decide(engine, "203.0.113.5", "h.example", "<a@b.example>",
                    "<u%victim.example@partner.example>");
            assertThat(routed.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(routed.rule()).isEqualTo(RuleNames.SENDER_ROUTING);
        }
    }

    @Test
    void a_relay_refusal_comes_before_any_table_and_tables_apply_to_trusted_clients_too() throws IOException {
        write("clients.cidr", "192.0.2.0/24 REJECT\n");
        try (RelayEngine engine = engine("mynetworks = 192.0.2.128/25\ncheck_client_access = clients.cidr\n")) {
            Decision stranger = decide(engine, "192.0.2.7", "h.example", "<a@b.example>", "<x@victim.example>");
            assertThat(stranger.reply().toString()).isEqualTo("554 5.7.1 <x@victim.example>: Relay access denied");
            Decision local = decide(engine, "192.0.2.7", "h.example", "<a@b.example>", "<bob@example.org>");
            assertThat(local.rule()).isEqualTo(RuleNames.CLIENT_ACCESS);
            assertThat(local.reply().toString())
                    .isEqualTo("554 5.7.1 <unknown[192.0.2.7]>: Client host rejected: Access denied");
            Decision trusted = decide(engine, "192.0.2.200", "h.example", "<a@b.example>", "<x@victim.example>");
            assertThat(trusted.reply().toString())
                    .isEqualTo("554 5.7.1 <unknown[192.0.2.200]>: Client host rejected: Access denied");
            Decision named = engine.decide(RelayRequest.builder().client("192.0.2.7").clientName("mx.b.example")
                    .helo("h.example").sender("<a@b.example>").recipient("<bob@example.org>").build());
            assertThat(named.reply().toString())
                    .isEqualTo("554 5.7.1 <mx.b.example[192.0.2.7]>: Client host rejected: Access denied");
            Decision mapped = decide(engine, "::FFFF:192.0.2.9", "h.example", "<a@b.example>", "<bob@example.org>");
            assertThat(mapped.reply().toString()).as("the address as Postfix shows it")
                    .isEqualTo("554 5.7.1 <unknown[192.0.2.9]>: Client host rejected: Access denied");
            Decision postmaster = decide(engine, "192.0.2.7", "h.example", "<a@b.example>", "<Postmaster>");
            assertThat(postmaster.verdict()).as("bare Postmaster is accepted before the tables")
                    .isEqualTo(Verdict.ACCEPT);
        }
    }

    // ------------------------------------------------------------------------------------------ the families

    @Test
    void each_family_refuses_with_postfix_reply_in_postfix_order() throws IOException {
        write("helo", "spam.example REJECT go away\n");
        write("senders", "<> DEFER\nbad@example.net 550 5.1.1 unknown sender\n");
        write("rcpts", "closed@example.org 550 5.1.1 mailbox closed\n");
        try (RelayEngine engine = engine("""
                check_helo_access = hash:helo
                check_sender_access = senders
                check_recipient_access = rcpts
                """)) {
            assertThat(decide(engine, "203.0.113.5", "mx.SPAM.example", "<bad@example.net>", "<closed@example.org>")
                    .reply().toString()).as("HELO before sender before recipient, parent domain matches")
                    .isEqualTo("554 5.7.1 <mx.SPAM.example>: Helo command rejected: go away");
            Decision nullSender = decide(engine, "203.0.113.5", "h.example", "<>", "<closed@example.org>");
            assertThat(nullSender.reply().toString())
                    .isEqualTo("450 4.7.1 <>: Sender address rejected: Access denied");
            assertThat(nullSender.rule()).isEqualTo(RuleNames.SENDER_ACCESS);
            assertThat(decide(engine, "203.0.113.5", "h.example", "<bad@example.net>", "<bob@example.org>").reply()
                    .toString()).isEqualTo("550 5.1.7 <bad@example.net>: Sender address rejected: unknown sender");
            Decision rcpt = decide(engine, "203.0.113.5", "h.example", "<a@example.net>", "<closed@example.org>");
            assertThat(rcpt.reply().toString())
                    .isEqualTo("550 5.1.1 <closed@example.org>: Recipient address rejected: mailbox closed");
            assertThat(rcpt.rule()).isEqualTo(RuleNames.RECIPIENT_ACCESS);
            assertThat(steps(rcpt).get(steps(rcpt).size() - 1)).startsWith("check_recipient_access REJECT: ")
                    .contains("rcpts:1");
        }
    }

    // --------------------------------------------------------------------------- OK, DISCARD and host actions

    @Test
    void ok_and_discard_end_the_tables_and_skip_the_dns_lists() throws IOException {
        write("bl.ip4set", "192.0.2.66\n192.0.2.67\n192.0.2.68\n");
        write("clients.cidr", "192.0.2.66 OK\n192.0.2.67 DISCARD spam trap\n");
        write("rcpts", "example.org REJECT never reached\n");
        try (RelayEngine engine = engine("""
                local_zone.bl.test = bl.ip4set
                dnsbl_sites = bl.test
                check_client_access = clients.cidr
                check_recipient_access = rcpts
                """)) {
            Decision ok = decide(engine, "192.0.2.66", "h.example", "<a@b.example>", "<bob@example.org>");
            assertThat(ok.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(ok.rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
            assertThat(ok.hostActions()).isEmpty();
            assertThat(steps(ok)).noneMatch(s -> s.startsWith(RuleNames.DNSBL));

            Decision discard = decide(engine, "192.0.2.67", "h.example", "<a@b.example>", "<bob@example.org>");
            assertThat(discard.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(discard.hostActions()).singleElement().satisfies(a -> {
                assertThat(a.kind()).isEqualTo(HostAction.Kind.DISCARD);
                assertThat(a.argument()).isEqualTo("spam trap");
                assertThat(a.source()).contains("clients.cidr:2");
            });

            Decision listed = decide(engine, "192.0.2.68", "h.example", "<a@b.example>", "<bob@example.org>");
            assertThat(listed.reply().toString())
                    .isEqualTo("554 5.7.1 <bob@example.org>: Recipient address rejected: never reached");
        }
    }

    @Test
    void hold_filter_redirect_prepend_reach_the_mail_server_in_order_and_warn_is_a_trace_step()
            throws IOException, Exception {
        write("senders", "bulk@example.net HOLD review first\nexample.net WARN looked at\n");
        write("rcpts", "bob@example.org PREPEND X-Policy: checked\nexample.org FILTER smtp:[127.0.0.1]:10025\n");
        try (RelayEngine engine = engine("check_sender_access = senders\ncheck_recipient_access = rcpts\n")) {
            RelayRequest r = RelayRequest.builder().client("203.0.113.5").helo("h.example").sender("<bulk@example.net>")
                    .recipient("<bob@example.org>").build();
            Decision d = engine.decide(r);
            assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(d.rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
            assertThat(d.hostActions()).extracting(HostAction::toString)
                    .containsExactly("HOLD review first", "PREPEND X-Policy: checked");
            Decision async = engine.decideAsync(r).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(async.hostActions()).isEqualTo(d.hostActions());

            Decision other = decide(engine, "203.0.113.5", "h.example", "<x@example.net>", "<eve@example.org>");
            assertThat(other.hostActions()).extracting(HostAction::toString)
                    .containsExactly("FILTER smtp:[127.0.0.1]:10025");
            assertThat(steps(other)).anySatisfy(s -> assertThat(s).startsWith("check_sender_access MATCH: ")
                    .contains("senders:2").contains("WARN looked at"));
        }
    }

    @Test
    void a_refused_decision_carries_no_host_action() throws IOException {
        write("senders", "bulk@example.net HOLD\n");
        write("rcpts", "bob@example.org REJECT\n");
        try (RelayEngine engine = engine("check_sender_access = senders\ncheck_recipient_access = rcpts\n")) {
            Decision d = decide(engine, "203.0.113.5", "h.example", "<bulk@example.net>", "<bob@example.org>");
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.hostActions()).isEmpty();
        }
    }

    // ------------------------------------------------------------------------------------ limits and reloads

    @Test
    void rate_limits_count_table_refusals() throws IOException {
        write("rcpts", "closed@example.org REJECT\n");
        try (RelayEngine engine = engine("check_recipient_access = rcpts\nrefusal_rate_limit = client:2/1h\n")) {
            for (int i = 0; i < 2; i++) {
                assertThat(decide(engine, "203.0.113.5", "h.example", "<a@b.example>", "<closed@example.org>").rule())
                        .isEqualTo(RuleNames.RECIPIENT_ACCESS);
            }
            Decision third = decide(engine, "203.0.113.5", "h.example", "<a@b.example>", "<bob@example.org>");
            assertThat(third.verdict()).isEqualTo(Verdict.TEMPFAIL);
            assertThat(third.rule()).isEqualTo(RuleNames.REFUSAL_RATE_LIMIT);
        }
    }

    @Test
    void a_broken_table_keeps_the_old_rules_and_names_file_line_and_column() throws IOException {
        Path table = write("rcpts", "closed@example.org REJECT\n");
        Path conf = write("relay.conf", "mydestination = example.org\ncheck_recipient_access = rcpts\n");
        try (RelayEngine engine = RelayEngine.fromFile(conf, java.time.Duration.ofHours(1))) {
            TestFiles.change(table, "closed@example.org REJECT\nopen@example.org permit_mynetworks\n");
            assertThatThrownBy(engine::reloadFileNow).isInstanceOf(PolicyFileException.class)
                    .hasMessageContaining("rcpts:2:").hasMessageContaining("permit_mynetworks");
            assertThat(decide(engine, "203.0.113.5", "h.example", "<a@b.example>", "<closed@example.org>").rule())
                    .isEqualTo(RuleNames.RECIPIENT_ACCESS);
            TestFiles.change(table, "other@example.org REJECT\n");
            engine.reloadFileNow();
            assertThat(decide(engine, "203.0.113.5", "h.example", "<a@b.example>", "<closed@example.org>").rule())
                    .isEqualTo(RuleNames.LOCAL_DOMAINS);
        }
    }

    @Test
    void relay_is_refused_in_helo_and_sender_tables_and_unknown_types_are_errors() throws IOException {
        write("helo", "h.example RELAY\n");
        Path conf = write("relay.conf", "mydestination = example.org\ncheck_helo_access = helo\n");
        assertThatThrownBy(() -> PolicyFile.read(conf)).isInstanceOf(PolicyFileException.class)
                .hasMessageContaining("helo:1:").hasMessageContaining("RELAY");
        Path conf2 = write("relay2.conf", "mydestination = example.org\ncheck_sender_access = mysql:/etc/x.cf\n");
        assertThatThrownBy(() -> PolicyFile.read(conf2)).isInstanceOf(PolicyFileException.class)
                .hasMessageContaining("relay2.conf:2:").hasMessageContaining("mysql");
        Path conf3 = write("relay3.conf", "mydestination = example.org\ncheck_sender_access = missing.access\n");
        assertThatThrownBy(() -> PolicyFile.read(conf3)).isInstanceOf(PolicyFileException.class)
                .hasMessageContaining("relay3.conf:2:").hasMessageContaining("missing.access");
    }

    @Test
    void lint_writes_the_tables_back_and_the_trace_names_every_table_consulted() throws IOException {
        write("clients.cidr", "203.0.113.0/24 DUNNO\n");
        write("helo", "other.example REJECT\n");
        try (RelayEngine engine = engine("check_client_access = cidr:clients.cidr\ncheck_helo_access = helo\n")) {
            Decision d = decide(engine, "203.0.113.5", "h.example", "<a@b.example>", "<bob@example.org>");
            assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
            List<TraceStep> trace = d.trace();
            assertThat(trace.get(trace.size() - 1).rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
            assertThat(steps(d)).anySatisfy(s -> assertThat(s).startsWith("check_client_access NO_MATCH: ")
                    .contains("clients.cidr:1").contains("DUNNO"));
        }
        String effective = PolicyFile.read(dir.resolve("relay.conf")).effective(100);
        assertThat(effective).contains("check_client_access = cidr:" + dir.resolve("clients.cidr"))
                .contains("check_helo_access = " + dir.resolve("helo"));
    }

    @Test
    void a_request_decided_by_two_engines_in_turn_gets_each_engines_tables() throws IOException {
        // The rules fill the per-thread subject once per request and remember which families a RELAY lookup found
        // nothing in; neither may leak from one engine into another deciding the same request object next.
        write("relay-clients.cidr", "198.51.100.0/24 RELAY\n");
        write("reject-clients.cidr", "198.51.100.0/24 RELAY\n203.0.113.0/24 REJECT closed network\n");
        write("rcpt", "partner.example RELAY\nbob@example.org 550 5.1.1 gone\n");
        RelayRequest r = RelayRequest.builder().client("203.0.113.5").helo("h.example").sender("<a@b.example>")
                .recipient("<bob@example.org>").build();
        try (RelayEngine quiet = engine("check_client_access = relay-clients.cidr\n");
                RelayEngine strict = RelayEngine.fromFile(write("strict.conf", "mydestination = example.org\n"
                        + "check_client_access = reject-clients.cidr\ncheck_recipient_access = rcpt\n"))) {
            for (int i = 0; i < 3; i++) {
                Decision a = quiet.decide(r);
                assertThat(a.verdict()).isEqualTo(Verdict.ACCEPT);
                assertThat(a.rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
                Decision b = strict.decide(r);
                assertThat(b.verdict()).isEqualTo(Verdict.REJECT);
                assertThat(b.reply().toString())
                        .isEqualTo("554 5.7.1 <unknown[203.0.113.5]>: Client host rejected: closed network");
                assertThat(quiet.decide(r).rule()).isEqualTo(RuleNames.LOCAL_DOMAINS);
            }
        }
        write("reject-clients.cidr", "198.51.100.0/24 RELAY\n");
        try (RelayEngine strict = RelayEngine.fromFile(dir.resolve("strict.conf"))) {
            Decision d = strict.decide(r);
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.rule()).isEqualTo(RuleNames.RECIPIENT_ACCESS);
            assertThat(d.reply().toString()).isEqualTo("550 5.1.1 <bob@example.org>: Recipient address rejected: gone");
        }
    }
}

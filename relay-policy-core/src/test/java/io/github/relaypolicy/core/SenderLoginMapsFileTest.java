package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sender login maps as files: read with the policy file (several files, relative to its folder), every bad line
 * reported at its {@code file:line:column}, watched and reloaded with the policy file, written back by lint; and the
 * same settings through the builder.
 */
final class SenderLoginMapsFileTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static Decision send(RelayEngine engine, String client, String user, String sender, String rcpt) {
        return engine.decide(RelayRequest.builder().client(client).sender(sender).recipient(rcpt)
                .authenticatedUser(user).build());
    }

    private static String bindingDetail(Decision d) {
        return d.trace().stream().filter(s -> s.rule().equals(RuleNames.SENDER_LOGIN_MISMATCH))
                .map(TraceStep::detail).findFirst().orElseThrow();
    }

    // ------------------------------------------------------------------------------------------------ reading

    @Test
    void several_map_files_are_read_relative_to_the_policy_file_and_looked_up_in_order() throws IOException {
        Files.createDirectories(dir.resolve("maps"));
        write("maps/users.map", """
                # KEY  LOGIN[, LOGIN...]
                bob@example.org        bob

                sales@example.org      alice,bob   carol
                newsletter@example.org alice,
                                       dave
                """);
        write("maps/shop.map", "@shop.example shopadmin\n\"john smith\"@example.org\tjsmith\n");
        Path conf = write("relay.conf", """
                mydestination = example.org
                sender_login_maps = ./maps/users.map, maps/shop.map
                recipient_delimiter = +
                """);
        PolicyFile policy = PolicyFile.read(conf);
        assertThat(policy.files()).containsExactly(conf, dir.resolve("maps/users.map"), dir.resolve("maps/shop.map"));
        try (RelayEngine engine = RelayEngine.fromFile(conf)) {
            Decision carol = send(engine, "203.0.113.9", "carol", "<sales+q3@example.org>", "<x@victim.example>");
            assertThat(carol.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(bindingDetail(carol)).isEqualTo("MAIL FROM <sales+q3@example.org> matched without its address"
                    + " extension the key 'sales@example.org' (users.map:4), owned by alice, bob, carol: authenticated"
                    + " user 'carol' owns it");
            Decision dave = send(engine, "203.0.113.9", "dave", "<newsletter@example.org>", "<x@victim.example>");
            assertThat(dave.verdict()).as("a continuation line adds logins").isEqualTo(Verdict.ACCEPT);
            Decision eve = send(engine, "203.0.113.9", "eve", "<\"john smith\"@example.org>", "<x@victim.example>");
            assertThat(eve.reply().toString()).isEqualTo(
                    "553 5.7.1 <\"john smith\"@example.org>: Sender address rejected: not owned by user eve");
            assertThat(bindingDetail(eve)).isEqualTo("MAIL FROM <\"john smith\"@example.org> matched the key"
                    + " '\"john smith\"@example.org' (shop.map:2), owned by jsmith: not owned by authenticated user"
                    + " 'eve'");
            Decision shop = send(engine, "203.0.113.9", "shopadmin", "<Orders@SHOP.example>", "<x@victim.example>");
            assertThat(shop.rule()).isEqualTo(RuleNames.AUTHENTICATED);
        }
    }

    @Test
    void every_bad_line_is_reported_at_its_file_line_and_column() throws IOException {
        write("a.map", """
                bob@example.org bob
                bob                    bob
                alice@example.org
                carol@example.org      carol # carol's address
                "unclosed@example.org  x
                @not_a_domain          y
                eve@example.org        e\u0000ve
                <frank@example.org>    frank
                """);
        write("b.map", "BOB@Example.org  robert\n");
        write("c.map", "  orphan\n");
        Path conf = write("relay.conf", "sender_login_maps = a.map ./b.map ./missing.map c.map\n");
        String a = dir.resolve("a.map").toString();
        String notAnAddress = " is not an address: expected user@domain or @domain (a local part with spaces in double"
                + " quotes: \"john smith\"@example.org)";
        assertThatThrownBy(() -> PolicyFile.read(conf)).isInstanceOf(PolicyFileException.class)
                .extracting(e -> ((PolicyFileException) e).problems().stream().map(Object::toString).toList())
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.list(String.class))
                .containsExactly(
                        a + ":7:25: control character U+0000; only text and tabs are allowed",
                        a + ":2:1: 'bob' has no domain: expected user@domain or @domain (a bare local part is not"
                                + " looked up)",
                        a + ":3:1: key 'alice@example.org' has no login: expected KEY LOGIN[, LOGIN...]",
                        a + ":4:30: '#': a comment must be on a line of its own (# as its first non-blank"
                                + " character)",
                        a + ":5:1: '\"unclosed@example.org  x'" + notAnAddress,
                        a + ":6:1: '@not_a_domain'" + notAnAddress,
                        a + ":8:1: '<frank@example.org>'" + notAnAddress,
                        conf + ":1:35: cannot read the sender login map: no such file",
                        dir.resolve("c.map") + ":1:1: continuation line without a key above it; a line starts with"
                                + " its key at column 1: KEY LOGIN[, LOGIN...]",
                        dir.resolve("b.map") + ":1:1: key 'BOB@Example.org' is already given at " + a + ":1 (as"
                                + " 'bob@example.org'); give each address once, with all its logins on one line");
    }

    @Test
    void the_mode_needs_maps_and_postfix_table_types_say_what_to_write() throws IOException {
        Path conf = write("relay.conf", "sender_login_mismatch = all\nrecipient_delimiter = +@\n");
        assertThatThrownBy(() -> PolicyFile.read(conf)).hasMessage(
                conf + ":2:23: recipient_delimiter: recipientDelimiter '+@': '@' cannot delimit an address"
                        + " extension; expected printable ASCII punctuation such as + or -, not a letter, digit, dot"
                        + " or one of @\"\\<>()[],;:\n"
                + conf + ":1:1: 'sender_login_mismatch = all' could never apply: no sender_login_maps are given"
                        + " (set sender_login_maps, or remove it)");
        Path off = write("off.conf", "sender_login_mismatch = off\n");
        assertThat(PolicyFile.read(off).effective(10)).contains("\nsender_login_mismatch = off\n");
        Path bad = write("bad.conf", "sender_login_mismatch = strict\n");
        assertThatThrownBy(() -> PolicyFile.read(bad)).hasMessage(bad + ":1:25: sender_login_mismatch: 'strict' is"
                + " not authenticated, known, all or off");
        Path hash = write("hash.conf", "smtpd_sender_login_maps = x\nsender_login_maps = hash:/etc/postfix/logins,"
                + " ldap:/etc/postfix/ldap-logins.cf\n");
        assertThatThrownBy(() -> PolicyFile.read(hash)).hasMessage(
                hash + ":1:1: unknown key 'smtpd_sender_login_maps'; write sender_login_maps\n"
                + hash + ":2:21: sender_login_maps: 'hash:/etc/postfix/logins' is a Postfix hash: table;"
                        + " relay-policy reads the text file itself (the source that postmap compiles): write"
                        + " /etc/postfix/logins");
        write("logins", "bob@example.org bob\n");
        Path texthash = write("texthash.conf", "sender_login_maps = texthash:logins\n");
        assertThat(PolicyFile.read(texthash).files()).containsExactly(texthash, dir.resolve("logins"));
    }

    // ------------------------------------------------------------------------------------------------ reloads

    @Test
    void a_changed_map_file_reloads_the_policy_and_a_broken_one_keeps_the_rules() throws IOException {
        Path map = write("users.map", "bob@example.org bob\n");
        Path conf = write("relay.conf", "mydestination = example.org\nsender_login_maps = ./users.map\n");
        try (RelayEngine engine = RelayEngine.fromFile(conf, Duration.ofHours(1))) {
            assertThat(send(engine, "203.0.113.9", "alice", "<bob@example.org>", "<x@victim.example>").rule())
                    .isEqualTo(RuleNames.SENDER_LOGIN_MISMATCH);
            assertThat(engine.reloadFileNow()).as("unchanged").isFalse();

            TestFiles.change(map, "bob@example.org bob, alice\n");
            assertThat(engine.reloadFileNow()).isTrue();
            assertThat(send(engine, "203.0.113.9", "alice", "<bob@example.org>", "<x@victim.example>").rule())
                    .isEqualTo(RuleNames.AUTHENTICATED);

            TestFiles.change(map, "bob@example.org\n");
            assertThatThrownBy(engine::reloadFileNow).isInstanceOf(PolicyFileException.class)
                    .hasMessage(map + ":1:1: key 'bob@example.org' has no login: expected KEY LOGIN[, LOGIN...]");
            assertThat(engine.policyFileFailure()).isPresent();
            assertThat(send(engine, "203.0.113.9", "alice", "<bob@example.org>", "<x@victim.example>").rule())
                    .as("the rules in force stay").isEqualTo(RuleNames.AUTHENTICATED);

            TestFiles.change(map, "bob@example.org bob\n");
            assertThat(engine.reloadFileNow()).isTrue();
            assertThat(engine.policyFileFailure()).isEmpty();
            assertThat(send(engine, "203.0.113.9", "alice", "<bob@example.org>", "<x@victim.example>").reply()
                    .toString()).isEqualTo("553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user"
                    + " alice");
        }
    }

    @Test
    void a_map_file_created_after_a_failed_reload_is_picked_up() throws IOException {
        Path conf = write("relay.conf", "mydestination = example.org\n");
        try (RelayEngine engine = RelayEngine.fromFile(conf, Duration.ofHours(1))) {
            TestFiles.change(conf, "mydestination = example.org\nsender_login_maps = ./later.map\n");
            assertThatThrownBy(engine::reloadFileNow).hasMessage(
                    conf + ":2:21: cannot read the sender login map: no such file");
            write("later.map", "@example.org bob\n");
            assertThat(engine.reloadFileNow()).as("the missing map is watched").isTrue();
            assertThat(send(engine, "203.0.113.9", "carol", "<x@example.org>", "<x@victim.example>").rule())
                    .isEqualTo(RuleNames.SENDER_LOGIN_MISMATCH);
        }
    }

    // ------------------------------------------------------------------------------------------------ lint

    @Test
    void lint_writes_the_maps_the_mode_and_the_delimiter_so_that_they_read_back() throws IOException {
        write("users.map", "bob@example.org bob\n");
        Path conf = write("relay.conf", """
                sender_login_maps = users.map
                sender_login_mismatch = known
                recipient_delimiter = +-
                reply.sender_login_mismatch = 550 5.7.1 {user} may not use <{sender}>
                """);
        String effective = PolicyFile.read(conf).effective(10);
        assertThat(effective).contains("\n# sender login binding\nsender_login_maps = " + dir.resolve("users.map")
                + "\nsender_login_mismatch = known\nrecipient_delimiter = +-\n",
                "\nreply.sender_login_mismatch = 550 5.7.1 {user} may not use <{sender}>\n",
                "\n# reply.sender_login_mismatch.unauthenticated = 553 5.7.1 <{sender}>: Sender address rejected:"
                        + " not logged in\n");
        Path again = write("again.conf", effective);
        assertThat(PolicyFile.read(again).effective(10)).isEqualTo(effective);

        String defaults = PolicyFile.read(write("empty.conf", "")).effective(10);
        assertThat(defaults).contains("\nsender_login_maps =\nsender_login_mismatch = off\nrecipient_delimiter =\n");
    }

    // ------------------------------------------------------------------------------------------------ builder

    @Test
    void the_builder_reads_map_files_at_once_and_names_bad_lines() throws IOException {
        Path map = write("users.map", "bob@example.org bob\n");
        Path broken = Files.write(dir.resolve("broken.map"), "bob@example.org b\u00ffb\nx y\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        RelayEngine.Builder builder = RelayEngine.builder().localDomains("example.org").senderLoginMaps(map);
        assertThatThrownBy(() -> builder.senderLoginMaps(broken)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(broken + ":1:18: byte 0xFF is not UTF-8 text; save the file as UTF-8 (and 1 more"
                        + " problems)");
        assertThatThrownBy(() -> builder.senderLoginMaps(dir.resolve("none.map")))
                .hasMessage(dir.resolve("none.map") + ": cannot read the sender login map: no such file");
        assertThatThrownBy(() -> builder.senderLogin("BOB@example.org.", "robert"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("senderLogin key 'BOB@example.org.' is already given at " + map + ":1 (as"
                        + " 'bob@example.org')");
        assertThatThrownBy(() -> builder.senderLogin("bob", "bob")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("senderLogin key 'bob' has no domain: expected user@domain or @domain (a bare local part"
                        + " is not looked up)");
        assertThatThrownBy(() -> builder.senderLogin("\"\"@example.org", "x"))
                .hasMessage("senderLogin key '\"\"@example.org' has an empty local part; write @example.org for every"
                        + " address of the domain");
        assertThatThrownBy(() -> builder.senderLogin("x@example.org")).hasMessage("key 'x@example.org' has no login:"
                + " expected KEY LOGIN[, LOGIN...]");
        assertThatThrownBy(() -> builder.senderLogin("x@example.org", "a b")).hasMessage("login 'a b' of key"
                + " 'x@example.org': expected 1 to 255 characters without commas, whitespace or control characters");
        assertThatThrownBy(() -> builder.recipientDelimiter("+a")).hasMessageStartingWith("recipientDelimiter '+a':"
                + " 'a' cannot delimit an address extension");

        RelayEngine engine = builder.senderLogin("@example.net", "ops").recipientDelimiter("+").build();
        assertThat(send(engine, "203.0.113.9", "bob", "<bob+x@example.org>", "<u@victim.example>").rule())
                .isEqualTo(RuleNames.AUTHENTICATED);
        assertThat(bindingDetail(send(engine, "203.0.113.9", "bob", "<a@example.net>", "<u@victim.example>")))
                .isEqualTo("MAIL FROM <a@example.net> matched by its domain the key '@example.net' (builder), owned"
                        + " by ops: not owned by authenticated user 'bob'");
    }

    @Test
    void a_mode_without_maps_fails_the_build_but_off_does_not() {
        assertThatThrownBy(() -> RelayEngine.builder().senderLoginMismatch(SenderLoginMismatch.KNOWN).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("senderLoginMismatch known is set, but no sender login maps (senderLoginMaps or"
                        + " senderLogin) are given: it could never apply");
        assertThat(RelayEngine.builder().senderLoginMismatch(SenderLoginMismatch.OFF).build()).isNotNull();
        assertThat(List.of(SenderLoginMismatch.values())).hasSize(4);
    }
}

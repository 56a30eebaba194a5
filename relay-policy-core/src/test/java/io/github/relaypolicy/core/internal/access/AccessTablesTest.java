package io.github.relaypolicy.core.internal.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.internal.match.SmtpPath;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading all families, and what a subject gives the tables. */
final class AccessTablesTest {

    @TempDir
    Path dir;

    @Test
    void load_resolves_relative_files_and_keeps_each_family_in_order() {
        Tables.write(dir, "clients", "192.0.2.0/24 REJECT\n");
        Tables.write(dir, "helo1", "example.com DUNNO\n");
        Tables.write(dir, "helo2", "example.com REJECT second\n");
        Tables.write(dir, "senders", "<> OK\n");
        AccessTables tables = AccessTables.load(Map.of(Family.CLIENT, List.of("cidr:clients"), Family.HELO,
                List.of("helo1", "hash:helo2"), Family.SENDER, List.of("texthash:senders")), dir);
        assertThat(tables.isEmpty()).isFalse();
        assertThat(tables.family(Family.HELO)).extracting(AccessTable::reference).containsExactly("helo1",
                "hash:helo2");
        assertThat(tables.family(Family.RECIPIENT)).isEmpty();
        assertThat(tables.actions()).extracting(Action::value).containsExactly("REJECT", "DUNNO", "REJECT second",
                "OK");
        AccessSubject s = new AccessSubject().client("192.0.2.5", "mail.example.com").helo("mx.example.com")
                .sender("<>", SmtpPath.parse("<>"));
        assertThat(tables.first(Family.CLIENT, s).value()).isEqualTo("REJECT");
        assertThat(tables.first(Family.HELO, s).value()).isEqualTo("REJECT second");
        assertThat(tables.first(Family.SENDER, s).value()).isEqualTo("OK");
        assertThat(tables.first(Family.RECIPIENT, s)).isNull();
        assertThat(s.clientReplyName()).isEqualTo("mail.example.com[192.0.2.5]");
        assertThat(new AccessSubject().client("192.0.2.5", null).clientReplyName()).isEqualTo("unknown[192.0.2.5]");
        assertThat(AccessSubject.addressReplyName(" <User@Example.org> ")).isEqualTo("User@Example.org");
        assertThat(AccessTables.empty().isEmpty()).isTrue();
        assertThat(AccessTables.empty().family(Family.CLIENT)).isEmpty();
        assertThat(AccessTables.of(Map.of(Family.HELO, List.of())).isEmpty()).isTrue();
    }

    @Test
    void every_problem_of_every_file_is_reported() {
        Tables.write(dir, "clients", "192.0.2.1/24 REJECT\n");
        Tables.write(dir, "helo", "ok.example OK\nbad.example HOLD_ON\n");
        assertThatThrownBy(() -> AccessTables.load(Map.of(Family.CLIENT, List.of("clients"), Family.HELO,
                List.of("helo")), dir)).isInstanceOfSatisfying(AccessTableException.class, e -> {
                    assertThat(e.problems()).extracting(PolicyFileException.Problem::toString).containsExactly(
                            dir.resolve("clients") + ":1:1: cidr table entry '192.0.2.1/24': non-null host address"
                                    + " bits in \"192.0.2.1/24\", perhaps you should use \"192.0.2.0/24\" instead",
                            dir.resolve("helo") + ":2:13: check_helo_access entry 'bad.example': 'HOLD_ON' is not"
                                    + " supported in a check_helo_access table: restriction lists and restriction"
                                    + " classes in a result are not supported; the actions are OK, RELAY, REJECT,"
                                    + " DEFER, 4NN text, 5NN text, DUNNO, WARN, DISCARD, HOLD, FILTER, REDIRECT and"
                                    + " PREPEND");
                    assertThat(e.getMessage()).endsWith("(and 1 more problems)");
                });
        Tables.write(dir, "bad-utf8", "");
        java.nio.file.Path bad = dir.resolve("bad-utf8");
        try {
            java.nio.file.Files.write(bad, new byte[] {'a', ' ', 'O', 'K', '\n', 'b', (byte) 0xff, ' ', 'O', 'K'});
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThatThrownBy(() -> AccessTable.load(Family.HELO, bad.toString(), bad)).hasMessage(bad
                + ":2:2: byte 0xFF is not UTF-8 text; save the file as UTF-8");
    }

    @Test
    void a_regexp_table_without_the_engine_module_says_which_artifact_to_add() {
        // relay-policy-core's own tests run without relay-policy-regexp on the path
        Path file = Tables.write(dir, "helo.re", "# names\n/^[0-9.]+$/ REJECT numeric HELO\n");
        assertThatThrownBy(() -> AccessTable.load(Family.HELO, "regexp:" + file, file)).hasMessage(file + ":2:1:"
                + " regexp table 'regexp:" + file + "' needs a linear-time pattern engine: add"
                + " io.github.relaypolicy:relay-policy-regexp (RE2/J) to the class path or module path;"
                + " java.util.regex is never used for table patterns");
        // nothing to compile, nothing needed
        Path empty = Tables.write(dir, "empty.re", "# nothing yet\n");
        assertThat(AccessTable.load(Family.HELO, "pcre:" + empty, empty).actions()).isEmpty();
    }

    @Test
    void a_subject_from_a_request_and_the_names_postfix_shows() {
        io.github.relaypolicy.RelayRequest r = io.github.relaypolicy.RelayRequest.builder()
                .client("2001:DB8:0:0::2").clientName("mail6.example").helo("Mail.Example.").sender("<A@B.example>")
                .recipient("<r+x@c.example>").build();
        AccessSubject s = AccessSubject.forThread().request(r, SmtpPath.parse(r.sender()),
                SmtpPath.parse(r.recipient()), "+", "<>");
        assertThat(s.clientReplyName()).isEqualTo("mail6.example[2001:db8::2]");
        assertThat(s.helo).isEqualTo("Mail.Example.");
        assertThat(s.delimiters).isEqualTo("+");
        assertThat(new AccessSubject().client("::ffff:192.0.2.1", null).clientReplyName())
                .isEqualTo("unknown[192.0.2.1]");
        assertThat(Action.parse(Family.CLIENT, "421 closing", "k", "f", 1).disconnects()).isTrue();
        assertThat(Action.parse(Family.CLIENT, "521 5.7.1 closing", "k", "f", 1).disconnects()).isTrue();
        assertThat(Action.parse(Family.CLIENT, "REJECT", "k", "f", 1).disconnects()).isFalse();
    }

    @Test
    void subjects_read_mailboxes_as_smtp_path_parses_them() {
        AccessSubject s = new AccessSubject();
        s.recipient("<@relay.example:user@example.org>", SmtpPath.parse("<@relay.example:user@example.org>"));
        assertThat(s.recipient.valid).isTrue();
        String p = s.recipient.path;
        assertThat(p.substring(s.recipient.localStart, s.recipient.domainEnd)).isEqualTo("user@example.org");
        s.recipient("bad path", SmtpPath.parse("bad path"));
        assertThat(s.recipient.valid).isFalse();
        s.client("::ffff:192.0.2.1", "unknown");
        assertThat(s.family).isEqualTo(4);
        s.client("2001:db8::1", "");
        assertThat(s.family).isEqualTo(6);
        assertThat(s.clientName).isEqualTo("unknown");
        s.client(null, null);
        assertThat(s.family).isZero();
        assertThat(AccessSubject.forThread()).isSameAs(AccessSubject.forThread());
    }
}

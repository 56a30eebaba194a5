package io.github.relaypolicy.core.internal.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.HostAction;
import org.junit.jupiter.api.Test;

/** Each result as Postfix's check_table_result reads it, and the replies as it renders them. */
final class ActionTest {

    private static Action parse(Family f, String value) {
        return Action.parse(f, value, "key", "/etc/t", 7);
    }

    @Test
    void reject_and_defer_use_the_access_map_codes_and_the_default_text() {
        Action reject = parse(Family.CLIENT, "REJECT");
        assertThat(reject.type()).isEqualTo(Action.Type.REJECT);
        assertThat(reject.refuses()).isTrue();
        assertThat(reject.stops()).isTrue();
        assertThat(reject.reply("unknown[192.0.2.1]"))
                .isEqualTo("554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied");
        assertThat(parse(Family.HELO, "reject").reply("bad.example"))
                .isEqualTo("554 5.7.1 <bad.example>: Helo command rejected: Access denied");
        assertThat(parse(Family.SENDER, "DEFER").reply("u@example.org"))
                .isEqualTo("450 4.7.1 <u@example.org>: Sender address rejected: Access denied");
        assertThat(parse(Family.RECIPIENT, "REJECT no such user here").reply("r@example.org"))
                .isEqualTo("554 5.7.1 <r@example.org>: Recipient address rejected: no such user here");
        assertThat(parse(Family.RECIPIENT, "DEFER try later").text())
                .isEqualTo("Recipient address rejected: try later");
        assertThat(parse(Family.RECIPIENT, "DEFER try later").code()).isEqualTo(450);
        assertThat(parse(Family.RECIPIENT, "DEFER try later").dsn()).isEqualTo("4.7.1");
    }

    @Test
    void a_status_code_at_the_start_of_the_text_replaces_the_default_and_takes_the_reply_class() {
        assertThat(parse(Family.CLIENT, "REJECT 5.7.26 go away").reply("h[192.0.2.1]"))
                .isEqualTo("554 5.7.26 <h[192.0.2.1]>: Client host rejected: go away");
        // smtpd_check_reject: the DSN class follows the reply code
        assertThat(parse(Family.CLIENT, "DEFER 5.7.2 later").reply("h[192.0.2.1]"))
                .isEqualTo("450 4.7.2 <h[192.0.2.1]>: Client host rejected: later");
        assertThat(parse(Family.CLIENT, "550 4.7.1 no").reply("h[192.0.2.1]"))
                .isEqualTo("550 5.7.1 <h[192.0.2.1]>: Client host rejected: no");
        assertThat(parse(Family.CLIENT, "421 2.0.0 closing").reply("h[192.0.2.1]"))
                .isEqualTo("421 4.0.0 <h[192.0.2.1]>: Client host rejected: closing");
        // not a status code: part of the text
        assertThat(parse(Family.CLIENT, "REJECT 5.7 no").text()).isEqualTo("Client host rejected: 5.7 no");
        assertThat(parse(Family.CLIENT, "REJECT 5.7.1234 no").text()).isEqualTo("Client host rejected: 5.7.1234 no");
        assertThat(parse(Family.CLIENT, "REJECT 5.7.1").text()).isEqualTo("Client host rejected: Access denied");
    }

    @Test
    void codes_and_texts() {
        Action a = parse(Family.HELO, "450 greylisted, come back later");
        assertThat(a.type()).isEqualTo(Action.Type.CODE);
        assertThat(a.reply("x.example"))
                .isEqualTo("450 4.7.1 <x.example>: Helo command rejected: greylisted, come back later");
        assertThat(parse(Family.HELO, "521 go").reply("x")).isEqualTo("521 5.7.1 <x>: Helo command rejected: go");
    }

    @Test
    void address_status_codes_are_mapped_to_what_is_refused_as_smtpd_dsn_fix_does() {
        assertThat(parse(Family.SENDER, "550 5.1.1 unknown").dsn()).isEqualTo("5.1.7");
        assertThat(parse(Family.SENDER, "550 5.1.2 x").dsn()).isEqualTo("5.1.8");
        assertThat(parse(Family.SENDER, "550 5.1.5 x").dsn()).isEqualTo("5.1.0");
        assertThat(parse(Family.RECIPIENT, "550 5.1.7 x").dsn()).isEqualTo("5.1.3");
        assertThat(parse(Family.RECIPIENT, "550 5.1.8 x").dsn()).isEqualTo("5.1.2");
        assertThat(parse(Family.RECIPIENT, "550 5.1.1 x").dsn()).isEqualTo("5.1.1");
        assertThat(parse(Family.RECIPIENT, "550 5.1.9 x").dsn()).isEqualTo("5.1.0");
        assertThat(parse(Family.HELO, "550 5.1.1 x").dsn()).isEqualTo("5.0.0");
        assertThat(parse(Family.CLIENT, "REJECT 5.1.1 x").dsn()).isEqualTo("5.0.0");
        assertThat(parse(Family.SENDER, "DEFER 4.1.1 x").dsn()).isEqualTo("4.1.7");
        assertThat(parse(Family.SENDER, "550 5.2.1 x").dsn()).isEqualTo("5.2.1");
    }

    @Test
    void ok_relay_numbers_dunno_and_warn() {
        assertThat(parse(Family.SENDER, "OK").type()).isEqualTo(Action.Type.OK);
        assertThat(parse(Family.SENDER, "ok whatever").permits()).isTrue();
        assertThat(parse(Family.CLIENT, "RELAY").type()).isEqualTo(Action.Type.RELAY);
        assertThat(parse(Family.RECIPIENT, "relay").stops()).isTrue();
        Action numeric = parse(Family.SENDER, "1700000000");
        assertThat(numeric.type()).isEqualTo(Action.Type.OK);
        assertThat(numeric.numeric()).isTrue();
        // "554" alone is all digits: Postfix's OK, not a refusal (a code needs text)
        assertThat(parse(Family.CLIENT, "554").type()).isEqualTo(Action.Type.OK);
        assertThat(parse(Family.CLIENT, "DUNNO ignored text").type()).isEqualTo(Action.Type.DUNNO);
        assertThat(parse(Family.CLIENT, "DUNNO").stops()).isFalse();
        Action warn = parse(Family.HELO, "WARN odd name");
        assertThat(warn.type()).isEqualTo(Action.Type.WARN);
        assertThat(warn.text()).isEqualTo("odd name");
        assertThat(warn.stops()).isFalse();
        assertThat(warn.hostAction()).isNull();
    }

    @Test
    void host_actions_carry_their_argument_and_source() {
        Action discard = parse(Family.SENDER, "DISCARD spam source");
        assertThat(discard.stops()).isTrue();
        assertThat(discard.permits()).isTrue();
        assertThat(discard.hostAction())
                .isEqualTo(new HostAction(HostAction.Kind.DISCARD, "spam source", "check_sender_access /etc/t:7"));
        assertThat(parse(Family.SENDER, "HOLD").hostAction().kind()).isEqualTo(HostAction.Kind.HOLD);
        assertThat(parse(Family.SENDER, "HOLD").stops()).isFalse();
        assertThat(parse(Family.SENDER, "FILTER smtp:[127.0.0.1]:10025").hostAction().argument())
                .isEqualTo("smtp:[127.0.0.1]:10025");
        assertThat(parse(Family.RECIPIENT, "REDIRECT abuse@example.org").hostAction().toString())
                .isEqualTo("REDIRECT abuse@example.org");
        assertThat(parse(Family.SENDER, "PREPEND X-Listed: yes").hostAction().argument()).isEqualTo("X-Listed: yes");
        assertThat(parse(Family.SENDER, "HOLD").source()).isEqualTo("check_sender_access /etc/t:7");
        assertThat(parse(Family.SENDER, "HOLD").line()).isEqualTo(7);
        assertThat(parse(Family.SENDER, "HOLD").key()).isEqualTo("key");
    }

    @Test
    void results_relay_policy_cannot_honour_are_errors() {
        assertThatThrownBy(() -> parse(Family.HELO, "RELAY")).hasMessage("RELAY grants relay and is allowed only in"
                + " check_client_access and check_recipient_access tables; write OK to stop the checks without"
                + " granting relay");
        assertThatThrownBy(() -> parse(Family.SENDER, "DEFER_IF_PERMIT x")).hasMessage("'DEFER_IF_PERMIT' is not"
                + " supported in a check_sender_access table: relay-policy has no deferred decisions; write DEFER"
                + " or REJECT");
        assertThatThrownBy(() -> parse(Family.SENDER, "BCC a@b")).hasMessageContaining("'BCC' is not supported");
        assertThatThrownBy(() -> parse(Family.SENDER, "reject_unknown_sender_domain")).hasMessage(
                "'reject_unknown_sender_domain' is not supported in a check_sender_access table: restriction lists"
                        + " and restriction classes in a result are not supported; the actions are OK, RELAY,"
                        + " REJECT, DEFER, 4NN text, 5NN text, DUNNO, WARN, DISCARD, HOLD, FILTER, REDIRECT and"
                        + " PREPEND");
        assertThatThrownBy(() -> parse(Family.SENDER, "hash:/etc/x")).hasMessageContaining(
                "a lookup table in a result is not supported");
        assertThatThrownBy(() -> parse(Family.SENDER, "FILTER smtp")).hasMessage(
                "FILTER needs transport:destination (Postfix ignores the entry with a warning)");
        assertThatThrownBy(() -> parse(Family.SENDER, "REDIRECT nobody")).hasMessageContaining("user@domain");
        assertThatThrownBy(() -> parse(Family.SENDER, "PREPEND no header")).hasMessageContaining("header: text");
        assertThatThrownBy(() -> parse(Family.SENDER, "")).hasMessageStartingWith("no result");
        assertThatThrownBy(() -> parse(Family.SENDER, "600 text")).hasMessageContaining("'600' is not supported");
        assertThat(parse(Family.SENDER, "450").type()).isEqualTo(Action.Type.OK);
    }

    @Test
    void a_long_reply_is_sent_whole_and_control_characters_become_spaces_as_postfix_3_7_does() {
        Action a = parse(Family.RECIPIENT, "REJECT " + "x".repeat(600));
        assertThat(a.reply("r@example.org")).hasSize(655).startsWith("554 5.7.1 <r@example.org>: Recipient");
        assertThat(parse(Family.HELO, "REJECT bad").reply("a\u0007b")).isEqualTo(
                "554 5.7.1 <a b>: Helo command rejected: bad");
        Action tabs = parse(Family.CLIENT, "REJECT policy 28\twith\ttabs");
        assertThat(tabs.text()).isEqualTo("Client host rejected: policy 28 with tabs");
        assertThat(parse(Family.HELO, "REJECT b\u00fccher").reply("mail.b\u00fccher.test"))
                .isEqualTo("554 5.7.1 <mail.b\u00fccher.test>: Helo command rejected: b\u00fccher");
    }
}

package io.github.relaypolicy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.HostAction;
import io.github.relaypolicy.HostAction.Kind;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.server.PolicyAnswers.AcceptAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

final class PolicyAnswersTest {

    private static final PolicyAnswers DUNNO = PolicyAnswers.of(AcceptAction.DUNNO);
    private static final PolicyAnswers OK = PolicyAnswers.of(AcceptAction.OK);

    private static Decision decision(SmtpReply reply, HostAction... actions) {
        return new Decision() {
            @Override
            public Verdict verdict() {
                return reply.verdict();
            }

            @Override
            public SmtpReply reply() {
                return reply;
            }

            @Override
            public String rule() {
                return "test";
            }

            @Override
            public List<TraceStep> trace() {
                return List.of();
            }

            @Override
            public List<HostAction> hostActions() {
                return List.of(actions);
            }
        };
    }

    private static Decision accepted(HostAction... actions) {
        return decision(SmtpReply.of(250, "2.1.5", "Ok"), actions);
    }

    private static HostAction action(Kind kind, String argument) {
        return new HostAction(kind, argument, "check_sender_access senders:1");
    }

    private static String text(byte[] answer) {
        return new String(answer, StandardCharsets.UTF_8);
    }

    @Test
    void a_refusal_or_deferral_answers_the_decision_reply() {
        Decision denied = decision(SmtpReply.of(554, "5.7.1", "<x@victim.example>: Relay access denied"));
        Decision deferred = decision(SmtpReply.of(451, "4.7.1", "Rate limit exceeded, try again later"));

        assertThat(text(DUNNO.answer(denied)))
                .isEqualTo("action=554 5.7.1 <x@victim.example>: Relay access denied\n\n");
        assertThat(text(OK.answer(denied))).isEqualTo("action=554 5.7.1 <x@victim.example>: Relay access denied\n\n");
        assertThat(text(DUNNO.answer(deferred))).isEqualTo("action=451 4.7.1 Rate limit exceeded, try again later\n\n");
        assertThat(DUNNO.action(deferred)).isEqualTo("451 4.7.1 Rate limit exceeded, try again later");
    }

    @Test
    void a_reply_text_in_utf8_is_sent_in_utf8() {
        byte[] answer = DUNNO.answer(decision(SmtpReply.of(550, "5.7.1", "Empfänger abgelehnt")));

        assertThat(answer).isEqualTo("action=550 5.7.1 Empfänger abgelehnt\n\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void an_acceptance_answers_the_accept_action() {
        assertThat(DUNNO.acceptAction()).isEqualTo(AcceptAction.DUNNO);
        assertThat(text(DUNNO.answer(accepted()))).isEqualTo("action=DUNNO\n\n");
        assertThat(text(OK.answer(accepted()))).isEqualTo("action=OK\n\n");
        assertThat(OK.action(accepted())).isEqualTo("OK");
        assertThat(text(PolicyAnswers.dunno())).isEqualTo("action=DUNNO\n\n");
    }

    @Test
    void the_constant_answers_cannot_be_changed_by_a_caller() {
        byte[] first = DUNNO.answer(accepted());
        first[0] = 'X';
        PolicyAnswers.dunno()[0] = 'X';

        assertThat(text(DUNNO.answer(accepted()))).isEqualTo("action=DUNNO\n\n");
        assertThat(text(PolicyAnswers.dunno())).isEqualTo("action=DUNNO\n\n");
    }

    @Test
    void each_host_action_is_a_postfix_action() {
        assertThat(text(DUNNO.answer(accepted(action(Kind.HOLD, "suspicious sender")))))
                .isEqualTo("action=HOLD suspicious sender\n\n");
        assertThat(text(OK.answer(accepted(action(Kind.HOLD, ""))))).as("instead of OK").isEqualTo("action=HOLD\n\n");
        assertThat(DUNNO.action(accepted(action(Kind.DISCARD, "")))).isEqualTo("DISCARD");
        assertThat(DUNNO.action(accepted(action(Kind.DISCARD, "spam trap")))).isEqualTo("DISCARD spam trap");
        assertThat(DUNNO.action(accepted(action(Kind.PREPEND, "X-Relay-Policy: checked"))))
                .isEqualTo("PREPEND X-Relay-Policy: checked");
        assertThat(DUNNO.action(accepted(action(Kind.REDIRECT, "abuse@example.org"))))
                .isEqualTo("REDIRECT abuse@example.org");
        assertThat(DUNNO.action(accepted(action(Kind.FILTER, "smtp:[127.0.0.1]:10025"))))
                .isEqualTo("FILTER smtp:[127.0.0.1]:10025");
    }

    @Test
    void of_several_host_actions_one_is_sent_discard_hold_redirect_filter_prepend_and_the_last_of_a_kind() {
        HostAction prepend = action(Kind.PREPEND, "X-A: 1");
        HostAction filter1 = action(Kind.FILTER, "smtp:[127.0.0.1]:10025");
        HostAction filter2 = action(Kind.FILTER, "smtp:[127.0.0.1]:10026");
        HostAction redirect = action(Kind.REDIRECT, "abuse@example.org");
        HostAction hold = action(Kind.HOLD, "look");
        HostAction discard = action(Kind.DISCARD, "trap");

        assertThat(DUNNO.action(accepted(prepend, filter1, hold, redirect, discard))).isEqualTo("DISCARD trap");
        assertThat(DUNNO.action(accepted(discard, hold))).isEqualTo("DISCARD trap");
        assertThat(DUNNO.action(accepted(prepend, redirect, hold, filter1))).isEqualTo("HOLD look");
        assertThat(DUNNO.action(accepted(filter1, redirect, prepend))).isEqualTo("REDIRECT abuse@example.org");
        assertThat(DUNNO.action(accepted(prepend, filter1, filter2))).isEqualTo("FILTER smtp:[127.0.0.1]:10026");
        assertThat(DUNNO.action(accepted(filter2, prepend, filter1))).isEqualTo("FILTER smtp:[127.0.0.1]:10025");
        assertThat(DUNNO.action(accepted(prepend, action(Kind.PREPEND, "X-B: 2")))).isEqualTo("PREPEND X-B: 2");
    }

    @Test
    void no_text_can_add_a_line_to_the_answer() {
        Decision injected = accepted(action(Kind.PREPEND, "X-A: 1\n\naction=OK\r\n\u0000\u0085\u2028\u2029end"));

        assertThat(text(DUNNO.answer(injected))).isEqualTo("action=PREPEND X-A: 1  action=OK      end\n\n");
        assertThat(text(DUNNO.answer(accepted(action(Kind.HOLD, "a\tb"))))).isEqualTo("action=HOLD a b\n\n");
    }

    @Test
    void null_arguments_are_refused_by_name() {
        assertThatThrownBy(() -> PolicyAnswers.of(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("acceptAction");
        assertThatThrownBy(() -> DUNNO.answer(null)).isInstanceOf(NullPointerException.class).hasMessage("decision");
    }
}

package io.github.relaypolicy.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Exim launcher, against the unpacked Exim where a test is tagged; the rest needs no Exim. */
final class EximRunnerTest {

    private static final String CONFIG = """
            primary_hostname = exim.test
            domainlist local_domains = example.org
            acl_smtp_rcpt = acl_check_rcpt
            begin acl
            acl_check_rcpt:
              accept domains = +local_domains
              deny   message = 554 5.7.1 <$local_part@$domain>: relay not permitted from $sender_host_address
            """;

    @Test
    @RequiresExim
    void host_check_answers_each_command_with_the_acls_replies() throws Exception {
        EximRunner exim = EximRunner.locate();

        EximRunner.Session s = exim.hostCheck(CONFIG, "203.0.113.9", null, List.of("EHLO mx.example.net",
                "MAIL FROM:<a@example.net>", "RCPT TO:<b@example.org>", "RCPT TO:<b@other.example>", "QUIT"));

        assertThat(s.greeting().text()).startsWith("220 exim.test ESMTP Exim 4.96 ");
        assertThat(s.replies()).extracting(SmtpProbe.Reply::command)
                .containsExactly("EHLO", "MAIL", "RCPT", "RCPT", "QUIT");
        assertThat(s.replies().get(0).lines().get(0)).isEqualTo("250-exim.test Hello  [203.0.113.9]");
        assertThat(s.replies("RCPT")).extracting(SmtpProbe.Reply::text)
                .containsExactly("250 Accepted", "554 5.7.1 <b@other.example>: relay not permitted from 203.0.113.9");
        assertThat(s.replies("QUIT").get(0).text()).isEqualTo("221 exim.test closing connection");
        assertThat(s.log()).contains("LOG: H= (mx.example.net) [203.0.113.9] F=<a@example.net> rejected RCPT"
                + " <b@other.example>: 554 5.7.1 <b@other.example>: relay not permitted from 203.0.113.9");
    }

    @Test
    @RequiresExim
    void a_client_name_is_given_without_a_dns_lookup() throws Exception {
        EximRunner.Session s = EximRunner.locate().hostCheck(CONFIG, "2001:db8::5", "mail.example.net",
                List.of("HELO mx.example.net", "QUIT"));

        assertThat(s.replies().get(0).text()).isEqualTo("250 exim.test Hello mail.example.net [2001:0db8:0000:0000:0000:0000:0000:0005]");
        assertThat(s.log()).doesNotContain("looking up host name");
    }

    @Test
    @RequiresExim
    void a_broken_configuration_fails_with_the_message_of_exim() {
        assertThatThrownBy(() -> EximRunner.locate().hostCheck("no_such_option = 1\n", "203.0.113.9", null,
                List.of("QUIT")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("did not greet")
                .hasMessageContaining("main option \"no_such_option\" unknown");
    }

    @Test
    void a_missing_folder_fails_with_how_to_set_it_up() {
        assertThatThrownBy(() -> EximRunner.at(Path.of("/nonexistent/exim")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("/nonexistent/exim/usr/sbin/exim4 is missing: the Exim tests need Debian's Exim 4.96"
                        + " unpacked there: run .ci/exim as root (it downloads exim4-daemon-light, exim4-base and"
                        + " libidn12 into /var/tmp/relay-policy-exim, or into the folder RELAY_POLICY_EXIM_ROOT"
                        + " names; -Drelaypolicy.exim.root=FOLDER tells the tests); skip them with mvn verify"
                        + " -DexcludedGroups=exim");
    }

    @Test
    void output_is_split_into_the_greeting_and_one_reply_per_command() throws IOException {
        String out = "\n**** SMTP testing session as if from host 203.0.113.9\n**** This is not for real!\n\n"
                + "220 exim.test ESMTP\n250-exim.test Hello\n250 HELP\n554-5.7.1 first line\n554 5.7.1 second\n";

        EximRunner.Session s = EximRunner.parse(out, "err", List.of("ehlo x", "RCPT TO:<a@b>", "QUIT"), 0);

        assertThat(s.greeting().text()).isEqualTo("220 exim.test ESMTP");
        assertThat(s.replies()).containsExactly(new SmtpProbe.Reply("EHLO", List.of("250-exim.test Hello", "250 HELP")),
                new SmtpProbe.Reply("RCPT", List.of("554-5.7.1 first line", "554 5.7.1 second")));
        assertThat(s.log()).isEqualTo("err");
        assertThatThrownBy(() -> EximRunner.parse("exim: permission denied\n", "", List.of(), 1))
                .isInstanceOf(IOException.class)
                .hasMessage("exim -bh (exit status 1) wrote 'exim: permission denied', not an SMTP reply;"
                        + " standard error: ");
    }
}

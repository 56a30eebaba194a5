package io.github.relaypolicy.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The launcher and the probe, against the real Postfix where a test is tagged; the rest needs no Postfix. */
final class PostfixServerTest {

    @Test
    @RequiresPostfix
    void answers_rcpt_for_each_client_set_by_xclient_and_its_directory_goes_on_close() throws Exception {
        PostfixServer postfix = PostfixServer.builder()
                .relayDomains("relay.test")
                .mynetworks("198.51.100.0/24")
                .set("recipient_delimiter", "+")
                .file("clients", "192.0.2.1 REJECT\n2001:db8::/32 DEFER v6 text\n192.0.2.9 421 go away\n")
                .file("senders", "<> 550 5.1.1 no bounces\n")
                .recipientRestrictions("check_client_access cidr:$config_directory/clients,"
                        + " check_sender_access texthash:$config_directory/senders")
                .start();
        Path dir;
        try (postfix; SmtpProbe smtp = postfix.connect()) {
            assertThat(postfix.isAlive()).isTrue();
            assertThat(postfix.hostAndPort()).isEqualTo("127.0.0.1:" + postfix.port());
            dir = postfix.configDirectory().getParent();
            SmtpProbe.Request base = SmtpProbe.request("192.0.2.2").helo("mx.example").sender("a@example.org")
                    .recipient("b@relay.test");

            assertThat(smtp.rcpt(base).text()).isEqualTo("250 2.1.5 Ok");
            assertThat(smtp.rcpt(base.recipient("b@other.test")).text())
                    .isEqualTo("554 5.7.1 <b@other.test>: Relay access denied");
            assertThat(smtp.rcpt(base.address("198.51.100.7").recipient("b@other.test")).text())
                    .as("mynetworks relays").isEqualTo("250 2.1.5 Ok");
            SmtpProbe.Reply refused = smtp.rcpt(base.address("192.0.2.1"));
            assertThat(refused.command()).isEqualTo("RCPT");
            assertThat(refused.code()).isEqualTo(554);
            assertThat(refused.text()).isEqualTo("554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied");
            assertThat(smtp.rcpt(base.address("192.0.2.1").name("mail.example")).text())
                    .isEqualTo("554 5.7.1 <mail.example[192.0.2.1]>: Client host rejected: Access denied");
            assertThat(smtp.rcpt(base.address("2001:DB8:0::5")).text())
                    .isEqualTo("450 4.7.1 <unknown[2001:db8::5]>: Client host rejected: v6 text");
            assertThat(smtp.rcpt(base.sender("")).text())
                    .isEqualTo("550 5.1.7 <>: Sender address rejected: no bounces");
            // 421 closes the connection; the probe opens a new one for the next request
            assertThat(smtp.rcpt(base.address("192.0.2.9")).text())
                    .isEqualTo("421 4.7.1 <unknown[192.0.2.9]>: Client host rejected: go away");
            assertThat(smtp.rcpt(base).text()).isEqualTo("250 2.1.5 Ok");
            assertThat(postfix.logText()).contains("NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 554 5.7.1");
        }
        assertThat(postfix.isAlive()).isFalse();
        assertThat(dir).doesNotExist();
        assertThatThrownBy(() -> new Socket(postfix.address().getAddress(), postfix.port()).close())
                .isInstanceOf(IOException.class);
    }

    @Test
    void xtext_escapes_plus_equals_space_controls_and_non_ascii() {
        assertThat(SmtpProbe.xtext("mx.example")).isEqualTo("mx.example");
        assertThat(SmtpProbe.xtext("a+b=c d\u0001")).isEqualTo("a+2Bb+3Dc+20d+01");
        assertThat(SmtpProbe.xtext("bü")).isEqualTo("b+C3+BC");
    }

    @Test
    void a_missing_binary_fails_with_the_install_command() {
        assertThatThrownBy(() -> PostfixServer.builder().master(Path.of("/nonexistent/master")).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("/nonexistent/master is missing: this needs the real Postfix"
                        + " (DEBIAN_FRONTEND=noninteractive apt-get install -y postfix); skip the tests that need"
                        + " it with mvn verify -DexcludedGroups=postfix");
    }

    @Test
    void files_and_parameters_are_checked_when_given() {
        assertThatThrownBy(() -> PostfixServer.builder().file("../x", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("file '../x': expected a plain file name other than main.cf and master.cf");
        assertThatThrownBy(() -> PostfixServer.builder().set("mynetworks", "a\nb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("main.cf parameter mynetworks: the value must be one line");
    }
}

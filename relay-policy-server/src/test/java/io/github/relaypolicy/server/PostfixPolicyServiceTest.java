package io.github.relaypolicy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.testsupport.PostfixServer;
import io.github.relaypolicy.testsupport.RequiresPostfix;
import io.github.relaypolicy.testsupport.SmtpProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Postfix 3.7 asking the policy service with {@code check_policy_service inet:127.0.0.1:PORT} in
 * {@code smtpd_recipient_restrictions}, as {@code examples/postfix/main.cf.snippet} says: the SMTP replies are the
 * policy's. Postfix puts {@code <RECIPIENT>: Recipient address rejected: } before the text of every refusal or
 * deferral a policy service answers (as it does for access tables), so a reply of relay-policy's that already has
 * that prefix carries it twice.
 */
@RequiresPostfix
final class PostfixPolicyServiceTest {

    @TempDir
    Path dir;

    private final RecordingLogger log = new RecordingLogger();

    @AfterEach
    void the_service_logged_no_protocol_error() {
        assertThat(log.lines()).noneMatch(m -> m.startsWith("WARNING") || m.startsWith("ERROR"));
    }

    private static PostfixServer.Builder postfix(PolicyServer service) {
        return PostfixServer.builder()
                .mydestination("example.org")
                // XCLIENT LOGIN= sets the SASL login only where SASL is on, and only then does Postfix send
                // sasl_username; no mechanism is offered or used
                .set("smtpd_sasl_auth_enable", "yes")
                .recipientRestrictions("check_policy_service inet:127.0.0.1:" + MtaFixture.port(service));
    }

    private static SmtpProbe.Request from(String client) {
        return SmtpProbe.request(client).helo("mx.example.net").sender("a@example.net").recipient("b@example.org");
    }

    @Test
    void a_client_in_the_local_zone_gets_the_policy_refusal_and_a_clean_one_is_accepted() throws Exception {
        try (RelayEngine engine = MtaFixture.engine(dir);
                PolicyServer service = MtaFixture.serve(engine, log);
                PostfixServer postfix = postfix(service).start();
                SmtpProbe smtp = postfix.connect()) {
            assertThat(smtp.rcpt(from("198.51.100.7")).text()).isEqualTo("554 5.7.1 <b@example.org>: Recipient"
                    + " address rejected: Service unavailable; client [198.51.100.7] blocked using bl.test; Listed in"
                    + " bl.test: see https://bl.test/lookup?ip=198.51.100.7");
            assertThat(smtp.rcpt(from("203.0.113.9")).text()).isEqualTo("250 2.1.5 Ok");
            assertThat(smtp.rcpt(from("203.0.113.9").sender("bad@example.net")).text())
                    .as("an access table's refusal (550 5.1.7 <bad@example.net>: Sender address rejected: ...),"
                            + " whose text has Postfix's prefix already; Postfix makes the X.1.Y code a recipient's")
                    .isEqualTo("550 5.1.3 <b@example.org>: Recipient address rejected: <bad@example.net>: Sender"
                            + " address rejected: unknown sender");
            String reject = "NOQUEUE: reject: RCPT from unknown[198.51.100.7]: 554 5.7.1";
            assertThat(postfix.awaitLog(reject, Duration.ofSeconds(10))).contains(reject);
        }
    }

    /**
     * The same through swaks, the SMTP client an administrator tries a server with ({@code .ci/run} installs it):
     * {@code --xclient-addr} sets the client, {@code --quit-after RCPT} stops before any mail is sent.
     */
    @Test
    void swaks_sees_the_policy_refusal_and_an_acceptance() throws Exception {
        Path swaks = Path.of("/usr/bin/swaks");
        assertThat(swaks).as("swaks is missing: apt-get install -y swaks (.ci/run does)").isExecutable();
        try (RelayEngine engine = MtaFixture.engine(dir);
                PolicyServer service = MtaFixture.serve(engine, log);
                PostfixServer postfix = postfix(service).start()) {
            String listed = swaks(swaks, postfix, "198.51.100.7");
            assertThat(listed).as(listed).contains("<** 554 5.7.1 <b@example.org>: Recipient address rejected:"
                    + " Service unavailable; client [198.51.100.7] blocked using bl.test; Listed in bl.test: see"
                    + " https://bl.test/lookup?ip=198.51.100.7");
            String clean = swaks(swaks, postfix, "203.0.113.9");
            assertThat(clean).as(clean).contains(" -> RCPT TO:<b@example.org>").contains("<-  250 2.1.5 Ok")
                    .doesNotContain("<** ");
        }
    }

    /** What swaks printed of one session from {@code client} up to its RCPT (bounded at 60 s). */
    private static String swaks(Path swaks, PostfixServer postfix, String client) throws Exception {
        Process p = new ProcessBuilder(swaks.toString(), "--server", "127.0.0.1", "--port",
                String.valueOf(postfix.port()), "--xclient-addr", client, "--helo", "mx.example.net",
                "--from", "a@example.net", "--to", "b@example.org", "--quit-after", "RCPT", "--timeout", "30")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("swaks finished").isTrue();
        return out;
    }

    @Test
    void an_authenticated_user_over_the_rate_limit_is_deferred() throws Exception {
        try (RelayEngine engine = MtaFixture.engine(dir);
                PolicyServer service = MtaFixture.serve(engine, log);
                PostfixServer postfix = postfix(service).start();
                SmtpProbe smtp = postfix.connect()) {
            SmtpProbe.Request alice = from("203.0.113.9").login("alice").recipient("b@elsewhere.example");

            // user:2/1h: two recipients pass, the third is deferred (Postfix lets alice relay by her login too)
            assertThat(smtp.rcpt(alice).text()).isEqualTo("250 2.1.5 Ok");
            assertThat(smtp.rcpt(alice.recipient("c@elsewhere.example")).text()).isEqualTo("250 2.1.5 Ok");
            assertThat(smtp.rcpt(alice.recipient("d@elsewhere.example")).text()).isEqualTo("451 4.7.1"
                    + " <d@elsewhere.example>: Recipient address rejected: <d@elsewhere.example>: Recipient address"
                    + " rejected: rate limit exceeded, try again later");
            assertThat(smtp.rcpt(alice.login("bob").recipient("d@elsewhere.example")).text())
                    .as("another login has its own count").isEqualTo("250 2.1.5 Ok");
            assertThat(smtp.rcpt(alice.login(null).recipient("d@example.org")).text())
                    .as("XCLIENT without LOGIN: not authenticated, not counted").isEqualTo("250 2.1.5 Ok");
        }
    }

    @Test
    void without_the_service_postfix_answers_its_default_action() throws Exception {
        try (RelayEngine engine = MtaFixture.engine(dir);
                PolicyServer service = MtaFixture.serve(engine, log);
                PostfixServer postfix = postfix(service).start();
                SmtpProbe smtp = postfix.connect()) {
            assertThat(smtp.rcpt(from("203.0.113.9")).text()).isEqualTo("250 2.1.5 Ok");

            service.close();

            // smtpd_policy_service_default_action's default
            assertThat(smtp.rcpt(from("203.0.113.9")).text())
                    .isEqualTo("451 4.3.5 <b@example.org>: Recipient address rejected: Server configuration problem");
            String warning = "warning: problem talking to server 127.0.0.1:" + MtaFixture.port(service)
                    + ": Connection refused";
            assertThat(postfix.awaitLog(warning, Duration.ofSeconds(10))).contains(warning);
        }
    }

    @Test
    void without_the_service_a_configured_default_action_applies() throws Exception {
        try (RelayEngine engine = MtaFixture.engine(dir);
                PolicyServer service = MtaFixture.serve(engine, log);
                PostfixServer postfix = postfix(service)
                        // fail open: while relay-policy is down, Postfix's own restrictions decide alone
                        .set("smtpd_policy_service_default_action", "DUNNO")
                        .set("smtpd_policy_service_try_limit", "1")
                        .start();
                SmtpProbe smtp = postfix.connect()) {
            assertThat(smtp.rcpt(from("198.51.100.7")).code()).isEqualTo(554);

            service.close();

            assertThat(smtp.rcpt(from("198.51.100.7")).text()).isEqualTo("250 2.1.5 Ok");
            assertThat(smtp.rcpt(from("198.51.100.7").recipient("b@elsewhere.example")).text())
                    .as("Postfix's own relay check still applies")
                    .isEqualTo("554 5.7.1 <b@elsewhere.example>: Relay access denied");
        }
    }
}

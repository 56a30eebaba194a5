package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayPolicy;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.RelayEngine;
import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.junit.jupiter.api.Test;
import org.subethamail.smtp.auth.LoginFailedException;

/** Real messages sent with Angus Mail to a SubEthaSMTP server that asks relay-policy about each recipient. */
final class MailRoundTripTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Mail for example.org is local; relay only for authenticated clients. */
    private static final RelayEngine POLICY = RelayEngine.builder().localDomains("example.org").build();

    @Test
    void message_to_a_local_recipient_is_delivered_with_its_headers_and_body() throws Exception {
        try (PolicySmtpServer server = PolicySmtpServer.start(POLICY)) {
            // given
            Session session = Session.getInstance(clientProperties(server.port()));
            MimeMessage message = message(session, "user@example.org");

            // when
            Transport.send(message);

            // then
            PolicySmtpServer.Delivery delivery = server.nextDelivery(WAIT);
            assertThat(delivery).isNotNull();
            assertThat(delivery.sender()).isEqualTo("alice@sender.example");
            assertThat(delivery.recipients()).containsExactly("user@example.org");
            MimeMessage received = new MimeMessage(session, new ByteArrayInputStream(delivery.content()));
            assertThat(received.getSubject()).isEqualTo("relay-policy round trip");
            assertThat(received.getHeader("From", ",")).isEqualTo("alice@sender.example");
            assertThat(received.getHeader("To", ",")).isEqualTo("user@example.org");
            assertThat(received.getMessageID()).isEqualTo(message.getMessageID());
            assertThat(((String) received.getContent()).strip()).isEqualTo("Hello from Angus Mail.");
        }
    }

    @Test
    void message_to_a_foreign_recipient_is_refused_with_the_relay_denied_reply() throws Exception {
        try (PolicySmtpServer server = PolicySmtpServer.start(POLICY)) {
            Session session = Session.getInstance(clientProperties(server.port()));
            MimeMessage message = message(session, "someone@victim.example");

            assertThatThrownBy(() -> Transport.send(message))
                    .isInstanceOfSatisfying(SendFailedException.class, e -> {
                        assertThat(e.getInvalidAddresses()).extracting(Address::toString)
                                .containsExactly("someone@victim.example");
                        assertThat(e.getNextException()).isInstanceOfSatisfying(SMTPAddressFailedException.class,
                                failed -> {
                                    assertThat(failed.getReturnCode()).isEqualTo(554);
                                    assertThat(failed.getMessage().strip()).isEqualTo(
                                            "554 5.7.1 <someone@victim.example>: Relay access denied");
                                });
                    });
            assertThat(server.nextDelivery(Duration.ofMillis(200))).isNull();
        }
    }

    @Test
    void with_partial_sending_the_local_recipient_gets_the_message_and_the_foreign_one_is_reported()
            throws Exception {
        try (PolicySmtpServer server = PolicySmtpServer.start(POLICY)) {
            Properties props = clientProperties(server.port());
            props.setProperty("mail.smtp.sendpartial", "true");
            Session session = Session.getInstance(props);
            MimeMessage message = message(session, "user@example.org, someone@victim.example");

            assertThatThrownBy(() -> Transport.send(message))
                    .isInstanceOfSatisfying(SendFailedException.class, e -> {
                        assertThat(e.getInvalidAddresses()).extracting(Address::toString)
                                .containsExactly("someone@victim.example");
                        assertThat(e.getValidSentAddresses()).extracting(Address::toString)
                                .containsExactly("user@example.org");
                    });
            PolicySmtpServer.Delivery delivery = server.nextDelivery(WAIT);
            assertThat(delivery).isNotNull();
            assertThat(delivery.recipients()).containsExactly("user@example.org");
        }
    }

    @Test
    void authenticated_client_may_relay_and_the_policy_sees_client_helo_sender_and_user() throws Exception {
        // given
        RecordingPolicy policy = new RecordingPolicy(POLICY);
        try (PolicySmtpServer server = PolicySmtpServer.startWithAuth(policy, (user, password, context) -> {
            if (!user.equals("alice") || !password.equals("secret")) {
                throw new LoginFailedException();
            }
        })) {
            Properties props = clientProperties(server.port());
            props.setProperty("mail.smtp.auth", "true");
            Session session = Session.getInstance(props);

            // when
            Transport.send(message(session, "someone@victim.example"), "alice", "secret");

            // then
            PolicySmtpServer.Delivery delivery = server.nextDelivery(WAIT);
            assertThat(delivery).isNotNull();
            assertThat(delivery.recipients()).containsExactly("someone@victim.example");
            assertThat(policy.requests).singleElement().satisfies(request -> {
                assertThat(request.client()).isEqualTo("127.0.0.1");
                assertThat(request.helo()).isEqualTo("client.example.net");
                assertThat(request.sender()).isEqualTo("<alice@sender.example>");
                assertThat(request.recipient()).isEqualTo("<someone@victim.example>");
                assertThat(request.authenticatedUser()).isEqualTo("alice");
            });
            assertThat(policy.decisions).singleElement().satisfies(d -> assertThat(d.rule())
                    .isEqualTo("permit_authenticated"));
        }
    }

    @Test
    void wrong_password_does_not_authenticate() throws Exception {
        try (PolicySmtpServer server = PolicySmtpServer.startWithAuth(POLICY, (user, password, context) -> {
            throw new LoginFailedException();
        })) {
            Properties props = clientProperties(server.port());
            props.setProperty("mail.smtp.auth", "true");
            Session session = Session.getInstance(props);

            assertThatThrownBy(() -> Transport.send(message(session, "someone@victim.example"), "alice", "wrong"))
                    .isInstanceOf(AuthenticationFailedException.class);
            assertThat(server.nextDelivery(Duration.ofMillis(200))).isNull();
        }
    }

    private static Properties clientProperties(int port) {
        Properties props = new Properties();
        props.setProperty("mail.smtp.host", "127.0.0.1");
        props.setProperty("mail.smtp.port", Integer.toString(port));
        props.setProperty("mail.smtp.localhost", "client.example.net");
        props.setProperty("mail.smtp.connectiontimeout", "10000");
        props.setProperty("mail.smtp.timeout", "10000");
        props.setProperty("mail.smtp.writetimeout", "10000");
        return props;
    }

    private static MimeMessage message(Session session, String to) throws MessagingException, IOException {
        MimeMessage message = new MimeMessage(session);
        message.setFrom("alice@sender.example");
        message.setRecipients(Message.RecipientType.TO, to);
        message.setSubject("relay-policy round trip");
        message.setText("Hello from Angus Mail.\n", "UTF-8");
        message.saveChanges();
        return message;
    }

    /** Passes every request to a real policy and keeps the requests and decisions for the test. */
    private static final class RecordingPolicy implements RelayPolicy {
        private final RelayPolicy policy;
        final List<RelayRequest> requests = new CopyOnWriteArrayList<>();
        final List<Decision> decisions = new CopyOnWriteArrayList<>();

        RecordingPolicy(RelayPolicy policy) {
            this.policy = policy;
        }

        @Override
        public Decision decide(RelayRequest request) {
            requests.add(request);
            Decision decision = policy.decide(request);
            decisions.add(decision);
            return decision;
        }

        @Override
        public CompletionStage<Decision> decideAsync(RelayRequest request) {
            return policy.decideAsync(request);
        }
    }
}

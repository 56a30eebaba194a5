package io.github.relaypolicy.cli;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayPolicy;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.UsernamePasswordValidator;
import org.subethamail.smtp.server.SMTPServer;

/**
 * A real SMTP server (SubEthaSMTP) on 127.0.0.1 that asks a {@link RelayPolicy} about every {@code RCPT TO} and
 * sends the decision's reply when it refuses: the README's example of embedding relay-policy in a mail server.
 * Accepted messages are queued for the test to look at.
 */
final class PolicySmtpServer implements AutoCloseable {

    /** A message the server accepted: the MAIL FROM and RCPT TO addresses (no angle brackets) and the content. */
    record Delivery(String sender, List<String> recipients, byte[] content) {
    }

    private final SMTPServer server;
    private final BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();

    private PolicySmtpServer(RelayPolicy policy, @Nullable UsernamePasswordValidator users) {
        SMTPServer.Builder builder = SMTPServer.port(0) // a free port
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName("mx.example.org")
                .softwareName("relay-policy test server")
                .messageHandlerFactory(context -> new PolicyMessageHandler(policy, context, deliveries::add));
        if (users != null) {
            builder.authenticationHandlerFactory(new EasyAuthenticationHandlerFactory(users));
        }
        server = builder.build();
        server.start();
    }

    /** Starts a server on a free loopback port that decides relay with {@code policy}. */
    static PolicySmtpServer start(RelayPolicy policy) {
        return new PolicySmtpServer(policy, null);
    }

    /** Starts a server that also offers SMTP AUTH (PLAIN, LOGIN) and checks logins with {@code users}. */
    static PolicySmtpServer startWithAuth(RelayPolicy policy, UsernamePasswordValidator users) {
        return new PolicySmtpServer(policy, users);
    }

    int port() {
        return server.getPortAllocated();
    }

    /** The next accepted message, or null if none arrives within {@code timeout}. */
    @Nullable Delivery nextDelivery(Duration timeout) throws InterruptedException {
        return deliveries.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        server.stop();
    }

    /**
     * One mail transaction: the part a mail server needs. SubEthaSMTP calls {@code from} for MAIL FROM and
     * {@code recipient} for each RCPT TO; a {@link RejectException} becomes the SMTP reply.
     */
    static final class PolicyMessageHandler implements MessageHandler {
        private final RelayPolicy policy;
        private final MessageContext context;
        private final Consumer<Delivery> deliver;
        private String sender = "";
        private final List<String> recipients = new ArrayList<>();

        PolicyMessageHandler(RelayPolicy policy, MessageContext context, Consumer<Delivery> deliver) {
            this.policy = policy;
            this.context = context;
            this.deliver = deliver;
        }

        @Override
        public void from(String from) {
            sender = from;
        }

        @Override
        public void recipient(String recipient) throws RejectException {
            // SubEthaSMTP hands over the addresses without angle brackets; the policy reads SMTP paths ("<>" is
            // the null sender, an empty string is not)
            Decision decision = policy.decide(RelayRequest.builder()
                    .client(((InetSocketAddress) context.getRemoteAddress()).getAddress())
                    .helo(context.getHelo().orElse(null))
                    .sender("<" + sender + ">")
                    .recipient("<" + recipient + ">")
                    .authenticatedUser(context.getAuthenticationHandler()
                            .map(auth -> String.valueOf(auth.getIdentity())).orElse(null))
                    .build());
            if (!decision.accepted()) {
                // 554 5.7.1 <user@victim.example>: Relay access denied (4xx when a DNS list could not be asked)
                SmtpReply reply = decision.reply();
                throw new RejectException(reply.code(), reply.enhancedStatus() + " " + reply.text());
            }
            recipients.add(recipient);
        }

        @Override
        public @Nullable String data(InputStream data) throws IOException {
            deliver.accept(new Delivery(sender, List.copyOf(recipients), data.readAllBytes()));
            return null; // "250 Ok"
        }

        @Override
        public void done() {
        }
    }
}

package io.github.relaypolicy.cli;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.eclipse.angus.mail.util.MailConnectException;
import org.jspecify.annotations.Nullable;

/**
 * Runs battery tests over SMTP against one server address with Angus Mail's {@link SMTPTransport}: a connection
 * (greeting, EHLO or HELO), then per test {@code MAIL FROM}, {@code RCPT TO} and {@code RSET}. Never DATA, never
 * STARTTLS, never AUTH. Every read, write and connect is bounded by the timeout. When the server drops the
 * connection, the test in progress cannot be completed and the next test connects again.
 *
 * <p>Not thread-safe: one probe runs one test at a time.
 */
final class SmtpProbe implements AutoCloseable {

    /** What the server did with one test. */
    enum Outcome {
        /** The server accepted the recipient (2xx to RCPT TO): it is an open relay. */
        RELAYED,
        /** The server refused the recipient (4xx or 5xx to RCPT TO). */
        REFUSED,
        /** The server refused the sender (4xx or 5xx to MAIL FROM), so the recipient was never offered. */
        REFUSED_AT_MAIL,
        /** The test could not be completed: the connection was lost or the server's reply made no sense. */
        COULD_NOT_TEST
    }

    /**
     * The outcome of one test.
     *
     * @param reply the server's reply that decided (to RCPT TO, or to MAIL FROM when refused there), or why the
     *     test could not be completed; as received, possibly several lines joined by LF, not yet escaped
     */
    record Result(RelayBattery.Test test, Outcome outcome, String reply) {
    }

    /** The server could not be talked to at all; the message says why, in one line. */
    static final class ProbeException extends Exception {
        private static final long serialVersionUID = 1L;

        ProbeException(String message) {
            super(message);
        }
    }

    private final String host;
    private final String display;
    private final int port;
    private final Duration timeout;
    private final Session session;
    private @Nullable ProbeTransport transport;
    private String greeting = "";
    private String hello = "";

    /**
     * A probe of {@code address}; nothing is sent before {@link #connect()}.
     *
     * @param helo the name sent in EHLO/HELO
     * @param timeout the limit of each connect, read and write
     */
    SmtpProbe(InetAddress address, int port, String helo, Duration timeout) {
        this.host = address.getHostAddress();
        // 127.0.0.1, or [2001:db8::1] rather than 2001:db8:0:0:0:0:0:1
        String literal = Text.addressLiteral(address);
        this.display = address instanceof Inet6Address ? literal.replace("IPv6:", "")
                : literal.substring(1, literal.length() - 1);
        this.port = port;
        this.timeout = timeout;
        Properties props = new Properties();
        String millis = Long.toString(timeout.toMillis());
        props.setProperty("mail.smtp.connectiontimeout", millis);
        props.setProperty("mail.smtp.timeout", millis);
        props.setProperty("mail.smtp.writetimeout", millis);
        props.setProperty("mail.smtp.localhost", helo);
        props.setProperty("mail.smtp.auth", "false");
        props.setProperty("mail.smtp.starttls.enable", "false");
        // a server that refuses us at the greeting gets no further command
        props.setProperty("mail.smtp.quitonsessionreject", "false");
        this.session = Session.getInstance(props);
    }

    /**
     * Opens a connection: reads the greeting and says EHLO (HELO if EHLO is refused).
     *
     * @throws ProbeException if the server cannot be reached, does not greet with 220 or refuses HELO
     */
    void connect() throws ProbeException {
        drop();
        ProbeTransport t = new ProbeTransport(session);
        try {
            t.connect(host, port, null, null);
        } catch (MessagingException e) {
            closeQuietly(t);
            throw new ProbeException(whyConnectFailed(t, e));
        }
        transport = t;
        greeting = t.greeting == null ? "" : t.greeting;
        hello = t.getLastServerResponse();
    }

    /** The server's greeting from the last connection, as received; empty before {@link #connect()}. */
    String greeting() {
        return greeting;
    }

    /**
     * The host name the server announced, from its greeting ({@code 220 mail.example.org ESMTP}) or else its reply
     * to EHLO ({@code 250-mail.example.org}), if it is a well-formed host name.
     */
    Optional<String> announcedName() {
        return firstName(greeting).or(() -> firstName(hello));
    }

    /** Runs one test on the current connection, connecting first if there is none. */
    Result run(RelayBattery.Test test) {
        if (transport == null) {
            try {
                connect();
            } catch (ProbeException e) {
                return new Result(test, Outcome.COULD_NOT_TEST, "reconnect failed: " + e.getMessage());
            }
        }
        ProbeTransport t = transport;
        try {
            int mail = t.simpleCommand("MAIL FROM:" + test.senderPath());
            String mailReply = t.getLastServerResponse();
            if (lost(mail)) {
                drop();
                return new Result(test, Outcome.COULD_NOT_TEST, "connection lost at MAIL FROM: " + mailReply);
            }
            if (mail >= 400 && mail < 600) {
                reset(t);
                return new Result(test, Outcome.REFUSED_AT_MAIL, mailReply);
            }
            if (mail < 200 || mail >= 300) {
                drop();
                return new Result(test, Outcome.COULD_NOT_TEST, "unexpected reply to MAIL FROM: " + mailReply);
            }
            int rcpt = t.simpleCommand("RCPT TO:" + test.recipientPath());
            String rcptReply = t.getLastServerResponse();
            Outcome outcome;
            if (rcpt >= 200 && rcpt < 300) {
                outcome = Outcome.RELAYED;
            } else if (lost(rcpt)) {
                drop();
                return new Result(test, Outcome.COULD_NOT_TEST, "connection lost at RCPT TO: " + rcptReply);
            } else if (rcpt >= 400 && rcpt < 600) {
                outcome = Outcome.REFUSED;
            } else {
                drop();
                return new Result(test, Outcome.COULD_NOT_TEST, "unexpected reply to RCPT TO: " + rcptReply);
            }
            reset(t);
            return new Result(test, outcome, rcptReply);
        } catch (MessagingException e) {
            drop();
            return new Result(test, Outcome.COULD_NOT_TEST, "connection lost: " + rootCause(e));
        }
    }

    /** Says QUIT and closes the connection, if one is open. */
    @Override
    public void close() {
        drop();
    }

    /** -1 is Angus Mail's code for end of stream or a garbled reply; 421 is the server closing the channel. */
    private static boolean lost(int code) {
        return code < 0 || code == 421;
    }

    /** Ends the transaction; a server that will not is dropped, and the next test reconnects. */
    private void reset(ProbeTransport t) {
        try {
            if (t.simpleCommand("RSET") == 250) {
                return;
            }
        } catch (MessagingException e) {
            // fall through: the connection is unusable
        }
        drop();
    }

    private void drop() {
        if (transport != null) {
            closeQuietly(transport);
            transport = null;
        }
    }

    private static void closeQuietly(ProbeTransport t) {
        try {
            t.close();
        } catch (MessagingException e) {
            // the connection is gone either way
        }
    }

    private String whyConnectFailed(ProbeTransport t, MessagingException e) {
        String where = display + " port " + port;
        if (t.greeting == null) {
            if (e instanceof MailConnectException) {
                return "cannot connect to " + where + ": " + rootCause(e);
            }
            return "no greeting from " + where + ": " + rootCause(e);
        }
        if ("[EOF]".equals(t.greeting)) {
            return where + " closed the connection without a greeting";
        }
        if (!t.greeting.startsWith("220")) {
            return where + " refused the session: " + Text.oneLine(t.greeting, 200);
        }
        return where + " refused EHLO and HELO: " + Text.oneLine(t.getLastServerResponse(), 200) + " ("
                + rootCause(e) + ")";
    }

    private String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (root instanceof SocketTimeoutException) {
            return String.format(Locale.ROOT, "timed out after %d s", timeout.toSeconds());
        }
        return message == null ? root.getClass().getSimpleName() : Text.oneLine(message, 200);
    }

    private static Optional<String> firstName(String reply) {
        // "220 name text", "220-name text", "250-name", "250 name Hello"
        if (reply.length() < 5 || (reply.charAt(3) != ' ' && reply.charAt(3) != '-')) {
            return Optional.empty();
        }
        String[] words = reply.substring(4).strip().split("\\s+", 2);
        String name = words[0];
        // a server's words are not trusted to build addresses unless they are a plain host name
        return Text.isDomain(name) ? Optional.of(name.toLowerCase(Locale.ROOT)) : Optional.empty();
    }

    /** Angus Mail's SMTP transport that keeps the first reply of the connection: the greeting. */
    private static final class ProbeTransport extends SMTPTransport {
        private @Nullable String greeting;

        ProbeTransport(Session session) {
            super(session, new URLName("smtp", null, -1, null, null, null));
        }

        @Override
        protected synchronized int readServerResponse() throws MessagingException {
            int code = super.readServerResponse();
            if (greeting == null) {
                greeting = getLastServerResponse();
            }
            return code;
        }
    }
}

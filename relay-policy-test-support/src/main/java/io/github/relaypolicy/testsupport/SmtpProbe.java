package io.github.relaypolicy.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A plain SMTP client for one {@link PostfixServer}: it asks what the server answers to {@code RCPT TO} for a given
 * client address, client name, HELO name, SASL login, sender and recipient. Each {@link #rcpt(Request)} sends
 * {@code XCLIENT ADDR=... NAME=... HELO=... PROTO=ESMTP [LOGIN=...]} (answered by a new {@code 220} greeting: the session is
 * now that client's, as if it had just connected and said {@code EHLO}), then {@code MAIL FROM}, {@code RCPT TO}
 * and {@code RSET} in one pipelined write. A server that hangs up (a {@code 421} or {@code 521} reply) is
 * reconnected to before the next request. Loopback only, every read bounded by a timeout. Not thread-safe: one
 * probe per thread.
 */
public final class SmtpProbe implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** A reply line longer than this is a broken server, not a reply (RFC 5321: 512 octets). */
    private static final int MAX_LINE = 4096;
    private static final int MAX_LINES = 100;

    private final InetSocketAddress address;
    private @Nullable Socket socket;
    private @Nullable InputStream in;
    private @Nullable OutputStream out;

    private SmtpProbe(InetSocketAddress address) {
        this.address = address;
    }

    /**
     * Connects to an SMTP server and reads its greeting.
     *
     * @param address where it listens (loopback)
     * @return the session; close it
     * @throws IOException if the connection fails or the server does not greet with {@code 220}
     */
    public static SmtpProbe connect(InetSocketAddress address) throws IOException {
        if (!address.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException(address + ": the probe talks to loopback only");
        }
        SmtpProbe probe = new SmtpProbe(address);
        probe.open();
        return probe;
    }

    private void open() throws IOException {
        Socket s = new Socket();
        try {
            s.connect(address, (int) TIMEOUT.toMillis());
            s.setSoTimeout((int) TIMEOUT.toMillis());
            s.setTcpNoDelay(true);
            in = new BufferedInputStream(s.getInputStream());
            out = s.getOutputStream();
            socket = s;
            Reply greeting = read("greeting");
            if (greeting.code() != 220) {
                throw new IOException("no greeting from " + address + ": " + greeting.text());
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            socket = null;
            throw e;
        }
    }

    /**
     * A request of a client with this address: no name, no HELO, no login, null sender, no recipient until set.
     *
     * @param clientAddress an IPv4 or IPv6 address as text, e.g. {@code 192.0.2.1} or {@code 2001:db8::1}
     * @return the request
     */
    public static Request request(String clientAddress) {
        return new Request(Objects.requireNonNull(clientAddress, "clientAddress"), null, null, "", "", null);
    }

    /**
     * What one client sends: its address and (verified) name as XCLIENT gives them to the server, its HELO name,
     * its SASL login, the MAIL FROM and the RCPT TO address. Immutable; the {@code with} methods return a copy.
     *
     * @param address the client's IP address as text
     * @param name the client's verified host name, or null for none (the server shows {@code unknown})
     * @param helo the HELO name, or null for none
     * @param sender the MAIL FROM address without angle brackets; empty for the null sender
     * @param recipient the RCPT TO address without angle brackets
     * @param login the SASL login the client authenticated with ({@code XCLIENT LOGIN=}; the server needs
     *     {@code smtpd_sasl_auth_enable = yes}), or null for a client that did not authenticate
     */
    public record Request(String address, @Nullable String name, @Nullable String helo, String sender,
            String recipient, @Nullable String login) {

        /**
         * The same request from another client address.
         *
         * @param address an IPv4 or IPv6 address as text
         * @return a copy
         */
        public Request address(String address) {
            return new Request(Objects.requireNonNull(address, "address"), name, helo, sender, recipient, login);
        }

        /**
         * The same request with this client name.
         *
         * @param name a host name, or null for none
         * @return a copy
         */
        public Request name(@Nullable String name) {
            return new Request(address, name, helo, sender, recipient, login);
        }

        /**
         * The same request with this HELO name.
         *
         * @param helo the name, or null for none
         * @return a copy
         */
        public Request helo(@Nullable String helo) {
            return new Request(address, name, helo, sender, recipient, login);
        }

        /**
         * The same request with this sender.
         *
         * @param sender without angle brackets; empty for the null sender
         * @return a copy
         */
        public Request sender(String sender) {
            return new Request(address, name, helo, Objects.requireNonNull(sender, "sender"), recipient, login);
        }

        /**
         * The same request with this recipient.
         *
         * @param recipient without angle brackets
         * @return a copy
         */
        public Request recipient(String recipient) {
            return new Request(address, name, helo, sender, Objects.requireNonNull(recipient, "recipient"), login);
        }

        /**
         * The same request from a client authenticated with this SASL login.
         *
         * @param login the login, or null for a client that did not authenticate
         * @return a copy
         */
        public Request login(@Nullable String login) {
            return new Request(address, name, helo, sender, recipient, login);
        }
    }

    /**
     * One reply of the server.
     *
     * @param command the command it answered ({@code XCLIENT}, {@code MAIL}, {@code RCPT}, ...)
     * @param lines its lines without CRLF, e.g. {@code ["554 5.7.1 <unknown[192.0.2.1]>: Client host rejected:
     *     Access denied"]}
     */
    public record Reply(String command, List<String> lines) {

        /**
         * A reply.
         *
         * @param command the command it answered
         * @param lines its lines, at least one
         */
        public Reply {
            Objects.requireNonNull(command, "command");
            lines = List.copyOf(lines);
            if (lines.isEmpty()) {
                throw new IllegalArgumentException("a reply has at least one line");
            }
        }

        /**
         * The reply code.
         *
         * @return e.g. 554; 0 if the first line does not start with three digits
         */
        public int code() {
            String first = lines.get(0);
            if (first.length() < 3) {
                return 0;
            }
            try {
                return Integer.parseInt(first.substring(0, 3));
            } catch (NumberFormatException e) {
                return 0;
            }
        }

        /**
         * The whole reply as one string: the lines joined by {@code "\n"}.
         *
         * @return e.g. {@code "554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied"}
         */
        public String text() {
            return String.join("\n", lines);
        }
    }

    /**
     * Sends one client's transaction and returns what the server answered to its recipient. If XCLIENT or MAIL
     * FROM is refused, that reply is returned instead (its {@link Reply#command()} says which).
     *
     * @param request the client and its envelope
     * @return the RCPT TO reply, or the earlier refusal
     * @throws IOException if the server does not answer within 10 seconds or closes the connection before the
     *     reply to RCPT TO
     */
    public Reply rcpt(Request request) throws IOException {
        if (socket == null) {
            open();
        }
        Reply xclient = command("XCLIENT", "XCLIENT ADDR=" + xtext(addr(request.address())) + " NAME="
                + (request.name() == null ? "[UNAVAILABLE]" : xtext(request.name())) + " HELO="
                + (request.helo() == null ? "[UNAVAILABLE]" : xtext(request.helo())) + " PROTO=ESMTP"
                // only when given: a server without SASL does not know the attribute
                + (request.login() == null ? "" : " LOGIN=" + xtext(request.login())));
        if (xclient.code() != 220) {
            return xclient;
        }
        boolean utf8 = !isAscii(request.sender()) || !isAscii(request.recipient());
        // one pipelined group (RFC 2920): MAIL, RCPT and RSET, then their three replies
        write("MAIL FROM:<" + request.sender() + ">" + (utf8 ? " SMTPUTF8" : "") + "\r\n"
                + "RCPT TO:<" + request.recipient() + ">\r\n"
                + "RSET\r\n");
        Reply mail = read("MAIL");
        Reply rcpt = read("RCPT");
        if (rcpt.code() == 421 || rcpt.code() == 521) {
            hangUp(); // the server closes the connection after these
            return rcpt;
        }
        try {
            read("RSET");
        } catch (EOFException e) {
            hangUp();
        }
        return mail.code() / 100 == 2 ? rcpt : mail;
    }

    /**
     * Sends one command line and reads its reply.
     *
     * @param command the command's name, for the reply
     * @param line the line without CRLF
     * @return the reply
     * @throws IOException if the server does not answer within 10 seconds or closes the connection
     */
    public Reply command(String command, String line) throws IOException {
        if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("one command line, without CR or LF: " + line);
        }
        if (socket == null) {
            open();
        }
        write(line + "\r\n");
        return read(command);
    }

    private void write(String text) throws IOException {
        OutputStream o = Objects.requireNonNull(out, "not connected");
        o.write(text.getBytes(StandardCharsets.UTF_8));
        o.flush();
    }

    private Reply read(String command) throws IOException {
        InputStream i = Objects.requireNonNull(in, "not connected");
        List<String> lines = new ArrayList<>();
        while (lines.size() < MAX_LINES) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int c = i.read(); c != '\n'; c = i.read()) {
                if (c < 0) {
                    hangUp();
                    throw new EOFException("connection closed by " + address + " while reading the reply to "
                            + command + (lines.isEmpty() ? "" : " after " + lines));
                }
                if (line.size() == MAX_LINE) {
                    throw new IOException("reply line longer than " + MAX_LINE + " bytes to " + command);
                }
                line.write(c);
            }
            String text = line.toString(StandardCharsets.UTF_8);
            if (text.endsWith("\r")) {
                text = text.substring(0, text.length() - 1);
            }
            lines.add(text);
            if (text.length() < 4 || text.charAt(3) != '-') {
                return new Reply(command, lines);
            }
        }
        throw new IOException("more than " + MAX_LINES + " reply lines to " + command);
    }

    /** XCLIENT's form of an address: IPv6 with its {@code IPV6:} tag. */
    private static String addr(String address) {
        return address.indexOf(':') >= 0 ? "IPV6:" + address : address;
    }

    /** RFC 3461 xtext, as XCLIENT takes its values: {@code +XX} for '+', '=', controls, space and non-ASCII. */
    static String xtext(String value) {
        StringBuilder b = new StringBuilder();
        for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c > ' ' && c < 127 && c != '+' && c != '=') {
                b.append((char) c);
            } else {
                b.append('+').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 128) {
                return false;
            }
        }
        return true;
    }

    private void hangUp() {
        Socket s = socket;
        socket = null;
        in = null;
        out = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing a connection the server already closed
            }
        }
    }

    /** Says QUIT (without waiting long for the answer) and closes the connection. */
    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.setSoTimeout(1000);
                write("QUIT\r\n");
                read("QUIT");
            } catch (IOException e) {
                // the connection goes anyway
            }
        }
        hangUp();
    }

    @Override
    public String toString() {
        return "SmtpProbe to " + address + (socket == null ? " (not connected)" : "");
    }
}

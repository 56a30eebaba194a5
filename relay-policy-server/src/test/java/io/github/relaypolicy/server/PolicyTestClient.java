package io.github.relaypolicy.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A blocking policy-protocol client for tests, one connection: what Postfix's {@code check_policy_service} does
 * (requests written, answers read one by one on a kept connection), what Exim's {@code readsocket} does (a request,
 * then the write side shut), and what broken or hostile clients do (garbage, a request left half written, a reset
 * instead of a close).
 *
 * <p>Every read waits at most the read timeout ({@link #readTimeout}, 10 s unless set), so no test hangs on a server
 * that does not answer. Not thread-safe, except that one thread may write while another reads.
 */
final class PolicyTestClient implements AutoCloseable {

    /** How a connection ended, as {@link #awaitClose} saw it. */
    enum Closed {
        /** The server closed its side: the client read end of stream. */
        EOF,
        /** The connection was reset (the server closed it with unread bytes in its receive buffer, or aborted it). */
        RESET
    }

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private PolicyTestClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * Connects to a policy server.
     *
     * @param address the server's address (loopback in tests)
     * @return the connected client, read timeout 10 s
     * @throws IOException if the connection cannot be made within 5 s
     */
    static PolicyTestClient connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(address, (int) CONNECT_TIMEOUT.toMillis());
            s.setSoTimeout(10_000);
            return new PolicyTestClient(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Sets how long each read may wait.
     *
     * @param timeout at least 1 ms
     * @return this client
     */
    PolicyTestClient readTimeout(Duration timeout) throws SocketException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        return this;
    }

    /**
     * Writes bytes (several requests at once are pipelined).
     *
     * @param bytes what to write
     * @return this client
     */
    PolicyTestClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /**
     * Writes text in UTF-8.
     *
     * @param text what to write, e.g. a request with its empty line
     * @return this client
     */
    PolicyTestClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads one answer: the bytes up to and including the first empty line ({@code action=...\n\n}).
     *
     * @return the answer's bytes
     * @throws EOFException if the server closed the connection before a whole answer; the message shows what came
     * @throws SocketTimeoutException if no whole answer came within the read timeout
     */
    byte[] readAnswerBytes() throws IOException {
        byte[] answer = readAnswerOrEnd();
        if (answer == null) {
            throw new EOFException("the server closed the connection instead of answering");
        }
        return answer;
    }

    /**
     * Reads one answer, or sees the connection end where an answer would start.
     *
     * @return the answer's bytes, or {@code null} if the server closed the connection (end of stream or reset)
     *     before sending a byte of it
     * @throws EOFException if the server closed the connection in the middle of an answer
     * @throws SocketTimeoutException if no whole answer came within the read timeout
     */
    byte @Nullable [] readAnswerOrEnd() throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream(128);
        int previous = -1;
        while (true) {
            int b;
            try {
                b = in.read();
            } catch (SocketException e) {
                if (answer.size() == 0 && String.valueOf(e.getMessage()).contains("reset")) {
                    return null;
                }
                throw e;
            }
            if (b < 0) {
                if (answer.size() == 0) {
                    return null;
                }
                throw new EOFException("the server closed the connection after " + answer.size()
                        + " bytes of an answer: '" + PolicyTraffic.show(answer.toByteArray()) + "'");
            }
            answer.write(b);
            if (b == '\n' && previous == '\n') {
                return answer.toByteArray();
            }
            previous = b;
        }
    }

    /**
     * Reads one answer as text.
     *
     * @return e.g. {@code action=DUNNO\n\n}
     * @throws EOFException if the server closed the connection before a whole answer
     * @throws SocketTimeoutException if no whole answer came within the read timeout
     */
    String readAnswer() throws IOException {
        return new String(readAnswerBytes(), StandardCharsets.UTF_8);
    }

    /**
     * How the server ended a connection.
     *
     * @param received the bytes that came before the end (empty when the server sent nothing more)
     * @param how end of stream or reset
     * @param millis how long it took from the call, in milliseconds
     */
    record Ending(byte[] received, Closed how, long millis) {

        /** The bytes received, as text. */
        String text() {
            return new String(received, StandardCharsets.UTF_8);
        }
    }

    /**
     * Reads until the server closes the connection, keeping what comes before (at most 64 KiB).
     *
     * @param within how long to wait at most
     * @return what came and how the connection ended
     * @throws AssertionError if the server did not close the connection in time
     */
    Ending readUntilClosed(Duration within) throws IOException {
        long start = System.nanoTime();
        long end = start + within.toNanos();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            while (true) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new SocketTimeoutException();
                }
                socket.setSoTimeout((int) left);
                int n = in.read(buffer);
                if (n < 0) {
                    return new Ending(received.toByteArray(), Closed.EOF, millisSince(start));
                }
                if (received.size() < 64 * 1024) {
                    received.write(buffer, 0, n);
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within " + within.toMillis()
                    + " ms; it sent '" + PolicyTraffic.show(received.toByteArray()) + "'", e);
        } catch (SocketException e) {
            if (String.valueOf(e.getMessage()).contains("reset")) {
                return new Ending(received.toByteArray(), Closed.RESET, millisSince(start));
            }
            throw e;
        }
    }

    /**
     * Waits for the server to close the connection and asserts that it sent nothing more.
     *
     * @param within how long to wait at most
     * @return how the connection ended
     * @throws AssertionError if the server sent bytes, or did not close it in time
     */
    Ending awaitClose(Duration within) throws IOException {
        Ending e = readUntilClosed(within);
        if (e.received().length > 0) {
            throw new AssertionError("expected the server to close the connection without an answer, but it sent '"
                    + PolicyTraffic.show(e.received()) + "'");
        }
        return e;
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Shuts the write side (Exim's {@code readsocket} after its request); answers can still be read. */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /**
     * Aborts the connection: SO_LINGER 0, then close, so the server gets a RST instead of a FIN, whatever it still
     * has to send.
     */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

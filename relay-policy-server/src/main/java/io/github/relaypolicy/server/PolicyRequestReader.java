package io.github.relaypolicy.server;

import io.github.relaypolicy.server.PolicyProtocolException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Reads Postfix policy requests from the bytes of one connection as they arrive, in chunks split anywhere: one
 * {@code name=value} line per attribute, an empty line ends the request ({@code SMTPD_POLICY_README}). One reader
 * per connection; not thread-safe.
 *
 * <p>Postfix writes each attribute as {@code name=value} and a LF (its {@code attr_print_plain}), never a CR; a
 * CR right before the LF is dropped too, so a client that writes CRLF (an Exim {@code readsocket} request written
 * with {@code \r\n}) is understood. Any other CR is part of the value. Values are decoded as UTF-8; a byte sequence
 * that is not UTF-8 becomes U+FFFD, which the engine then treats as malformed input (a refusal, not a broken
 * connection, so one odd HELO name does not make Postfix apply its {@code default_action}).
 *
 * <p>What breaks the protocol throws {@link PolicyProtocolException}, after which the reader is spent: a line
 * longer than {@value #MAX_LINE_BYTES} bytes (its line end not counted), more than {@value #MAX_ATTRIBUTES}
 * attribute lines in one request, a line without {@code =} or with nothing before it, a NUL byte, and a request
 * without {@code request=smtpd_access_policy}. Attributes relay-policy does not use are skipped without being
 * decoded; a repeated attribute keeps its last value. So a connection holds at most one line buffer of
 * {@value #MAX_LINE_BYTES} bytes and the values of the few attributes relay-policy uses, whatever a client sends.
 *
 * @since 0.1.0
 */
public final class PolicyRequestReader {

    /** The longest line accepted, in bytes, without its LF or CRLF. */
    public static final int MAX_LINE_BYTES = 8192;
    /** The most attribute lines accepted in one request, repeated ones included. */
    public static final int MAX_ATTRIBUTES = 1000;
    /** The only request type of the protocol. */
    static final String REQUEST_TYPE = "smtpd_access_policy";

    private static final byte[][] NAME_BYTES = new byte[PolicyRequest.NAMES.length][];

    static {
        for (int i = 0; i < NAME_BYTES.length; i++) {
            NAME_BYTES[i] = PolicyRequest.NAMES[i].getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** One more byte than a line may hold: room for the CR of a CRLF after a line of the greatest length. */
    private final byte[] line = new byte[MAX_LINE_BYTES + 1];
    private int length;
    private @Nullable String[] values = new String[PolicyRequest.NAMES.length];
    private int attributes;
    private boolean failed;

    /** Makes a reader for one connection. */
    public PolicyRequestReader() {
    }

    /**
     * Reads bytes until one request is complete, and returns it; the bytes after it stay in {@code in}. Call again
     * (until it returns {@code null}) for requests that follow in the same chunk.
     *
     * @param in the bytes received; its position is advanced past what was read
     * @return the request completed by these bytes, or {@code null} if {@code in} ended first (its bytes are kept
     *     for the next call)
     * @throws PolicyProtocolException if the bytes break the protocol; the connection must then be closed without
     *     an answer
     * @throws IllegalStateException if an earlier call threw {@link PolicyProtocolException}
     * @since 0.1.0
     */
    public @Nullable PolicyRequest next(ByteBuffer in) throws PolicyProtocolException {
        if (failed) {
            throw new IllegalStateException("the reader has met a protocol error; close the connection");
        }
        try {
            while (in.hasRemaining()) {
                int from = in.position();
                int to = in.limit();
                int lf = from;
                while (lf < to && in.get(lf) != '\n') {
                    lf++;
                }
                // the bytes before the LF (or all): copied at once when they fit, byte by byte at the bounds
                appendAll(in, from, lf);
                if (lf == to) {
                    in.position(to);
                    return null;
                }
                in.position(lf + 1);
                PolicyRequest request = endLine();
                if (request != null) {
                    return request;
                }
            }
            return null;
        } catch (PolicyProtocolException e) {
            failed = true;
            throw e;
        }
    }

    /**
     * Reads all of {@code in} and returns the requests it completes.
     *
     * @param in the bytes received; read to its end
     * @return the requests completed, in order; empty if none
     * @throws PolicyProtocolException if the bytes break the protocol (requests completed before the error are lost:
     *     use {@link #next(ByteBuffer)} to answer them first)
     * @throws IllegalStateException if an earlier call threw {@link PolicyProtocolException}
     * @since 0.1.0
     */
    public List<PolicyRequest> feed(ByteBuffer in) throws PolicyProtocolException {
        List<PolicyRequest> requests = List.of();
        PolicyRequest r;
        while ((r = next(in)) != null) {
            if (requests.isEmpty()) {
                requests = new ArrayList<>(2);
            }
            requests.add(r);
        }
        return requests;
    }

    /**
     * Whether part of a request has been read: the client closing its side now leaves a request unfinished, which
     * gets no answer.
     *
     * @return true if bytes of an unfinished request were read
     * @since 0.1.0
     */
    public boolean inRequest() {
        return length > 0 || attributes > 0;
    }

    /** Appends the bytes {@code in[from, to)}, none of them a LF, as {@link #append} one by one would. */
    private void appendAll(ByteBuffer in, int from, int to) throws PolicyProtocolException {
        int count = to - from;
        if (length + count > MAX_LINE_BYTES) {
            for (int i = from; i < to; i++) {
                append(in.get(i));
            }
            return;
        }
        in.get(from, line, length, count);
        for (int i = length; i < length + count; i++) {
            if (line[i] == 0) {
                length = i;
                append((byte) 0);
            }
        }
        length += count;
    }

    private void append(byte b) throws PolicyProtocolException {
        if (b == 0) {
            throw error(Reason.NUL_BYTE, String.format(Locale.ROOT,
                    "policy request line %d holds a NUL byte at byte %d", attributes + 1, length + 1));
        }
        // A CR may sit in the extra byte: it is dropped if a LF follows, and otherwise the next byte is one too many.
        if (length == line.length || (length == MAX_LINE_BYTES && b != '\r')) {
            throw error(Reason.LINE_TOO_LONG, String.format(Locale.ROOT,
                    "policy request line %d is longer than %d bytes: '%s'", attributes + 1, MAX_LINE_BYTES,
                    PolicyText.escape(new String(line, 0, PolicyText.ECHO_LIMIT + 1, StandardCharsets.UTF_8))));
        }
        line[length++] = b;
    }

    private @Nullable PolicyRequest endLine() throws PolicyProtocolException {
        int n = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        length = 0;
        if (n == 0) {
            return endRequest();
        }
        if (attributes == MAX_ATTRIBUTES) {
            throw error(Reason.TOO_MANY_ATTRIBUTES, String.format(Locale.ROOT,
                    "policy request has more than %d attributes", MAX_ATTRIBUTES));
        }
        attributes++;
        int eq = indexOfEquals(n);
        if (eq <= 0) {
            throw error(Reason.NOT_AN_ATTRIBUTE, String.format(Locale.ROOT,
                    "policy request line %d is not name=value: '%s'", attributes,
                    PolicyText.escape(new String(line, 0, Math.min(n, PolicyText.ECHO_LIMIT + 1),
                            StandardCharsets.UTF_8))));
        }
        int index = knownName(eq);
        if (index >= 0) {
            values[index] = new String(line, eq + 1, n - eq - 1, StandardCharsets.UTF_8);
        }
        return null;
    }

    private PolicyRequest endRequest() throws PolicyProtocolException {
        String type = values[PolicyRequest.REQUEST];
        if (!REQUEST_TYPE.equals(type)) {
            throw error(Reason.NOT_A_POLICY_REQUEST, type == null
                    ? "policy request without request=" + REQUEST_TYPE
                    : "policy request of type '" + PolicyText.escape(type) + "', not " + REQUEST_TYPE);
        }
        PolicyRequest request = new PolicyRequest(values);
        values = new String[PolicyRequest.NAMES.length];
        attributes = 0;
        return request;
    }

    private int indexOfEquals(int n) {
        for (int i = 0; i < n; i++) {
            if (line[i] == '=') {
                return i;
            }
        }
        return -1;
    }

    /** Compares the name's bytes with the kept names, so that an ignored attribute costs no String. */
    private int knownName(int nameLength) {
        for (int k = 0; k < NAME_BYTES.length; k++) {
            byte[] name = NAME_BYTES[k];
            if (name.length == nameLength && Arrays.equals(name, 0, nameLength, line, 0, nameLength)) {
                return k;
            }
        }
        return -1;
    }

    private static PolicyProtocolException error(Reason reason, String message) {
        return new PolicyProtocolException(reason, message);
    }
}

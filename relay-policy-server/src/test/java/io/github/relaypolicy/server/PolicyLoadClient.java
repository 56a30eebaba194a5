package io.github.relaypolicy.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A bounded load client for the policy protocol: one thread and one NIO selector keep {@code connections}
 * connections open at once and send {@code requests} requests through them in all, checking every answer byte for
 * byte against the one its {@link Source} says is owed.
 *
 * <p>Each connection slot runs sessions one after the other until its share of the requests is sent: a session
 * connects, sends a random number of requests in batches (one request, or two to five written before any answer is
 * read: pipelined) and reads each batch's answers before the next, then ends in one of three ways:
 * <ul>
 *   <li>the client closes (most sessions; what Postfix does when its connection has been idle or too old);</li>
 *   <li>the client shuts its write side after the last batch (Exim's {@code readsocket}): every answer must still
 *       come, then the server's end of stream;</li>
 *   <li>the client sends bytes that break the protocol ({@link Source#garbage}): the server must close the
 *       connection (end of stream or reset) without sending a byte.</li>
 * </ul>
 * All connections are opened before the first request is sent, so the server holds all of them at once; a hook runs
 * then (on this client's thread) to look at the server.
 *
 * <p>Bounded: the run stops at its deadline, and after 100 failures, and reports what was still under way. Each slot
 * draws from its own {@link Random} seeded from the run's seed and the slot's number, so a failure names the seed
 * and slot that reproduce its requests. Not reusable: one instance, one {@link #run}.
 */
final class PolicyLoadClient {

    /** What the client sends, and what it must get back. */
    interface Source {
        /**
         * A well-formed request and the answer owed to it.
         *
         * @param random the slot's random sequence
         * @return the request and its answer
         */
        Exchange next(Random random);

        /**
         * Bytes that break the protocol: the server must close the connection without an answer.
         *
         * @param random the slot's random sequence
         * @return the bytes
         */
        byte[] garbage(Random random);
    }

    /**
     * A request and the answer owed to it.
     *
     * @param request the request's bytes, ending with its empty line
     * @param answer the whole answer, {@code action=...} and the empty line
     */
    record Exchange(byte[] request, byte[] answer) {
    }

    /**
     * What a run did.
     *
     * @param finished whether every request was sent and every session ended before the deadline
     * @param sent requests written
     * @param answered answers read (matching or not)
     * @param mismatches answers that differed from the one owed
     * @param sessions connections made
     * @param peakConnections the most connections open at once (client side)
     * @param pipelinedBatches batches of more than one request written before reading
     * @param halfClosed sessions that shut their write side and then read every answer and the end of stream
     * @param garbageClosed sessions that sent garbage and saw the connection closed without an answer
     * @param failures how many things went wrong (mismatches included)
     * @param report the first failures, and at the end what was still under way if the run did not finish
     */
    record Result(boolean finished, long sent, long answered, long mismatches, long sessions, int peakConnections,
            long pipelinedBatches, long halfClosed, long garbageClosed, long failures, List<String> report) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "finished=%s sent=%,d answered=%,d mismatches=%,d sessions=%,d "
                    + "peakConnections=%d pipelinedBatches=%,d halfClosed=%,d garbageClosed=%,d failures=%,d%n  %s",
                    finished, sent, answered, mismatches, sessions, peakConnections, pipelinedBatches, halfClosed,
                    garbageClosed, failures, String.join("\n  ", report));
        }
    }

    private enum End { CLOSE, HALF_CLOSE, GARBAGE }

    private static final int MAX_REPORTED = 20;
    private static final int MAX_FAILURES = 100;

    private final InetSocketAddress address;
    private final int connections;
    private final int requests;
    private final long seed;
    private final Source source;
    private final int meanSession;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private final List<String> report = new ArrayList<>();
    private Selector selector;
    private boolean running;
    private int open;
    private int slotsDone;
    private long sent;
    private long answered;
    private long mismatches;
    private long sessions;
    private int peak;
    private long pipelined;
    private long halfClosed;
    private long garbageClosed;
    private long failures;

    /**
     * @param address the server
     * @param connections how many connections to keep open at once
     * @param requests how many requests to send in all (shared out evenly among the connection slots)
     * @param meanSession the mean number of requests per connection
     * @param seed the seed of the slots' random sequences
     * @param source the requests and their answers
     */
    PolicyLoadClient(InetSocketAddress address, int connections, int requests, int meanSession, long seed,
            Source source) {
        if (connections < 1 || requests < connections || meanSession < 1) {
            throw new IllegalArgumentException("need 1 <= connections <= requests and meanSession >= 1");
        }
        this.address = address;
        this.connections = connections;
        this.requests = requests;
        this.meanSession = meanSession;
        this.seed = seed;
        this.source = source;
    }

    /**
     * Runs the load.
     *
     * @param deadline how long the whole run may take, connecting included
     * @param allConnected runs once every connection is open, before the first request; may block briefly
     * @return what happened; {@link Result#finished()} false if the deadline passed or too much failed
     */
    Result run(Duration deadline, Runnable allConnected) throws IOException {
        long end = System.nanoTime() + deadline.toNanos();
        selector = Selector.open();
        try {
            List<Conn> first = new ArrayList<>(connections);
            for (int i = 0; i < connections; i++) {
                int share = requests / connections + (i < requests % connections ? 1 : 0);
                first.add(open(new Slot(i, share, new Random(seed * 1_000_003L + i))));
            }
            while (open < connections && failures == 0 && System.nanoTime() < end) {
                poll(end);
            }
            if (open < connections || failures > 0) {
                fail("only " + open + " of " + connections + " connections opened");
                return result(false, end);
            }
            allConnected.run();
            running = true;
            for (Conn c : first) {
                c.nextBatch();
            }
            while (slotsDone < connections && failures < MAX_FAILURES && System.nanoTime() < end) {
                poll(end);
            }
            return result(slotsDone == connections && failures == 0, end);
        } finally {
            // the channels first: closing a selector leaves its channels open
            for (SelectionKey k : selector.keys()) {
                k.channel().close();
            }
            selector.close();
        }
    }

    private void poll(long end) throws IOException {
        long waitMs = Math.max(1, Math.min(100, (end - System.nanoTime()) / 1_000_000));
        selector.select(key -> ((Conn) key.attachment()).ready(key), waitMs);
    }

    private Result result(boolean finished, long end) {
        List<String> lines = new ArrayList<>(report);
        if (!finished) {
            int waitingAnswers = 0;
            int waitingClose = 0;
            int writing = 0;
            for (SelectionKey k : selector.keys()) {
                Conn c = (Conn) k.attachment();
                if (c.out != null) {
                    writing++;
                } else if (!c.awaiting.isEmpty()) {
                    waitingAnswers++;
                } else if (c.expectClose) {
                    waitingClose++;
                }
            }
            lines.add(String.format(Locale.ROOT, "%s: %d connections open, %d writing, %d waiting for answers, %d "
                    + "waiting for the server to close; %d of %d slots done; seed %d",
                    System.nanoTime() >= end ? "deadline passed" : "stopped", open, writing, waitingAnswers,
                    waitingClose, slotsDone, connections, seed));
        }
        return new Result(finished, sent, answered, mismatches, sessions, peak, pipelined, halfClosed, garbageClosed,
                failures, lines);
    }

    private void fail(String message) {
        failures++;
        if (report.size() < MAX_REPORTED) {
            report.add(message);
        }
    }

    private Conn open(Slot slot) throws IOException {
        Random r = slot.random;
        int length = Math.min(slot.remaining, 1 + r.nextInt(2 * meanSession - 1));
        slot.remaining -= length;
        int e = r.nextInt(100);
        End how = e < 80 ? End.CLOSE : e < 92 ? End.HALF_CLOSE : End.GARBAGE;
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        Conn c = new Conn(slot, ch, length, how);
        sessions++;
        if (ch.connect(address)) {
            c.key = ch.register(selector, 0, c);
            c.connected();
        } else {
            c.key = ch.register(selector, SelectionKey.OP_CONNECT, c);
        }
        return c;
    }

    /** One connection slot: its share of the requests and its random sequence. */
    private static final class Slot {
        final int number;
        final Random random;
        int remaining;

        Slot(int number, int remaining, Random random) {
            this.number = number;
            this.remaining = remaining;
            this.random = random;
        }
    }

    /** One session: a connection, its requests, how it ends. */
    private final class Conn {
        final Slot slot;
        final SocketChannel channel;
        final End end;
        final ArrayDeque<Exchange> awaiting = new ArrayDeque<>();
        SelectionKey key;
        int left;
        ByteBuffer out;
        boolean shutAfterWrite;
        boolean garbageSent;
        boolean expectClose;
        byte[] answer = new byte[256];
        int answerLength;
        boolean connected;
        boolean closed;

        Conn(Slot slot, SocketChannel channel, int left, End end) {
            this.slot = slot;
            this.channel = channel;
            this.left = left;
            this.end = end;
        }

        String name() {
            return "slot " + slot.number + " (seed " + seed + ") session " + end + " on "
                    + (channel.socket().getLocalPort());
        }

        void ready(SelectionKey k) {
            try {
                if (k.isConnectable()) {
                    if (channel.finishConnect()) {
                        connected();
                    }
                    return;
                }
                if (k.isWritable()) {
                    write();
                }
                if (!closed && k.isReadable()) {
                    read();
                }
            } catch (IOException e) {
                ioFailure(e);
            }
        }

        void connected() throws IOException {
            connected = true;
            open++;
            peak = Math.max(peak, open);
            key.interestOps(SelectionKey.OP_READ);
            if (running) {
                nextBatch();
            }
        }

        void nextBatch() throws IOException {
            if (left == 0) {
                if (end == End.CLOSE) {
                    sessionOver();
                } else if (end == End.GARBAGE) {
                    garbageSent = true;
                    expectClose = true;
                    out = ByteBuffer.wrap(source.garbage(slot.random));
                    write();
                }
                // HALF_CLOSE: the write side is shut; the server's end of stream comes next
                return;
            }
            int r = slot.random.nextInt(10);
            int n = Math.min(left, r < 6 ? 1 : r < 9 ? 2 : 3 + slot.random.nextInt(3));
            if (n > 1) {
                pipelined++;
            }
            List<byte[]> parts = new ArrayList<>(n);
            int size = 0;
            for (int i = 0; i < n; i++) {
                Exchange x = source.next(slot.random);
                awaiting.add(x);
                parts.add(x.request());
                size += x.request().length;
            }
            ByteBuffer b = ByteBuffer.allocate(size);
            parts.forEach(b::put);
            out = b.flip();
            left -= n;
            sent += n;
            if (left == 0 && end == End.HALF_CLOSE) {
                shutAfterWrite = true;
                expectClose = true;
            }
            write();
        }

        void write() throws IOException {
            if (out == null) {
                key.interestOps(SelectionKey.OP_READ);
                return;
            }
            try {
                channel.write(out);
            } catch (IOException e) {
                if (garbageSent) {
                    // the server closed on the first bad bytes while the rest was still being written
                    garbageClosed++;
                    sessionOver();
                    return;
                }
                throw e;
            }
            if (out.hasRemaining()) {
                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                return;
            }
            out = null;
            key.interestOps(SelectionKey.OP_READ);
            if (shutAfterWrite) {
                channel.shutdownOutput();
            }
        }

        void read() throws IOException {
            while (!closed) {
                readBuffer.clear();
                int n;
                try {
                    n = channel.read(readBuffer);
                } catch (IOException e) {
                    if (garbageSent && answerLength == 0) {
                        garbageClosed++; // reset: the server closed with our garbage unread
                        sessionOver();
                        return;
                    }
                    throw e;
                }
                if (n == 0) {
                    return;
                }
                if (n < 0) {
                    endOfStream();
                    return;
                }
                readBuffer.flip();
                while (readBuffer.hasRemaining() && !closed) {
                    byte b = readBuffer.get();
                    if (answerLength == answer.length) {
                        answer = Arrays.copyOf(answer, answer.length * 2);
                    }
                    answer[answerLength++] = b;
                    if (b == '\n' && answerLength >= 2 && answer[answerLength - 2] == '\n') {
                        answered();
                    }
                }
            }
        }

        void answered() throws IOException {
            byte[] got = Arrays.copyOf(answer, answerLength);
            answerLength = 0;
            Exchange x = awaiting.poll();
            if (garbageSent || x == null) {
                fail(name() + ": an answer nobody asked for"
                        + (garbageSent ? " (after a protocol error)" : "") + ": '" + PolicyTraffic.show(got) + "'");
                sessionOver();
                return;
            }
            answered++;
            if (!Arrays.equals(got, x.answer())) {
                mismatches++;
                fail(name() + ": answer '" + PolicyTraffic.show(got) + "', expected '" + PolicyTraffic.show(x.answer())
                        + "', to request '" + PolicyTraffic.show(x.request()) + "'");
            }
            if (awaiting.isEmpty() && out == null && !expectClose) {
                nextBatch();
            }
        }

        void endOfStream() throws IOException {
            if (answerLength > 0) {
                fail(name() + ": the server closed the connection in the middle of an answer: '"
                        + PolicyTraffic.show(Arrays.copyOf(answer, answerLength)) + "'");
            } else if (!awaiting.isEmpty()) {
                fail(name() + ": the server closed the connection with " + awaiting.size() + " requests unanswered");
            } else if (!expectClose) {
                fail(name() + ": the server closed the connection unasked");
            } else if (garbageSent) {
                garbageClosed++;
            } else {
                halfClosed++;
            }
            sessionOver();
        }

        void ioFailure(IOException e) {
            fail(name() + ": " + e);
            try {
                sessionOver();
            } catch (IOException again) {
                fail(name() + ": " + again);
            }
        }

        /** Closes this session's connection and starts the slot's next session, if it has requests left. */
        void sessionOver() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            if (connected) {
                open--;
            }
            key.cancel();
            channel.close();
            if (slot.remaining > 0) {
                open(slot);
            } else {
                slotsDone++;
            }
        }
    }
}

package io.github.relaypolicy.server;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.RelayEngine;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One client connection of a {@link PolicyServer}: reads requests, has them decided, writes the answers in request
 * order. Everything but the completion of a decision runs on the connection's event loop; a decision completing
 * elsewhere hands its answer back to the event loop, so the queue needs no lock.
 */
final class PolicyConnection extends ChannelInboundHandlerAdapter {

    /** Answered when the policy fails to decide (it should never): a deferral, never an acceptance. */
    static final byte[] FAILURE = "action=451 4.3.5 Policy service error; try again later\n\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DUNNO = PolicyAnswers.dunno();
    private static final long REFUSAL_LOG_INTERVAL = TimeUnit.MINUTES.toNanos(1);

    private final ServerConfig config;
    private final ChannelGroup connections;
    private final AtomicInteger open;
    private final AtomicLong lastRefusalLog;
    private final AtomicBoolean stopping;
    private final PolicyRequestReader reader = new PolicyRequestReader();
    /** The requests read and not yet answered, oldest first; an entry's answer is null until decided. */
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    /**
     * Bytes read but not yet given to the reader because {@link PolicyServer#MAX_OUTSTANDING} requests were
     * unanswered (reading is paused meanwhile, so this is at most about one read); null when none.
     */
    private @Nullable ByteBuffer held;
    private @Nullable ChannelHandlerContext ctx;
    private boolean counted;
    private boolean reading;
    private boolean paused;
    private boolean inputClosed;
    private boolean closing;
    private boolean finished;
    /** When the request being read began to arrive ({@code System.nanoTime()}, never 0), or 0. */
    private long partialSince;

    PolicyConnection(ServerConfig config, ChannelGroup connections, AtomicInteger open, AtomicLong lastRefusalLog,
            AtomicBoolean stopping) {
        this.config = config;
        this.connections = connections;
        this.open = open;
        this.lastRefusalLog = lastRefusalLog;
        this.stopping = stopping;
    }

    /** The client's address for logs: {@code 127.0.0.1:4711}. */
    private static String client(ChannelHandlerContext ctx) {
        return PolicyServer.describe(ctx.channel().remoteAddress());
    }

    private static final class Pending {
        byte @Nullable [] answer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (open.incrementAndGet() > config.maxConnections()) {
            open.decrementAndGet();
            finished = true;
            config.metrics().connectionRefused();
            long now = System.nanoTime();
            long last = lastRefusalLog.get();
            if (now - last >= REFUSAL_LOG_INTERVAL && lastRefusalLog.compareAndSet(last, now)) {
                config.log().log(Level.WARNING, String.format(Locale.ROOT,
                        "policy client %s closed at once: %d connections are open, the most allowed (more refusals"
                                + " within a minute are not logged)",
                        client(ctx), config.maxConnections()));
            }
            ctx.close();
            return;
        }
        counted = true;
        connections.add(ctx.channel());
        config.metrics().connectionOpened();
        if (stopping.get()) {
            // accepted just before the server stopped listening, active only after close() looked at the
            // connections (it sets the flag first, so one of the two sees the other): not served
            closeWhenAnswered();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finished = true;
        queue.clear();
        held = null;
        if (counted) {
            counted = false;
            open.decrementAndGet();
            config.metrics().connectionClosed();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            if (finished) {
                return;
            }
            ByteBuffer in = buf.nioBufferCount() == 1 ? buf.nioBuffer() : ByteBuffer.wrap(ByteBufUtil.getBytes(buf));
            ByteBuffer before = held;
            boolean owned = before != null;
            if (before != null) {
                // a read already under way when reading paused: its bytes go behind those held
                in = ByteBuffer.allocate(before.remaining() + in.remaining()).put(before).put(in).flip();
                held = null;
            }
            if (take(ctx, in, owned)) {
                drain(ctx);
                slowRequest(ctx);
            }
        } finally {
            buf.release();
        }
    }

    /**
     * Closes the connection of a client whose request has been arriving for longer than the idle timeout: one that
     * trickles a byte now and then would never be idle, and would keep its connection (and place) forever.
     */
    private void slowRequest(ChannelHandlerContext ctx) {
        if (finished || held != null || !reader.inRequest()) {
            partialSince = 0;
            return;
        }
        long now = System.nanoTime();
        if (partialSince == 0) {
            partialSince = now | 1;
        } else if (now - partialSince > config.idleTimeout().toNanos()) {
            finished = true;
            config.log().log(Level.WARNING, String.format(Locale.ROOT, "policy client %s: a request still"
                    + " incomplete after %d ms (the idle timeout); connection closed",
                    client(ctx), config.idleTimeout().toMillis()));
            ctx.close();
        }
    }

    /**
     * Gives the reader bytes until {@link PolicyServer#MAX_OUTSTANDING} requests are unanswered; what is left is
     * copied into {@link #held}, for {@link #drain} to go on with once answers free places. The bound holds per
     * request, not per read: one read of short requests can hold hundreds.
     *
     * @param owned whether {@code in} is this connection's own (else its rest is copied: Netty reuses the buffer)
     * @return false after a protocol error (the connection is closing)
     */
    private boolean take(ChannelHandlerContext ctx, ByteBuffer in, boolean owned) {
        reading = true;
        try {
            PolicyRequest request;
            while (!finished && queue.size() < PolicyServer.MAX_OUTSTANDING && (request = reader.next(in)) != null) {
                partialSince = 0;
                handle(ctx, request);
            }
        } catch (PolicyProtocolException e) {
            protocolError(ctx, e);
            return false;
        } finally {
            reading = false;
        }
        if (!finished && in.hasRemaining()) {
            if (owned) {
                held = in;
            } else {
                byte[] rest = new byte[in.remaining()];
                in.get(rest);
                held = ByteBuffer.wrap(rest);
            }
        }
        return !finished;
    }

    private void handle(ChannelHandlerContext ctx, PolicyRequest request) {
        config.metrics().request(request.protocolState());
        Pending pending = new Pending();
        queue.add(pending);
        if (!request.isDecided()) {
            if (request.protocolState() == PolicyRequest.ProtocolState.END_OF_MESSAGE) {
                endTransaction(request);
            }
            pending.answer = DUNNO;
            return;
        }
        RelayRequest relayRequest = request.toRelayRequest();
        long start = System.nanoTime();
        @Nullable CompletionStage<Decision> decision;
        try {
            decision = config.policy().decideAsync(relayRequest);
        } catch (RuntimeException e) {
            failed(ctx, request, e);
            pending.answer = FAILURE;
            return;
        }
        if (decision == null) {
            // a broken policy: deferred and logged like one that throws, not a closed connection
            failed(ctx, request, new IllegalStateException("the policy returned no decision stage"));
            pending.answer = FAILURE;
            return;
        }
        decision.whenComplete((d, e) -> {
            byte[] answer = FAILURE;
            try {
                answer = answer(ctx, request, d, e, start);
            } finally {
                // whatever went wrong above, the request is answered: an entry never answered would hold every
                // later answer of the connection, and keep it from ever being idle
                byte[] a = answer;
                if (ctx.executor().inEventLoop()) {
                    answered(ctx, pending, a);
                } else {
                    ctx.executor().execute(() -> answered(ctx, pending, a));
                }
            }
        });
    }

    /** The answer to a decided request; a decision that cannot be rendered is a failure. */
    private byte[] answer(ChannelHandlerContext ctx, PolicyRequest request, @Nullable Decision d,
            @Nullable Throwable e, long start) {
        if (d == null) {
            failed(ctx, request, e);
            return FAILURE;
        }
        config.metrics().decision(d, System.nanoTime() - start); // SafeMetrics: never throws
        try {
            return config.answers().shared(d);
        } catch (RuntimeException r) {
            failed(ctx, request, r);
            return FAILURE;
        }
    }

    private void endTransaction(PolicyRequest request) {
        String instance = request.attribute("instance");
        if (instance != null && !instance.isEmpty() && config.policy() instanceof RelayEngine engine) {
            engine.endTransaction(instance);
        }
    }

    private void failed(ChannelHandlerContext ctx, PolicyRequest request, @Nullable Throwable e) {
        config.log().log(Level.ERROR, String.format(Locale.ROOT, "policy client %s: deciding %s failed; answered %s",
                client(ctx), request,
                new String(FAILURE, StandardCharsets.US_ASCII).strip()), e);
    }

    private void answered(ChannelHandlerContext ctx, Pending pending, byte[] answer) {
        pending.answer = answer;
        if (!reading) {
            drain(ctx);
        }
    }

    /** Writes the answers ready at the head of the queue, then decides whether to read on, pause or close. */
    private void drain(ChannelHandlerContext ctx) {
        if (finished) {
            return;
        }
        boolean wrote = false;
        while (true) {
            Pending head;
            while ((head = queue.peek()) != null && head.answer != null) {
                queue.poll();
                ctx.write(Unpooled.wrappedBuffer(head.answer));
                wrote = true;
            }
            ByteBuffer rest = held;
            if (rest == null || reading || queue.size() >= PolicyServer.MAX_OUTSTANDING) {
                break;
            }
            if (wrote) {
                ctx.flush(); // the answers ready go out before the bytes held are read (they may break the protocol)
                wrote = false;
            }
            held = null;
            if (!take(ctx, rest, true)) {
                return;
            }
        }
        if (queue.isEmpty() && held == null && (inputClosed || closing)) {
            finished = true;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (wrote) {
            ctx.flush();
        }
        boolean full = queue.size() >= PolicyServer.MAX_OUTSTANDING || held != null || !ctx.channel().isWritable();
        if (full && !paused) {
            paused = true;
            ctx.channel().config().setAutoRead(false);
        } else if (!full && paused && !closing && !inputClosed) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        drain(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            // Exim's readsocket (and any client) closing its side: answer what came complete, then close
            inputClosed = true;
            if (held == null && reader.inRequest() && !finished) {
                // Postfix never does this; an Exim readsocket string without its final empty line does
                config.log().log(Level.WARNING, "policy client "
                        + client(ctx)
                        + " closed its side in the middle of a request (no empty line after it?); that request gets"
                        + " no answer");
            }
            drain(ctx);
        } else if (event instanceof IdleStateEvent) {
            // a decision in flight is bounded by the engine's own deadline; only a quiet connection is closed,
            // also a finished one whose last answers the client never takes (its close waits for that write)
            if (queue.isEmpty() && ctx.channel().isOpen()) {
                finished = true;
                config.log().log(Level.DEBUG, () -> "policy client "
                        + client(ctx) + " idle for "
                        + config.idleTimeout().toSeconds() + " s; connection closed");
                ctx.close();
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            config.log().log(Level.DEBUG, () -> "policy client " + client(ctx)
                    + ": " + cause.getMessage() + "; connection closed");
        } else {
            config.log().log(Level.WARNING, "policy client " + client(ctx)
                    + ": unexpected error; connection closed", cause);
        }
        finished = true;
        ctx.close();
    }

    private void protocolError(ChannelHandlerContext ctx, PolicyProtocolException e) {
        finished = true;
        queue.clear();
        config.metrics().protocolError(e.reason());
        config.log().log(Level.WARNING, String.format(Locale.ROOT, "policy client %s: %s; connection closed without"
                + " an answer", client(ctx), e.getMessage()));
        ctx.close();
    }

    /** {@link PolicyServer#close()}: read no more, answer what was read, then close. On the event loop. */
    void closeWhenAnswered() {
        ChannelHandlerContext c = ctx;
        if (c == null || finished) {
            return;
        }
        closing = true;
        c.channel().config().setAutoRead(false);
        drain(c);
    }
}

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
    private final PolicyRequestReader reader = new PolicyRequestReader();
    /** The requests read and not yet answered, oldest first; an entry's answer is null until decided. */
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private @Nullable ChannelHandlerContext ctx;
    private boolean counted;
    private boolean reading;
    private boolean paused;
    private boolean inputClosed;
    private boolean closing;
    private boolean finished;

    PolicyConnection(ServerConfig config, ChannelGroup connections, AtomicInteger open, AtomicLong lastRefusalLog) {
        this.config = config;
        this.connections = connections;
        this.open = open;
        this.lastRefusalLog = lastRefusalLog;
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
                        PolicyServer.describe(ctx.channel().remoteAddress()), config.maxConnections()));
            }
            ctx.close();
            return;
        }
        counted = true;
        connections.add(ctx.channel());
        config.metrics().connectionOpened();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finished = true;
        queue.clear();
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
            reading = true;
            try {
                PolicyRequest request;
                while (!finished && (request = reader.next(in)) != null) {
                    handle(ctx, request);
                }
            } catch (PolicyProtocolException e) {
                protocolError(ctx, e);
                return;
            } finally {
                reading = false;
            }
            drain(ctx);
        } finally {
            buf.release();
        }
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
        CompletionStage<Decision> decision;
        try {
            decision = config.policy().decideAsync(relayRequest);
        } catch (RuntimeException e) {
            failed(ctx, request, e);
            pending.answer = FAILURE;
            return;
        }
        decision.whenComplete((d, e) -> {
            byte[] answer;
            if (d != null) {
                config.metrics().decision(d, System.nanoTime() - start);
                answer = config.answers().answer(d);
            } else {
                failed(ctx, request, e);
                answer = FAILURE;
            }
            if (ctx.executor().inEventLoop()) {
                answered(ctx, pending, answer);
            } else {
                ctx.executor().execute(() -> answered(ctx, pending, answer));
            }
        });
    }

    private void endTransaction(PolicyRequest request) {
        String instance = request.attribute("instance");
        if (instance != null && !instance.isEmpty() && config.policy() instanceof RelayEngine engine) {
            engine.endTransaction(instance);
        }
    }

    private void failed(ChannelHandlerContext ctx, PolicyRequest request, @Nullable Throwable e) {
        config.log().log(Level.ERROR, String.format(Locale.ROOT, "policy client %s: deciding %s failed; answered %s",
                PolicyServer.describe(ctx.channel().remoteAddress()), request,
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
        Pending head;
        while ((head = queue.peek()) != null && head.answer != null) {
            queue.poll();
            ctx.write(Unpooled.wrappedBuffer(head.answer));
            wrote = true;
        }
        if (queue.isEmpty() && (inputClosed || closing)) {
            finished = true;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (wrote) {
            ctx.flush();
        }
        boolean full = queue.size() >= PolicyServer.MAX_OUTSTANDING || !ctx.channel().isWritable();
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
            if (reader.inRequest() && !finished) {
                config.log().log(Level.DEBUG, () -> "policy client "
                        + PolicyServer.describe(ctx.channel().remoteAddress())
                        + " closed its side in the middle of a request; that request gets no answer");
            }
            drain(ctx);
        } else if (event instanceof IdleStateEvent) {
            // a decision in flight is bounded by the engine's own deadline; only a quiet connection is closed
            if (queue.isEmpty() && !finished) {
                finished = true;
                config.log().log(Level.DEBUG, () -> "policy client "
                        + PolicyServer.describe(ctx.channel().remoteAddress()) + " idle for "
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
            config.log().log(Level.DEBUG, () -> "policy client " + PolicyServer.describe(ctx.channel().remoteAddress())
                    + ": " + cause.getMessage() + "; connection closed");
        } else {
            config.log().log(Level.WARNING, "policy client " + PolicyServer.describe(ctx.channel().remoteAddress())
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
                + " an answer", PolicyServer.describe(ctx.channel().remoteAddress()), e.getMessage()));
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

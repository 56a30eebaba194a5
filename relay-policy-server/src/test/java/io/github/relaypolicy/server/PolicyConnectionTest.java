package io.github.relaypolicy.server;

import static io.github.relaypolicy.server.PolicyServerTest.engine;
import static io.github.relaypolicy.server.PolicyServerTest.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** One {@link PolicyConnection} on an embedded channel: the states a real socket reaches only by chance. */
final class PolicyConnectionTest {

    private final AtomicInteger open = new AtomicInteger();
    private final RecordingLogger log = new RecordingLogger();

    private PolicyConnection connection() {
        ServerConfig config = new ServerConfig(engine(), PolicyAnswers.of(PolicyAnswers.AcceptAction.DUNNO),
                Duration.ofSeconds(600), Duration.ofSeconds(10), 10, ServerMetrics.NONE, log);
        return new PolicyConnection(config, new DefaultChannelGroup(GlobalEventExecutor.INSTANCE), open,
                new AtomicLong(), new AtomicBoolean());
    }

    /** A client that never reads: the answers are never written, their writes never complete. */
    private static final class NeverWritten extends ChannelOutboundHandlerAdapter {
        int writes;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            writes++;
            ReferenceCountUtil.release(msg);
        }
    }

    @Test
    void a_half_closed_client_that_never_reads_its_answers_is_closed_by_the_idle_timeout() {
        NeverWritten stuck = new NeverWritten();
        EmbeddedChannel channel = new EmbeddedChannel(stuck, connection());
        assertThat(open.get()).isEqualTo(1);
        channel.writeInbound(Unpooled.wrappedBuffer(request("RCPT", "203.0.113.9", "x@victim.example", "1")
                .getBytes(StandardCharsets.UTF_8)));
        channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        channel.runPendingTasks();
        assertThat(stuck.writes).as("the answer, then the empty write whose completion closes").isEqualTo(2);
        assertThat(channel.isOpen()).as("waiting for the client to take its answer").isTrue();

        channel.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        channel.runPendingTasks();

        assertThat(channel.isOpen()).as("idle: nothing was written for the idle timeout").isFalse();
        assertThat(open.get()).isZero();
    }
}

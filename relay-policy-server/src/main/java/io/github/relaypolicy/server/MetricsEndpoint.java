package io.github.relaypolicy.server;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Serves a Prometheus registry over HTTP: {@code GET /metrics} (and {@code HEAD}) answers the registry's scrape in
 * the Prometheus text format 0.0.4; any other path is {@code 404}, any other method {@code 405}. Requests are
 * bounded (a request line of 4 KiB, headers of 8 KiB, a body of 8 KiB: more is {@code 414}, {@code 431} or
 * {@code 413}, and the connection is closed), connections may be kept alive and are closed after 60 seconds without a request. One
 * thread of its own, so that a scrape never delays a decision.
 *
 * <pre>{@code
 * try (MetricsEndpoint endpoint = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 9464), registry)) {
 *     ... // curl http://127.0.0.1:9464/metrics
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class MetricsEndpoint implements AutoCloseable {

    /** The content type of the Prometheus text format that {@link PrometheusMeterRegistry#scrape()} writes. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** The path the metrics are served on. */
    public static final String PATH = "/metrics";

    private static final int MAX_INITIAL_LINE = 4096;
    private static final int MAX_HEADERS = 8192;
    private static final int MAX_BODY = 8192;
    private static final int IDLE_SECONDS = 60;

    private final EventLoopGroup group;
    private final Channel server;
    private final InetSocketAddress address;

    private MetricsEndpoint(EventLoopGroup group, Channel server) {
        this.group = group;
        this.server = server;
        this.address = (InetSocketAddress) server.localAddress();
    }

    /**
     * Listens on {@code address} and serves {@code registry} on {@code /metrics}.
     *
     * @param address where to listen; port 0 for any free port ({@link #address()} tells which)
     * @param registry the registry to serve
     * @return the endpoint, listening
     * @throws BindException naming {@code address} if it cannot listen there (in use, not a local address)
     * @throws NullPointerException if an argument is null
     * @since 0.1.0
     */
    public static MetricsEndpoint start(InetSocketAddress address, PrometheusMeterRegistry registry)
            throws IOException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(registry, "registry");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                                    .addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADERS, MAX_BODY))
                                    .addLast(new HttpServerKeepAliveHandler())
                                    .addLast(new HttpObjectAggregator(MAX_BODY))
                                    .addLast(new Scrape(registry));
                        }
                    })
                    .bind(address).sync().channel();
            return new MetricsEndpoint(group, server);
        } catch (InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding the metrics endpoint to " + text(address), e);
        } catch (Exception e) { // NOPMD: Netty rethrows the bind's IOException unchecked
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            BindException b = new BindException("cannot listen for metrics on " + text(address) + ": "
                    + e.getMessage());
            b.initCause(e);
            throw b;
        }
    }

    private static String text(InetSocketAddress a) {
        return PolicyServer.describe(a);
    }

    /**
     * Where to scrape: {@code http://ADDRESS:PORT/metrics}, IPv6 in brackets.
     *
     * @return the URL, with the port bound
     * @since 0.1.0
     */
    public String url() {
        return "http://" + text(address) + PATH;
    }

    /**
     * The address it listens on, with the port chosen if port 0 was asked for.
     *
     * @return the bound address
     * @since 0.1.0
     */
    public InetSocketAddress address() {
        return address;
    }

    /**
     * Stops listening, closes the open connections and stops the endpoint's thread, waiting up to a few seconds.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "MetricsEndpoint[" + url() + "]";
    }

    /** Answers one request; the aggregator has made it whole (or refused it for its size). */
    private static final class Scrape extends SimpleChannelInboundHandler<FullHttpRequest> {

        private final PrometheusMeterRegistry registry;

        Scrape(PrometheusMeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (!request.decoderResult().isSuccess()) {
                Throwable cause = request.decoderResult().cause();
                if (cause instanceof TooLongHttpHeaderException) {
                    send(ctx, request, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers too large\n",
                            false);
                } else if (cause instanceof TooLongHttpLineException) {
                    send(ctx, request, HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long\n", false);
                } else {
                    send(ctx, request, HttpResponseStatus.BAD_REQUEST, "bad request\n", false);
                }
                return;
            }
            String uri = request.uri();
            int query = uri.indexOf('?');
            String path = query >= 0 ? uri.substring(0, query) : uri;
            if (!PATH.equals(path)) {
                send(ctx, request, HttpResponseStatus.NOT_FOUND, "not found: metrics are at " + PATH + "\n", true);
                return;
            }
            HttpMethod method = request.method();
            if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
                send(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n", true);
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    HttpMethod.HEAD.equals(method) ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
            write(ctx, request, response, true);
        }

        private static void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                String text, boolean keepAlive) {
            ByteBuf content = HttpMethod.HEAD.equals(request.method()) ? Unpooled.EMPTY_BUFFER
                    : Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, text.getBytes(StandardCharsets.UTF_8).length);
            if (status == HttpResponseStatus.METHOD_NOT_ALLOWED) {
                response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            }
            write(ctx, request, response, keepAlive);
        }

        private static void write(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response,
                boolean keepAlive) {
            if (keepAlive && HttpUtil.isKeepAlive(request)) {
                // the keep-alive handler sets the header, and closes the connection when the client asked for that
                ctx.writeAndFlush(response);
            } else {
                HttpUtil.setKeepAlive(response, false);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof IdleStateEvent) {
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset by the client, or a scrape that failed: nothing to answer on this connection
        }
    }
}

package io.github.relaypolicy.server;

import io.github.relaypolicy.RelayPolicy;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The policy service: answers Postfix's {@code check_policy_service} and Exim's {@code ${readsocket ...}} over the
 * protocol of Postfix's {@code SMTPD_POLICY_README}, with the decisions of a {@link RelayPolicy}.
 *
 * <ul>
 *   <li>Several requests per connection, answered in the order they came; a client may write the next request
 *       before reading an answer (at most {@value #MAX_OUTSTANDING} unanswered requests are read ahead, then the
 *       server stops reading that connection until it has answered).</li>
 *   <li>Recipients ({@code protocol_state=RCPT}) are decided with {@link RelayPolicy#decideAsync}: no event-loop
 *       thread ever waits for DNS or a shared rate-limit store. Every other state is answered {@code DUNNO} at
 *       once; at {@code END-OF-MESSAGE} a {@link io.github.relaypolicy.core.RelayEngine} is told the transaction
 *       ended.</li>
 *   <li>A client that closes its sending side after a request (Exim's {@code readsocket}) gets its answers, then
 *       the connection is closed.</li>
 *   <li>A client that breaks the protocol ({@link PolicyProtocolException}) is logged and its connection closed
 *       without an answer, as {@code SMTPD_POLICY_README} prescribes; nobody else notices.</li>
 *   <li>A connection with nothing to read, write or decide for the idle timeout (default 600 s; Postfix closes its
 *       own after {@code smtpd_policy_service_max_idle}, 300 s) is closed. Above the most open connections
 *       (default 10,000) a new client is closed at once and logged.</li>
 *   <li>{@link #close()} stops accepting, answers every request already read, closes the connections and returns;
 *       connections still waiting for a decision after the grace period (default 10 s) are closed too.</li>
 * </ul>
 *
 * <pre>{@code
 * try (RelayEngine engine = RelayEngine.fromFile(Path.of("/etc/relay-policy/relay-policy.conf"), Duration.ofSeconds(5));
 *      PolicyServer server = PolicyServer.builder(engine).listen(new InetSocketAddress("127.0.0.1", 10040)).start()) {
 *     ...
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class PolicyServer implements AutoCloseable {

    /** The address listened on when none is given: {@code 127.0.0.1:10040}. */
    public static final InetSocketAddress DEFAULT_ADDRESS =
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 10040);
    /** The most requests of one connection read ahead of their answers. */
    public static final int MAX_OUTSTANDING = 64;

    private final ServerConfig config;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final List<Channel> listeners;
    private final ChannelGroup connections;
    private final AtomicInteger open;
    private final List<InetSocketAddress> addresses;
    private volatile boolean closed;

    private PolicyServer(ServerConfig config, EventLoopGroup acceptors, EventLoopGroup workers,
            List<Channel> listeners, ChannelGroup connections, AtomicInteger open) {
        this.config = config;
        this.acceptors = acceptors;
        this.workers = workers;
        this.listeners = listeners;
        this.connections = connections;
        this.open = open;
        List<InetSocketAddress> bound = new ArrayList<>();
        for (Channel c : listeners) {
            bound.add((InetSocketAddress) c.localAddress());
        }
        this.addresses = List.copyOf(bound);
    }

    /**
     * Starts building a server for a policy.
     *
     * @param policy what decides; a {@link io.github.relaypolicy.core.RelayEngine} usually
     * @return a builder
     * @throws NullPointerException if {@code policy} is null
     * @since 0.1.0
     */
    public static Builder builder(RelayPolicy policy) {
        return new Builder(Objects.requireNonNull(policy, "policy"));
    }

    /**
     * The addresses the server listens on, with the ports bound (a port 0 asked for is the port given).
     *
     * @return the addresses, in the order given to the builder
     * @since 0.1.0
     */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    /**
     * The connections open now.
     *
     * @return their number
     * @since 0.1.0
     */
    public int openConnections() {
        return open.get();
    }

    /**
     * Stops the server gracefully: stops accepting, answers the requests already read, closes every connection
     * and stops its threads. Returns when done, at the latest after the grace period and a few seconds. Does
     * nothing when called again.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Channel c : listeners) {
            c.close().awaitUninterruptibly();
        }
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        for (Channel c : connections) {
            PolicyConnection connection = c.pipeline().get(PolicyConnection.class);
            if (connection != null) {
                c.eventLoop().execute(connection::closeWhenAnswered);
            } else {
                c.close();
            }
        }
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /** For logs: the addresses. */
    @Override
    public String toString() {
        return "PolicyServer" + addresses;
    }

    /**
     * Settings of a {@link PolicyServer}; each checked when given.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private final RelayPolicy policy;
        private final List<InetSocketAddress> listen = new ArrayList<>();
        private PolicyAnswers answers = PolicyAnswers.of(PolicyAnswers.AcceptAction.DUNNO);
        private Duration idleTimeout = Duration.ofSeconds(600);
        private Duration shutdownGrace = Duration.ofSeconds(10);
        private int maxConnections = 10_000;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private ServerMetrics metrics = ServerMetrics.NONE;
        private System.Logger log = System.getLogger("io.github.relaypolicy.server");

        private Builder(RelayPolicy policy) {
            this.policy = policy;
        }

        /**
         * Adds an address to listen on; call again for more. Without any, {@link #DEFAULT_ADDRESS}.
         *
         * @param address an address and port; port 0 binds a free port ({@link PolicyServer#addresses()})
         * @return this builder
         * @throws NullPointerException if {@code address} is null
         * @throws IllegalArgumentException if the address is unresolved
         * @since 0.1.0
         */
        public Builder listen(InetSocketAddress address) {
            Objects.requireNonNull(address, "address");
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("listen address " + address.getHostString() + ":"
                        + address.getPort() + " is not an IP address");
            }
            listen.add(address);
            return this;
        }

        /**
         * What an accepted recipient is answered.
         *
         * @param acceptAction {@code DUNNO} (the default: relay-policy narrows what the mail server allows) or
         *     {@code OK} (relay-policy is the whole relay policy)
         * @return this builder
         * @since 0.1.0
         */
        public Builder acceptAction(PolicyAnswers.AcceptAction acceptAction) {
            this.answers = PolicyAnswers.of(Objects.requireNonNull(acceptAction, "acceptAction"));
            return this;
        }

        /**
         * How long a connection may stay with nothing to read, write or decide before the server closes it.
         *
         * @param timeout from 1 ms to 1 day; default 600 s
         * @return this builder
         * @throws IllegalArgumentException if out of range
         * @since 0.1.0
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = range("idle timeout", timeout, Duration.ofMillis(1), Duration.ofDays(1));
            return this;
        }

        /**
         * How long {@link PolicyServer#close()} waits for decisions in flight before closing their connections.
         *
         * @param grace from 0 to 10 minutes; default 10 s
         * @return this builder
         * @throws IllegalArgumentException if out of range
         * @since 0.1.0
         */
        public Builder shutdownGrace(Duration grace) {
            this.shutdownGrace = range("shutdown grace", grace, Duration.ZERO, Duration.ofMinutes(10));
            return this;
        }

        /**
         * The most connections open at once; a client connecting beyond it is closed at once (and logged, at most
         * once a minute).
         *
         * @param max from 1 to 1,000,000; default 10,000
         * @return this builder
         * @throws IllegalArgumentException if out of range
         * @since 0.1.0
         */
        public Builder maxConnections(int max) {
            if (max < 1 || max > 1_000_000) {
                throw new IllegalArgumentException("max connections must be from 1 to 1000000, not " + max);
            }
            this.maxConnections = max;
            return this;
        }

        /**
         * The event-loop threads that read, decide (when no DNS work is needed) and write.
         *
         * @param threads from 1 to 256; default the number of processors
         * @return this builder
         * @throws IllegalArgumentException if out of range
         * @since 0.1.0
         */
        public Builder threads(int threads) {
            if (threads < 1 || threads > 256) {
                throw new IllegalArgumentException("threads must be from 1 to 256, not " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * Where the server reports connections, requests, decisions and protocol errors.
         *
         * @param metrics thread-safe and cheap; default {@link ServerMetrics#NONE}
         * @return this builder
         * @since 0.1.0
         */
        public Builder metrics(ServerMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * Where the server logs: start and stop ({@code INFO}), protocol errors and refused connections
         * ({@code WARNING}), failed decisions ({@code ERROR}), connection resets ({@code DEBUG}).
         *
         * @param log a logger; default {@code System.getLogger("io.github.relaypolicy.server")}
         * @return this builder
         * @since 0.1.0
         */
        public Builder log(System.Logger log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /**
         * Binds every address and starts serving.
         *
         * @return the running server
         * @throws BindException if an address cannot be bound (the message names it); nothing stays bound then
         * @throws IOException if the server cannot start for another reason
         * @since 0.1.0
         */
        public PolicyServer start() throws IOException {
            List<InetSocketAddress> addresses = listen.isEmpty() ? List.of(DEFAULT_ADDRESS) : List.copyOf(listen);
            ServerConfig config = new ServerConfig(policy, answers, idleTimeout, shutdownGrace, maxConnections,
                    metrics, log);
            EventLoopGroup acceptors = new MultiThreadIoEventLoopGroup(1,
                    new DefaultThreadFactory("relay-policy-accept", true), NioIoHandler.newFactory());
            EventLoopGroup workers = new MultiThreadIoEventLoopGroup(threads,
                    new DefaultThreadFactory("relay-policy-io", true), NioIoHandler.newFactory());
            ChannelGroup connections = new DefaultChannelGroup("relay-policy connections",
                    GlobalEventExecutor.INSTANCE);
            AtomicInteger open = new AtomicInteger();
            AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - TimeUnit.HOURS.toNanos(1));
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(acceptors, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new IdleStateHandler(0, 0,
                                    config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
                            ch.pipeline().addLast(new PolicyConnection(config, connections, open, lastRefusalLog));
                        }
                    });
            List<Channel> bound = new ArrayList<>();
            try {
                for (InetSocketAddress address : addresses) {
                    ChannelFuture f = bootstrap.bind(address).awaitUninterruptibly();
                    if (!f.isSuccess()) {
                        Throwable cause = f.cause();
                        BindException e = new BindException(String.format(Locale.ROOT, "cannot listen on %s: %s",
                                describe(address), cause == null ? "unknown error" : cause.getMessage()));
                        if (cause != null) {
                            e.initCause(cause);
                        }
                        throw e;
                    }
                    bound.add(f.channel());
                }
            } catch (IOException | RuntimeException e) {
                for (Channel c : bound) {
                    c.close().awaitUninterruptibly();
                }
                acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e;
            }
            PolicyServer server = new PolicyServer(config, acceptors, workers, bound, connections, open);
            log.log(System.Logger.Level.INFO, "relay-policy policy service listening on " + describe(server.addresses));
            return server;
        }

        private static Duration range(String what, @Nullable Duration value, Duration min, Duration max) {
            Objects.requireNonNull(value, what);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(what + " must be from " + min + " to " + max + ", not " + value);
            }
            return value;
        }
    }

    /** {@code 127.0.0.1:10040, [::1]:10040}. */
    static String describe(List<InetSocketAddress> addresses) {
        StringBuilder b = new StringBuilder();
        for (InetSocketAddress a : addresses) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(describe(a));
        }
        return b.toString();
    }

    /** {@code 127.0.0.1:10040} or {@code [::1]:10040}. */
    static String describe(@Nullable Object address) {
        if (!(address instanceof InetSocketAddress a) || a.getAddress() == null) {
            return String.valueOf(address);
        }
        String host = a.getAddress() instanceof Inet6Address v6 ? ipv6(v6.getAddress())
                : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** RFC 5952 text: lower case, leading zeros dropped, the longest run of two or more zero groups as "::". */
    private static String ipv6(byte[] b) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder t = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                t.append("::");
                i += bestLength - 1;
                continue;
            }
            if (t.length() > 0 && t.charAt(t.length() - 1) != ':') {
                t.append(':');
            }
            t.append(Integer.toHexString(g[i]));
        }
        return t.toString();
    }
}

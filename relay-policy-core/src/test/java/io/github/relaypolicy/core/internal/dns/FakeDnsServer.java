package io.github.relaypolicy.core.internal.dns;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * A DNS responder on 127.0.0.1 that misbehaves on request, for the faults a real list server cannot be made to
 * produce: SERVFAIL, REFUSED, silence, late answers, truncation, a wrong query id, garbage, answers outside
 * 127/8. The test chooses the behaviour per query name; every query received is counted per name and type.
 *
 * <p>UDP and TCP listen on the same ephemeral port. TCP exists only so that the resolver's retry after a
 * truncated UDP reply reaches us and not some other process: it reads the query, counts it and closes the
 * connection without an answer. All threads are daemons; {@link #close()} stops them. Replies go only to the
 * loopback address the query came from.
 */
final class FakeDnsServer implements AutoCloseable {

    /** What the server does with one query. */
    sealed interface Behaviour permits Answer, NxDomain, Fail, Silence, Delayed, Gated, Truncated, WrongId,
            Garbage, ByType {
    }

    /**
     * NOERROR with these A records (for A queries) and this TXT (for TXT queries; none if null). Other types, or
     * TXT without text, get NODATA with an SOA.
     */
    record Answer(List<String> addresses, long ttl, String txt) implements Behaviour {
    }

    /** NXDOMAIN with an SOA of this TTL and minimum in the authority section (RFC 2308). */
    record NxDomain(long soaTtl, long soaMinimum) implements Behaviour {
    }

    /** An error response code: {@link Rcode#SERVFAIL}, {@link Rcode#REFUSED}, ... */
    record Fail(int rcode) implements Behaviour {
    }

    /** No reply at all. */
    record Silence() implements Behaviour {
    }

    /** The reply of {@code then}, sent after {@code delay}. */
    record Delayed(Duration delay, Behaviour then) implements Behaviour {
    }

    /** The reply of {@code then}, sent once the test completes {@code gate}. */
    record Gated(CompletableFuture<?> gate, Behaviour then) implements Behaviour {
    }

    /** A reply with the TC bit set, carrying a partial "listed" answer; the TCP retry is closed unanswered. */
    record Truncated() implements Behaviour {
    }

    /** The reply of {@code then}, with a query id that is not the query's. */
    record WrongId(Behaviour then) implements Behaviour {
    }

    /** A reply with the right id that is not a DNS message (header promises records that are not there). */
    record Garbage() implements Behaviour {
    }

    /** {@code a} for A queries, {@code other} for every other type (TXT). */
    record ByType(Behaviour a, Behaviour other) implements Behaviour {
    }

    static Answer a(String... addresses) {
        return new Answer(List.of(addresses), 300, null);
    }

    static Answer listed(String txt) {
        return new Answer(List.of("127.0.0.2"), 300, txt);
    }

    static NxDomain nxdomain() {
        return new NxDomain(300, 300);
    }

    static Fail servfail() {
        return new Fail(Rcode.SERVFAIL);
    }

    static Fail refused() {
        return new Fail(Rcode.REFUSED);
    }

    static Silence silence() {
        return new Silence();
    }

    static Delayed delayed(Duration delay, Behaviour then) {
        return new Delayed(delay, then);
    }

    static Gated gated(CompletableFuture<?> gate, Behaviour then) {
        return new Gated(gate, then);
    }

    private record Key(String name, int type) {
    }

    private static final InetAddress LOOPBACK = loopback();

    private final Function<String, Behaviour> behaviour;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final ScheduledExecutorService scheduler;
    private final Thread udpThread;
    private final Thread tcpThread;
    private final Map<Key, AtomicInteger> udpQueries = new ConcurrentHashMap<>();
    private final Map<Key, AtomicInteger> tcpQueries = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private FakeDnsServer(Function<String, Behaviour> behaviour, DatagramSocket udp, ServerSocket tcp) {
        this.behaviour = behaviour;
        this.udp = udp;
        this.tcp = tcp;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fake-dns-replies");
            t.setDaemon(true);
            return t;
        });
        this.udpThread = daemon("fake-dns-udp", this::serveUdp);
        this.tcpThread = daemon("fake-dns-tcp", this::serveTcp);
    }

    /**
     * Starts a server on 127.0.0.1, an ephemeral port, UDP and TCP.
     *
     * @param behaviour what to do, by lower-case absolute query name ({@code 10.2.0.192.bl.test.}); a null
     *     result is NXDOMAIN
     */
    static FakeDnsServer start(Function<String, Behaviour> behaviour) throws IOException {
        Objects.requireNonNull(behaviour, "behaviour");
        IOException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
            ServerSocket tcp = new ServerSocket();
            try {
                tcp.bind(new InetSocketAddress(LOOPBACK, udp.getLocalPort()), 16);
            } catch (BindException e) { // the TCP port of that number is taken: try another
                last = e;
                udp.close();
                tcp.close();
                continue;
            }
            FakeDnsServer server = new FakeDnsServer(behaviour, udp, tcp);
            server.udpThread.start();
            server.tcpThread.start();
            return server;
        }
        throw new IOException("no port free for both UDP and TCP on 127.0.0.1", last);
    }

    /** The port, UDP and TCP. */
    int port() {
        return udp.getLocalPort();
    }

    /** The server as {@code dnsServers} takes it: {@code 127.0.0.1:port}. */
    String address() {
        return "127.0.0.1:" + port();
    }

    /** UDP queries received for the name, any type. */
    int queries(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return udpQueries.entrySet().stream().filter(e -> e.getKey().name().equals(n))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    /** UDP queries received for the name and type ({@link Type#A}, {@link Type#TXT}). */
    int queries(String name, int type) {
        AtomicInteger n = udpQueries.get(new Key(name.toLowerCase(Locale.ROOT), type));
        return n == null ? 0 : n.get();
    }

    /** TCP queries received for the name, any type (the resolver's retries after truncation). */
    int tcpQueries(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return tcpQueries.entrySet().stream().filter(e -> e.getKey().name().equals(n))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            // closing anyway
        }
        scheduler.shutdownNow();
        udpThread.join(2000);
        tcpThread.join(2000);
    }

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            if (!packet.getAddress().isLoopbackAddress()) {
                continue; // never talk to anyone else
            }
            byte[] data = Arrays.copyOf(packet.getData(), packet.getLength());
            InetSocketAddress from = new InetSocketAddress(packet.getAddress(), packet.getPort());
            Message query;
            try {
                query = new Message(data);
            } catch (IOException e) {
                continue; // not a query: ignore it, as a server would
            }
            Record question = query.getQuestion();
            if (question == null) {
                continue;
            }
            String name = question.getName().toString().toLowerCase(Locale.ROOT);
            udpQueries.computeIfAbsent(new Key(name, question.getType()), k -> new AtomicInteger()).incrementAndGet();
            Behaviour b = behaviour.apply(name);
            respond(b == null ? nxdomain() : b, query, from, 0);
        }
    }

    private void respond(Behaviour b, Message query, InetSocketAddress to, int idOffset) {
        if (b instanceof Silence) {
            return;
        }
        if (b instanceof ByType t) {
            respond(query.getQuestion().getType() == Type.A ? t.a() : t.other(), query, to, idOffset);
            return;
        }
        if (b instanceof Delayed d) {
            try {
                scheduler.schedule(() -> respond(d.then(), query, to, idOffset), d.delay().toNanos(),
                        TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // closed
            }
            return;
        }
        if (b instanceof Gated g) {
            g.gate().whenComplete((v, e) -> {
                try {
                    scheduler.execute(() -> respond(g.then(), query, to, idOffset));
                } catch (RejectedExecutionException closedAlready) {
                    // closed
                }
            });
            return;
        }
        if (b instanceof WrongId w) {
            respond(w.then(), query, to, idOffset + 1);
            return;
        }
        byte[] wire = b instanceof Garbage ? garbage(query) : reply(b, query, idOffset).toWire();
        send(wire, to);
    }

    private void send(byte[] wire, InetSocketAddress to) {
        if (closed || !to.getAddress().isLoopbackAddress()) {
            return;
        }
        try {
            udp.send(new DatagramPacket(wire, wire.length, to));
        } catch (IOException e) {
            // the socket closed, or the client went away: nothing to do
        }
    }

    private static Message reply(Behaviour b, Message query, int idOffset) {
        Record question = query.getQuestion();
        Name name = question.getName();
        Message m = new Message((query.getHeader().getID() + idOffset) & 0xffff);
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.AA);
        if (query.getHeader().getFlag(Flags.RD)) {
            m.getHeader().setFlag(Flags.RD);
        }
        m.addRecord(question, Section.QUESTION);
        if (b instanceof Fail f) {
            m.getHeader().setRcode(f.rcode());
        } else if (b instanceof NxDomain nx) {
            m.getHeader().setRcode(Rcode.NXDOMAIN);
            m.addRecord(soa(name, nx.soaTtl(), nx.soaMinimum()), Section.AUTHORITY);
        } else if (b instanceof Truncated) {
            m.getHeader().setFlag(Flags.TC);
            if (question.getType() == Type.A) { // a partial answer that must not be believed
                m.addRecord(new ARecord(name, DClass.IN, 300, address("127.0.0.2")), Section.ANSWER);
            }
        } else if (b instanceof Answer a) {
            boolean any = false;
            if (question.getType() == Type.A) {
                for (String address : a.addresses()) {
                    m.addRecord(new ARecord(name, DClass.IN, a.ttl(), address(address)), Section.ANSWER);
                    any = true;
                }
            } else if (question.getType() == Type.TXT && a.txt() != null) {
                m.addRecord(new TXTRecord(name, DClass.IN, a.ttl(), a.txt()), Section.ANSWER);
                any = true;
            }
            if (!any) {
                m.addRecord(soa(name, 300, 300), Section.AUTHORITY); // NODATA
            }
        } else {
            throw new IllegalStateException("unexpected behaviour " + b);
        }
        return m;
    }

    /** The query's id and a header that promises a question and five answers, then bytes that are none. */
    private static byte[] garbage(Message query) {
        int id = query.getHeader().getID();
        return new byte[] {(byte) (id >>> 8), (byte) id, (byte) 0x84, 0x00, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00,
                0x00, 0x00, 0x3f, 'g', 'a', 'r', 'b', 'a', 'g', 'e', (byte) 0xc0, (byte) 0xff};
    }

    private static SOARecord soa(Name name, long ttl, long minimum) {
        Name zone = name.labels() > 3 ? new Name(name, name.labels() - 3) : name;
        try {
            return new SOARecord(zone, DClass.IN, ttl, Name.fromString("ns.test."),
                    Name.fromString("hostmaster.test."), 1, 3600, 600, 86400, minimum);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress address(String dotted) {
        String[] parts = dotted.split("\\.", -1);
        byte[] b = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            b[i] = (byte) Integer.parseInt(parts[i]);
        }
        try {
            return InetAddress.getByAddress(b); // no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(dotted, e);
        }
    }

    private void serveTcp() {
        while (!closed) {
            try (Socket s = tcp.accept()) {
                if (!s.getInetAddress().isLoopbackAddress()) {
                    continue;
                }
                s.setSoTimeout(2000);
                InputStream in = s.getInputStream();
                DataInputStream data = new DataInputStream(in);
                int length = data.readUnsignedShort();
                byte[] wire = new byte[length];
                data.readFully(wire);
                Record question = new Message(wire).getQuestion();
                if (question != null) {
                    tcpQueries.computeIfAbsent(new Key(question.getName().toString().toLowerCase(Locale.ROOT),
                            question.getType()), k -> new AtomicInteger()).incrementAndGet();
                }
                // closed unanswered: the retry over TCP fails too
            } catch (SocketException e) {
                if (closed) {
                    return;
                }
            } catch (IOException e) {
                // a client that sent nothing usable: next one
            }
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}

package io.github.relaypolicy.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The floor of {@link PolicyServiceBenchmark}'s method, its target {@code floor}: a server that does no policy work
 * at all. One platform thread per connection reads until the empty line and answers {@code action=DUNNO} at once,
 * with blocking sockets (no event loop, no hand-over between threads). What it costs per request is what the
 * loopback round trip, the two processes' system calls and the load generator cost on this machine: no policy
 * service measured this way can be faster, so it shows how much of a service's latency is its own.
 *
 * <pre>
 * java -cp benchmarks.jar io.github.relaypolicy.benchmarks.PolicyFloorServer 127.0.0.1:PORT
 * </pre>
 */
public final class PolicyFloorServer {

    private static final byte[] ANSWER = "action=DUNNO\n\n".getBytes(StandardCharsets.US_ASCII);

    private PolicyFloorServer() {
    }

    /**
     * Serves until killed.
     *
     * @param args {@code ADDRESS:PORT}
     * @throws IOException if the address cannot be bound
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1 || args[0].lastIndexOf(':') < 0) {
            System.err.println("usage: PolicyFloorServer ADDRESS:PORT");
            System.exit(64);
        }
        int colon = args[0].lastIndexOf(':');
        InetAddress address = InetAddress.getByName(args[0].substring(0, colon));
        int port = Integer.parseInt(args[0].substring(colon + 1));
        try (ServerSocket server = new ServerSocket(port, 1024, address)) {
            while (true) {
                Socket socket = server.accept();
                Thread t = new Thread(() -> serve(socket), "floor-" + socket.getPort());
                t.setDaemon(true);
                t.start();
            }
        }
    }

    /** Answers every request of one connection; ends when the client closes it. */
    private static void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buffer = new byte[16_384];
            int previous = 0;
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    return;
                }
                // answer each empty line (LF LF), also across reads; a client sends one request at a time
                for (int i = 0; i < n; i++) {
                    int b = buffer[i];
                    if (b == '\n' && previous == '\n') {
                        out.write(ANSWER);
                        b = 0;
                    }
                    previous = b;
                }
            }
        } catch (IOException e) {
            // the client went away: nothing to do
        }
    }
}

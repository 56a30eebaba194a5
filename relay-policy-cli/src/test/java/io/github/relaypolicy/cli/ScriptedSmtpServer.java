package io.github.relaypolicy.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A scripted SMTP peer on 127.0.0.1 for the faults a real server library will not produce on demand: no greeting,
 * a refusing greeting, replies that make no sense, connections dropped in the middle of a transaction.
 */
final class ScriptedSmtpServer implements AutoCloseable {

    /**
     * Decides the reply to one command: one or more reply lines separated by CRLF; null hangs up instead of
     * replying. A reply whose last line is a 421 is followed by hanging up, as servers do.
     */
    interface Responder {
        @Nullable String reply(int connection, String command);
    }

    private final ServerSocket socket;
    private final @Nullable String greeting;
    private final Responder responder;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    /**
     * Starts listening on a free port.
     *
     * @param greeting the first reply of each connection (CRLF added), or null to say nothing at all
     */
    ScriptedSmtpServer(@Nullable String greeting, Responder responder) throws IOException {
        this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.greeting = greeting;
        this.responder = responder;
        Thread acceptor = new Thread(this::accept, "scripted-smtp-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Replies that a closed server gives: 250 to EHLO, MAIL and RSET, 554 to RCPT, 221 to QUIT. */
    static @Nullable String closedServer(String command) {
        String verb = command.length() >= 4 ? command.substring(0, 4).toUpperCase(java.util.Locale.ROOT) : command;
        return switch (verb) {
            case "EHLO", "HELO" -> "250 scripted.example";
            case "MAIL" -> "250 2.1.0 Ok";
            case "RCPT" -> "554 5.7.1 Relay access denied";
            case "RSET", "NOOP" -> "250 2.0.0 Ok";
            case "QUIT" -> "221 2.0.0 Bye";
            default -> "502 5.5.2 Error: command not recognized";
        };
    }

    int port() {
        return socket.getLocalPort();
    }

    /** How many connections were accepted. */
    int connections() {
        return connections.get();
    }

    /** Every command received, in order. */
    List<String> commands() {
        return List.copyOf(commands);
    }

    @Override
    public void close() throws IOException {
        socket.close();
        for (Socket s : open) {
            s.close();
        }
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                open.add(s);
                int connection = connections.incrementAndGet();
                Thread talker = new Thread(() -> talk(s, connection), "scripted-smtp-" + connection);
                talker.setDaemon(true);
                talker.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void talk(Socket s, int connection) {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            if (greeting == null) {
                while (in.readLine() != null) {
                    // say nothing, ever
                }
                return;
            }
            send(out, greeting);
            String line;
            while ((line = in.readLine()) != null) {
                commands.add(line);
                String reply = responder.reply(connection, line);
                if (reply == null) {
                    return; // hang up
                }
                send(out, reply);
                if (line.equalsIgnoreCase("QUIT") || reply.substring(reply.lastIndexOf('\n') + 1).startsWith("421")) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}

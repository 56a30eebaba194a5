package io.github.relaypolicy.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The requests of {@link PolicyServiceBenchmark}: Postfix 3.7 policy requests at {@code protocol_state=RCPT}, with
 * every attribute Postfix 3.7 sends, in its order (SMTPD_POLICY_README; {@code compatibility_level} and
 * {@code mail_version} came with 3.8), generated from a fixed seed. They are grouped in transactions of one to
 * three recipients (same client, port, sender and {@code instance}), as one SMTP session sends them:
 *
 * <table>
 * <caption>the mix, by requests</caption>
 * <tr><th>share</th><th>who</th><th>relay-policy and postfwd</th><th>policyd-rate-limit</th></tr>
 * <tr><td>about 80%</td><td>a client in 10.0.0.0/8 that authenticated ({@value #USERS} users), its own address
 *     as sender, to foreign domains</td><td>accepted ({@code action=DUNNO}), counted by the user limit</td>
 *     <td>accepted ({@code action=dunno}), counted</td></tr>
 * <tr><td>about 5%</td><td>the same, with a sender at {@code bad.example}</td><td>refused by the sender check
 *     ({@code 554 5.7.1 <SENDER>: Sender address rejected: Access denied})</td><td>accepted, counted</td></tr>
 * <tr><td>about 15%</td><td>a client outside 10.0.0.0/8, not authenticated, to a foreign domain</td>
 *     <td>refused ({@code 554 5.7.1 <RECIPIENT>: Relay access denied})</td><td>accepted (no user to count)</td></tr>
 * </table>
 *
 * <p>A request is sent as its template with two fixed-width fields filled in per transaction and connection
 * ({@link #fill}): {@code client_port} (five digits) and the session part of {@code instance} (eight hex digits).
 * Both change every time a transaction is sent again, as they do in real traffic, so postfwd's request cache (keyed
 * by every attribute but {@code instance}, {@code queue_id} and, as Debian configures it, {@code size} and the
 * recipient's local part) hits only within a transaction (its further recipients at the same domain), never
 * because the benchmark cycles through the same requests.
 */
final class PolicyWorkload {

    /** Requests generated, cycled through by every connection from its own starting point. */
    static final int REQUESTS = 4096;
    /** Distinct SASL users: with the default limit of 10,000 an hour none is reached in a trial. */
    static final int USERS = 1000;
    /** The trusted network: relay-policy's {@code mynetworks}, postfwd's CIDR rule. */
    static final String NETWORK = "10.0.0.0/8";
    /** The sender domain the sender check refuses. */
    static final String BAD_DOMAIN = "bad.example";

    /** What a target is expected to answer. */
    enum Answer {
        /** {@code action=DUNNO} or {@code action=dunno}. */
        ACCEPT,
        /** {@code action=5...}. */
        REFUSE,
        /** {@code action=4...}: a rate limit. */
        DEFER,
        /** Anything else. */
        OTHER;

        /**
         * The kind of an answer from its first byte after {@code action=}.
         *
         * @param first that byte
         * @return the kind
         */
        static Answer of(byte first) {
            switch (first) {
                case 'D', 'd', 'O', 'o' -> {
                    return ACCEPT;
                }
                case '5' -> {
                    return REFUSE;
                }
                case '4' -> {
                    return DEFER;
                }
                default -> {
                    return OTHER;
                }
            }
        }
    }

    /**
     * One request: its bytes (a template), where the fields to fill are, and what relay-policy and postfwd answer
     * (policyd-rate-limit, which checks only the limit, accepts all of them while the limit is not reached).
     */
    record Request(byte[] template, int portOffset, int sessionOffset, int transaction, Answer policy,
            String answer) {
    }

    private static final String PORT_FIELD = "client_port=";
    private static final String INSTANCE_FIELD = "instance=";

    private final List<Request> requests;

    private PolicyWorkload(List<Request> requests) {
        this.requests = List.copyOf(requests);
    }

    /**
     * The requests, from a fixed seed.
     *
     * @return the workload
     */
    static PolicyWorkload generate() {
        SplittableRandom random = new SplittableRandom(13);
        List<Request> out = new ArrayList<>(REQUESTS + 3);
        String[] foreign = {"example.net", "example.com", "mail.example.net", "partner.example", "gmail.example"};
        int transaction = 0;
        while (out.size() < REQUESTS) {
            int kind = random.nextInt(100);
            int recipients = 1 + random.nextInt(3);
            String client;
            String clientName;
            String helo;
            String user;
            String sender;
            String serverPort;
            boolean tls;
            Answer policy;
            if (kind < 85) {
                int u = random.nextInt(USERS);
                client = "10." + (u >> 8 & 255) + "." + (u & 255) + "." + (1 + random.nextInt(250));
                clientName = "ws-" + u + ".corp.example.org";
                helo = clientName;
                user = "user" + u;
                sender = kind < 80 ? user + "@example.org" : "promo" + random.nextInt(100) + "@" + BAD_DOMAIN;
                serverPort = "587";
                tls = true;
                policy = kind < 80 ? Answer.ACCEPT : Answer.REFUSE;
            } else {
                client = (random.nextBoolean() ? "198.51.100." : "203.0.113.") + (1 + random.nextInt(254));
                boolean named = random.nextBoolean();
                clientName = named ? "mx" + random.nextInt(50) + ".sender.example" : "unknown";
                helo = named ? clientName : "[" + client + "]";
                user = "";
                sender = "news" + random.nextInt(1000) + "@sender.example";
                serverPort = "25";
                tls = named;
                policy = Answer.REFUSE;
            }
            String domain = foreign[random.nextInt(foreign.length)];
            for (int r = 0; r < recipients && out.size() < REQUESTS; r++) {
                if (r > 0 && random.nextInt(3) == 0) {
                    domain = foreign[random.nextInt(foreign.length)];
                }
                String recipient = "rcpt" + random.nextInt(100_000) + "@" + domain;
                String text = request(client, clientName, helo, sender, recipient, user, serverPort, tls,
                        transaction, random.nextInt(1 << 20));
                byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
                String answer = policy == Answer.ACCEPT ? "action=DUNNO"
                        : user.isEmpty() ? "action=554 5.7.1 <" + recipient + ">: Relay access denied"
                        : "action=554 5.7.1 <" + sender + ">: Sender address rejected: Access denied";
                out.add(new Request(bytes, text.indexOf(PORT_FIELD) + PORT_FIELD.length(),
                        text.indexOf(INSTANCE_FIELD) + INSTANCE_FIELD.length(), transaction, policy, answer));
            }
            transaction++;
        }
        return new PolicyWorkload(out);
    }

    /** One request as Postfix 3.7's smtpd writes it (attr_print_plain: name=value LF, an empty line last). */
    private static String request(String client, String clientName, String helo, String sender, String recipient,
            String user, String serverPort, boolean tls, int transaction, int size) {
        return "request=smtpd_access_policy\n"
                + "protocol_state=RCPT\n"
                + "protocol_name=ESMTP\n"
                + "client_address=" + client + "\n"
                + "client_name=" + clientName + "\n"
                + PORT_FIELD + "00000\n"
                + "reverse_client_name=" + (clientName.equals("unknown") ? "dyn-" + client.replace('.', '-')
                        + ".isp.example" : clientName) + "\n"
                + "server_address=192.0.2.25\n"
                + "server_port=" + serverPort + "\n"
                + "helo_name=" + helo + "\n"
                + "sender=" + sender + "\n"
                + "recipient=" + recipient + "\n"
                + "recipient_count=0\n"
                + "queue_id=\n"
                // Postfix: pid.time.counter.0 in hex; the first part is filled per session (fill)
                + INSTANCE_FIELD + "00000000." + String.format(Locale.ROOT, "%08x.%05x", 0x656f0a1c + transaction,
                        transaction & 0xfffff) + ".0\n"
                + "size=" + size + "\n"
                + "etrn_domain=\n"
                + "stress=\n"
                + "sasl_method=" + (user.isEmpty() ? "" : "PLAIN") + "\n"
                + "sasl_username=" + user + "\n"
                + "sasl_sender=\n"
                + "ccert_subject=\n"
                + "ccert_issuer=\n"
                + "ccert_fingerprint=\n"
                + "ccert_pubkey_fingerprint=\n"
                + "encryption_protocol=" + (tls ? "TLSv1.3" : "") + "\n"
                + "encryption_cipher=" + (tls ? "TLS_AES_256_GCM_SHA384" : "") + "\n"
                + "encryption_keysize=" + (tls ? "256" : "0") + "\n"
                + "policy_context=\n"
                + "\n";
    }

    /**
     * Fills the per-session fields of a request's copy: the client port and the session part of the instance.
     *
     * @param request the request
     * @param buffer its copy (the template's bytes at offset 0)
     * @param session a number unique to this sending of the request's transaction on this connection
     */
    static void fill(Request request, byte[] buffer, long session) {
        int port = 1024 + (int) Long.remainderUnsigned(session, 64_000);
        int at = request.portOffset();
        for (int i = 4; i >= 0; i--) {
            buffer[at + i] = (byte) ('0' + port % 10);
            port /= 10;
        }
        at = request.sessionOffset();
        long s = session;
        for (int i = 7; i >= 0; i--) {
            buffer[at + i] = (byte) Character.forDigit((int) (s & 15), 16);
            s >>>= 4;
        }
    }

    /**
     * The requests, in the order a connection sends them.
     *
     * @return the requests
     */
    List<Request> requests() {
        return requests;
    }

    /**
     * The longest request, in bytes.
     *
     * @return its length
     */
    int longest() {
        return requests.stream().mapToInt(r -> r.template().length).max().orElse(0);
    }
}

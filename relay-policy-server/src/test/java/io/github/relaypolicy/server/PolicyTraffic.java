package io.github.relaypolicy.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Varied policy requests for the load and fault runs, and the policy they are meant for ({@link #writePolicy}): a
 * mix that reaches every rule family of that policy (trusted networks, local and relay domains, the four access
 * tables, the sender binding, three local-zone DNS lists asked through the asynchronous path, malformed input) in
 * every protocol state, written the way Postfix writes them (every attribute, LF) and the way an Exim
 * {@code readsocket} ACL does (a few attributes, CRLF), sometimes with unknown or repeated attributes.
 *
 * <p>Stateless: every method takes the {@link Random} it draws from, so each connection of a run can have its own
 * seeded sequence. The expected answers are not computed here: they come from a reference engine reading the same
 * bytes ({@link ReferenceAnswers}).
 */
final class PolicyTraffic {

    /** The local-zone lists of the policy, as replies name them. */
    static final String BLOCK_ZONE = "bl.load.invalid";
    static final String ALLOW_ZONE = "wl.load.invalid";
    static final String DOMAIN_ZONE = "dbl.load.invalid";

    /**
     * Protocol states other than RCPT, as sent: each is answered {@code DUNNO}. {@code rcpt} in lower case is
     * decided like {@code RCPT}; an empty or unknown state is not decided.
     */
    private static final String[] OTHER_STATES = {"CONNECT", "EHLO", "HELO", "MAIL", "DATA", "BDAT",
        "END-OF-MESSAGE", "VRFY", "ETRN", "", "SOMETHING-NEW"};

    /** A value written as bytes that are not UTF-8 (the reader makes them U+FFFD; the engine refuses them). */
    private static final String NOT_UTF8 = "\u0000not-utf8";
    private static final byte[] NOT_UTF8_BYTES = {'j', (byte) 0xf6, 'r', 'g', '@', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
        '.', 'n', 'e', 't'};

    private static final String[] USERS = {"alice", "bob", "carol", "mallory"};
    private static final String[] ODD_CLIENTS = {"999.1.2.3", "not-an-address", "", "192.0.2", "::ffff:192.0.2.7",
        "203.0.113.130", "203.0.113.200", "192.0.2.66", NOT_UTF8};
    private static final String[] HELOS = {"bad.helo.example", "localhost", "[192.0.2.1]", "", "mail.example.com",
        "helo with spaces", "x".repeat(300) + ".example", "BAD.HELO.EXAMPLE", "mx.spammer.example", "a"};
    private static final String[] SENDERS = {"alice@example.org", "bob@example.org", "info@example.org",
        "bob+news@example.org", "x@sales.example.org", "hold@example.net", "trap@example.net", "bad@example.net",
        "prepend@example.net", "u@host.spammer.example", "<<bad", "no-at-sign", "jörg@bücher.example", NOT_UTF8,
        "\"john smith\"@example.com", "a".repeat(70) + "@example.com", "HOLD@EXAMPLE.NET", "x@[192.0.2.1]",
        "<alice@example.org>"};
    private static final String[] RECIPIENTS = {"x@corp.example.org", "y@a.corp.example.org", "postmaster",
        "postmaster@example.org", "z@relay.example", "deferred@example.org", "anyone@partner.example",
        "user%victim.example@example.org", "a@b@c", "", "u@[192.0.2.25]", "u@[192.0.2.26]",
        "l".repeat(70) + "@example.org", "@victim.example:x@example.org", "Deferred@Example.ORG", "u+tag@example.org"};
    /** The runs of Postfix's attributes that do not vary in these requests. */
    private static final byte[] POSTFIX_SERVER = ascii(
            "reverse_client_name=unknown\nserver_address=192.0.2.25\nserver_port=25\n");
    private static final byte[] POSTFIX_SIZE = ascii("size=0\netrn_domain=\nstress=\n");
    private static final byte[] POSTFIX_TAIL = ascii("sasl_sender=\nccert_subject=\nccert_issuer=\n"
            + "ccert_fingerprint=\nccert_pubkey_fingerprint=\nencryption_protocol=TLSv1.3\n"
            + "encryption_cipher=TLS_AES_256_GCM_SHA384\nencryption_keysize=256\npolicy_context=\n"
            + "compatibility_level=3.6\nmail_version=3.8.1\n");

    private PolicyTraffic() {
    }

    /**
     * Writes the policy file and the files it names into {@code dir}. No rate limits: with them a decision would
     * depend on the requests before it, and the answers could not be checked one by one. A small DNS answer cache,
     * so that clients keep going through the lists' asynchronous path rather than the cache.
     *
     * @param dir an empty folder
     * @param dnsCacheSize the {@code dns_cache_size} to write
     * @return the policy file
     */
    static Path writePolicy(Path dir, int dnsCacheSize) throws IOException {
        Files.writeString(dir.resolve("clients.cidr"), """
                198.51.100.0/28    REJECT Go away
                198.51.100.16/28   HOLD client under watch
                198.51.100.32/27   OK
                """);
        Files.writeString(dir.resolve("helo_access"), """
                bad.helo.example   REJECT Bad HELO
                localhost          450 4.7.1 Say who you are
                """);
        Files.writeString(dir.resolve("sender_access"), """
                hold@example.net      HOLD suspicious sender
                trap@example.net      DISCARD
                bad@example.net       550 5.1.1 unknown sender
                prepend@example.net   PREPEND X-Relay-Note: checked
                """);
        Files.writeString(dir.resolve("recipient_access"), """
                deferred@example.org   450 4.2.1 mailbox busy
                partner.example        RELAY
                """);
        Files.writeString(dir.resolve("sender-logins.txt"), """
                alice@example.org    alice
                bob@example.org      bob
                info@example.org     alice, bob
                @sales.example.org   carol
                """);
        Files.writeString(dir.resolve("blocked.ip4set"), """
                $TTL 3600
                :127.0.0.2:Listed in bl.load.invalid
                203.0.113.128/25
                !203.0.113.130
                """);
        Files.writeString(dir.resolve("allowed.ip4set"), """
                $TTL 3600
                :127.0.10.2:Allow-listed
                203.0.113.200
                """);
        Files.writeString(dir.resolve("blocked-domains.dnset"), """
                $TTL 3600
                :127.0.1.2:Sender domain listed
                spam.example
                .spammer.example
                """);
        Path policy = dir.resolve("relay-policy.conf");
        Files.writeString(policy, """
                mydestination = example.org, .corp.example.org, [192.0.2.25]
                relay_domains = relay.example
                mynetworks = 192.0.2.0/24, !192.0.2.66, 2001:db8:1::/48
                permit_authenticated = yes
                sender_login_maps = sender-logins.txt
                sender_login_mismatch = all
                recipient_delimiter = +
                check_client_access = clients.cidr
                check_helo_access = helo_access
                check_sender_access = sender_access
                check_recipient_access = recipient_access
                dnsbl_sites = %1$s*3
                dnswl_sites = %2$s*-5
                rhsbl_sites = %3$s*3
                dnsbl_threshold = 3
                dnsbl_reply.%1$s = 554 5.7.1 Service unavailable; client [{client}] blocked using {zone}{txt}
                local_zone.%1$s = blocked.ip4set
                local_zone.%2$s = allowed.ip4set
                local_zone.%3$s = blocked-domains.dnset
                dns_cache_size = %4$d
                """.formatted(BLOCK_ZONE, ALLOW_ZONE, DOMAIN_ZONE, dnsCacheSize));
        return policy;
    }

    /**
     * One well-formed request (it may hold malformed values, which the engine refuses, but never breaks the
     * protocol).
     *
     * @param random what to draw from
     * @return the request's bytes, ending with the empty line
     */
    static byte[] request(Random random) {
        String state = random.nextInt(10) < 7 ? (random.nextInt(50) == 0 ? "rcpt" : "RCPT") : pick(random,
                OTHER_STATES);
        String client = client(random);
        String helo = helo(random);
        String sender = sender(random);
        String recipient = recipient(random);
        String user = random.nextInt(8) == 0 ? pick(random, USERS) : "";
        String instance = Integer.toHexString(random.nextInt(1 << 20)) + ".656f0a1c.c1d2e.0";
        String count = state.equals("DATA") || state.equals("END-OF-MESSAGE") ? Integer.toString(1 + random.nextInt(5))
                : "0";
        int style = random.nextInt(10);
        Attributes a = new Attributes(style == 8 ? "\r\n" : "\n");
        if (style < 8) {
            // Postfix 3.8: every attribute, in its order, LF (the attributes that never vary here written at once)
            a.add("request", "smtpd_access_policy").add("protocol_state", state).add("protocol_name", "ESMTP")
                    .add("client_address", client).add("client_name", random.nextBoolean() ? "unknown" : helo)
                    .add("client_port", Integer.toString(1024 + random.nextInt(60000)))
                    .raw(POSTFIX_SERVER).add("helo_name", helo).add("sender", sender)
                    .add("recipient", recipient).add("recipient_count", count).add("queue_id", "")
                    .add("instance", instance).raw(POSTFIX_SIZE)
                    .add("sasl_method", user.isEmpty() ? "" : "PLAIN").add("sasl_username", user)
                    .raw(POSTFIX_TAIL);
            return a.end();
        }
        if (style == 8) {
            // an Exim readsocket ACL: what it writes, CRLF
            a.add("request", "smtpd_access_policy").add("protocol_state", state).add("client_address", client)
                    .add("helo_name", helo).add("sender", sender).add("recipient", recipient);
            if (!user.isEmpty()) {
                a.add("sasl_username", user);
            }
            return a.end();
        }
        // any order, an unknown attribute, and a repeated one whose last value counts
        a.add("x_unknown_attribute", "value=with=equals").add("recipient", "first@victim.example")
                .add("protocol_state", state).add("sender", sender).add("client_address", client)
                .add("request", "smtpd_access_policy").add("recipient", recipient).add("helo_name", helo)
                .add("sasl_username", user).add("instance", instance);
        return a.end();
    }

    /**
     * Bytes that break the protocol, each of a different kind; the server must close the connection without an
     * answer when it has read them.
     *
     * @param random what to draw from
     * @return the bytes
     */
    static byte[] garbage(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> ascii("request=smtpd_access_policy\nthis line has no equals sign\n\n");
            case 1 -> ascii("request=smtpd_access_policy\nhelo_name=a\u0000b\n\n");
            case 2 -> ascii("request=smtpd_access_policy\nhelo_name=" + "h".repeat(9 * 1024) + "\n\n");
            case 3 -> ascii("request=smtpd_access_policy\n" + "x=y\n".repeat(PolicyRequestReader.MAX_ATTRIBUTES + 1)
                    + "\n");
            case 4 -> ascii("protocol_state=RCPT\nclient_address=192.0.2.1\n\n");
            default -> {
                byte[] junk = new byte[512 + random.nextInt(2048)];
                random.nextBytes(junk);
                // a NUL in the first line makes any junk a protocol error, whatever else it holds
                junk[random.nextInt(64)] = 0;
                yield junk;
            }
        };
    }

    private static String client(Random random) {
        int r = random.nextInt(100);
        if (r < 15) {
            return "192.0.2." + (1 + random.nextInt(254)); // trusted, but for .66
        }
        if (r < 18) {
            return "2001:db8:1::" + Integer.toHexString(1 + random.nextInt(0xfffe)); // trusted
        }
        if (r < 33) {
            return "203.0.113." + (128 + random.nextInt(128)); // listed, but for .130; .200 allow-listed too
        }
        if (r < 40) {
            return "198.51.100." + random.nextInt(64); // client access table
        }
        if (r < 85) {
            // clean, and many of them: lookups that miss the small answer cache
            return "100.64." + random.nextInt(40) + "." + (1 + random.nextInt(254));
        }
        if (r < 92) {
            return "2001:db8:" + Integer.toHexString(2 + random.nextInt(0xfff0)) + "::"
                    + Integer.toHexString(1 + random.nextInt(0xfffe));
        }
        return pick(random, ODD_CLIENTS);
    }

    private static String helo(Random random) {
        int r = random.nextInt(20);
        if (r < 10) {
            return "mx" + random.nextInt(100) + ".example.net";
        }
        return pick(random, HELOS);
    }

    private static String sender(Random random) {
        int r = random.nextInt(30);
        if (r < 8) {
            return "user" + random.nextInt(1000) + "@example.com";
        }
        if (r < 10) {
            return "";
        }
        if (r < 12) {
            return "u" + random.nextInt(100) + "@spam.example";
        }
        return pick(random, SENDERS);
    }

    private static String recipient(Random random) {
        int r = random.nextInt(30);
        if (r < 10) {
            return "user" + random.nextInt(1000) + "@example.org";
        }
        if (r < 16) {
            return "x" + random.nextInt(100) + "@victim.example";
        }
        return pick(random, RECIPIENTS);
    }

    private static String pick(Random random, String[] values) {
        return values[random.nextInt(values.length)];
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A request under construction: {@code name=value} lines, values in UTF-8 unless {@link #NOT_UTF8}. */
    private static final class Attributes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        private final byte[] lineEnd;

        Attributes(String lineEnd) {
            this.lineEnd = lineEnd.getBytes(StandardCharsets.US_ASCII);
        }

        /** Lines written as they are (LF line ends: only in Postfix-style requests). */
        Attributes raw(byte[] lines) {
            out.writeBytes(lines);
            return this;
        }

        Attributes add(String name, String value) {
            out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
            out.write('=');
            out.writeBytes(value.equals(NOT_UTF8) ? NOT_UTF8_BYTES : value.getBytes(StandardCharsets.UTF_8));
            out.writeBytes(lineEnd);
            return this;
        }

        byte[] end() {
            out.writeBytes(lineEnd);
            return out.toByteArray();
        }
    }

    /** For messages: the request with its line ends shown. */
    static String show(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        return (s.length() > 2000 ? s.substring(0, 2000) + "..." : s).replace("\r", "\\r").replace("\n", "\\n ")
                .replace("\u0000", "\\0");
    }
}

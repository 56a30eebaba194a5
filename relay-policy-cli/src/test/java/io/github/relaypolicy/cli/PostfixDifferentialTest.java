package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.testsupport.PostfixServer;
import io.github.relaypolicy.testsupport.RequiresPostfix;
import io.github.relaypolicy.testsupport.SmtpProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "done when": the same access tables and the same requests through a real Postfix 3.7 on loopback and
 * through relay-policy, which must give every request the same reply (code, enhanced status and text). Postfix runs
 * with the layout relay-policy follows: {@code smtpd_relay_restrictions = permit_mynetworks,
 * permit_sasl_authenticated, reject_unauth_destination} and the four table checks in
 * {@code smtpd_recipient_restrictions}, so an {@code OK} grants relay in neither. The differences that are ours
 * and documented ({@link #documentedDifference}: {@code RELAY} grants relay, a reply line is cut at 512 octets,
 * echoed non-ASCII is escaped) are counted, and must each occur, but are not mismatches. The tables and requests come from
 * {@link AccessTableCorpus} with a fixed seed (cidr and access(5) tables, and a regexp_table(5) file per family);
 * a mismatch names the request and both replies.
 */
@RequiresPostfix
final class PostfixDifferentialTest {

    private static final long SEED = 20261130L;
    private static final int REQUESTS = 3000;
    /** Texts only the regexp tables' entries give: how often Postfix answered from one. */
    private static final List<String> REGEXP_TEXTS = List.of("client name digit", "client address", "v6 prefix",
            " in rx", "case-", "inside if", "after the if", "not a test name", "extension", "null sender by regexp",
            "rxs [", "no user", "digits in the user part", "pcre", "lazy [", "greedy [", "anchored",
            "first alternative");

    @TempDir
    Path dir;

    @Test
    void access_tables_decide_every_request_as_postfix_does() throws Exception {
        assertThat(Path.of("/usr/lib/postfix/postfix-pcre.so")).as("Postfix's pcre tables: apt-get install -y"
                + " postfix-pcre (.ci/run does)").exists();
        AccessTableCorpus corpus = AccessTableCorpus.generate(SEED, REQUESTS);
        Path clients = write("clients.cidr", corpus.clients);
        Path helos = write("helo.access", corpus.helos);
        Path senders = write("sender.access", corpus.senders);
        Path recipients = write("recipient.access", corpus.recipients);
        Path clientRegexp = write("clients.regexp", corpus.clientRegexp);
        Path heloRegexp = write("helo.regexp", corpus.heloRegexp);
        Path senderRegexp = write("sender.regexp", corpus.senderRegexp);
        Path recipientRegexp = write("recipient.regexp", corpus.recipientRegexp);
        Path heloPcre = write("helo.pcre", corpus.heloPcre);
        Path recipientPcre = write("recipient.pcre", corpus.recipientPcre);
        Path policy = write("relay-policy.conf", new StringBuilder()
                .append("mynetworks = ").append(AccessTableCorpus.MYNETWORKS).append('\n')
                .append("mydestination = ").append(AccessTableCorpus.LOCAL).append('\n')
                // Postfix's relay_domains match their subdomains (parent_domain_matches_subdomains); ours with a dot
                .append("relay_domains = .").append(AccessTableCorpus.RELAY).append(", .")
                .append(AccessTableCorpus.RELAY2).append('\n')
                .append("recipient_delimiter = +\n")
                .append("check_client_access = cidr:").append(clients).append(" regexp:").append(clientRegexp)
                .append('\n')
                .append("check_helo_access = ").append(helos).append(", regexp:").append(heloRegexp)
                .append(", pcre:").append(heloPcre).append('\n')
                .append("check_sender_access = hash:").append(senders).append(" regexp:").append(senderRegexp)
                .append('\n')
                .append("check_recipient_access = texthash:").append(recipients).append(" regexp:")
                .append(recipientRegexp).append(" pcre:").append(recipientPcre).append('\n'));

        // Postfix first: its replies, and what it did, whatever the engine later makes of the same tables
        List<SmtpProbe.Reply> theirs = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        long started = System.nanoTime();
        long postfixReady;
        try (PostfixServer postfix = PostfixServer.builder()
                .mynetworks("10.0.0.0/8, [fd00::]/8")
                .mydestination(AccessTableCorpus.LOCAL)
                .relayDomains(AccessTableCorpus.RELAY + ", " + AccessTableCorpus.RELAY2)
                .set("recipient_delimiter", "+")
                .file("clients.cidr", corpus.clients.toString())
                .file("helo.access", corpus.helos.toString())
                .file("sender.access", corpus.senders.toString())
                .file("recipient.access", corpus.recipients.toString())
                .file("clients.regexp", corpus.clientRegexp)
                .file("helo.regexp", corpus.heloRegexp)
                .file("sender.regexp", corpus.senderRegexp)
                .file("recipient.regexp", corpus.recipientRegexp)
                .file("helo.pcre", corpus.heloPcre)
                .file("recipient.pcre", corpus.recipientPcre)
                .recipientRestrictions("check_client_access cidr:$config_directory/clients.cidr,"
                        + " check_client_access regexp:$config_directory/clients.regexp,"
                        + " check_helo_access texthash:$config_directory/helo.access,"
                        + " check_helo_access regexp:$config_directory/helo.regexp,"
                        + " check_helo_access pcre:$config_directory/helo.pcre,"
                        + " check_sender_access texthash:$config_directory/sender.access,"
                        + " check_sender_access regexp:$config_directory/sender.regexp,"
                        + " check_recipient_access texthash:$config_directory/recipient.access,"
                        + " check_recipient_access regexp:$config_directory/recipient.regexp,"
                        + " check_recipient_access pcre:$config_directory/recipient.pcre")
                .start();
                SmtpProbe smtp = postfix.connect()) {
            postfixReady = System.nanoTime();
            for (AccessTableCorpus.Request r : corpus.requests) {
                SmtpProbe.Reply reply = smtp.rcpt(SmtpProbe.request(r.address())
                        .name(r.name().isEmpty() ? null : r.name())
                        .helo(r.helo().isEmpty() ? null : r.helo())
                        .sender(r.sender()).recipient(r.recipient()));
                theirs.add(reply);
                outcomes.merge(outcome(reply), 1, Integer::sum);
                if (REGEXP_TEXTS.stream().anyMatch(reply.text()::contains)) {
                    outcomes.merge("regexp table", 1, Integer::sum);
                }
                if (reply.code() / 100 == 4) {
                    outcomes.merge("deferred", 1, Integer::sum);
                }
            }
            assertThat(postfix.logText()).as("Postfix read every table line")
                    .doesNotContain("skipping this rule", "ignoring this line", "duplicate entry",
                            "unsupported dictionary type");
        }
        long postfixDone = System.nanoTime();
        System.out.printf(Locale.ROOT, "PostfixDifferentialTest: %d requests; Postfix started in %d ms and answered"
                        + " in %d ms; its outcomes %s%n", corpus.requests.size(), (postfixReady - started) / 1_000_000,
                (postfixDone - postfixReady) / 1_000_000, outcomes);
        // the corpus reaches every table and every kind of outcome often enough to mean something
        assertThat(corpus.requests).hasSizeGreaterThanOrEqualTo(2000);
        for (String kind : List.of("Client host", "Helo command", "Sender address", "Recipient address",
                "Relay access denied", "accepted", "deferred", "regexp table")) {
            assertThat(outcomes.getOrDefault(kind, 0)).as(kind + " in " + outcomes).isGreaterThanOrEqualTo(40);
        }

        List<String> mismatches = new ArrayList<>();
        Map<String, Integer> documented = new TreeMap<>();
        try (RelayEngine engine = RelayEngine.fromFile(policy)) {
            for (int i = 0; i < corpus.requests.size(); i++) {
                AccessTableCorpus.Request r = corpus.requests.get(i);
                Decision ours = engine.decide(RelayRequest.builder().client(r.address())
                        .clientName(r.name().isEmpty() ? null : r.name())
                        .helo(r.helo().isEmpty() ? null : r.helo())
                        .sender("<" + r.sender() + ">").recipient("<" + r.recipient() + ">").build());
                String expected = theirs.get(i).text();
                String actual = ours.reply().toString();
                String difference = documentedDifference(theirs.get(i), ours);
                if (difference != null) {
                    documented.merge(difference, 1, Integer::sum);
                    continue;
                }
                if (!theirs.get(i).command().equals("RCPT") || !expected.equals(actual)) {
                    mismatches.add(String.format(Locale.ROOT, "%s%n    postfix (%s): %s%n    ours (%s): %s", r,
                            theirs.get(i).command(), expected, ours.rule(), actual));
                }
            }
        }
        System.out.printf(Locale.ROOT, "PostfixDifferentialTest: relay-policy decided in %d ms; %d mismatches;"
                        + " documented differences %s%n%s",
                (System.nanoTime() - postfixDone) / 1_000_000, mismatches.size(), documented,
                String.join("", mismatches.stream().limit(500).map(m -> m + "\n").toList()));
        for (String difference : List.of(RELAYED, CUT, ESCAPED)) {
            assertThat(documented.getOrDefault(difference, 0)).as(difference + " in " + documented).isPositive();
        }
        assertThat(mismatches.size()).as("requests decided otherwise than Postfix 3.7 (of %d); the first ones:%n%s",
                corpus.requests.size(), String.join("\n", mismatches.subList(0, Math.min(40, mismatches.size()))))
                .isZero();
    }

    private static final String RELAYED = "RELAY entry relays";
    private static final String CUT = "reply cut at 512 octets";
    private static final String ESCAPED = "echoed non-ASCII escaped";

    /**
     * Which documented difference explains that the replies differ, or null if none does (a mismatch):
     * <ul>
     *   <li>a {@code RELAY} entry of a client or recipient table grants relay in relay-policy; Postfix 3.7 reads
     *       {@code RELAY} as {@code OK}, which in this layout comes after its relay check;</li>
     *   <li>relay-policy cuts a reply line at RFC 5321's 512 octets (ending it with {@code ...}); Postfix 3.7 sends
     *       the whole text;</li>
     *   <li>relay-policy escapes non-ASCII characters of the echoed HELO name or address ({@code \\u00FC}); Postfix
     *       sends them as UTF-8. Table texts are sent as written by both.</li>
     * </ul>
     */
    private static @Nullable String documentedDifference(SmtpProbe.Reply theirs, Decision ours) {
        String postfix = theirs.text();
        String reply = ours.reply().toString();
        if (postfix.endsWith(">: Relay access denied") && reply.equals("250 2.1.5 Ok")
                && (ours.rule().equals("check_client_access") || ours.rule().equals("check_recipient_access"))) {
            return RELAYED;
        }
        if (postfix.getBytes(StandardCharsets.UTF_8).length > 512 && reply.endsWith("...")
                && reply.getBytes(StandardCharsets.UTF_8).length <= 512
                && postfix.startsWith(reply.substring(0, reply.length() - 3))) {
            return CUT;
        }
        int open = postfix.indexOf('<');
        int close = postfix.indexOf(">: ", open);
        if (open > 0 && close > open) {
            StringBuilder escaped = new StringBuilder(postfix.substring(0, open));
            postfix.substring(open, close).codePoints().forEach(c -> escaped.append(c < 128
                    ? String.valueOf((char) c) : String.format(Locale.ROOT, "\\u%04X", c)));
            escaped.append(postfix.substring(close));
            if (!escaped.toString().equals(postfix) && escaped.toString().equals(reply)) {
                return ESCAPED;
            }
        }
        return null;
    }

    /** What Postfix did, for the coverage count: which table refused, or the relay check, or acceptance. */
    private static String outcome(SmtpProbe.Reply reply) {
        String text = reply.text();
        if (reply.code() / 100 == 2) {
            return "accepted";
        }
        if (text.endsWith("Relay access denied")) {
            return "Relay access denied";
        }
        for (String kind : List.of("Client host", "Helo command", "Sender address", "Recipient address")) {
            if (text.contains(">: " + kind + " rejected: ")) {
                return kind;
            }
        }
        return "other: " + text;
    }

    private Path write(String name, CharSequence content) throws java.io.IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }
}

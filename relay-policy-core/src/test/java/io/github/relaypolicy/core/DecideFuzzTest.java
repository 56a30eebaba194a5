package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.internal.Text;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Fuzzes {@link RelayEngine#decide} as a whole against {@link RelayReference}, a slow independent reading of the
 * documented rules, with a fixed policy (local and relay domains, trusted networks, authenticated relay on or off,
 * a reply template that echoes every field).
 *
 * <p>Input: fields separated by byte 0xFF (see {@link FuzzSupport}): options ({@code n} turns authenticated relay
 * off, {@code l} uses an engine with small rate limits of every kind, whose counts build up over the run, and
 * sender binding, {@code t} one with access tables of every family and action but RELAY), client,
 * HELO, MAIL FROM, RCPT TO, authenticated user, transaction id. Seeds: {@code DecideFuzzTestInputs/decide/}.
 *
 * <p>Invariants: decide() returns (no exception, no internal error), a decision never accepts what the reference
 * refuses, its reply has no control characters and fits in 512 octets, trace and verdict agree, bounded time.
 */
class DecideFuzzTest {

    /** Echoes every field, so a reply that is too long or carries raw input shows up. */
    private static final SmtpReply ECHO_ALL = SmtpReply.of(554, "5.7.1",
            "<{recipient}>: Relay access denied for <{sender}> from [{client}] (HELO {helo})");

    private static final RelayEngine PERMIT = engine(true);
    private static final RelayEngine NO_AUTH = engine(false);
    /** Small limits of every kind: no limit may accept what the rules refuse, and limits only ever defer. */
    private static final RelayEngine LIMITED = RelayEngine.builder().localDomains(RelayReference.LOCAL)
            .relayDomains(RelayReference.RELAY).trustedNetworks(RelayReference.TRUSTED)
            .reply(RuleNames.RELAY_DENIED, ECHO_ALL)
            .recipientRateLimit("user:3/1h", "client:5/1h", "sender:4/1h").messageRateLimit("user:2/1h")
            .recipientsPerMessage(3).refusalRateLimit("client:4/1h").rateLimitMaxEntries(1000)
            .senderLogin("bob@example.org", "bob").senderLogin("@corp.example", "alice", "bob")
            .senderLoginMismatch(SenderLoginMismatch.ALL).recipientDelimiter("+-")
            .build();

    /** Access tables of every family with every action but RELAY: no table may accept what the rules refuse. */
    private static final RelayEngine TABLES = tables();

    private static RelayEngine tables() {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("decide-fuzz-tables");
            dir.toFile().deleteOnExit();
            String[][] files = {
                {"clients.cidr", "192.0.2.0/25 OK\n192.0.2.128/25 REJECT go away\n203.0.113.0/24 DUNNO\n"
                        + "2001:db8::/32 DEFER later\n198.51.100.7 DISCARD\n10.0.0.0/8 421 closing\n"},
                {"helo", "spam.example REJECT\nok.example OK\nhold.example HOLD held\n[192.0.2.1] 550 5.1.1 literal\n"
                        + "example.org WARN own name\n"},
                {"senders", "<> PREPEND X-Null: yes\nexample.net 550 5.1.1 no\nuser@ WARN w\n"
                        + "bob+x@example.org FILTER smtp:[127.0.0.1]:10025\nxn--bcher-kva.example 12345\n"},
                {"rcpts", "example.org DUNNO\nclosed@example.org REJECT {recipient} $1 \\u0000\npostmaster@ OK\n"
                        + "relay.example REDIRECT x@example.org\n"},
            };
            for (String[] f : files) {
                java.nio.file.Path file = dir.resolve(f[0]);
                java.nio.file.Files.writeString(file, f[1]);
                file.toFile().deleteOnExit();
            }
            return RelayEngine.builder().localDomains(RelayReference.LOCAL).relayDomains(RelayReference.RELAY)
                    .trustedNetworks(RelayReference.TRUSTED).reply(RuleNames.RELAY_DENIED, ECHO_ALL)
                    .checkClientAccess(dir.resolve("clients.cidr").toString())
                    .checkHeloAccess(dir.resolve("helo").toString())
                    .checkSenderAccess("hash:" + dir.resolve("senders"))
                    .checkRecipientAccess(dir.resolve("rcpts").toString()).recipientDelimiter("+")
                    .build();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static RelayEngine engine(boolean permitAuthenticated) {
        return RelayEngine.builder().localDomains(RelayReference.LOCAL).relayDomains(RelayReference.RELAY)
                .trustedNetworks(RelayReference.TRUSTED).permitAuthenticated(permitAuthenticated)
                .reply(RuleNames.RELAY_DENIED, ECHO_ALL)
                .reply(RuleNames.SENDER_ROUTING, SmtpReply.of(554, "5.7.1", "<{recipient}>: routing refused ({client})"))
                .build();
    }

    @FuzzTest(maxDuration = "15s")
    void decide(byte[] data) {
        List<@Nullable String> f = FuzzSupport.fields(data);
        String options = FuzzSupport.field(f, 0);
        boolean permit = options == null || options.indexOf('n') < 0;
        boolean limited = permit && options != null && options.indexOf('l') >= 0;
        boolean tables = permit && !limited && options != null && options.indexOf('t') >= 0;
        String client = FuzzSupport.field(f, 1);
        String helo = FuzzSupport.field(f, 2);
        String sender = FuzzSupport.field(f, 3);
        String recipient = FuzzSupport.field(f, 4);
        String user = FuzzSupport.field(f, 5);
        RelayRequest request = RelayRequest.builder().client(client).helo(helo).sender(sender).recipient(recipient)
                .authenticatedUser(user).transactionId(FuzzSupport.field(f, 6)).build();
        String context = request + (permit ? "" : " (authenticated relay off)") + (limited ? " (rate limits)" : "")
                + (tables ? " (access tables)" : "");

        long start = System.nanoTime();
        Decision d = (limited ? LIMITED : tables ? TABLES : permit ? PERMIT : NO_AUTH).decide(request);
        SmtpReply reply = d.reply();
        List<TraceStep> trace = d.trace();
        FuzzSupport.checkTime(start, "decide " + context);

        assertThat(d.rule()).as("rule of %s", context).isNotEqualTo(RuleNames.INTERNAL_ERROR);
        assertThat(reply.verdict()).as("reply of %s", context).isEqualTo(d.verdict());
        assertThat(trace).as("trace of %s", context).isNotEmpty();
        assertThat(trace.get(trace.size() - 1).rule()).as("trace of %s", context).isEqualTo(d.rule());
        for (TraceStep step : trace) {
            assertThat(FuzzSupport.hasControlOrBroken(step.detail())).as("trace step %s of %s", step, context)
                    .isFalse();
        }
        FuzzSupport.checkReply(reply, context);
        if (!d.accepted()) {
            assertThat(d.hostActions()).as("host actions of %s", context).isEmpty();
        }

        if (limited && d.verdict() == Verdict.TEMPFAIL) {
            assertThat(d.rule()).as("rule of %s", context).isIn(RuleNames.RECIPIENT_RATE_LIMIT,
                    RuleNames.MESSAGE_RATE_LIMIT, RuleNames.RECIPIENTS_PER_MESSAGE, RuleNames.REFUSAL_RATE_LIMIT);
        }
        RelayReference.Outcome ref = RelayReference.decide(permit, client, helo, sender, recipient, user);
        if (d.accepted() && !ref.accept()) {
            String detail = String.format(Locale.ROOT, "engine accepted (%s: %s), the reference refuses (%s): %s",
                    d.rule(), Text.escape(reply.toString()), ref.why(), context);
            throw new AssertionError(detail);
        }
    }
}

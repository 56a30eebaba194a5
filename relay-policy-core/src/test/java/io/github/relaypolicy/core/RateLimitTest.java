package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.internal.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rate limits with the engine's own counters: verdicts, replies, traces, time from a manual clock. */
final class RateLimitTest {

    private final ManualClock clock = new ManualClock();

    private RelayEngine.Builder builder() {
        return EngineTestHooks.timeSource(RelayEngine.builder().localDomains("example.org")
                .trustedNetworks("192.0.2.0/24"), clock);
    }

    private static RelayRequest auth(String user, String rcpt) {
        return RelayRequest.builder().client("203.0.113.5").authenticatedUser(user).sender("<" + user
                + "@example.org>").recipient("<" + rcpt + ">").build();
    }

    private static RelayRequest tx(String user, String id, String rcpt) {
        return RelayRequest.builder().client("203.0.113.5").authenticatedUser(user).sender("<" + user
                + "@example.org>").recipient("<" + rcpt + ">").transactionId(id).build();
    }

    private static RelayRequest from(String client, String rcpt) {
        return RelayRequest.of(client, "<someone@example.net>", "<" + rcpt + ">");
    }

    private static int accepted(RelayEngine engine, RelayRequest r, int times) {
        int n = 0;
        for (int i = 0; i < times; i++) {
            if (engine.decide(r).verdict() == Verdict.ACCEPT) {
                n++;
            }
        }
        return n;
    }

    @Test
    void a_sender_binding_refusal_takes_no_count_and_counts_as_a_refusal() {
        RelayEngine engine = builder().senderLogin("bob@example.org", "bob").senderLogin("alice@example.org", "alice")
                .recipientRateLimit("user:2/1h").refusalRateLimit("client:2/1h").build();
        RelayRequest spoof = RelayRequest.builder().client("203.0.113.9").authenticatedUser("alice")
                .sender("<bob@example.org>").recipient("<a@example.com>").build();
        Decision refused = engine.decide(spoof);
        assertThat(refused.rule()).isEqualTo(RuleNames.SENDER_LOGIN_MISMATCH);
        assertThat(refused.reply().toString())
                .isEqualTo("553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user alice");
        // alice's own address: her two recipients are all there, the refusal took none
        assertThat(accepted(engine, auth("alice", "a@example.com"), 3)).isEqualTo(2);
        // the refusal counted against the client: a second one fills client:2/1h, then the client is deferred
        assertThat(engine.decide(spoof).rule()).isEqualTo(RuleNames.SENDER_LOGIN_MISMATCH);
        Decision blocked = engine.decide(RelayRequest.builder().client("203.0.113.9").authenticatedUser("bob")
                .sender("<bob@example.org>").recipient("<a@example.com>").build());
        assertThat(blocked.rule()).isEqualTo(RuleNames.REFUSAL_RATE_LIMIT);
        assertThat(blocked.verdict()).isEqualTo(Verdict.TEMPFAIL);
    }

    @Test
    void a_user_limit_lets_the_burst_through_then_one_per_interval_and_defers_with_the_reply() {
        RelayEngine engine = builder().recipientRateLimit("user:3/1h").build();
        assertThat(accepted(engine, auth("bob", "a@example.com"), 3)).isEqualTo(3);
        Decision d = engine.decide(auth("bob", "a@example.com"));
        assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(d.rule()).isEqualTo(RuleNames.RECIPIENT_RATE_LIMIT);
        assertThat(d.reply().toString())
                .isEqualTo("451 4.7.1 <a@example.com>: Recipient address rejected: rate limit exceeded, try again later");
        assertThat(d.trace()).extracting(TraceStep::toString).contains(
                "recipient_rate_limit: TEMPFAIL - user:3/1h for user 'bob': 0 of 3 recipients left",
                "recipient_rate_limit: TEMPFAIL - a limit is used up: deferred, and nothing was counted");
        // another user is counted apart, and so is an unauthenticated client (user limits do not apply)
        assertThat(engine.decide(auth("alice", "a@example.com")).verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(accepted(engine, from("203.0.113.5", "x@example.org"), 10)).isEqualTo(10);

        clock.advance(Duration.ofMinutes(19));
        assertThat(engine.decide(auth("bob", "a@example.com")).verdict()).isEqualTo(Verdict.TEMPFAIL);
        clock.advance(Duration.ofMinutes(1)); // one interval (1h / 3) after the burst: one more
        assertThat(accepted(engine, auth("bob", "a@example.com"), 3)).isEqualTo(1);
        clock.advance(Duration.ofHours(1));
        assertThat(accepted(engine, auth("BOB", "a@example.com"), 5)).as("case folded").isEqualTo(3);
    }

    @Test
    void a_deferred_recipient_takes_nothing_and_the_trace_shows_what_is_left() {
        RelayEngine engine = builder().recipientRateLimit("user:2/1m").build();
        for (int i = 0; i < 50; i++) {
            engine.decide(auth("bob", "a@example.com"));
        }
        clock.advance(Duration.ofSeconds(30)); // one interval
        assertThat(accepted(engine, auth("bob", "a@example.com"), 5)).isEqualTo(1);
        clock.advance(Duration.ofMinutes(5));
        Decision ok = engine.decide(auth("bob", "a@example.com"));
        assertThat(ok.verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(ok.rule()).isEqualTo(RuleNames.AUTHENTICATED);
        assertThat(ok.trace()).extracting(TraceStep::toString).containsSubsequence(
                "permit_authenticated: MATCH - client authenticated as 'bob'; rate limits next",
                "recipient_rate_limit: PASS - user:2/1m for user 'bob': 1 of 2 recipients left",
                "permit_authenticated: ACCEPT - rate limits passed: client authenticated as 'bob'");
    }

    @Test
    void limits_are_all_or_none_a_recipient_refused_by_one_takes_nothing_from_the_others() {
        RelayEngine engine = builder().recipientRateLimit("user:5/1h", "client:2/1h").build();
        assertThat(accepted(engine, auth("bob", "a@example.com"), 2)).isEqualTo(2);
        Decision d = engine.decide(auth("bob", "a@example.com"));
        assertThat(d.rule()).isEqualTo(RuleNames.RECIPIENT_RATE_LIMIT);
        // bob from another client: the user limit has 3 left, not 2
        RelayRequest elsewhere = RelayRequest.builder().client("198.51.100.7").authenticatedUser("bob")
                .sender("<bob@example.org>").recipient("<a@example.com>").build();
        assertThat(engine.preview(elsewhere).trace()).extracting(TraceStep::toString)
                .contains("recipient_rate_limit: PASS - user:5/1h for user 'bob': 3 of 5 recipients left");
        assertThat(accepted(engine, elsewhere, 5)).isEqualTo(2);
    }

    @Test
    void trusted_networks_are_counted_unless_exempt_and_ipv6_clients_count_per_64() {
        RelayEngine engine = builder().trustedNetworks("2001:db8::/32").recipientRateLimit("client:2/1h")
                .rateLimitExempt("192.0.2.128/25").build();
        assertThat(accepted(engine, from("192.0.2.7", "a@example.com"), 5)).as("trusted, counted").isEqualTo(2);
        Decision d = engine.decide(from("192.0.2.7", "a@example.com"));
        assertThat(d.reply().code()).isEqualTo(451);
        assertThat(accepted(engine, from("192.0.2.200", "a@example.com"), 5)).as("exempt").isEqualTo(5);
        assertThat(engine.decide(from("192.0.2.200", "a@example.com")).trace()).extracting(TraceStep::toString)
                .contains("rate_limit_exempt: SKIP - client 192.0.2.200 is in rate_limit_exempt: nothing is counted");
        assertThat(accepted(engine, from("2001:db8:1:2::1", "a@example.com"), 1)).isEqualTo(1);
        assertThat(accepted(engine, from("2001:db8:1:2:ffff::9", "a@example.com"), 5)).as("same /64").isEqualTo(1);
        assertThat(accepted(engine, from("2001:db8:1:3::1", "a@example.com"), 5)).as("next /64").isEqualTo(2);
    }

    @Test
    void relay_refusals_are_never_opened_by_limits_and_take_no_recipient_count() {
        RelayEngine engine = builder().recipientRateLimit("client:2/1h").build();
        for (int i = 0; i < 10; i++) {
            Decision d = engine.decide(from("203.0.113.9", "victim@example.com"));
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.rule()).isEqualTo(RuleNames.RELAY_DENIED);
        }
        assertThat(accepted(engine, from("203.0.113.9", "a@example.org"), 5)).isEqualTo(2);
    }

    @Test
    void a_client_with_its_fill_of_refusals_is_deferred_for_every_recipient_until_the_count_drains() {
        RelayEngine engine = builder().refusalRateLimit("client:3/10m").build();
        RelayRequest probe = from("203.0.113.9", "user%victim@example.com");
        for (int i = 0; i < 3; i++) {
            assertThat(engine.decide(probe).verdict()).isEqualTo(Verdict.REJECT);
        }
        for (RelayRequest r : List.of(probe, from("203.0.113.9", "a@example.org"))) {
            Decision d = engine.decide(r);
            assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
            assertThat(d.rule()).isEqualTo(RuleNames.REFUSAL_RATE_LIMIT);
            assertThat(d.reply().toString()).isEqualTo(
                    "451 4.7.1 Client host [203.0.113.9] rejected: too many refusals: rate limit exceeded, try again later");
        }
        assertThat(engine.decide(from("203.0.113.10", "a@example.org")).verdict()).isEqualTo(Verdict.ACCEPT);
        // deferrals are not counted: one interval later, exactly one more refusal is answered as such
        clock.advance(Duration.ofSeconds(200));
        assertThat(engine.decide(probe).verdict()).isEqualTo(Verdict.REJECT);
        assertThat(engine.decide(probe).verdict()).isEqualTo(Verdict.TEMPFAIL);
        clock.advance(Duration.ofMinutes(10));
        assertThat(engine.decide(from("203.0.113.9", "a@example.org")).verdict()).isEqualTo(Verdict.ACCEPT);
    }

    @Test
    void message_limits_count_a_transaction_once_and_need_a_transaction_id() {
        RelayEngine engine = builder().messageRateLimit("user:2/1h").build();
        for (String id : List.of("s1.1", "s1.2")) {
            for (int i = 0; i < 5; i++) {
                assertThat(engine.decide(tx("bob", id, "r" + i + "@example.com")).verdict()).isEqualTo(Verdict.ACCEPT);
            }
        }
        Decision third = engine.decide(tx("bob", "s1.3", "r@example.com"));
        assertThat(third.verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(third.rule()).isEqualTo(RuleNames.MESSAGE_RATE_LIMIT);
        assertThat(third.reply().toString()).isEqualTo("451 4.7.1 <r@example.com>: Recipient address rejected:"
                + " too many messages: rate limit exceeded, try again later");
        // recipients of a message already counted go on; the deferred message's next recipient is tried again
        assertThat(engine.decide(tx("bob", "s1.2", "late@example.com")).verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(engine.decide(tx("bob", "s1.3", "r2@example.com")).verdict()).isEqualTo(Verdict.TEMPFAIL);
        // without a transaction id nothing is counted, and the trace says so
        assertThat(accepted(engine, auth("bob", "x@example.com"), 5)).isEqualTo(5);
        assertThat(engine.decide(auth("bob", "x@example.com")).trace()).extracting(TraceStep::toString)
                .contains("message_rate_limit: SKIP - user:2/1h: no transaction id, messages are not counted");
    }

    @Test
    void recipients_per_message_defers_the_extra_recipients_with_452() {
        RelayEngine engine = builder().recipientsPerMessage(2).build();
        assertThat(engine.decide(tx("bob", "t1", "a@example.com")).verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(engine.decide(tx("bob", "t1", "b@example.com")).verdict()).isEqualTo(Verdict.ACCEPT);
        Decision d = engine.decide(tx("bob", "t1", "c@example.com"));
        assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
        assertThat(d.rule()).isEqualTo(RuleNames.RECIPIENTS_PER_MESSAGE);
        assertThat(d.reply().toString()).isEqualTo("452 4.5.3 Too many recipients");
        assertThat(d.trace()).extracting(TraceStep::toString)
                .contains("recipients_per_message: TEMPFAIL - transaction t1: 2 of 2 recipients accepted");
        assertThat(engine.decide(tx("bob", "t2", "c@example.com")).verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(accepted(engine, auth("bob", "x@example.com"), 5)).as("no transaction id").isEqualTo(5);
    }

    @Test
    void threads_racing_on_one_identity_never_get_more_than_the_limit_through() throws Exception {
        RelayEngine engine = builder().recipientRateLimit("user:100/1h", "client:150/1h").build();
        AtomicInteger accepted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                tasks.add(() -> {
                    for (int i = 0; i < 500; i++) {
                        if (engine.decide(auth("bob", "a@example.com")).verdict() == Verdict.ACCEPT) {
                            accepted.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(tasks, 60, TimeUnit.SECONDS)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(accepted.get()).isEqualTo(100);
        assertThat(engine.preview(auth("bob", "a@example.com")).trace()).extracting(TraceStep::toString)
                .contains("recipient_rate_limit: PASS - client:150/1h for client '203.0.113.5': 50 of 150"
                        + " recipients left");
    }

    @Test
    void preview_and_decide_async_agree_with_decide_and_preview_counts_nothing() throws Exception {
        RelayEngine engine = builder().recipientRateLimit("user:2/1h").refusalRateLimit("client:1/1h").build();
        for (int i = 0; i < 5; i++) {
            assertThat(engine.preview(auth("bob", "a@example.com")).verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(engine.preview(from("203.0.113.9", "v@example.com")).verdict()).isEqualTo(Verdict.REJECT);
        }
        assertThat(engine.decideAsync(auth("bob", "a@example.com")).toCompletableFuture().get().verdict())
                .isEqualTo(Verdict.ACCEPT);
        assertThat(engine.decide(auth("bob", "a@example.com")).verdict()).isEqualTo(Verdict.ACCEPT);
        Decision third = engine.decideAsync(auth("bob", "a@example.com")).toCompletableFuture().get();
        assertThat(third.rule()).isEqualTo(RuleNames.RECIPIENT_RATE_LIMIT);
        assertThat(engine.preview(auth("bob", "a@example.com")).rule()).isEqualTo(RuleNames.RECIPIENT_RATE_LIMIT);
        assertThat(engine.decideAsync(from("203.0.113.9", "v@example.com")).toCompletableFuture().get().rule())
                .isEqualTo(RuleNames.RELAY_DENIED);
        assertThat(engine.decideAsync(from("203.0.113.9", "v@example.com")).toCompletableFuture().get().rule())
                .isEqualTo(RuleNames.REFUSAL_RATE_LIMIT);
    }

    @Test
    void a_reload_keeps_the_counts_of_the_limits_it_keeps() {
        RelayEngine engine = builder().recipientRateLimit("user:2/1h").build();
        assertThat(accepted(engine, auth("bob", "a@example.com"), 2)).isEqualTo(2);
        engine.reload(builder().recipientRateLimit("user:2/1h").localDomains("example.net"));
        assertThat(engine.decide(auth("bob", "a@example.com")).rule()).isEqualTo(RuleNames.RECIPIENT_RATE_LIMIT);
        engine.reload(builder().recipientRateLimit("user:3/1h"));
        assertThat(accepted(engine, auth("bob", "a@example.com"), 5)).as("a new limit starts afresh").isEqualTo(3);
    }

    @Test
    void the_settings_refuse_what_cannot_be_counted_with_precise_messages() {
        assertThatThrownBy(() -> RelayEngine.builder().recipientRateLimit("user:500/1x"))
                .hasMessage("recipientRateLimit 'user:500/1x': expected KIND:COUNT/PERIOD, e.g. user:500/1h or"
                        + " client:200/1m");
        assertThatThrownBy(() -> RelayEngine.builder().recipientRateLimit("helo:5/1h"))
                .hasMessage("recipientRateLimit 'helo:5/1h': the kind must be user, client or sender");
        assertThatThrownBy(() -> RelayEngine.builder().messageRateLimit("user:5000/1s"))
                .hasMessage("messageRateLimit 'user:5000/1s': more than one per millisecond cannot be counted;"
                        + " the finest rate is 1000/1s");
        assertThatThrownBy(() -> RelayEngine.builder().recipientRateLimit("user:5/60d"))
                .hasMessage("recipientRateLimit 'user:5/60d': the period must be from 1s to 30d");
        assertThatThrownBy(() -> RelayEngine.builder().refusalRateLimit("user:5/1h"))
                .hasMessage("refusalRateLimit 'user:5/1h': refusals are counted per client; expected"
                        + " client:COUNT/PERIOD");
        assertThatThrownBy(() -> RelayEngine.builder().recipientRateLimit("user:5/1h", "user:5/1h"))
                .hasMessage("recipientRateLimit 'user:5/1h': given twice");
        assertThatThrownBy(() -> RelayEngine.builder().recipientsPerMessage(0))
                .hasMessage("recipientsPerMessage 0 must be from 1 to 65535");
        assertThatThrownBy(() -> RelayEngine.builder().rateLimitStore("memcached://127.0.0.1:11211"))
                .hasMessageStartingWith("rateLimitStore 'memcached://127.0.0.1:11211': no rate-limit store for"
                        + " 'memcached://' URIs is installed");
        assertThatThrownBy(() -> RelayEngine.builder().rateLimitExempt("!192.0.2.1"))
                .hasMessageContaining("exclusions are not supported here");
        assertThatThrownBy(() -> RelayEngine.builder().rateLimitMaxEntries(10))
                .hasMessage("rateLimitMaxEntries 10 must be from 1000 to 100000000");
        assertThatThrownBy(() -> RelayEngine.builder().reply(RuleNames.RECIPIENT_RATE_LIMIT,
                io.github.relaypolicy.SmtpReply.of(550, "5.7.1", "no")))
                .hasMessageContaining("must be 4xx (a used-up limit defers)");
    }

    @Test
    void the_policy_file_keys_work_and_their_errors_name_the_place(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("relay-policy.conf");
        Files.writeString(file, String.join("\n", "mydestination = example.org",
                "recipient_rate_limit = user:2/1h, client:100/1m", "message_rate_limit = user:10/1h",
                "recipients_per_message = 50", "refusal_rate_limit = client:20/10m", "rate_limit_exempt = 192.0.2.0/24",
                "rate_limit_store = local", "rate_limit_failure = defer", "rate_limit_max_entries = 5000",
                "reply.recipient_rate_limit = 450 4.7.1 slow down", ""));
        RelayEngine engine = RelayEngine.fromFile(file);
        assertThat(accepted(engine, auth("bob", "a@example.com"), 2)).isEqualTo(2);
        assertThat(engine.decide(auth("bob", "a@example.com")).reply().toString()).isEqualTo("450 4.7.1 slow down");
        assertThat(PolicyFile.read(file).effective(100)).contains(
                "recipient_rate_limit = user:2/1h, client:100/1m\n", "recipients_per_message = 50\n",
                "refusal_rate_limit = client:20/10m\n", "rate_limit_failure = defer\n",
                "rate_limit_max_entries = 5000\n");

        Files.writeString(file, "mydestination = example.org\nrecipient_rate_limit = user:2/1h, bogus:1/1h\n"
                + "rate_limit_failure = sometimes\n");
        assertThatThrownBy(() -> RelayEngine.fromFile(file)).isInstanceOf(PolicyFileException.class)
                .hasMessageContaining(file + ":2:").hasMessageContaining("'bogus:1/1h': the kind must be user,"
                        + " client or sender")
                .hasMessageContaining(file + ":3:").hasMessageContaining("'sometimes' is not local, defer or ignore");
    }

    @Test
    void a_dns_list_refusal_after_the_limits_gives_the_counts_back_and_counts_as_a_refusal(@TempDir Path dir)
            throws Exception {
        Path zone = dir.resolve("bl.ip4set");
        Files.writeString(zone, "203.0.113.66\n");
        RelayEngine engine = builder().localZone("bl.local", zone).dnsbl("bl.local")
                .recipientRateLimit("client:2/1h").refusalRateLimit("client:3/1h").build();
        for (int i = 0; i < 3; i++) {
            Decision d = engine.decide(from("203.0.113.66", "a@example.org"));
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.rule()).isEqualTo(RuleNames.DNSBL);
        }
        Decision blocked = engine.decide(from("203.0.113.66", "a@example.org"));
        assertThat(blocked.rule()).isEqualTo(RuleNames.REFUSAL_RATE_LIMIT);
        assertThat(blocked.trace()).extracting(TraceStep::toString).containsSubsequence(
                "refusal_rate_limit: TEMPFAIL - client:3/1h for client '203.0.113.66': 0 of 3 refusals left",
                "refusal_rate_limit: TEMPFAIL - the client has had its fill of refusals: every recipient is deferred");
        Decision listed = engine.preview(from("203.0.113.66", "a@example.org"));
        assertThat(listed.rule()).isEqualTo(RuleNames.REFUSAL_RATE_LIMIT);
        // a client that is not listed: counted, and the lists come after the limits
        Decision ok = engine.decide(from("203.0.113.67", "a@example.org"));
        assertThat(ok.verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(ok.trace()).extracting(TraceStep::toString).containsSubsequence(
                "mydestination: MATCH - recipient domain example.org is a local domain (matched 'example.org');"
                        + " rate limits next",
                "recipient_rate_limit: PASS - client:2/1h for client '203.0.113.67': 1 of 2 recipients left",
                "mydestination: MATCH - rate limits passed; DNS lists next");
        // the listed client's refused recipients took nothing from its recipient limit
        clock.advance(Duration.ofHours(2));
        Files.writeString(zone, "203.0.113.99\n");
        engine.reloadZonesNow();
        assertThat(accepted(engine, from("203.0.113.66", "a@example.org"), 5)).isEqualTo(2);
    }
}

package io.github.relaypolicy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.RateLimitFailure;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.testsupport.RedisServer;
import io.github.relaypolicy.testsupport.RequiresRedis;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Final review of issue 11 on the real redis-server: refusal counting from {@code decideAsync}'s DNS-list stage,
 * {@code decideAsync} while Redis is down, a reload that changes the store, a closed engine.
 */
@RequiresRedis
final class RedisFinalReviewTest {

    private static final Duration DEADLINE = Duration.ofSeconds(3);

    private static RelayEngine.Builder listed(RedisServer server, Path dir) throws IOException {
        Path zone = Files.writeString(dir.resolve("bl.ip4set"), "203.0.113.9\n203.0.113.10\n203.0.113.11\n");
        return RelayEngine.builder().localDomains("example.org").localZone("bl.local", zone).dnsbl("bl.local")
                .recipientRateLimit("client:100/1h").refusalRateLimit("client:1/1h").rateLimitStore(server.uri())
                .rateLimitFailure(RateLimitFailure.DEFER).dnsTimeout(DEADLINE);
    }

    private static RelayRequest toUs(String client, int i) {
        return RelayRequest.of(client, "<a@example.net>", "<u" + i + "@example.org>");
    }

    /**
     * The sync path, as a control: a DNS-list refusal is counted in Redis, and the other node defers the client.
     */
    @Test
    void a_dns_list_refusal_from_decide_is_counted_in_the_shared_store(@TempDir Path dir) throws Exception {
        try (RedisServer server = RedisServer.start();
                RelayEngine mx1 = listed(server, dir).build();
                RelayEngine mx2 = listed(server, dir).build()) {
            Decision d = mx1.decide(toUs("203.0.113.9", 0));
            assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
            assertThat(d.rule()).isEqualTo(RuleNames.DNSBL);
            assertThat(mx2.decide(toUs("203.0.113.9", 1)).rule()).isEqualTo(RuleNames.REFUSAL_RATE_LIMIT);
        }
    }

    /**
     * decideAsync: the limits' stage completes on Lettuce's I/O thread, and the DNS-list stage runs there. A list
     * refusal then counts the refusal with the blocking {@code Limits.refused} (a join on a second Redis command
     * whose answer only that same I/O thread can read): the thread waits for the store's whole timeout (the DNS
     * deadline), every other Redis answer of the engine waits with it, and the refusal is not counted in Redis (with
     * rate_limit_failure = defer, not at all). Expected: the decision within the deadline (it is one local-zone
     * lookup and two Redis round trips) and the refusal shared.
     */
    @Test
    void a_dns_list_refusal_from_decide_async_is_counted_in_the_shared_store_without_stalling(@TempDir Path dir)
            throws Exception {
        try (RedisServer server = RedisServer.start();
                RelayEngine mx1 = listed(server, dir).build();
                RelayEngine mx2 = listed(server, dir).build()) {
            mx1.decide(toUs("198.51.100.1", 0)); // connected and warm
            for (String client : new String[] {"203.0.113.9", "203.0.113.10", "203.0.113.11"}) {
                long start = System.nanoTime();
                Decision d = mx1.decideAsync(toUs(client, 0)).toCompletableFuture().get(10, TimeUnit.SECONDS);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(d.verdict()).isEqualTo(Verdict.REJECT);
                assertThat(d.rule()).isEqualTo(RuleNames.DNSBL);
                assertThat(millis).as("decideAsync of a listed client, deadline %s", DEADLINE)
                        .isLessThan(DEADLINE.toMillis() / 2);
                assertThat(mx2.decide(toUs(client, 1)).rule()).as("the other node defers %s", client)
                        .isEqualTo(RuleNames.REFUSAL_RATE_LIMIT);
            }
        }
    }

    /**
     * decideAsync completes on Lettuce's I/O thread, so a caller's dependent stage runs there. Rendering the trace
     * (which reads each limit's remaining count from Redis, and waits for it) then waits for an answer only that
     * thread can read: the stage stalls for the store's whole timeout, and then (rate_limit_failure = local) the
     * trace shows the untouched local table's count labelled as Redis's: "5 of 5 recipients left in redis://..."
     * after 3 s, where Redis holds 3. Also calling {@code decide()} in such a stage stalls the same way. README says
     * dependent stages run on the engine's DNS threads or the host's executor; docs/redis.md says the store's I/O
     * thread. Not fixed here: it needs either the decision to keep the remaining counts the store's script already
     * returns, or a hop off the I/O thread (a cost per decision the Redis benchmark should measure).
     */
    @Test
    void the_trace_of_an_async_decision_rendered_in_its_stage_shows_the_remaining_count() throws Exception {
        try (RedisServer server = RedisServer.start();
                RelayEngine mx = RelayEngine.builder().localDomains("example.org").recipientRateLimit("user:5/1h")
                        .rateLimitStore(server.uri()).dnsTimeout(DEADLINE).build()) {
            RelayRequest alice = RelayRequest.builder().client("203.0.113.5").authenticatedUser("alice")
                    .sender("<alice@example.org>").recipient("<r@example.com>").build();
            mx.decide(alice); // connected and warm: 4 left
            long start = System.nanoTime();
            String trace = mx.decideAsync(alice).thenApply(d -> d.trace().toString()).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(trace).contains("user:5/1h for user 'alice': 3 of 5 recipients left");
            assertThat(millis).isLessThan(DEADLINE.toMillis() / 2);
        }
    }

    @Test
    void while_redis_is_down_decide_async_defers_acceptances_and_keeps_relay_refusals() throws Exception {
        try (RedisServer server = RedisServer.start();
                RelayEngine mx = RelayEngine.builder().localDomains("example.org").recipientRateLimit("user:5/1h")
                        .refusalRateLimit("client:3/1h").rateLimitStore(server.uri())
                        .rateLimitFailure(RateLimitFailure.DEFER).dnsTimeout(Duration.ofSeconds(2)).build()) {
            RelayRequest alice = RelayRequest.builder().client("203.0.113.5").authenticatedUser("alice")
                    .sender("<alice@example.org>").recipient("<r@example.com>").build();
            assertThat(mx.decideAsync(alice).toCompletableFuture().get(10, TimeUnit.SECONDS).verdict())
                    .isEqualTo(Verdict.ACCEPT);
            server.kill();
            for (int i = 0; i < 5; i++) {
                Decision d = mx.decideAsync(alice).toCompletableFuture().get(10, TimeUnit.SECONDS);
                assertThat(d.rule()).isEqualTo(RuleNames.RATE_LIMIT_UNAVAILABLE);
                assertThat(d.reply().toString()).isEqualTo("451 4.3.0 <r@example.com>: Temporary lookup failure:"
                        + " rate limit store unavailable, try again later");
                Decision relay = mx.decideAsync(RelayRequest.of("198.51.100.7", "<x@example.net>",
                        "<y@example.com>")).toCompletableFuture().get(10, TimeUnit.SECONDS);
                assertThat(relay.rule()).isEqualTo(RuleNames.RELAY_DENIED);
                assertThat(relay.reply().toString()).isEqualTo("554 5.7.1 <y@example.com>: Relay access denied");
            }
        }
    }

    @Test
    void a_reload_moves_the_counts_between_stores_and_a_closed_engine_still_decides() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            RelayEngine.Builder shared = RelayEngine.builder().localDomains("example.org")
                    .recipientRateLimit("user:2/1h").rateLimitStore(server.uri());
            RelayEngine.Builder local = RelayEngine.builder().localDomains("example.org")
                    .recipientRateLimit("user:2/1h");
            RelayRequest alice = RelayRequest.builder().client("203.0.113.5").authenticatedUser("alice")
                    .sender("<alice@example.org>").recipient("<r@example.com>").build();
            RelayEngine mx = shared.build();
            RelayEngine other = shared.build();
            try {
                assertThat(mx.decide(alice).verdict()).isEqualTo(Verdict.ACCEPT);
                assertThat(other.decide(alice).verdict()).isEqualTo(Verdict.ACCEPT);
                assertThat(mx.decide(alice).rule()).as("2 taken in Redis").isEqualTo(RuleNames.RECIPIENT_RATE_LIMIT);
                mx.reload(local);
                assertThat(mx.decide(alice).verdict()).as("a fresh local table").isEqualTo(Verdict.ACCEPT);
                mx.reload(shared);
                assertThat(mx.decide(alice).rule()).as("Redis again, and it kept its counts")
                        .isEqualTo(RuleNames.RECIPIENT_RATE_LIMIT);
            } finally {
                mx.close();
                other.close();
            }
            Decision after = mx.decide(alice);
            assertThat(after.reply().code()).as("closed: no exception, no 5xx").isLessThan(500);
            Decision afterAsync = mx.decideAsync(alice).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(afterAsync.reply().code()).isLessThan(500);
        }
    }

    /**
     * A server that decides the pipelined RCPTs of one transaction at once (decideAsync, replies sent in order).
     * Found by the review: while the first recipient's message count was in flight to Redis, the others were deferred
     * as "message rate limit exceeded" with 99 of 100 messages left. Now racing recipients take the message count too
     * and all but the first to confirm give it back: all are accepted, and the message is counted once.
     */
    @Test
    void pipelined_recipients_of_one_message_are_not_deferred_as_over_the_message_limit() throws Exception {
        try (RedisServer server = RedisServer.start();
                RelayEngine mx = RelayEngine.builder().localDomains("example.org").messageRateLimit("user:100/1h")
                        .rateLimitStore(server.uri()).dnsTimeout(DEADLINE).build()) {
            mx.decide(RelayRequest.builder().client("203.0.113.5").authenticatedUser("alice")
                    .sender("<alice@example.org>").recipient("<w@example.com>").transactionId("s1.0").build());
            java.util.List<java.util.concurrent.CompletableFuture<Decision>> pipelined = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pipelined.add(mx.decideAsync(RelayRequest.builder().client("203.0.113.5").authenticatedUser("alice")
                        .sender("<alice@example.org>").recipient("<r" + i + "@example.com>").transactionId("s1.1")
                        .build()).toCompletableFuture());
            }
            for (java.util.concurrent.CompletableFuture<Decision> f : pipelined) {
                Decision d = f.get(10, TimeUnit.SECONDS);
                assertThat(d.reply().toString()).isEqualTo("250 2.1.5 Ok");
            }
            // the releases of the racing recipients' extra counts are not awaited: give them a moment
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            String trace = "";
            while (System.nanoTime() - until < 0) {
                trace = mx.preview(RelayRequest.builder().client("203.0.113.5").authenticatedUser("alice")
                        .sender("<alice@example.org>").recipient("<x@example.com>").transactionId("s1.2").build())
                        .trace().toString();
                if (trace.contains("98 of 100 messages left")) {
                    break;
                }
                Thread.sleep(20);
            }
            assertThat(trace).as("two messages counted, once each").contains("user:100/1h for user 'alice': 98 of 100"
                    + " messages left");
        }
    }
}

package io.github.relaypolicy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.RateLimitFailure;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.testsupport.RedisServer;
import io.github.relaypolicy.testsupport.RequiresRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Engines on the real redis-server: rate_limit_failure local and ignore while it is down, every decision within the
 * DNS deadline; the refusal limit shared; preview counts nothing there; 64 decisions in flight stay exact.
 */
@RequiresRedis
final class RedisEngineFailureTest {

    private static RelayEngine.Builder builder(RedisServer server, RateLimitFailure failure) {
        return RelayEngine.builder().localDomains("example.org").recipientRateLimit("user:5/1h")
                .rateLimitStore(server.uri()).rateLimitFailure(failure).dnsTimeout(Duration.ofSeconds(2));
    }

    private static RelayRequest alice(int i) {
        return RelayRequest.builder().client("203.0.113.5").authenticatedUser("alice").sender("<alice@example.org>")
                .recipient("<r" + i + "@example.com>").build();
    }

    /** Decides, and checks that it took less than the DNS deadline and a margin. */
    private static Decision timed(RelayEngine engine, RelayRequest r) {
        long start = System.nanoTime();
        Decision d = engine.decide(r);
        assertThat(System.nanoTime() - start).as("decision time").isLessThan(TimeUnit.SECONDS.toNanos(3));
        assertThat(d.reply().code()).as("never a 5xx for an accepted-by-rules recipient").isLessThan(500);
        return d;
    }

    @Test
    void local_counts_in_this_process_while_redis_is_down() throws Exception {
        try (RedisServer server = RedisServer.start();
                RelayEngine mx = builder(server, RateLimitFailure.LOCAL).build()) {
            for (int i = 0; i < 3; i++) {
                assertThat(timed(mx, alice(i)).verdict()).isEqualTo(Verdict.ACCEPT);
            }
            server.kill();
            int accepted = 0;
            for (int i = 0; i < 8; i++) {
                Decision d = timed(mx, alice(10 + i));
                if (d.verdict() == Verdict.ACCEPT) {
                    accepted++;
                } else {
                    assertThat(d.rule()).isEqualTo(RuleNames.RECIPIENT_RATE_LIMIT);
                }
            }
            assertThat(accepted).as("the local table starts afresh: the limit holds per node meanwhile").isEqualTo(5);
            assertThat(mx.decide(alice(30)).trace()).extracting(TraceStep::toString)
                    .anyMatch(s -> s.startsWith("recipient_rate_limit: TEMPFAIL - user:5/1h for user 'alice': 0 of 5"));
        }
    }

    @Test
    void ignore_lets_recipients_through_uncounted_while_redis_is_down() throws Exception {
        try (RedisServer server = RedisServer.start();
                RelayEngine mx = builder(server, RateLimitFailure.IGNORE).build()) {
            assertThat(timed(mx, alice(0)).verdict()).isEqualTo(Verdict.ACCEPT);
            server.kill();
            for (int i = 0; i < 10; i++) {
                assertThat(timed(mx, alice(i)).verdict()).isEqualTo(Verdict.ACCEPT);
            }
            Decision async = mx.decideAsync(alice(99)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(async.verdict()).isEqualTo(Verdict.ACCEPT);
            // relay is still refused: a store failure never opens relay
            Decision relay = mx.decide(RelayRequest.of("203.0.113.9", "<a@example.net>", "<b@example.com>"));
            assertThat(relay.rule()).isEqualTo(RuleNames.RELAY_DENIED);
        }
    }

    @Test
    void preview_reads_the_shared_counts_without_taking_any() throws Exception {
        try (RedisServer server = RedisServer.start();
                RelayEngine mx1 = builder(server, RateLimitFailure.DEFER).build();
                RelayEngine mx2 = builder(server, RateLimitFailure.DEFER).build()) {
            assertThat(mx1.decide(alice(0)).verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(mx1.decide(alice(1)).verdict()).isEqualTo(Verdict.ACCEPT);
            for (int i = 0; i < 10; i++) {
                Decision p = mx2.preview(alice(2));
                assertThat(p.verdict()).isEqualTo(Verdict.ACCEPT);
                assertThat(p.trace()).extracting(TraceStep::toString).contains("recipient_rate_limit: PASS -"
                        + " user:5/1h for user 'alice': 3 of 5 recipients left in redis://" + server.hostAndPort()
                        + "/0");
            }
        }
    }

    @Test
    void the_refusal_limit_is_shared_between_nodes() throws Exception {
        try (RedisServer server = RedisServer.start();
                RelayEngine mx1 = builder(server, RateLimitFailure.DEFER).refusalRateLimit("client:3/1h").build();
                RelayEngine mx2 = builder(server, RateLimitFailure.DEFER).refusalRateLimit("client:3/1h").build()) {
            RelayRequest probe = RelayRequest.of("198.51.100.66", "<a@example.net>", "<v@example.com>");
            assertThat(mx1.decide(probe).rule()).isEqualTo(RuleNames.RELAY_DENIED);
            assertThat(mx2.decide(probe).rule()).isEqualTo(RuleNames.RELAY_DENIED);
            assertThat(mx1.decideAsync(probe).toCompletableFuture().get(5, TimeUnit.SECONDS).rule())
                    .isEqualTo(RuleNames.RELAY_DENIED);
            Decision blocked = mx2.decide(RelayRequest.of("198.51.100.66", "<a@example.net>", "<u@example.org>"));
            assertThat(blocked.verdict()).isEqualTo(Verdict.TEMPFAIL);
            assertThat(blocked.rule()).isEqualTo(RuleNames.REFUSAL_RATE_LIMIT);
        }
    }

    @Test
    void sixty_four_decisions_in_flight_from_two_nodes_take_exactly_the_limit() throws Exception {
        try (RedisServer server = RedisServer.start();
                RelayEngine mx1 = builder(server, RateLimitFailure.DEFER).build();
                RelayEngine mx2 = builder(server, RateLimitFailure.DEFER).build()) {
            List<CompletableFuture<Decision>> flight = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                flight.add((i % 2 == 0 ? mx1 : mx2).decideAsync(alice(i)).toCompletableFuture());
            }
            CompletableFuture.allOf(flight.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            long accepted = flight.stream().filter(f -> f.join().verdict() == Verdict.ACCEPT).count();
            assertThat(accepted).isEqualTo(5);
            assertThat(flight).allMatch(f -> f.join().verdict() == Verdict.ACCEPT
                    || f.join().rule().equals(RuleNames.RECIPIENT_RATE_LIMIT));
        }
    }
}

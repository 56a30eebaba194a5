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
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Engines with rate_limit_store = redis://... on the real redis-server: two nodes, an outage, a recovery. */
@RequiresRedis
final class RedisEngineTest {

    private static RelayEngine engine(RedisServer server, RateLimitFailure failure) {
        return RelayEngine.builder().localDomains("example.org").relayDomains("example.net")
                .recipientRateLimit("user:5/1h").rateLimitStore(server.uri()).rateLimitFailure(failure)
                .dnsTimeout(Duration.ofSeconds(2)).build();
    }

    private static RelayRequest alice(int i) {
        return RelayRequest.builder().client("203.0.113.5").authenticatedUser("alice").sender("<alice@example.org>")
                .recipient("<r" + i + "@example.com>").build();
    }

    @Test
    void two_engines_on_one_redis_enforce_one_combined_limit() throws Exception {
        try (RedisServer server = RedisServer.start();
                RelayEngine mx1 = engine(server, RateLimitFailure.DEFER);
                RelayEngine mx2 = engine(server, RateLimitFailure.DEFER)) {
            int accepted = 0;
            for (int i = 0; i < 10; i++) {
                Decision d = (i % 2 == 0 ? mx1 : mx2).decideAsync(alice(i)).toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);
                if (d.verdict() == Verdict.ACCEPT) {
                    accepted++;
                } else {
                    assertThat(d.verdict()).isEqualTo(Verdict.TEMPFAIL);
                    assertThat(d.rule()).isEqualTo(RuleNames.RECIPIENT_RATE_LIMIT);
                }
            }
            assertThat(accepted).isEqualTo(5);
        }
    }

    @Test
    void while_redis_is_down_decisions_go_on_by_rate_limit_failure_and_use_redis_again_once_back()
            throws Exception {
        try (RedisServer server = RedisServer.start(); RelayEngine mx = engine(server, RateLimitFailure.DEFER)) {
            assertThat(mx.decide(alice(0)).verdict()).isEqualTo(Verdict.ACCEPT);

            server.kill();
            Decision down = mx.decideAsync(alice(1)).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(down.verdict()).isEqualTo(Verdict.TEMPFAIL);
            assertThat(down.rule()).isEqualTo(RuleNames.RATE_LIMIT_UNAVAILABLE);
            assertThat(down.reply().code()).isBetween(400, 499);
            assertThat(mx.decide(alice(2)).rule()).isEqualTo(RuleNames.RATE_LIMIT_UNAVAILABLE);

            server.restart();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Decision d = mx.decide(alice(3));
            while (d.verdict() != Verdict.ACCEPT && System.nanoTime() - until < 0) {
                Thread.sleep(100);
                d = mx.decide(alice(3));
            }
            assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
            for (int i = 0; i < 4; i++) {
                mx.decide(alice(4 + i));
            }
            assertThat(mx.decide(alice(9)).rule()).as("the restarted Redis counted 5 since it came back")
                    .isEqualTo(RuleNames.RECIPIENT_RATE_LIMIT);
        }
    }
}

package io.github.relaypolicy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.spi.RateLimitBucket;
import io.github.relaypolicy.core.spi.RateLimitOutcome;
import io.github.relaypolicy.core.spi.RateLimitStore;
import io.github.relaypolicy.testsupport.RedisServer;
import io.github.relaypolicy.testsupport.RequiresRedis;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Many concurrent operations on one connection, and two stores (two engines, two nodes) on one Redis. */
@RequiresRedis
final class RedisStoreSharingTest {

    private static final long HOUR = 3_600_000;

    private static RedisServer server;

    @BeforeAll
    static void start() throws Exception {
        server = RedisServer.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static RateLimitStore open() {
        return new RedisRateLimitStoreProvider().open(URI.create(server.uri()), Duration.ofSeconds(10));
    }

    @Test
    void many_acquires_in_flight_on_one_key_never_let_more_than_the_burst_through() throws Exception {
        RateLimitBucket b = new RateLimitBucket("relay-policy:test:race", HOUR, 100);
        long now = System.currentTimeMillis();
        try (RateLimitStore store = open()) {
            // 4 threads x 150 calls, all issued before any answer is awaited: they share one pipelined connection
            List<List<CompletableFuture<RateLimitOutcome>>> perThread = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                List<CompletableFuture<RateLimitOutcome>> mine = new ArrayList<>();
                perThread.add(mine);
                Thread thread = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < 150; i++) {
                        mine.add(store.acquire(List.of(), List.of(b), now, false).toCompletableFuture());
                    }
                });
                threads.add(thread);
                thread.start();
            }
            go.countDown();
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
            List<CompletableFuture<RateLimitOutcome>> all = new ArrayList<>();
            perThread.forEach(all::addAll); // each list was written by its thread, which has ended (join)
            assertThat(all).hasSize(600);
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

            List<RateLimitOutcome> accepted = all.stream().map(CompletableFuture::join)
                    .filter(o -> o.refused() < 0).collect(Collectors.toList());
            assertThat(accepted).hasSize(100);
            assertThat(accepted.stream().map(o -> o.remaining().get(0)).sorted())
                    .as("each remaining count once: every acquire saw the one before it")
                    .containsExactlyElementsOf(LongStream.range(0, 100).boxed().collect(Collectors.toList()));
        }
    }

    @Test
    void two_stores_on_one_redis_enforce_one_combined_limit() throws Exception {
        RateLimitBucket user = new RateLimitBucket("relay-policy:test:two-nodes:user:alice", HOUR, 10);
        long now = System.currentTimeMillis();
        try (RateLimitStore mx1 = open(); RateLimitStore mx2 = open()) {
            int accepted = 0;
            for (int i = 0; i < 20; i++) {
                RateLimitStore node = i % 2 == 0 ? mx1 : mx2;
                RateLimitOutcome o = node.acquire(List.of(), List.of(user), now, false).toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);
                if (o.refused() < 0) {
                    accepted++;
                    assertThat(o.remaining()).containsExactly(10L - accepted);
                }
            }
            assertThat(accepted).as("10 in all, not 10 per node").isEqualTo(10);

            // a recipient that mx2 gives back (a DNS list refused it later) is free again for mx1
            mx2.release(List.of(user), now).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(mx1.acquire(List.of(), List.of(user), now, false).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)).isEqualTo(new RateLimitOutcome(-1, List.of(0L)));
        }
    }

    @Test
    void two_stores_racing_never_let_more_than_the_burst_through() throws Exception {
        RateLimitBucket user = new RateLimitBucket("relay-policy:test:two-nodes:race", HOUR, 50);
        long now = System.currentTimeMillis();
        try (RateLimitStore mx1 = open(); RateLimitStore mx2 = open()) {
            List<CompletableFuture<RateLimitOutcome>> all = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                all.add((i % 2 == 0 ? mx1 : mx2).acquire(List.of(), List.of(user), now, false).toCompletableFuture());
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

            assertThat(all.stream().map(CompletableFuture::join).filter(o -> o.refused() < 0).count()).isEqualTo(50);
        }
    }
}

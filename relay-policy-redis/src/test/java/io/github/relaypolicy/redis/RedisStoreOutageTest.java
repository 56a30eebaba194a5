package io.github.relaypolicy.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.core.spi.RateLimitBucket;
import io.github.relaypolicy.core.spi.RateLimitOutcome;
import io.github.relaypolicy.core.spi.RateLimitStore;
import io.github.relaypolicy.testsupport.RedisServer;
import io.github.relaypolicy.testsupport.RequiresRedis;
import io.lettuce.core.RedisCommandTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The real redis-server killed and restarted under the store: operations fail fast while it is away (a failed
 * stage, never a throw, never a wait beyond the timeout), and succeed again once it is back, without reopening the
 * store, although the restarted Redis has lost its scripts (NOSCRIPT) and its counts.
 */
@RequiresRedis
final class RedisStoreOutageTest {

    private static final long HOUR = 3_600_000;
    /** The store's timeout: an operation that neither succeeds nor fails within it has been queued. */
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** How long the tests wait for the store to work again after Redis is back (Lettuce retries every second). */
    private static final long RECOVERY_SECONDS = 10;

    private final RateLimitBucket user = new RateLimitBucket("relay-policy:test:outage:user", HOUR, 5);

    private static RateLimitStore open(RedisServer server) {
        return new RedisRateLimitStoreProvider().open(URI.create(server.uri()), TIMEOUT);
    }

    private CompletionStage<RateLimitOutcome> take(RateLimitStore store) {
        return store.acquire(List.of(), List.of(user), System.currentTimeMillis(), false);
    }

    /** The stage's failure, which must come within twice the timeout (bounded, not a performance claim). */
    private static Throwable failureOf(CompletionStage<?> stage) throws Exception {
        try {
            stage.toCompletableFuture().get(2 * TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the operation succeeded while Redis was down");
    }

    /** Tries until an acquire succeeds, for at most {@link #RECOVERY_SECONDS}; the first success. */
    private RateLimitOutcome untilItWorks(RateLimitStore store) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(RECOVERY_SECONDS);
        Throwable last = null;
        while (System.nanoTime() - until < 0) {
            try {
                return take(store).toCompletableFuture().get(2 * TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                last = e.getCause();
                Thread.sleep(100);
            }
        }
        throw new AssertionError("the store did not work again within " + RECOVERY_SECONDS + " s", last);
    }

    @Test
    void killed_redis_fails_operations_fast_and_a_restarted_one_is_used_again() throws Exception {
        try (RedisServer server = RedisServer.start(); RateLimitStore store = open(server)) {
            assertThat(take(store).toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .isEqualTo(new RateLimitOutcome(-1, List.of(4L)));

            server.kill();

            // 100 operations while Redis is down: each returns a stage (no throw) that fails within the bound
            List<CompletionStage<RateLimitOutcome>> during = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                during.add(take(store));
            }
            during.add(store.acquire(List.of(user), List.of(), System.currentTimeMillis(), true));
            for (CompletionStage<RateLimitOutcome> stage : during) {
                assertThat(failureOf(stage)).isNotNull();
            }
            assertThat(failureOf(store.release(List.of(user), System.currentTimeMillis()))).isNotNull();

            server.restart();
            try (RedisProbe probe = new RedisProbe(server)) {
                assertThat(probe.redis().scriptExists(GcraScripts.ACQUIRE.sha))
                        .as("the restarted Redis has an empty script cache").containsExactly(false);

                RateLimitOutcome first = untilItWorks(store);

                assertThat(first).as("the restarted Redis starts empty").isEqualTo(new RateLimitOutcome(-1,
                        List.of(4L)));
                assertThat(probe.redis().scriptExists(GcraScripts.ACQUIRE.sha))
                        .as("NOSCRIPT answered with EVAL, which caches the script").containsExactly(true);
                assertThat(take(store).toCompletableFuture().get(10, TimeUnit.SECONDS))
                        .isEqualTo(new RateLimitOutcome(-1, List.of(3L)));
            }
        }
    }

    @Test
    void open_succeeds_while_redis_is_down_and_the_store_connects_once_it_is_up() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            server.kill();

            try (RateLimitStore store = open(server)) {
                Throwable failure = failureOf(take(store));
                assertThat(failure).hasMessageContaining("127.0.0.1");
                assertThat(failureOf(take(store))).as("failing again, at once or after a new attempt").isNotNull();

                server.restart();

                assertThat(untilItWorks(store)).isEqualTo(new RateLimitOutcome(-1, List.of(4L)));
            }
        }
    }

    @Test
    void a_flushed_script_cache_is_refilled_on_the_next_operation() throws Exception {
        try (RedisServer server = RedisServer.start(); RateLimitStore store = open(server);
                RedisProbe probe = new RedisProbe(server)) {
            take(store).toCompletableFuture().get(10, TimeUnit.SECONDS);

            probe.redis().scriptFlush();

            assertThat(take(store).toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .isEqualTo(new RateLimitOutcome(-1, List.of(3L)));
            store.release(List.of(user), System.currentTimeMillis()).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(probe.redis().scriptExists(GcraScripts.ACQUIRE.sha, GcraScripts.RELEASE.sha))
                    .containsExactly(true, true);
        }
    }

    @Test
    void a_stopped_redis_that_does_not_answer_fails_operations_by_the_timeout() throws Exception {
        try (RedisServer server = RedisServer.start(); RateLimitStore store = open(server)) {
            take(store).toCompletableFuture().get(10, TimeUnit.SECONDS);
            String pid = String.valueOf(server.pid());
            assertThat(new ProcessBuilder("kill", "-STOP", pid).start().waitFor()).isZero();
            try {
                // connected, but nothing answers: only the command timeout ends the wait
                assertThat(failureOf(take(store))).hasMessageContaining("timed out");
            } finally {
                new ProcessBuilder("kill", "-CONT", pid).start().waitFor(5, TimeUnit.SECONDS);
            }
            assertThat(untilItWorks(store).refused()).isEqualTo(-1);
        }
    }

    @Test
    void operations_in_flight_when_the_connection_drops_fail_at_once_and_are_not_replayed() throws Exception {
        try (RedisServer server = RedisServer.start();
                RateLimitStore store = new RedisRateLimitStoreProvider().open(URI.create(server.uri()),
                        Duration.ofSeconds(30));
                RedisProbe probe = new RedisProbe(server)) {
            take(store).toCompletableFuture().get(10, TimeUnit.SECONDS);
            String pid = String.valueOf(server.pid());
            assertThat(new ProcessBuilder("kill", "-STOP", pid).start().waitFor()).isZero();
            List<CompletionStage<RateLimitOutcome>> inFlight = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                inFlight.add(take(store)); // written to the socket; the stopped Redis answers nothing
            }

            server.kill(); // SIGKILL ends even a stopped process: the connection is reset

            for (CompletionStage<RateLimitOutcome> stage : inFlight) {
                // within 4 s of a 30 s timeout: failed by the dropped connection (a reset, or a close that the store's
                // replay filter turns into a failure), not left to the timeout nor replayed
                assertThat(failureOf(stage)).isNotInstanceOf(RedisCommandTimeoutException.class);
            }
            server.restart();
            assertThat(untilItWorks(store)).as("nothing of the 10 was replayed into the new Redis")
                    .isEqualTo(new RateLimitOutcome(-1, List.of(4L)));
        }
    }

    @Test
    void close_stops_the_client_threads_and_later_operations_fail() throws Exception {
        Set<Long> before = lettuceThreads();
        RateLimitStore store;
        try (RedisServer server = RedisServer.start()) {
            store = open(server);
            take(store).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(lettuceThreads()).isNotEmpty();

            store.close();
        }

        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Set<Long> left = lettuceThreads();
        left.removeAll(before);
        while (!left.isEmpty() && System.nanoTime() - until < 0) {
            Thread.sleep(50);
            left = lettuceThreads();
            left.removeAll(before);
        }
        assertThat(left).as("threads of the closed store").isEmpty();
        assertThat(failureOf(take(store))).isInstanceOf(IllegalStateException.class)
                .hasMessageEndingWith("/0 is closed");
        CompletableFuture<Void> release = store.release(List.of(user), 0).toCompletableFuture();
        assertThatThrownBy(release::join).hasCauseInstanceOf(IllegalStateException.class);
        store.close(); // twice is harmless
    }

    private static Set<Long> lettuceThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("lettuce-"))
                .map(Thread::getId)
                .collect(Collectors.toSet());
    }
}

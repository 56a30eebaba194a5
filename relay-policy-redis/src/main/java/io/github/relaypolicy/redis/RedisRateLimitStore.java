package io.github.relaypolicy.redis;

import io.github.relaypolicy.core.spi.RateLimitBucket;
import io.github.relaypolicy.core.spi.RateLimitOutcome;
import io.github.relaypolicy.core.spi.RateLimitStore;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The Redis store: one Lettuce client with its own small {@link ClientResources} (two I/O threads and two
 * computation threads, Lettuce's least, started when first used, plus its timer), and one connection that every operation shares; Lettuce pipelines concurrent commands on it. Each
 * operation is one script ({@code EVALSHA}, or {@code EVAL} when Redis answers {@code NOSCRIPT} because it restarted
 * and lost its script cache).
 *
 * <p>Failing fast: a command given while the connection is down is rejected at once
 * ({@link ClientOptions.DisconnectedBehavior#REJECT_COMMANDS}), commands in flight when it drops fail at once rather
 * than being replayed after the reconnection ({@link #failInsteadOfReplay}), every command times out after the
 * timeout given to {@code open}, and Lettuce's queue is bounded. Lettuce reconnects by itself (every
 * 10 ms to 1 s) once a connection has been made; until the first connection succeeds, the store tries again on use,
 * at most every {@link #RETRY}, and fails the operations in between at once. Stages complete on Lettuce's I/O thread.
 */
final class RedisRateLimitStore implements RateLimitStore {

    /** How long after a failed first connection the next operation tries again (until then they fail at once). */
    static final Duration RETRY = Duration.ofMillis(200);
    /** Commands Lettuce may hold at once (written but not answered); more are rejected, never queued without end. */
    static final int QUEUE = 16_384;

    private final RedisUri uri;
    private final ClientResources resources;
    private final RedisClient client;
    private final RedisURI lettuceUri;
    private final AtomicReference<@Nullable CompletableFuture<StatefulRedisConnection<String, String>>> connection =
            new AtomicReference<>();
    private volatile long failedAt;
    private volatile boolean closed;

    RedisRateLimitStore(RedisUri uri, Duration timeout) {
        this.uri = uri;
        this.lettuceUri = uri.toLettuce(timeout);
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(2) // Lettuce's least (it raises 1 to 2 with a log line)
                .computationThreadPoolSize(2)
                // after an outage the connection comes back within a second of Redis (Lettuce's default backs
                // off to 30 s)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        RedisClient c;
        try {
            c = RedisClient.create(resources);
            c.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .replayFilter(RedisRateLimitStore::failInsteadOfReplay)
                    .requestQueueSize(QUEUE)
                    .timeoutOptions(TimeoutOptions.enabled(timeout))
                    .socketOptions(SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build())
                    .build());
        } catch (RuntimeException e) {
            resources.shutdown(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
        this.client = c;
        connection(); // connect in the background now, so that the first decision finds the connection made
    }

    /**
     * Lettuce's replay filter, asked for each command in flight when the connection dropped: true drops the command
     * from the replay, but leaves it to its timeout; completing it here fails it at once, so that the engine's
     * {@code rate_limit_failure} applies now. Never replayed: a replayed acquire would count twice, and the engine
     * has given up on it anyway.
     */
    private static boolean failInsteadOfReplay(RedisCommand<?, ?, ?> command) {
        command.completeExceptionally(new RedisException("the connection to Redis was lost"));
        return true;
    }

    @Override
    public CompletionStage<RateLimitOutcome> acquire(List<RateLimitBucket> guards, List<RateLimitBucket> buckets,
            long nowMillis, boolean dryRun) {
        try {
            int n = guards.size() + buckets.size();
            if (n == 0) {
                return CompletableFuture.completedFuture(new RateLimitOutcome(-1, List.of()));
            }
            String[] keys = new String[n];
            String[] args = new String[3 + 2 * n];
            args[0] = Long.toString(nowMillis);
            args[1] = Integer.toString(guards.size());
            args[2] = dryRun ? "1" : "0";
            int i = 0;
            for (RateLimitBucket b : guards) {
                put(b, i++, keys, args);
            }
            for (RateLimitBucket b : buckets) {
                put(b, i++, keys, args);
            }
            int bucketCount = buckets.size();
            return this.<List<Object>>run(GcraScripts.ACQUIRE, ScriptOutputType.MULTI, keys, args)
                    .thenApply(reply -> outcome(reply, bucketCount));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // a stage, never a throw: the engine handles it as a failure
        }
    }

    private static void put(RateLimitBucket b, int i, String[] keys, String[] args) {
        keys[i] = b.key();
        args[3 + 2 * i] = Long.toString(b.intervalMillis());
        args[4 + 2 * i] = Integer.toString(b.burst());
    }

    private static RateLimitOutcome outcome(List<Object> reply, int buckets) {
        if (reply.size() != buckets + 1) {
            throw new IllegalStateException("the acquire script answered " + reply.size() + " numbers for "
                    + buckets + " buckets");
        }
        List<Long> remaining = new ArrayList<>(buckets);
        for (int i = 1; i <= buckets; i++) {
            remaining.add((Long) reply.get(i));
        }
        return new RateLimitOutcome(Math.toIntExact((Long) reply.get(0)), remaining);
    }

    @Override
    public CompletionStage<Void> release(List<RateLimitBucket> buckets, long nowMillis) {
        try {
            if (buckets.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            String[] keys = new String[buckets.size()];
            String[] args = new String[1 + buckets.size()];
            args[0] = Long.toString(nowMillis);
            for (int i = 0; i < keys.length; i++) {
                keys[i] = buckets.get(i).key();
                args[1 + i] = Long.toString(buckets.get(i).intervalMillis());
            }
            return this.<Long>run(GcraScripts.RELEASE, ScriptOutputType.INTEGER, keys, args).thenApply(zero -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** EVALSHA, and EVAL if Redis does not know the script (it restarted since it was loaded). */
    private <T> CompletionStage<T> run(GcraScripts.Script script, ScriptOutputType type, String[] keys,
            String[] args) {
        return commands().thenCompose(redis -> redis.<T>evalsha(script.sha, type, keys, args)
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        ? redis.<T>eval(script.text, type, keys, args)
                        : CompletableFuture.failedFuture(unwrap(e))));
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The shared connection's commands, once connected; a failed stage at once while a retry is not yet due. */
    private CompletionStage<RedisAsyncCommands<String, String>> commands() {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException(describe() + " is closed"));
        }
        CompletableFuture<StatefulRedisConnection<String, String>> c = connection();
        if (c.isDone() && !c.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(c.join().async()); // the common case: no stage to wait on
        }
        return c.thenApply(StatefulRedisConnection::async); // connecting, or failed: wait, or fail at once
    }

    /**
     * The connection's future: the one made or being made, or a new attempt if the last one failed at least
     * {@link #RETRY} ago. Once made, the connection is kept (Lettuce reconnects it).
     */
    private CompletableFuture<StatefulRedisConnection<String, String>> connection() {
        while (true) {
            CompletableFuture<StatefulRedisConnection<String, String>> c = connection.get();
            if (c != null && !(c.isCompletedExceptionally()
                    && System.nanoTime() - failedAt >= RETRY.toNanos())) {
                return c;
            }
            CompletableFuture<StatefulRedisConnection<String, String>> attempt = new CompletableFuture<>();
            if (connection.compareAndSet(c, attempt)) {
                connect(attempt);
                return attempt;
            }
        }
    }

    private void connect(CompletableFuture<StatefulRedisConnection<String, String>> attempt) {
        try {
            client.connectAsync(StringCodec.UTF8, lettuceUri)
                    .thenCompose(conn -> load(conn).whenComplete((ok, e) -> {
                        if (e != null) {
                            conn.closeAsync();
                        }
                    }))
                    .whenComplete((conn, e) -> {
                        if (e != null) {
                            failedAt = System.nanoTime();
                            attempt.completeExceptionally(unwrap(e));
                        } else if (closed) {
                            conn.closeAsync();
                            attempt.completeExceptionally(new IllegalStateException(describe() + " is closed"));
                        } else {
                            attempt.complete(conn);
                        }
                    });
        } catch (RuntimeException e) {
            failedAt = System.nanoTime();
            attempt.completeExceptionally(e); // e.g. the client shut down by close() meanwhile
        }
    }

    /** SCRIPT LOAD of both scripts, so that EVALSHA finds them; checks that Redis hashes them as we do. */
    private static CompletionStage<StatefulRedisConnection<String, String>> load(
            StatefulRedisConnection<String, String> conn) {
        RedisAsyncCommands<String, String> redis = conn.async();
        return redis.scriptLoad(GcraScripts.ACQUIRE.text).thenCombine(redis.scriptLoad(GcraScripts.RELEASE.text),
                (a, r) -> {
                    if (!a.equals(GcraScripts.ACQUIRE.sha) || !r.equals(GcraScripts.RELEASE.sha)) {
                        throw new IllegalStateException("Redis answered SCRIPT LOAD with " + a + " and " + r
                                + ", expected " + GcraScripts.ACQUIRE.sha + " and " + GcraScripts.RELEASE.sha);
                    }
                    return conn;
                });
    }

    @Override
    public String describe() {
        return uri.describe();
    }

    /**
     * Closes the connection and the client, and stops the client's threads (waiting at most two seconds). Later
     * operations fail at once.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } finally {
            try {
                resources.shutdown(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // the threads end on their own a moment later; nothing is left to release here
            }
        }
    }

    @Override
    public String toString() {
        return "RedisRateLimitStore[" + describe() + "]";
    }
}

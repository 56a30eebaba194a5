package io.github.relaypolicy.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.github.relaypolicy.testsupport.RedisServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The tests' own view of Redis, beside the store: a plain synchronous Lettuce connection. */
final class RedisProbe implements AutoCloseable {

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    RedisProbe(RedisServer server) {
        resources = ClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        client = RedisClient.create(resources, RedisURI.builder().withHost("127.0.0.1").withPort(server.port())
                .withTimeout(Duration.ofSeconds(5)).build());
        connection = client.connect();
    }

    RedisCommands<String, String> redis() {
        return connection.sync();
    }

    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}

package io.github.relaypolicy.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.core.spi.RateLimitStoreProvider;
import java.net.URI;
import java.time.Duration;
import java.util.ServiceLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@code redis://} URIs as the provider checks and shows them; no Redis needed. */
final class RedisUriTest {

    private final RedisRateLimitStoreProvider provider = new RedisRateLimitStoreProvider();

    @Test
    void service_loader_finds_the_provider_by_its_scheme() {
        assertThat(ServiceLoader.load(RateLimitStoreProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.scheme().equals("redis")))
                .singleElement()
                .isInstanceOf(RedisRateLimitStoreProvider.class);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            redis://127.0.0.1:6379           | redis://127.0.0.1:6379/0
            redis://127.0.0.1:6379/          | -
            redis://127.0.0.1:6379/0         | redis://127.0.0.1:6379/0
            redis://127.0.0.1:6379/15        | redis://127.0.0.1:6379/15
            REDIS://Redis.Example.Net:1/3    | redis://Redis.Example.Net:1/3
            redis://[::1]:6380/2             | redis://[::1]:6380/2
            redis://:s3cret@10.0.0.5:6379/1  | redis://10.0.0.5:6379/1
            redis://s3cret@10.0.0.5:6379     | redis://10.0.0.5:6379/0
            redis://mx:s3cret@10.0.0.5:65535 | redis://10.0.0.5:65535/0
            """)
    void valid_uris_are_described_without_their_password(String uri, String described) {
        if (described.equals("-")) {
            assertThatThrownBy(() -> provider.validate(URI.create(uri)))
                    .hasMessage("the path '/' is not /DB with DB a database number 0..15 (expected"
                            + " redis://HOST:PORT[/DB])");
            return;
        }
        provider.validate(URI.create(uri));
        assertThat(RedisUri.parse(URI.create(uri)).describe()).isEqualTo(described).doesNotContain("s3cret");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            http://127.0.0.1:6379/0           | the scheme is not redis
            localhost:6379                    | the scheme is not redis
            redis:127.0.0.1                   | no HOST:PORT
            redis:///0                        | no HOST:PORT
            redis://127.0.0.1/0               | no port
            redis://127.0.0.1:0/0             | port 0 is not in 1..65535
            redis://127.0.0.1:65536/0         | port 65536 is not in 1..65535
            redis://bad_host:6379/0           | no valid host
            redis://127.0.0.1:6379/16         | database 16 is not in 0..15
            redis://127.0.0.1:6379/-1         | the path '/-1' is not /DB with DB a database number 0..15
            redis://127.0.0.1:6379/db1        | the path '/db1' is not /DB with DB a database number 0..15
            redis://127.0.0.1:6379/100        | the path '/100' is not /DB with DB a database number 0..15
            redis://127.0.0.1:6379/0/keys     | the path '/0/keys' is not /DB with DB a database number 0..15
            redis://127.0.0.1:6379/0?x=1      | a query (?...) is not supported
            redis://127.0.0.1:6379/0#f        | a fragment (#...) is not supported
            redis://:s3cret@127.0.0.1:99999/0 | port 99999 is not in 1..65535
            redis://mx:@127.0.0.1:6379/0      | the password in the user information is empty
            """)
    void invalid_uris_are_refused_naming_what_is_wrong_and_never_the_password(String uri, String message) {
        assertThatThrownBy(() -> provider.validate(URI.create(uri)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message + " (expected redis://HOST:PORT[/DB])")
                .message().doesNotContain("s3cret");
    }

    @Test
    void open_checks_the_uri_and_the_timeout_without_connecting() {
        assertThatThrownBy(() -> provider.open(URI.create("redis://127.0.0.1/0"), Duration.ofSeconds(1)))
                .hasMessage("no port (expected redis://HOST:PORT[/DB])");
        assertThatThrownBy(() -> provider.open(URI.create("redis://127.0.0.1:6379/0"), Duration.ZERO))
                .hasMessage("Redis store timeout PT0S: at least 1 ms");
    }

    @Test
    void the_scheme_is_redis() {
        assertThat(provider.scheme()).isEqualTo("redis").isEqualTo(RedisRateLimitStoreProvider.SCHEME);
    }
}

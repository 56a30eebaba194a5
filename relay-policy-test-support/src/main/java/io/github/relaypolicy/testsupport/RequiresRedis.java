package io.github.relaypolicy.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class (or method) that starts the real redis-server through {@link RedisServer}: JUnit tag
 * {@value RedisServer#TAG}. {@code mvn verify} runs them (CI installs redis-server); {@code -DexcludedGroups=redis}
 * skips them on a machine without Redis, {@code -Dgroups=redis} runs only them.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Tag(RedisServer.TAG)
public @interface RequiresRedis {
}

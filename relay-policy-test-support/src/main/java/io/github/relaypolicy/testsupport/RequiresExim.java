package io.github.relaypolicy.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class (or method) that runs Debian's Exim through {@link EximRunner}: JUnit tag
 * {@value EximRunner#TAG}. {@code mvn verify} runs them (CI unpacks Exim with {@code .ci/exim});
 * {@code -DexcludedGroups=exim} skips them on a machine without it, {@code -Dgroups=exim} runs only them.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Tag(EximRunner.TAG)
public @interface RequiresExim {
}

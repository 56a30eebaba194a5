package io.github.relaypolicy.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class (or method) that starts the real rbldnsd through {@link RbldnsdServer}: JUnit tag
 * {@value RbldnsdServer#TAG}. {@code mvn verify} runs them (CI installs rbldnsd); {@code -DexcludedGroups=rbldnsd}
 * skips them on a machine without rbldnsd, {@code -Dgroups=rbldnsd} runs only them.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Tag(RbldnsdServer.TAG)
public @interface RequiresRbldnsd {
}

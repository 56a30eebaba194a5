package io.github.relaypolicy.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class (or method) that starts the real Postfix through {@link PostfixServer}: JUnit tag
 * {@value PostfixServer#TAG}. {@code mvn verify} runs them (CI installs postfix and runs as root);
 * {@code -DexcludedGroups=postfix} skips them on a machine without Postfix, {@code -Dgroups=postfix} runs only them.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Tag(PostfixServer.TAG)
public @interface RequiresPostfix {
}

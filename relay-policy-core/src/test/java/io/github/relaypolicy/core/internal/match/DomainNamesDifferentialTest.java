package io.github.relaypolicy.core.internal.match;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.internal.dns.ListSpec;
import io.github.relaypolicy.core.internal.dns.ZoneNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every reader that had its own domain-name check answers through {@link DomainNames} exactly as it did before
 * (issue 10): each is compared with its frozen copy in {@link LegacyValidators} (and {@link LegacySmtpPath}) on a
 * corpus of tricky names and on seeded random ones. {@code ZoneParser}'s reader is compared in its package
 * ({@code ZoneParserNamesDifferentialTest}).
 */
final class DomainNamesDifferentialTest {

    private static final long SEED = 0x5EED_10L;

    static Stream<String> corpus() {
        return LegacyValidators.corpus().stream();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("corpus")
    void domain_index_converts_and_refuses_as_before(String name) {
        String before = LegacyValidators.domainIndexToAscii(name);

        assertThat(DomainNames.toAscii(name)).isEqualTo(before);
        assertThat(DomainNames.toAscii(name)).isEqualTo(before);
        assertThat(DomainNames.check(name, 0, name.length(), 0, DomainNames.MAX_NAME) >= 0)
                .isEqualTo(LegacyValidators.domainIndexIsHostname(name, 0, name.length()));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("corpus")
    void smtp_path_parses_as_before_with_the_name_anywhere_a_domain_goes(String name) {
        for (String path : paths(name)) {
            assertThat(SmtpPath.parse(path)).as("parse(%s)", path).isEqualTo(LegacySmtpPath.parse(path));
            assertThat(SmtpPath.parseAny(path)).as("parseAny(%s)", path).isEqualTo(LegacySmtpPath.parseAny(path));
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("corpus")
    void smtp_path_domain_checks_answer_as_before(String name) {
        int n = name.length();
        int general = DomainNames.check(name, 0, n, DomainNames.ALLOW_NON_ASCII, Integer.MAX_VALUE);

        assertThat(general < 0 ? -1 : general == DomainNames.NON_ASCII ? 8 : 0)
                .isEqualTo(LegacyValidators.smtpPathDomainSyntax(name, 0, n));
        assertThat(DomainNames.check(name, 0, n, 0, Integer.MAX_VALUE) >= 0)
                .isEqualTo(LegacyValidators.smtpPathCommonDomain(name, 0, n));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("corpus")
    void zone_names_normalize_and_fail_as_before(String name) {
        String before;
        try {
            before = LegacyValidators.listSpecZoneName(name);
        } catch (IllegalArgumentException e) {
            before = null;
        }
        assertThat(ZoneNames.tryNormalize(name)).isEqualTo(before);
        for (String setting : new String[] {"dnsFailure", "dnsblReply", "dnsListName", "localZone", "zone"}) {
            assertThat(answer(() -> ZoneNames.normalize(setting, name)))
                    .isEqualTo(answer(() -> LegacyValidators.builderZoneName(setting, name)));
        }
        assertThat(answer(() -> ListSpec.zoneOf(name))).isEqualTo(answer(() -> LegacyValidators.builderZoneOf(name)));
        if (name.indexOf('*') < 0 && name.indexOf('=') < 0 && name.indexOf('&') < 0) {
            // a bare zone is a list specification: the same zone, or the same message around the same problem
            assertThat(answer(() -> ListSpec.parse(ListSpec.Kind.DNSBL, name).zone()))
                    .isEqualTo(answer(() -> LegacyValidators.listSpecParseBareZone(name)));
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("corpus")
    void the_command_line_check_is_domain_names_with_underscores_and_a_last_label_not_all_digits(String name) {
        String last = name.substring(name.lastIndexOf('.') + 1);
        boolean numeric = !last.isEmpty() && last.chars().allMatch(c -> c >= '0' && c <= '9');

        assertThat(DomainNames.isValid(name, DomainNames.ALLOW_UNDERSCORE, DomainNames.MAX_NAME) && !numeric)
                .isEqualTo(LegacyValidators.cliIsDomain(name));
    }

    @Test
    void random_names_are_read_as_before_by_every_reader() {
        List<String> differences = new ArrayList<>();
        for (String name : LegacyValidators.randomNames(SEED, 3_000)) {
            int n = name.length();
            int general = DomainNames.check(name, 0, n, DomainNames.ALLOW_NON_ASCII, Integer.MAX_VALUE);
            compare(differences, "toAscii", name, DomainNames.toAscii(name), LegacyValidators.domainIndexToAscii(name));
            compare(differences, "smtp domain", name, general < 0 ? -1 : general == DomainNames.NON_ASCII ? 8 : 0,
                    LegacyValidators.smtpPathDomainSyntax(name, 0, n));
            for (String path : paths(name)) {
                compare(differences, "parse", path, SmtpPath.parse(path), LegacySmtpPath.parse(path));
            }
            compare(differences, "zone", name, answer(() -> ZoneNames.normalize("dnsFailure", name)),
                    answer(() -> LegacyValidators.builderZoneName("dnsFailure", name)));
            compare(differences, "zoneOf", name, answer(() -> ListSpec.zoneOf(name)),
                    answer(() -> LegacyValidators.builderZoneOf(name)));
        }
        assertThat(differences).isEmpty();
    }

    private static void compare(List<String> differences, String what, String input, @Nullable Object now,
            @Nullable Object before) {
        if (!Objects.equals(now, before)) {
            differences.add(what + "(" + input + "): " + now + ", was " + before);
        }
    }

    /** The name in every place of a path where the parser reads a domain, and where it reads none. */
    private static List<String> paths(String name) {
        return List.of("<u@" + name + ">", "u@" + name, " <u@" + name + "> ", "<@" + name + ":u@example.org>",
                "<@example.net,@" + name + ":u@example.org>", "<u@" + name + "@example.org>",
                "<u@example.org@" + name + ">", "<\"q u\"@" + name + ">", "<\"q\"@" + name + "@example.org>",
                "<" + name + ">", "<u%" + name + "@example.org>");
    }

    /** What a call returns, or the class and message of what it throws. */
    private static String answer(Supplier<String> call) {
        try {
            return "= " + call.get();
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }
}

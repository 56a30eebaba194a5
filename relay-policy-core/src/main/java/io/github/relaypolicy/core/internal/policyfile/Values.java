package io.github.relaypolicy.core.internal.policyfile;

import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.DnsFailure;
import io.github.relaypolicy.core.internal.zone.LocalZone;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How the values of single-valued keys are read; a value that is not of its form names what was expected. */
final class Values {

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d|w)?");
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,10})([kmgKMG])?");
    private static final Pattern REPLY = Pattern.compile("([0-9]{3}) +([0-9]+\\.[0-9]+\\.[0-9]+)(?: (.*))?");

    private Values() {
    }

    static boolean bool(Lexer.Setting s) {
        return switch (s.text().toLowerCase(Locale.ROOT)) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw expected(s);
        };
    }

    static long integer(Lexer.Setting s) {
        String t = s.text();
        if (!t.matches("[0-9]{1,9}") || Long.parseLong(t) < 1) {
            throw expected(s);
        }
        return Long.parseLong(t);
    }

    static Duration duration(Lexer.Setting s) {
        Matcher m = DURATION.matcher(s.text());
        if (!m.matches()) {
            throw expected(s);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }

    /** A size in bytes, with an optional binary unit: {@code 65536}, {@code 64k}, {@code 256m}, {@code 1g}. */
    static long size(Lexer.Setting s) {
        Matcher m = SIZE.matcher(s.text());
        if (!m.matches()) {
            throw expected(s);
        }
        int shift = m.group(2) == null ? 0 : switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            default -> 30;
        };
        long n = Long.parseLong(m.group(1));
        if (n < 1 || n > LocalZone.MAX_SIZE_LIMIT >> shift) {
            throw expected(s);
        }
        return n << shift;
    }

    static DnsFailure failure(Lexer.Setting s) {
        return switch (s.text().toLowerCase(Locale.ROOT)) {
            case "defer" -> DnsFailure.DEFER;
            case "ignore" -> DnsFailure.IGNORE;
            default -> throw expected(s);
        };
    }

    static SmtpReply reply(Lexer.Setting s) {
        Matcher m = REPLY.matcher(s.text());
        if (!m.matches()) {
            throw expected(s);
        }
        return SmtpReply.of(Integer.parseInt(m.group(1)), m.group(2), m.group(3) == null ? "" : m.group(3));
    }

    static IllegalArgumentException expected(Lexer.Setting s) {
        return new IllegalArgumentException(String.format(Locale.ROOT, "'%s' is not %s", Keys.echo(s.text()),
                s.key().expected()));
    }
}

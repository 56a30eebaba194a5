package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.internal.ManualClock;
import io.github.relaypolicy.core.internal.limit.LimitState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Final adversarial review of issue 11 against its contract: a store password never echoed, the limits' replies as
 * the issue gives them.
 */
final class Issue11FinalReviewTest {

    private static final String SECRET = "s3cret";

    // ------------------------------------------------------------------------------------------- store passwords

    /**
     * A URI with a password that the store cannot take must be refused without echoing the password: the message goes
     * to logs and to `lint` output. The URI checks of the provider mask it, but the engine's own checks before them
     * (not a URI, no scheme, a control character) echoed the raw value.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "redis://:s3cret@127.0.0.1:6379/0 extra",     // a space: not a URI
            "redis://:s3cret@127.0.0.1:6379/0\u0007",       // a control character
            "//:s3cret@127.0.0.1:6379/0",                  // no scheme
            "redis://:s3cret^@127.0.0.1:6379/0",           // an illegal character: not a URI
    })
    void a_refused_store_uri_never_shows_its_password_from_the_builder(String uri) {
        assertThatThrownBy(() -> RelayEngine.builder().rateLimitStore(uri))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(Issue11FinalReviewTest::noSecretInChain)
                .message().contains("rateLimitStore").doesNotContain(SECRET);
    }

    /** The message of every cause too: a stack trace prints them all (a URISyntaxException repeats its input). */
    private static void noSecretInChain(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            assertThat(String.valueOf(c.getMessage())).as("%s", c.getClass()).doesNotContain(SECRET);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "redis://:s3cret@127.0.0.1:6379/0 extra",
            "//:s3cret@127.0.0.1:6379/0",
            "redis://:s3cret@127.0.0.1:99999/0",
            "rediss://:s3cret@127.0.0.1:6379/0",
    })
    void a_refused_store_uri_never_shows_its_password_in_a_policy_file_problem(String uri, @TempDir Path dir)
            throws IOException {
        Path file = Files.writeString(dir.resolve("relay.conf"), "mydestination = example.org\n"
                + "recipient_rate_limit = user:5/1h\n"
                + "rate_limit_store = " + uri + "\n");
        assertThatThrownBy(() -> PolicyFile.read(file))
                .isInstanceOfSatisfying(PolicyFileException.class, e -> {
                    noSecretInChain(e);
                    assertThat(e.getMessage()).contains("relay.conf:3:").contains("rate_limit_store")
                            .doesNotContain(SECRET);
                    assertThat(e.problems()).allSatisfy(p -> {
                        assertThat(p.line()).isEqualTo(3);
                        assertThat(p.text()).doesNotContain(SECRET);
                        assertThat(p.message()).doesNotContain(SECRET);
                    });
                });
    }

    /**
     * A password may hold an '@' (Lettuce and most clients take the last '@' as the end of the user information): the
     * masked form must not show the part after the first '@'.
     */
    @Test
    void masking_hides_a_password_that_holds_an_at_sign() {
        assertThat(LimitState.masked("redis://:pa@ss@10.0.0.5:6379/1")).isEqualTo("redis://***@10.0.0.5:6379/1");
        assertThat(LimitState.masked("redis://mx:s3cret@10.0.0.5:6379")).isEqualTo("redis://***@10.0.0.5:6379");
        assertThat(LimitState.masked("redis://10.0.0.5:6379/0")).isEqualTo("redis://10.0.0.5:6379/0");
        assertThat(LimitState.masked("local")).isEqualTo("local");
    }

    // ------------------------------------------------------------------------------------------- replies

    private final ManualClock clock = new ManualClock();

    /**
     * The issue: "Rate-limited decisions are TEMPFAIL with a 4xx reply (default {@code 451 4.7.1 ...: rate limit
     * exceeded, try again later}, overridable with {@code reply.RULE})": found by the review for the message and
     * refusal limits, whose replies said it in other words; now every limit's default ends so.
     */
    @Test
    void every_limit_defers_with_the_issues_default_reply() {
        RelayEngine engine = EngineTestHooks.timeSource(RelayEngine.builder().localDomains("example.org")
                .messageRateLimit("user:1/1h").refusalRateLimit("client:1/1h"), clock).build();
        RelayRequest m1 = RelayRequest.builder().client("203.0.113.5").authenticatedUser("alice")
                .sender("<alice@example.org>").recipient("<a@example.com>").transactionId("t1").build();
        RelayRequest m2 = RelayRequest.builder().client("203.0.113.5").authenticatedUser("alice")
                .sender("<alice@example.org>").recipient("<a@example.com>").transactionId("t2").build();
        assertThat(engine.decide(m1).verdict()).isEqualTo(Verdict.ACCEPT);
        Decision message = engine.decide(m2);
        assertThat(message.rule()).isEqualTo(RuleNames.MESSAGE_RATE_LIMIT);
        assertThat(message.reply().toString()).matches("451 4\\.7\\.1 .*: rate limit exceeded, try again later");

        RelayRequest relay = RelayRequest.of("198.51.100.7", "<x@example.net>", "<y@example.com>");
        assertThat(engine.decide(relay).rule()).isEqualTo(RuleNames.RELAY_DENIED);
        Decision refusal = engine.decide(relay);
        assertThat(refusal.rule()).isEqualTo(RuleNames.REFUSAL_RATE_LIMIT);
        assertThat(refusal.reply().toString()).matches("451 4\\.7\\.1 .*: rate limit exceeded, try again later");
    }

    // ------------------------------------------------------------------------------------------- identities, spoofing

    private int accepted(RelayEngine engine, RelayRequest... requests) {
        int n = 0;
        for (RelayRequest r : requests) {
            if (engine.decide(r).verdict() == Verdict.ACCEPT) {
                n++;
            }
        }
        return n;
    }

    /** One identity however the request writes it: mapped IPv4, one IPv6 /64, login and sender case. */
    @Test
    void an_identity_is_counted_once_whatever_its_spelling() {
        RelayEngine clients = EngineTestHooks.timeSource(RelayEngine.builder().localDomains("example.org")
                .recipientRateLimit("client:2/1h"), clock).build();
        assertThat(accepted(clients, RelayRequest.of("203.0.113.5", "<a@example.net>", "<u@example.org>"),
                RelayRequest.of("::ffff:203.0.113.5", "<a@example.net>", "<u@example.org>"),
                RelayRequest.of("::FFFF:cb00:7105", "<a@example.net>", "<u@example.org>"))).isEqualTo(2);
        assertThat(accepted(clients, RelayRequest.of("2001:db8::1", "<a@example.net>", "<u@example.org>"),
                RelayRequest.of("2001:db8::ffff:1", "<a@example.net>", "<u@example.org>"),
                RelayRequest.of("2001:db8:0:0:1::", "<a@example.net>", "<u@example.org>"))).isEqualTo(2);
        assertThat(accepted(clients, RelayRequest.of("2001:db8:0:1::1", "<a@example.net>", "<u@example.org>")))
                .as("another /64").isEqualTo(1);

        RelayEngine users = EngineTestHooks.timeSource(RelayEngine.builder().localDomains("example.org")
                .recipientRateLimit("user:2/1h", "sender:2/1h"), clock).build();
        RelayRequest.Builder b = RelayRequest.builder().sender("<bob@example.org>").recipient("<x@example.com>");
        assertThat(accepted(users, b.client("198.51.100.1").authenticatedUser("Alice").build(),
                b.client("198.51.100.2").authenticatedUser("alice").build(),
                b.client("198.51.100.3").authenticatedUser("ALICE").build())).isEqualTo(2);
        RelayRequest.Builder s = RelayRequest.builder().client("198.51.100.9").recipient("<x@example.org>");
        assertThat(accepted(users, s.sender("<Carol@Example.ORG>").build(), s.sender("<carol@example.org>").build(),
                s.sender("<CAROL@EXAMPLE.ORG>").build())).isEqualTo(2);
    }

    /** mode all: the forms a spoofer may try from outside, unauthenticated, towards our own domain. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"<bob@example.org>", "<BOB@EXAMPLE.ORG>", "<\"bob\"@example.org>", "<bob+x@example.org>",
            "<@relay.example:bob@example.org>", "<@a.example,@b.example:bob@example.org>", "<bob@example.org.>",
            "<b\\ob@example.org>"})
    void a_spoofer_outside_cannot_use_a_bound_address_in_any_spelling(String sender) {
        RelayEngine engine = RelayEngine.builder().localDomains("example.org").senderLogin("bob@example.org", "bob")
                .senderLoginMismatch(SenderLoginMismatch.ALL).recipientDelimiter("+").build();
        Decision d = engine.decide(RelayRequest.of("203.0.113.9", sender, "<u@example.org>"));
        if (d.verdict() == Verdict.ACCEPT) {
            // only an address that is not bob's may pass: say which
            assertThat(d.trace().toString()).as(sender).contains("matches no key");
            assertThat(sender).as("accepted as another mailbox").contains("\\");
            return;
        }
        assertThat(d.rule()).as("%s: %s", sender, d.reply()).isIn(RuleNames.SENDER_LOGIN_MISMATCH,
                RuleNames.SENDER_SYNTAX);
        if (d.rule().equals(RuleNames.SENDER_LOGIN_MISMATCH)) {
            assertThat(d.reply().toString()).endsWith(": Sender address rejected: not logged in");
        }
    }

    // ------------------------------------------------------------------------------------------- policy-file errors

    /** Every new single-valued key: a bad value is reported at file:line:column with the key and the value. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', textBlock = """
            recipients_per_message = 0                        | 0
            recipients_per_message = many                     | many
            refusal_rate_limit = sender:5/1h                  | sender:5/1h
            rate_limit_store = redis://127.0.0.1/0            | redis://127.0.0.1/0
            rate_limit_failure = sometimes                    | sometimes
            rate_limit_max_entries = 10                       | 10
            sender_login_mismatch = strict                    | strict
            """)
    void a_bad_value_of_a_new_key_names_the_place_the_key_and_the_value(String line, String value,
            @TempDir Path dir) throws IOException {
        check(line, value, dir);
    }

    private static void check(String line, String value, Path dir) throws IOException {
        String key = line.substring(0, line.indexOf(' '));
        Path logins = Files.writeString(dir.resolve("logins"), "bob@example.org bob\n");
        Path file = Files.writeString(dir.resolve("relay.conf"), "mydestination = example.org\n" + line + "\n"
                + (key.equals("sender_login_mismatch") ? "sender_login_maps = " + logins + "\n" : ""));
        assertThatThrownBy(() -> PolicyFile.read(file)).isInstanceOfSatisfying(PolicyFileException.class, e -> {
            assertThat(e.problems()).as(e.getMessage()).isNotEmpty();
            PolicyFileException.Problem p = e.problems().get(0);
            assertThat(p.line()).as(e.getMessage()).isEqualTo(2);
            assertThat(p.column()).as(e.getMessage()).isGreaterThan(0);
            assertThat(e.getMessage()).contains(file + ":2:").contains(key).contains(value);
        });
    }
}

package io.github.relaypolicy.core;

import static io.github.relaypolicy.core.ContractAssertions.assertAccepted;
import static io.github.relaypolicy.core.ContractAssertions.assertDecision;
import static io.github.relaypolicy.core.ContractAssertions.assertRelayDenied;
import static io.github.relaypolicy.core.ContractAssertions.stepOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * {@link RelayEngine#reload} swaps the whole rule set at once: a decision running during a reload sees the old
 * rules or the new ones, never the trusted networks of one with the domains of the other.
 *
 * <p>Rule set A trusts the client and does not serve {@code a.example}; rule set B does not trust the client and
 * serves {@code a.example}. Both accept {@code user@a.example} from the client, by different rules; a mix of B's
 * networks with A's domains would refuse it.
 */
final class HotReloadConcurrencyTest {

    private static final String CLIENT = "198.51.100.7";
    private static final String SENDER = "<sender@example.net>";
    private static final String RECIPIENT = "<user@a.example>";

    /** Upper bounds that keep the test finite whatever the engine does; nothing asserts on time. */
    private static final int MIN_RELOADS = 2_000;
    private static final int MAX_RELOADS = 200_000;
    private static final long MAX_DECISIONS_PER_THREAD = 5_000_000;

    private static RelayEngine ruleSetA() {
        return RelayEngine.builder()
                .localDomains("b.example")
                .trustedNetworks("198.51.100.7", "2001:db8::/32")
                .build();
    }

    private static void reloadA(RelayEngine engine) {
        engine.reload(RelayEngine.builder()
                .localDomains("b.example")
                .trustedNetworks("198.51.100.7", "2001:db8::/32"));
    }

    private static void reloadB(RelayEngine engine) {
        engine.reload(RelayEngine.builder()
                .localDomains("a.example")
                .trustedNetworks("192.0.2.0/24"));
    }

    private static Decision decideOnce(RelayEngine engine) {
        return engine.decide(RelayRequest.of(CLIENT, SENDER, RECIPIENT));
    }

    @Test
    void decisions_during_reloads_see_one_whole_rule_set_or_the_other() throws Exception {
        // given
        RelayEngine engine = ruleSetA();
        Map<String, LongAdder> rules = new ConcurrentHashMap<>();
        Queue<String> inconsistencies = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> deciders = new ArrayList<>();

        try {
            // when two threads decide (one synchronously, one through decideAsync) while a third reloads
            for (int t = 0; t < 2; t++) {
                boolean async = t == 1;
                deciders.add(pool.submit(() -> {
                    start.await();
                    for (long i = 0; i < MAX_DECISIONS_PER_THREAD && !stop.get(); i++) {
                        RelayRequest request = RelayRequest.of(CLIENT, SENDER, RECIPIENT);
                        Decision decision = async
                                ? engine.decideAsync(request).toCompletableFuture().join()
                                : engine.decide(request);
                        rules.computeIfAbsent(decision.rule(), r -> new LongAdder()).increment();
                        String problem = inconsistency(decision);
                        if (problem != null && inconsistencies.size() < 20) {
                            inconsistencies.add(problem);
                        }
                    }
                    return null;
                }));
            }
            Future<Integer> reloader = pool.submit(() -> {
                start.await();
                int reloads = 0;
                while (reloads < MAX_RELOADS && !(reloads >= MIN_RELOADS && sawBoth(rules))) {
                    if (reloads % 2 == 0) {
                        reloadB(engine);
                    } else {
                        reloadA(engine);
                    }
                    reloads++;
                    if (reloads % 64 == 0) {
                        Thread.yield();
                    }
                }
                stop.set(true);
                return reloads;
            });
            start.countDown();

            int reloads = reloader.get(2, TimeUnit.MINUTES);
            for (Future<?> decider : deciders) {
                decider.get(2, TimeUnit.MINUTES);
            }

            // then
            assertThat(reloads).isGreaterThanOrEqualTo(MIN_RELOADS);
            assertThat(inconsistencies).as("decisions that mixed or broke the rule sets").isEmpty();
            assertThat(rules.keySet()).as("rules that decided").containsExactlyInAnyOrder("mynetworks",
                    "mydestination");
        } finally {
            stop.set(true);
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
    }

    private static boolean sawBoth(Map<String, LongAdder> rules) {
        return rules.containsKey("mynetworks") && rules.containsKey("mydestination");
    }

    /** Null if the decision is one that rule set A or rule set B gives, else what is wrong with it. */
    private static String inconsistency(Decision decision) {
        try {
            if (decision.verdict() != Verdict.ACCEPT) {
                return "refused: " + decision.reply() + " by " + decision.rule() + " " + decision.trace();
            }
            List<TraceStep> trace = decision.trace();
            TraceStep last = trace.get(trace.size() - 1);
            List<String> consulted = trace.stream().map(TraceStep::rule).toList();
            switch (decision.rule()) {
                case "mynetworks": // rule set A: the trusted client decides before any domain is looked at
                    if (!last.rule().equals("mynetworks") || last.outcome() != TraceStep.Outcome.ACCEPT
                            || consulted.contains("mydestination")) {
                        return "mynetworks decision with trace " + trace;
                    }
                    break;
                case "mydestination": // rule set B: the client was not trusted, the domain is local
                    TraceStep networks = trace.stream().filter(s -> s.rule().equals("mynetworks")).findFirst()
                            .orElse(null);
                    if (!last.rule().equals("mydestination") || last.outcome() != TraceStep.Outcome.ACCEPT
                            || networks == null || networks.outcome() != TraceStep.Outcome.NO_MATCH) {
                        return "mydestination decision with trace " + trace;
                    }
                    break;
                default:
                    return "accepted by unexpected rule " + decision.rule() + " " + trace;
            }
            if (!decision.reply().equals(SmtpReply.of(250, "2.1.5", "Ok"))) {
                return "accepted with reply " + decision.reply();
            }
            return null;
        } catch (RuntimeException e) {
            return "decision threw " + e;
        }
    }

    @Test
    void reload_swaps_the_rules_for_the_next_decision() {
        // given
        RelayEngine engine = ruleSetA();
        assertAccepted(decideOnce(engine), "mynetworks");

        // when / then
        reloadB(engine);
        Decision underB = decideOnce(engine);
        assertAccepted(underB, "mydestination");
        assertThat(stepOf(underB, "mynetworks").outcome()).isEqualTo(TraceStep.Outcome.NO_MATCH);
        assertRelayDenied(engine.decide(RelayRequest.of(CLIENT, SENDER, "<user@b.example>")),
                "reject_unauth_destination", "user@b.example");

        reloadA(engine);
        assertAccepted(decideOnce(engine), "mynetworks");
        assertAccepted(engine.decide(RelayRequest.of("203.0.113.9", SENDER, "<user@b.example>")), "mydestination");
    }

    @Test
    void reload_with_a_bad_builder_throws_and_keeps_the_old_rules() {
        // given
        RelayEngine engine = ruleSetA();

        // when
        assertThatThrownBy(() -> engine.reload(RelayEngine.builder()
                .localDomains("a.example")
                .trustedNetworks("10.0.0.1/8")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10.0.0.1/8");
        assertThatThrownBy(() -> engine.reload(RelayEngine.builder()
                .localDomains("a.example", "a..example")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a..example");

        // then rule set A is still in force, whole
        assertAccepted(decideOnce(engine), "mynetworks");
        assertRelayDenied(engine.decide(RelayRequest.of("203.0.113.9", SENDER, RECIPIENT)),
                "reject_unauth_destination", "user@a.example");
        assertAccepted(engine.decide(RelayRequest.of("203.0.113.9", SENDER, "<user@b.example>")), "mydestination");
    }

    @Test
    void changing_the_builder_after_reload_does_not_change_the_engine() {
        // given
        RelayEngine engine = ruleSetA();
        var builder = RelayEngine.builder().localDomains("a.example");
        engine.reload(builder);

        // when
        builder.localDomains("victim.example")
                .trustedNetworks("203.0.113.0/24")
                .reply("reject_unauth_destination", SmtpReply.of(550, "5.7.1", "changed"));

        // then
        assertRelayDenied(engine.decide(RelayRequest.of("203.0.113.9", SENDER, "<user@victim.example>")),
                "reject_unauth_destination", "user@victim.example");
        assertAccepted(engine.decide(RelayRequest.of("203.0.113.9", SENDER, RECIPIENT)), "mydestination");
    }

    @Test
    void reload_replaces_custom_replies_too() {
        // given
        RelayEngine engine = RelayEngine.builder()
                .localDomains("a.example")
                .reply("reject_unauth_destination", SmtpReply.of(550, "5.7.1", "old {recipient}"))
                .build();
        RelayRequest relayAttempt = RelayRequest.of("203.0.113.9", SENDER, "<user@victim.example>");
        assertDecision(engine.decide(relayAttempt), Verdict.REJECT, "reject_unauth_destination", 550, "5.7.1",
                "old user@victim.example");

        // when
        engine.reload(RelayEngine.builder().localDomains("a.example"));

        // then
        assertRelayDenied(engine.decide(relayAttempt), "reject_unauth_destination", "user@victim.example");
    }
}

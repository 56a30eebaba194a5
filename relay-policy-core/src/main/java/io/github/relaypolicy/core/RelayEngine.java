package io.github.relaypolicy.core;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayPolicy;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.internal.DomainIndex;
import io.github.relaypolicy.core.internal.EngineDecision;
import io.github.relaypolicy.core.internal.NetworkSet;
import io.github.relaypolicy.core.internal.Rules;
import io.github.relaypolicy.core.internal.Text;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The relay decision engine: local and relay domains, trusted networks, authenticated relay and the
 * open-relay address tricks, compiled into immutable lookup structures.
 *
 * <pre>{@code
 * RelayEngine policy = RelayEngine.builder()
 *     .localDomains("example.org", ".corp.example")   // final destination
 *     .relayDomains("partner.example")                 // backup MX / smarthost for these
 *     .trustedNetworks("127.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "!192.0.2.66")
 *     .permitAuthenticated(true)                       // the default
 *     .build();
 * Decision d = policy.decide(RelayRequest.of("203.0.113.9", "<a@example.net>", "<b@example.org>"));
 * }</pre>
 *
 * <p>Thread-safe. {@link #decide} takes no locks: it reads the current rule set, an immutable snapshot, once,
 * and a {@link #reload} swaps in a new snapshot atomically, so every decision sees either the old rules or the
 * new ones, never a mix. For well-formed ASCII input a decision costs one small object (the reply text and the
 * trace are rendered when first asked for) and time proportional to the length of the addresses, whatever the
 * number of networks and domains.
 *
 * @since 0.1.0
 */
public final class RelayEngine implements RelayPolicy {

    private volatile Rules rules;

    private RelayEngine(Rules rules) {
        this.rules = rules;
    }

    /**
     * A builder with no domains, no trusted networks, authenticated relay permitted and the default replies.
     * It reads nothing from the environment.
     *
     * @return a new builder
     * @since 0.1.0
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Decides whether the recipient of {@code request} may be accepted. Never throws: bad input is refused with
     * a precise reply, and an unexpected internal failure defers ({@code 451 4.3.0}), never accepts.
     *
     * @param request the request; {@code null} is refused
     * @return the decision
     * @since 0.1.0
     */
    @Override
    public Decision decide(@Nullable RelayRequest request) {
        Rules current = rules;
        Rules.Ending ending;
        try {
            ending = current.evaluate(request);
        } catch (RuntimeException | StackOverflowError e) {
            ending = current.internalError();
        }
        return new EngineDecision(ending, request, current);
    }

    /**
     * Decides like {@link #decide}. This engine does no network lookups, so the stage is already complete.
     *
     * @param request the request
     * @return a completed stage
     * @since 0.1.0
     */
    @Override
    public CompletionStage<Decision> decideAsync(@Nullable RelayRequest request) {
        return CompletableFuture.completedFuture(decide(request));
    }

    /**
     * Replaces the rules with those of {@code builder}, atomically: decisions running now finish with the old
     * rules, later ones use the new rules. If the builder's configuration is invalid, nothing changes.
     *
     * @param builder the new configuration; it is copied, later changes to it have no effect
     * @throws IllegalArgumentException if the configuration is invalid; the previous rules stay in force
     * @since 0.1.0
     */
    public void reload(Builder builder) {
        Objects.requireNonNull(builder, "builder");
        rules = builder.compile();
    }

    @Override
    public String toString() {
        Rules r = rules;
        return "RelayEngine[" + r.domainCount() + " domains, " + r.trustedNetworkCount() + " trusted networks]";
    }

    /**
     * Configures a {@link RelayEngine}. Not thread-safe. {@link #build()} validates and copies everything, so later
     * calls on the builder do not change an engine already built. List settings add to what was given before.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private final List<String> localDomains = new ArrayList<>();
        private final List<String> relayDomains = new ArrayList<>();
        private final List<String> trustedNetworks = new ArrayList<>();
        private boolean permitAuthenticated = true;
        private final Map<String, SmtpReply> replies = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Adds domains we are the final destination for. {@code example.org} matches that domain only,
         * {@code .example.org} it and all its subdomains, {@code *.example.org} only its subdomains; address
         * literals ({@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]}) make mail to that literal local.
         *
         * @param patterns domain patterns
         * @return this builder
         * @since 0.1.0
         */
        public Builder localDomains(String... patterns) {
            return localDomains(Arrays.asList(patterns));
        }

        /**
         * Adds domains we are the final destination for; see {@link #localDomains(String...)}.
         *
         * @param patterns domain patterns
         * @return this builder
         * @since 0.1.0
         */
        public Builder localDomains(Collection<String> patterns) {
            addAll(localDomains, patterns, "localDomains");
            return this;
        }

        /**
         * Adds domains we relay for from any client (we are their backup MX or smarthost). Same patterns as
         * {@link #localDomains(String...)}.
         *
         * @param patterns domain patterns
         * @return this builder
         * @since 0.1.0
         */
        public Builder relayDomains(String... patterns) {
            return relayDomains(Arrays.asList(patterns));
        }

        /**
         * Adds domains we relay for; see {@link #relayDomains(String...)}.
         *
         * @param patterns domain patterns
         * @return this builder
         * @since 0.1.0
         */
        public Builder relayDomains(Collection<String> patterns) {
            addAll(relayDomains, patterns, "relayDomains");
            return this;
        }

        /**
         * Adds networks whose clients may relay anywhere: IPv4 or IPv6 addresses and CIDR networks; a leading
         * {@code !} excludes. The most specific entry containing the client wins. An IPv4-mapped IPv6 network
         * ({@code ::ffff:192.0.2.0/120}) is the IPv4 network it carries.
         *
         * @param networks network entries
         * @return this builder
         * @since 0.1.0
         */
        public Builder trustedNetworks(String... networks) {
            return trustedNetworks(Arrays.asList(networks));
        }

        /**
         * Adds trusted networks; see {@link #trustedNetworks(String...)}.
         *
         * @param networks network entries
         * @return this builder
         * @since 0.1.0
         */
        public Builder trustedNetworks(Collection<String> networks) {
            addAll(trustedNetworks, networks, "trustedNetworks");
            return this;
        }

        /**
         * Whether a client that authenticated (SMTP AUTH) may relay anywhere. Default: {@code true}.
         *
         * @param permit true to permit authenticated relay
         * @return this builder
         * @since 0.1.0
         */
        public Builder permitAuthenticated(boolean permit) {
            this.permitAuthenticated = permit;
            return this;
        }

        /**
         * Sets the reply of a rule, one of the names in {@link io.github.relaypolicy.RuleNames}. The text may
         * name {@code {recipient}}, {@code {sender}}, {@code {client}} and {@code {helo}}; echoed values are
         * escaped and capped. The code decides the verdict: a refusing rule must answer 4xx (defer) or 5xx
         * (refuse), an accepting rule 2xx.
         *
         * @param rule the rule's name, e.g. {@code reject_unauth_destination}
         * @param reply the reply
         * @return this builder
         * @throws IllegalArgumentException if the rule is unknown, the code does not fit the rule or the text has
         *     an unknown placeholder
         * @throws IllegalStateException if a reply was already set for this rule
         * @since 0.1.0
         */
        public Builder reply(String rule, SmtpReply reply) {
            Objects.requireNonNull(rule, "rule");
            Objects.requireNonNull(reply, "reply");
            Rules.checkReply(rule, reply);
            SmtpReply previous = replies.putIfAbsent(rule, reply);
            if (previous != null) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "reply for rule '%s' was already set to '%s'", rule, previous));
            }
            return this;
        }

        /**
         * Validates the configuration and builds an engine.
         *
         * @return the engine
         * @throws IllegalArgumentException naming the first invalid entry
         * @since 0.1.0
         */
        public RelayEngine build() {
            return new RelayEngine(compile());
        }

        Rules compile() {
            NetworkSet.Builder networks = new NetworkSet.Builder("trusted network");
            for (String entry : trustedNetworks) {
                String e = entry.strip();
                boolean exclude = e.startsWith("!");
                networks.add(entry, exclude ? e.substring(1) : e, exclude ? Rules.EXCLUDED : Rules.TRUSTED);
            }
            DomainIndex.Builder domains = new DomainIndex.Builder();
            NetworkSet.Builder literals = new NetworkSet.Builder("address literal");
            addDomains(domains, literals, localDomains, Rules.LOCAL, "local domain", "local");
            addDomains(domains, literals, relayDomains, Rules.RELAY, "relay domain", "relay");
            return new Rules(networks.build(), domains.build(), literals.build(), permitAuthenticated,
                    Map.copyOf(replies));
        }

        private static void addDomains(DomainIndex.Builder domains, NetworkSet.Builder literals,
                List<String> patterns, int value, String what, String valueName) {
            for (String pattern : patterns) {
                if (pattern.strip().startsWith("[")) {
                    String address = Rules.literalAddress(pattern);
                    if (address == null) {
                        throw new IllegalArgumentException(String.format(Locale.ROOT,
                                "%s '%s': not an address literal (expected [192.0.2.1] or [IPv6:2001:db8::1])",
                                what, Text.escape(pattern)));
                    }
                    try {
                        literals.add(address, value);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(String.format(Locale.ROOT, "%s '%s': %s", what,
                                Text.escape(pattern), e.getMessage()), e);
                    }
                } else {
                    domains.add(pattern, value, what, valueName);
                }
            }
        }

        private static void addAll(List<String> target, Collection<String> values, String setting) {
            Objects.requireNonNull(values, setting);
            int k = 0;
            for (String v : values) {
                if (v == null) {
                    throw new NullPointerException(setting + "[" + k + "] is null");
                }
                if (Text.hasControlOrBrokenText(v)) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT,
                            "%s entry '%s': holds a control character", setting, Text.escape(v)));
                }
                k++;
            }
            target.addAll(values);
        }
    }
}

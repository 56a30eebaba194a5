package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.EngineListener;
import io.github.relaypolicy.core.internal.ReplyTemplate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The DNS lists of one rule set as the decision path reads them: per configured list, by index, so that a
 * decision made from the cache looks nothing up by name. Immutable.
 */
final class ListSet {

    private static final SmtpReply DNSBL_REPLY = SmtpReply.of(554, "5.7.1",
            "Service unavailable; client [{client}] blocked using {zone}{txt}");
    private static final SmtpReply RHSBL_REPLY = SmtpReply.of(554, "5.7.1",
            "Service unavailable; sender domain {domain} blocked using {zone}{txt}");
    /** Postfix's default_rbl_reply for reject_rhsbl_helo and reject_rhsbl_client: {@code $rbl_class [$rbl_what]}. */
    private static final SmtpReply HELO_REPLY = SmtpReply.of(554, "5.7.1",
            "Service unavailable; Helo command [{domain}] blocked using {zone}{txt}");
    private static final SmtpReply CLIENT_NAME_REPLY = SmtpReply.of(554, "5.7.1",
            "Service unavailable; Client host [{domain}] blocked using {zone}{txt}");
    private static final SmtpReply DEFER_REPLY = SmtpReply.of(451, "4.7.1",
            "Service unavailable; client [{client}] could not be checked against {zone}, try again later");
    /**
     * The replies of the lists asked for authenticated clients name neither the list nor its reason: the client
     * is one that may hold a stolen password, and a reply that names the list tells it which address to move
     * away from, while the listed owner of the account learns enough from "authenticated mail is refused".
     */
    private static final SmtpReply AUTH_REPLY = SmtpReply.of(554, "5.7.1",
            "Service unavailable; authenticated mail from client [{client}] is refused");
    private static final SmtpReply AUTH_DEFER_REPLY = SmtpReply.of(451, "4.7.1",
            "Service unavailable; authenticated mail from client [{client}] could not be checked, try again later");

    /** The reply when a list that could change the outcome did not answer. */
    private static final ReplyTemplate DEFERRAL = ReplyTemplate.compileListReply("", DEFER_REPLY);
    private static final ReplyTemplate AUTH_DEFERRAL = ReplyTemplate.compileListReply("", AUTH_DEFER_REPLY);

    final List<ListSpec> specs;
    final ListSpec[] lists;
    final int threshold;
    final Duration deadline;
    final @Nullable ListLookups lookups;
    final DnsLists.LocalAnswers local;
    /** Told of the use of the caches; {@code EngineListener.NONE} for none. */
    final EngineListener listener;
    /** What a list is asked about: {@link #CLIENT}, {@link #SENDER}, {@link #HELO} or {@link #NAME}. */
    static final int CLIENT = 0;
    static final int SENDER = 1;
    static final int HELO = 2;
    static final int NAME = 3;

    final boolean domainLists;   // any list about the sender domain: only then is the sender domain worked out
    final boolean heloLists;     // any list about the HELO name
    final boolean nameLists;     // any list about the verified client name
    final int[] subject;         // what each list is asked about
    final boolean[] softListing; // its listing reply is 4xx: a listing defers instead of refusing
    final boolean[] ignores;     // its failures are ignored rather than deferring
    final boolean[] served;      // served in-process, never asked by DNS
    final ReplyTemplate[] listed; // its reply to a listing, configured or the default
    final String[] listingRule;   // the rule a listing of it reports
    final boolean[] usesTxt;      // its listing reply shows the TXT: only then is the TXT asked for
    /** Whether these are the lists asked only for authenticated clients (all of them or none are). */
    final boolean authenticated;
    /** The reply when a list that could change the outcome did not answer. */
    final ReplyTemplate deferral;

    ListSet(List<ListSpec> specs, Map<String, Boolean> ignoreFailures, boolean ignoreByDefault, int threshold,
            Duration deadline, Map<String, SmtpReply> replies, @Nullable ListLookups lookups,
            DnsLists.LocalAnswers local, EngineListener listener) {
        this.listener = listener;
        this.specs = List.copyOf(specs);
        this.lists = this.specs.toArray(new ListSpec[0]);
        this.threshold = threshold;
        this.deadline = deadline;
        this.lookups = lookups;
        this.local = local;
        int n = lists.length;
        this.subject = new int[n];
        this.softListing = new boolean[n];
        this.ignores = new boolean[n];
        this.served = new boolean[n];
        this.listed = new ReplyTemplate[n];
        this.listingRule = new String[n];
        this.usesTxt = new boolean[n];
        this.authenticated = n > 0 && lists[0].kind().forAuthenticated();
        this.deferral = authenticated ? AUTH_DEFERRAL : DEFERRAL;
        boolean anyDomain = false;
        boolean anyHelo = false;
        boolean anyName = false;
        for (int i = 0; i < n; i++) {
            String zone = lists[i].zone();
            if (lists[i].kind().forAuthenticated() != authenticated) {
                throw new IllegalArgumentException("lists for authenticated clients are scored apart from the others");
            }
            ListSpec.Kind kind = lists[i].kind();
            subject[i] = kind == ListSpec.Kind.RHSBL ? SENDER : kind == ListSpec.Kind.RHSBL_HELO ? HELO
                    : kind == ListSpec.Kind.RHSBL_CLIENT ? NAME : CLIENT;
            anyDomain |= subject[i] == SENDER;
            anyHelo |= subject[i] == HELO;
            anyName |= subject[i] == NAME;
            SmtpReply configured = replies.get(zone);
            softListing[i] = configured != null && configured.code() / 100 == 4;
            listed[i] = ReplyTemplate.compileListReply(zone, configured != null ? configured
                    : authenticated ? AUTH_REPLY : switch (subject[i]) {
                        case SENDER -> RHSBL_REPLY;
                        case HELO -> HELO_REPLY;
                        case NAME -> CLIENT_NAME_REPLY;
                        default -> DNSBL_REPLY;
                    });
            usesTxt[i] = listed[i].template().text().contains("{txt}");
            listingRule[i] = authenticated ? RuleNames.AUTH_DNSBL : switch (subject[i]) {
                case SENDER -> RuleNames.RHSBL;
                case HELO -> RuleNames.RHSBL_HELO;
                case NAME -> RuleNames.RHSBL_CLIENT;
                default -> RuleNames.DNSBL;
            };
            ignores[i] = ignoreFailures.getOrDefault(zone, ignoreByDefault);
            served[i] = local.serves(zone);
        }
        this.domainLists = anyDomain;
        this.heloLists = anyHelo;
        this.nameLists = anyName;
    }

    int size() {
        return lists.length;
    }
}

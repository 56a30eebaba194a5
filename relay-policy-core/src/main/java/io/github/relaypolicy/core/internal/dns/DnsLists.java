package io.github.relaypolicy.core.internal.dns;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Policy;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.internal.DomainIndex;
import io.github.relaypolicy.core.internal.IpText;
import io.github.relaypolicy.core.internal.SeededHash;
import io.github.relaypolicy.core.internal.SmtpPath;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.dns.ListAnswer.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The DNS block and allow lists of one rule set, and the scoring of their answers (Postfix postscreen): every
 * list is queried in parallel under one deadline; listings add their weights (allow lists subtract); a total at
 * or above the threshold refuses. A list that does not answer usably counts as "could be either": if that could
 * change the outcome and the administrator chose to defer for that list, the recipient is deferred, else the
 * list is ignored.
 */
public final class DnsLists {

    /** How a decision ends after the lists. */
    public enum Kind {
        /** The lists do not object: the earlier acceptance stands. */
        PASS,
        /** The score reached the threshold. */
        REJECT,
        /** A list that could change the outcome did not answer, and its failures defer. */
        DEFER
    }

    /** One list consulted, the name asked and what it answered. */
    public record Step(ListSpec spec, String query, ListAnswer answer, boolean failureIgnored) {
    }

    /**
     * The lists' verdict on one request: each list's answer and the score they make. Everything else, the
     * reply, the detail and the steps of the trace, is rendered from the request when asked for, so a decision
     * whose caller only reads the verdict pays for no text, and a request no list has anything against shares
     * one preallocated outcome.
     */
    public static final class Outcome {
        private final DnsLists lists;
        private final ListAnswer[] answers; // per configured list; null where it had nothing to be asked about
        private final Kind kind;
        private final int score;
        private final int decided; // the list that refused or deferred, or -1
        private final @Nullable String txt;

        private Outcome(DnsLists lists, ListAnswer[] answers, long tally, @Nullable String txt) {
            this.lists = lists;
            this.answers = answers;
            this.kind = kindOf(tally);
            this.score = scoreOf(tally);
            this.decided = decidedOf(tally);
            this.txt = txt;
        }

        public Kind kind() {
            return kind;
        }

        /**
         * Whether the lists refuse for good (5xx): a listing whose zone's reply was set to a 4xx code defers, as
         * does a list that did not answer.
         */
        public boolean refuses() {
            return kind == Kind.REJECT && !lists.softListing[decided];
        }

        public int score() {
            return score;
        }

        public String rule() {
            if (kind == Kind.REJECT) {
                return lists.domainList[decided] ? RuleNames.RHSBL : RuleNames.DNSBL;
            }
            return kind == Kind.DEFER ? RuleNames.DNS_UNAVAILABLE : "";
        }

        /** The lists consulted for {@code request}, the request this outcome was made for. */
        public List<Step> steps(RelayRequest request) {
            Subject client = clientSubject(request);
            Subject sender = lists.domainLists ? senderSubject(request.sender()) : null;
            List<Step> steps = new ArrayList<>(answers.length);
            for (int i = 0; i < answers.length; i++) {
                ListAnswer a = answers[i];
                Subject subject = lists.domainList[i] ? sender : client;
                if (a == null || subject == null) {
                    continue; // null sender, address literal, no domain: nothing was asked
                }
                ListSpec spec = lists.lists[i];
                boolean ignored = a.status() != Status.LISTED && a.status() != Status.NOT_LISTED && lists.ignores[i];
                // the name asked, its secret key masked: traces are logged and shown
                steps.add(new Step(spec, ListNames.redact(query(spec.zone(), subject), spec.secret()), a, ignored));
            }
            return steps;
        }

        /** The reply for a refusal or a deferral of {@code request}, null for a pass. */
        public @Nullable SmtpReply reply(RelayRequest request) {
            if (kind == Kind.PASS) {
                return null;
            }
            ListSpec spec = lists.lists[decided];
            Subject client = clientSubject(request);
            String clientText = client == null ? "" : client.text();
            if (kind == Kind.REJECT) {
                boolean domainList = lists.domainList[decided];
                Subject subject = domainList ? senderSubject(request.sender()) : client;
                SmtpReply template = lists.replies.getOrDefault(spec.zone(), domainList ? RHSBL_REPLY : DNSBL_REPLY);
                return render(template, clientText, subject == null ? "" : subject.text(), spec, txt);
            }
            Subject sender = lists.domainLists ? senderSubject(request.sender()) : null;
            return render(DEFER_REPLY, clientText,
                    sender == null ? "" : sender.text(), spec, null);
        }

        /** The sentence for the trace of {@code request}. */
        public String detail(RelayRequest request) {
            if (kind == Kind.PASS) {
                return String.format(Locale.ROOT, "score %d is below the threshold %d", score, lists.threshold);
            }
            ListSpec spec = lists.lists[decided];
            if (kind == Kind.DEFER && answers[decided].status() == Status.NOT_ASKED) {
                return String.format(Locale.ROOT, "score %d, but %s %s was %s, and it could reach the threshold %d;"
                        + " deferred", score, spec.kind().setting(), spec.zone(), answers[decided], lists.threshold);
            }
            if (kind == Kind.REJECT) {
                Subject subject = lists.domainList[decided] ? senderSubject(request.sender())
                        : clientSubject(request);
                return String.format(Locale.ROOT, "score %d reached the threshold %d; %s %s listed %s", score,
                        lists.threshold, spec.kind().setting(), spec.maskedZone(), Text.escape(subject == null ? ""
                                : subject.text()));
            }
            return String.format(Locale.ROOT, "score %d, but %s %s answered %s and could reach the threshold %d;"
                    + " deferred", score, spec.kind().setting(), spec.maskedZone(), answers[decided], lists.threshold);
        }
    }

    /** Answers for lists served in-process (rbldnsd data files), by zone. */
    public interface LocalAnswers {
        /** The in-process answer to a query, or null if its zone is not served here. */
        ListLookups.@Nullable Raw lookup(QueryKey query);

        /** The TXT for a listing in an in-process zone, or null. */
        @Nullable String txt(QueryKey query);

        /** Whether the zone is served in-process (then it is never asked by DNS). */
        boolean serves(String zone);
    }

    /** What a list is asked about: an IPv4 or IPv6 client, or a sender domain (lower-case A-labels). */
    public record Subject(boolean ipv6, long hi, long lo, @Nullable String domain) {
        /** The subject as text: the address, or the domain. Built on demand. */
        public String text() {
            return domain != null ? domain : ipv6 ? IpText.format6(hi, lo) : IpText.format4(lo);
        }
    }

    private static final SmtpReply DNSBL_REPLY = SmtpReply.of(554, "5.7.1",
            "Service unavailable; client [{client}] blocked using {zone}{txt}");
    private static final SmtpReply RHSBL_REPLY = SmtpReply.of(554, "5.7.1",
            "Service unavailable; sender domain {domain} blocked using {zone}{txt}");
    private static final SmtpReply DEFER_REPLY = SmtpReply.of(451, "4.7.1",
            "Service unavailable; client [{client}] could not be checked against {zone}, try again later");
    private static final ListLookups.Raw NO_RESOLVER = ListLookups.Raw.failure("no DNS resolver configured");
    private static final ListLookups.Raw NOT_ADMITTED = ListLookups.Raw.notAsked(ListAnswer.WAITING_LIMIT);
    private static final Kind[] KINDS = Kind.values();

    private final List<ListSpec> specs;
    private final int threshold;
    private final Duration deadline;
    private final Map<String, SmtpReply> replies;
    private final @Nullable ListLookups lookups;
    private final LocalAnswers local;
    private final boolean domainLists; // any list about the sender domain: only then is MAIL FROM parsed
    // Per configured list, by index, so that a decision made from the cache looks nothing up by name:
    private final ListSpec[] lists;
    private final boolean[] domainList; // asks about the sender domain, not the client
    private final boolean[] softListing; // its listing reply is 4xx: a listing defers instead of refusing
    private final boolean[] ignores;    // its failures are ignored rather than deferring
    private final boolean[] served;     // served in-process, never asked by DNS
    /**
     * Indexed by {@link #present}: every list that has something to ask about answered "not listed" (null for
     * the others), and the pass outcome those answers make, shared by all such decisions.
     */
    private final ListAnswer[][] unlisted = new ListAnswer[4][];
    private final Outcome[] passes = new Outcome[4];
    /** Outcomes made from cached DNS answers, by {@link #memoKey}; null without DNS lookups. */
    private final @Nullable Cache<Object, Outcome> memo;
    private final @Nullable Policy<Object, Outcome> memoPolicy;
    private final Policy.@Nullable VarExpiration<Object, Outcome> memoExpiry;

    /**
     * @param ignoreFailures per zone: true to ignore its failures, false to defer; zones not named use the default
     * @param replies per zone reply templates ({@code {client}}, {@code {domain}}, {@code {zone}}, {@code {txt}})
     * @param lookups the DNS lookups, null if every list is served in-process
     */
    public DnsLists(List<ListSpec> specs, Map<String, Boolean> ignoreFailures, boolean ignoreByDefault,
            int threshold, Duration deadline, Map<String, SmtpReply> replies, @Nullable ListLookups lookups,
            LocalAnswers local) {
        this.specs = List.copyOf(specs);
        this.threshold = threshold;
        this.deadline = deadline;
        this.replies = Map.copyOf(replies);
        this.lookups = lookups;
        this.local = local;
        this.domainLists = specs.stream().anyMatch(spec -> spec.kind() == ListSpec.Kind.RHSBL);
        int n = this.specs.size();
        this.lists = this.specs.toArray(new ListSpec[0]);
        this.domainList = new boolean[n];
        this.softListing = new boolean[n];
        this.ignores = new boolean[n];
        this.served = new boolean[n];
        for (int i = 0; i < n; i++) {
            domainList[i] = lists[i].kind() == ListSpec.Kind.RHSBL;
            SmtpReply listed = this.replies.get(lists[i].zone());
            softListing[i] = listed != null && listed.code() / 100 == 4;
            ignores[i] = ignoreFailures.getOrDefault(lists[i].zone(), ignoreByDefault);
            served[i] = local.serves(lists[i].zone());
        }
        for (int p = 0; p < 4; p++) {
            unlisted[p] = new ListAnswer[n];
            for (int i = 0; i < n; i++) {
                boolean asked = domainList[i] ? (p & 2) != 0 : (p & 1) != 0;
                unlisted[p][i] = asked ? ListAnswer.notListed() : null;
            }
            passes[p] = new Outcome(this, unlisted[p], tally(unlisted[p]), null);
        }
        this.memo = lookups == null ? null : lookups.derivedCache();
        this.memoPolicy = memo == null ? null : memo.policy();
        this.memoExpiry = memo == null ? null : memo.policy().expireVariably().orElseThrow();
    }

    /** The index into {@link #unlisted} and {@link #passes}: which subjects a request has for the lists. */
    private static int present(boolean client, boolean sender) {
        return (client ? 1 : 0) | (sender ? 2 : 0);
    }

    /** The configured lists. */
    public List<ListSpec> specs() {
        return specs;
    }

    /** The overall deadline of one check. */
    public Duration deadline() {
        return deadline;
    }

    /**
     * The outcome if every answer it needs is already cached or served in-process, computed on the calling
     * thread without waiting; null if anything must be asked first.
     *
     * <p>An outcome made from cached DNS answers is itself kept (the memo), keyed by the request's client and,
     * if there are domain lists, its MAIL FROM, for as long as the first of those answers would still be
     * cached: a later decision for the same client is one hash probe, whatever the number of lists, and
     * allocates nothing. Outcomes that consulted an in-process zone are not kept: a reload may change them.
     */
    public @Nullable Outcome cached(RelayRequest request) {
        Object key = memo == null ? null : memoKey(request);
        if (key != null) {
            // Quietly: lock-free, and no read is recorded for the memo's eviction policy (recording schedules
            // buffer drains on the DNS executor). A memo miss costs a recomposition from the answer caches,
            // whose reads are recorded, never a DNS query.
            Outcome known = memoPolicy.getIfPresentQuietly(key);
            if (known != null) {
                return known;
            }
        }
        return compose(request, key);
    }

    /**
     * The memo's key for a request: this thread's {@link RequestKey} probe, set to the client as the request
     * holds it (its {@code InetAddress}, else its text), so that a memo hit needs no parsing and no allocation
     * (the subject the lists are asked about is a function of it), and, with domain lists, the MAIL FROM.
     */
    private @Nullable Object memoKey(RelayRequest request) {
        RequestKey probe = RequestKey.PROBES.get();
        probe.set(request.clientAddress() != null ? request.clientAddress() : request.client(),
                domainLists ? request.sender() : null);
        return probe;
    }

    /**
     * The outcome from each list's cached (or in-process) answer, probing the caches with this thread's
     * {@link QueryKey#probe()}: no query name is built, and when no list has anything against the request
     * nothing is allocated. Null if an answer is not cached; kept in the memo under {@code memoKey} if that
     * is not null and every answer came from the DNS cache.
     */
    private @Nullable Outcome compose(RelayRequest request, @Nullable Object memoKey) {
        QueryKey probe = QueryKey.probe();
        boolean hasClient = probe.client(request.clientAddress(), request.client());
        byte family = probe.family();
        long hi = probe.hi();
        long lo = probe.lo();
        String sender = domainLists ? senderDomain(request.sender()) : null;
        boolean keep = memoKey != null;
        long now = keep ? lookups.nanoTime() : 0;
        long remaining = Long.MAX_VALUE; // until the first answer used leaves the cache
        ListAnswer[] answers = null; // made only when a list answers anything but "not listed"
        for (int i = 0; i < lists.length; i++) {
            String zone = lists[i].zone();
            if (domainList[i]) {
                if (sender == null) {
                    continue;
                }
                probe.domain(zone, sender);
            } else {
                if (!hasClient) {
                    continue;
                }
                probe.address(zone, family, hi, lo);
            }
            ListLookups.Raw raw;
            if (served[i] || lookups == null) {
                raw = served[i] ? local.lookup(probe) : NO_RESOLVER;
                keep = false;
            } else {
                raw = lookups.cached(probe);
                if (raw == null) {
                    return null;
                }
                remaining = keep ? Math.min(remaining, lookups.remaining(raw, now)) : remaining;
            }
            ListAnswer a = raw.classify(lists[i].filter());
            if (a.status() != Status.NOT_LISTED) {
                if (answers == null) {
                    answers = unlisted[present(hasClient, sender != null)].clone();
                }
                answers[i] = a;
            }
        }
        Outcome outcome;
        if (answers == null) {
            outcome = passes[present(hasClient, sender != null)];
        } else {
            long tally = tally(answers);
            String txt = null;
            if (kindOf(tally) == Kind.REJECT) {
                int d = decidedOf(tally);
                if (domainList[d]) {
                    probe.domain(lists[d].zone(), sender);
                } else {
                    probe.address(lists[d].zone(), family, hi, lo);
                }
                if (served[d] || lookups == null) {
                    txt = local.txt(probe);
                } else {
                    ListLookups.Txt t = lookups.cachedTxt(probe);
                    if (t == null) {
                        return null; // the reason is not cached yet: ask for it under the deadline
                    }
                    remaining = keep ? Math.min(remaining, lookups.remaining(t, now)) : remaining;
                    txt = t.text().isEmpty() ? null : t.text();
                }
            }
            outcome = new Outcome(this, answers, tally, txt);
        }
        if (keep) {
            remaining -= lookups.nanoTime() - now; // the time spent composing: never outlive an answer
        }
        if (keep && remaining > 0) {
            memoExpiry.put(memoKey instanceof RequestKey k ? k.copy() : memoKey, outcome, remaining,
                    TimeUnit.NANOSECONDS);
        }
        return outcome;
    }

    /**
     * The memo's key: the client (its {@code InetAddress}, else its text) and, with domain lists, the MAIL FROM,
     * as the request gave them. Keys in the memo are never changed; each thread probes the memo with its own
     * instance, changed before each probe and never stored. Both parts are chosen by SMTP clients, so the hash
     * is {@link SeededHash}'s and keys are {@link Comparable} (see {@link QueryKey}).
     */
    static final class RequestKey implements Comparable<RequestKey> {
        static final ThreadLocal<RequestKey> PROBES = ThreadLocal.withInitial(RequestKey::new);

        private @Nullable Object client;
        private @Nullable String sender;
        private int hash; // 0: not computed yet

        /** Sets this probe. */
        void set(@Nullable Object client, @Nullable String sender) {
            this.client = client;
            this.sender = sender;
            this.hash = 0;
        }

        RequestKey copy() {
            RequestKey k = new RequestKey();
            k.client = client;
            k.sender = sender;
            k.hash = hash;
            return k;
        }

        @Override
        public boolean equals(@Nullable Object o) {
            return o instanceof RequestKey k && Objects.equals(client, k.client) && Objects.equals(sender, k.sender);
        }

        @Override
        public int hashCode() {
            int h = hash;
            if (h == 0) {
                // An Inet6Address's bytes cannot be read without a copy (32 B per memo hit), so it is hashed by
                // its own hashCode(), the sum of its words, which clients of one /64 can make collide: for them
                // the keys being Comparable keeps the bin a tree. Text and IPv4 clients hash by content.
                long c = client instanceof java.net.Inet4Address a ? SeededHash.of(a)
                        : client instanceof java.net.InetAddress a ? SeededHash.of(6, a.hashCode())
                        : client instanceof String s ? SeededHash.of(s) : 0;
                h = SeededHash.fold(c * 0x9E3779B97F4A7C15L + (sender == null ? 0 : SeededHash.of(sender)));
                h = h == 0 ? 1 : h;
                hash = h;
            }
            return h;
        }

        /** An order consistent with {@link #equals}: the client (text, then IPv4, then IPv6), the sender. */
        @Override
        public int compareTo(RequestKey o) {
            int c = compareClients(client, o.client);
            if (c == 0 && sender != o.sender) {
                c = sender == null ? -1 : o.sender == null ? 1 : sender.compareTo(o.sender);
            }
            return c;
        }

        private static int compareClients(@Nullable Object a, @Nullable Object b) {
            int c = Integer.compare(rank(a), rank(b));
            if (c != 0 || a == b) {
                return c;
            }
            if (a instanceof String s) {
                return s.compareTo((String) b);
            }
            // Only on equal hashes in one bin, so the copies of the addresses' bytes do not touch the hot path.
            return java.util.Arrays.compareUnsigned(((java.net.InetAddress) a).getAddress(),
                    ((java.net.InetAddress) b).getAddress());
        }

        private static int rank(@Nullable Object client) {
            return client == null ? 0 : client instanceof String ? 1 : client instanceof java.net.Inet4Address ? 2
                    : 3;
        }
    }

    /**
     * Checks a request whose recipient is already acceptable; never completes exceptionally. The decision waits
     * for DNS only if {@link ListLookups#admit() admitted}; else, and for every query the limit of queries in
     * flight refuses, it takes what is cached and the other lists are {@link Status#NOT_ASKED not asked}: it
     * completes at once, as if those lists had failed.
     */
    public CompletableFuture<Outcome> check(RelayRequest request) {
        boolean admitted = lookups != null && lookups.admit();
        try {
            CompletableFuture<Outcome> outcome = check(request, admitted);
            if (admitted) {
                outcome.whenComplete((o, e) -> lookups.leave());
            }
            return outcome;
        } catch (RuntimeException | Error e) {
            if (admitted) {
                lookups.leave();
            }
            throw e;
        }
    }

    private CompletableFuture<Outcome> check(RelayRequest request, boolean admitted) {
        Subject client = clientSubject(request);
        Subject sender = domainLists ? senderSubject(request.sender()) : null;
        int n = lists.length;
        QueryKey[] keys = new QueryKey[n];
        List<CompletableFuture<ListLookups.Raw>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Subject subject = domainList[i] ? sender : client;
            if (subject == null) {
                futures.add(null); // null sender, address literal, no domain: nothing to ask a domain list
                continue;
            }
            QueryKey key = QueryKey.of(lists[i].zone(), subject);
            keys[i] = key;
            ListLookups.Raw inProcess = served[i] ? local.lookup(key) : null;
            CompletableFuture<ListLookups.Raw> f;
            if (inProcess != null) {
                f = CompletableFuture.completedFuture(inProcess);
            } else if (lookups == null) {
                f = CompletableFuture.completedFuture(NO_RESOLVER);
            } else if (!admitted) {
                ListLookups.Raw known = lookups.cached(key);
                f = CompletableFuture.completedFuture(known != null ? known : NOT_ADMITTED);
            } else {
                f = lookups.completeOnTimeout(lookups.lookup(key).copy(),
                        ListLookups.Raw.failure("no answer within " + deadline.toMillis() + " ms"),
                        deadline.toMillis(), TimeUnit.MILLISECONDS);
            }
            futures.add(f);
        }
        long started = lookups == null ? 0 : lookups.nanoTime();
        CompletableFuture<?>[] all = futures.stream().filter(f -> f != null).toArray(CompletableFuture<?>[]::new);
        return CompletableFuture.allOf(all).handle((v, e) -> {
            ListAnswer[] answers = new ListAnswer[n];
            for (int i = 0; i < n; i++) {
                CompletableFuture<ListLookups.Raw> f = futures.get(i);
                if (f != null) {
                    answers[i] = f.getNow(ListLookups.Raw.failure("no answer")).classify(lists[i].filter());
                }
            }
            return answers;
        }).thenCompose(answers -> judge(answers, keys, started, admitted));
    }

    private CompletableFuture<Outcome> judge(ListAnswer[] answers, QueryKey[] keys, long started,
            boolean admitted) {
        long tally = tally(answers);
        if (kindOf(tally) != Kind.REJECT) {
            return CompletableFuture.completedFuture(new Outcome(this, answers, tally, null));
        }
        int d = decidedOf(tally);
        return txt(d, keys[d], started, admitted).thenApply(text -> new Outcome(this, answers, tally, text));
    }

    /**
     * Scores the answers (Postfix postscreen): listings add their list's weight; a list without a usable answer
     * whose failures are not ignored could be either, so it may defer if its weight could reach the threshold.
     * Packed so that a decision made from the cache allocates no result: see {@link #kindOf}, {@link #decidedOf}
     * and {@link #scoreOf}.
     */
    private long tally(ListAnswer[] answers) {
        int score = 0;
        int low = 0;
        int high = 0;
        int top = -1;
        int deferring = -1;
        for (int i = 0; i < answers.length; i++) {
            ListAnswer a = answers[i];
            if (a == null) {
                continue;
            }
            int w = lists[i].weight();
            Status status = a.status();
            if (status == Status.LISTED) {
                score += w;
                if (w > 0 && (top < 0 || w > lists[top].weight())) {
                    top = i;
                }
            } else if (status != Status.NOT_LISTED && !ignores[i]) {
                // could be either: a block list might have listed, an allow list might have vouched
                if (w > 0) {
                    high += w;
                } else {
                    low += w;
                }
                if (deferring < 0) {
                    deferring = i;
                }
            }
        }
        Kind kind;
        int decided;
        if (score + low >= threshold && top >= 0) {
            kind = Kind.REJECT;
            decided = top;
        } else if (score + high >= threshold && deferring >= 0) {
            kind = Kind.DEFER;
            decided = deferring;
        } else {
            kind = Kind.PASS;
            decided = -1;
        }
        return ((long) kind.ordinal() << 56) | ((long) (decided + 1) << 32) | (score & 0xffffffffL);
    }

    private static Kind kindOf(long tally) {
        return KINDS[(int) (tally >>> 56)];
    }

    private static int decidedOf(long tally) {
        return (int) ((tally >>> 32) & 0xffffff) - 1;
    }

    private static int scoreOf(long tally) {
        return (int) tally;
    }

    private CompletableFuture<@Nullable String> txt(int list, QueryKey key, long started, boolean admitted) {
        if (served[list] || lookups == null) {
            return CompletableFuture.completedFuture(local.txt(key));
        }
        if (!admitted) { // a listing from the cache: its reason only if that is cached too
            ListLookups.Txt t = lookups.cachedTxt(key);
            return CompletableFuture.completedFuture(t == null || t.text().isEmpty() ? null : t.text());
        }
        long left = deadline.toNanos() - (lookups.nanoTime() - started);
        return lookups.completeOnTimeout(lookups.txt(key).copy(), null, Math.max(0, left), TimeUnit.NANOSECONDS);
    }

    /**
     * The reply for a list: {@code {zone}} is the list's display name, never its zone, and a secret key the zone
     * carries is masked wherever else it appears (a template that spells out the zone, a TXT that echoes the query
     * name): the reply goes to the SMTP client.
     */
    private static SmtpReply render(SmtpReply template, String client, String domain, ListSpec list,
            @Nullable String txt) {
        String secret = list.secret();
        // The TXT is masked before it is escaped and capped: a cap that falls inside a key would leave a part of
        // it that no longer looks like a key, and would reach the client unmasked.
        String text = template.text()
                .replace("{client}", Text.escape(client))
                .replace("{domain}", Text.escape(domain))
                .replace("{zone}", list.name())
                .replace("{txt}", txt == null || txt.isBlank() ? ""
                        : "; " + Text.escape(ListNames.redact(stripControls(txt), secret)));
        return new SmtpReply(template.code(), template.enhancedStatus(), ListNames.redact(text, secret));
    }

    private static String stripControls(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().filter(c -> !Character.isISOControl(c) && c != 0x2028 && c != 0x2029)
                .forEach(sb::appendCodePoint);
        return sb.toString().strip();
    }

    /** The result of one list's RFC 5782 section 5 test: what the listed and the unlisted test point answered. */
    public record Health(ListSpec spec, ListAnswer listedPoint, ListAnswer unlistedPoint) {
        /** The problem, or {@code ""}. */
        public String problem() {
            if (listedPoint.status() == Status.NOT_ASKED || unlistedPoint.status() == Status.NOT_ASKED) {
                return (listedPoint.status() == Status.NOT_ASKED ? listedPoint : unlistedPoint).toString();
            }
            if (listedPoint.status() == Status.UNKNOWN || unlistedPoint.status() == Status.UNKNOWN) {
                return "unreachable";
            }
            if (listedPoint.status() == Status.BROKEN || unlistedPoint.status() == Status.BROKEN) {
                return "broken: answers outside 127.0.0.0/8";
            }
            if (unlistedPoint.status() == Status.LISTED || unlistedPoint.answer() == 0x7f000001L) {
                return "lists the world";
            }
            if (listedPoint.status() == Status.ERROR_CODE || unlistedPoint.status() == Status.ERROR_CODE) {
                return "answers error codes (refused, rate-limited, or asked through a public resolver)";
            }
            return listedPoint.status() == Status.LISTED ? "" : "dead";
        }
    }

    /** Queries every list's test points (RFC 5782 section 5), bypassing nothing but the filters. */
    public CompletableFuture<List<Health>> health() {
        List<CompletableFuture<Health>> checks = new ArrayList<>();
        for (ListSpec spec : specs) {
            Subject listed;
            Subject unlisted;
            if (spec.kind() == ListSpec.Kind.RHSBL) {
                listed = new Subject(false, 0, 0, "test");
                unlisted = new Subject(false, 0, 0, "invalid");
            } else {
                listed = new Subject(false, 0, 0x7f000002L, null);
                unlisted = new Subject(false, 0, 0x7f000001L, null);
            }
            CompletableFuture<ListAnswer> a = point(spec, listed);
            CompletableFuture<ListAnswer> b = point(spec, unlisted);
            checks.add(a.thenCombine(b, (x, y) -> new Health(spec, x, y)));
        }
        return CompletableFuture.allOf(checks.toArray(new CompletableFuture<?>[0]))
                .thenApply(v -> checks.stream().map(CompletableFuture::join).toList());
    }

    private CompletableFuture<ListAnswer> point(ListSpec spec, Subject subject) {
        QueryKey key = QueryKey.of(spec.zone(), subject);
        ListLookups.Raw inProcess = local.lookup(key);
        if (inProcess != null) {
            return CompletableFuture.completedFuture(inProcess.classify(AnswerFilter.any()));
        }
        if (lookups == null) {
            return CompletableFuture.completedFuture(ListAnswer.unknown());
        }
        return lookups.completeOnTimeout(lookups.lookup(key).copy(), ListLookups.Raw.failure("no answer"),
                deadline.toMillis(), TimeUnit.MILLISECONDS).thenApply(raw -> raw.classify(AnswerFilter.any()));
    }

    /** The query name of a subject in a zone (RFC 5782). */
    public static String query(String zone, Subject s) {
        return QueryKey.of(zone, s).name();
    }

    /** The client as a list subject; IPv4-mapped addresses are IPv4. Null if it is not an address. */
    public static @Nullable Subject clientSubject(RelayRequest r) {
        QueryKey parsed = QueryKey.blank();
        if (!parsed.client(r.clientAddress(), r.client())) {
            return null;
        }
        return new Subject(parsed.ipv6(), parsed.hi(), parsed.lo(), null);
    }

    /** The MAIL FROM domain as a list subject, or null for the null sender, address literals, no domain. */
    public static @Nullable Subject senderSubject(@Nullable String sender) {
        String domain = senderDomain(sender);
        return domain == null ? null : new Subject(false, 0, 0, domain);
    }

    /** The MAIL FROM domain as lower-case A-labels, or null for the null sender, address literals, no domain. */
    private static @Nullable String senderDomain(@Nullable String sender) {
        long path = SmtpPath.parse(sender);
        if (sender == null || SmtpPath.status(path) != SmtpPath.OK) {
            return null;
        }
        int flags = SmtpPath.flags(path);
        if ((flags & SmtpPath.HAS_DOMAIN) == 0 || (flags & SmtpPath.LITERAL) != 0) {
            return null;
        }
        String domain = sender.substring(SmtpPath.domainStart(path), SmtpPath.domainEnd(path));
        return DomainIndex.toAscii(domain);
    }
}

package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.internal.DomainIndex;
import io.github.relaypolicy.core.internal.IpText;
import io.github.relaypolicy.core.internal.SmtpPath;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.dns.ListAnswer.Status;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
     * The lists' verdict on one request. The reply and the detail are rendered when first asked for: a decision
     * whose caller only reads the verdict pays for no text.
     */
    public static final class Outcome {
        private final Kind kind;
        private final List<Step> steps;
        private final int score;
        private final int threshold;
        private final String rule;
        private final @Nullable Step decided;
        private final @Nullable Subject subject;
        private final @Nullable Subject client;
        private final @Nullable String txt;
        private final @Nullable SmtpReply template;
        private @Nullable SmtpReply reply; // racy cache of an immutable value

        Outcome(Kind kind, List<Step> steps, int score, int threshold, String rule, @Nullable Step decided,
                @Nullable Subject client, @Nullable Subject subject, @Nullable String txt,
                @Nullable SmtpReply template) {
            this.kind = kind;
            this.steps = steps;
            this.score = score;
            this.threshold = threshold;
            this.rule = rule;
            this.decided = decided;
            this.client = client;
            this.subject = subject;
            this.txt = txt;
            this.template = template;
        }

        public Kind kind() {
            return kind;
        }

        public List<Step> steps() {
            return steps;
        }

        public int score() {
            return score;
        }

        public String rule() {
            return rule;
        }

        /** The reply for a refusal or a deferral, null for a pass. */
        public @Nullable SmtpReply reply() {
            SmtpReply r = reply;
            if (r == null && template != null && decided != null) {
                r = render(template, client == null ? "" : client.text(), subject == null ? "" : subject.text(),
                        decided.spec().zone(), txt);
                reply = r;
            }
            return r;
        }

        /** The sentence for the trace. */
        public String detail() {
            if (kind == Kind.PASS || decided == null) {
                return String.format(Locale.ROOT, "score %d is below the threshold %d", score, threshold);
            }
            ListSpec spec = decided.spec();
            if (kind == Kind.REJECT) {
                return String.format(Locale.ROOT, "score %d reached the threshold %d; %s %s listed %s", score,
                        threshold, spec.kind().setting(), spec.zone(), Text.escape(subject == null ? ""
                                : subject.text()));
            }
            return String.format(Locale.ROOT, "score %d, but %s %s answered %s and could reach the threshold %d;"
                    + " deferred", score, spec.kind().setting(), spec.zone(), decided.answer(), threshold);
        }
    }

    /** Answers for lists served in-process (rbldnsd data files), by zone; null when not served here. */
    public interface LocalAnswers {
        /** The in-process answer for a query about {@code subject} in {@code zone}, or null if not local. */
        ListLookups.@Nullable Raw lookup(String zone, Subject subject);

        /** The TXT for a listing in an in-process zone, or null. */
        @Nullable String txt(String zone, Subject subject);

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

    private final List<ListSpec> specs;
    private final Map<String, Boolean> ignoreFailures;
    private final boolean ignoreByDefault;
    private final int threshold;
    private final Duration deadline;
    private final Map<String, SmtpReply> replies;
    private final @Nullable ListLookups lookups;
    private final LocalAnswers local;
    private final boolean domainLists; // any list about the sender domain: only then is MAIL FROM parsed

    /**
     * @param ignoreFailures per zone: true to ignore its failures, false to defer; zones not named use the default
     * @param replies per zone reply templates ({@code {client}}, {@code {domain}}, {@code {zone}}, {@code {txt}})
     * @param lookups the DNS lookups, null if every list is served in-process
     */
    public DnsLists(List<ListSpec> specs, Map<String, Boolean> ignoreFailures, boolean ignoreByDefault,
            int threshold, Duration deadline, Map<String, SmtpReply> replies, @Nullable ListLookups lookups,
            LocalAnswers local) {
        this.specs = List.copyOf(specs);
        this.ignoreFailures = Map.copyOf(ignoreFailures);
        this.ignoreByDefault = ignoreByDefault;
        this.threshold = threshold;
        this.deadline = deadline;
        this.replies = Map.copyOf(replies);
        this.lookups = lookups;
        this.local = local;
        this.domainLists = specs.stream().anyMatch(spec -> spec.kind() == ListSpec.Kind.RHSBL);
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
     */
    public @Nullable Outcome cached(RelayRequest request) {
        Subject client = clientSubject(request);
        Subject sender = domainLists ? senderSubject(request.sender()) : null;
        List<Step> steps = new ArrayList<>(specs.size());
        for (ListSpec spec : specs) {
            Subject subject = spec.kind() == ListSpec.Kind.RHSBL ? sender : client;
            if (subject == null) {
                continue;
            }
            String query = query(spec.zone(), subject);
            ListLookups.Raw raw = local.lookup(spec.zone(), subject);
            if (raw == null) {
                raw = lookups == null ? ListLookups.Raw.failure("no DNS resolver configured") : lookups.cached(query);
            }
            if (raw == null) {
                return null;
            }
            steps.add(step(spec, query, raw));
        }
        return score(steps, client, sender, System.nanoTime()).getNow(null);
    }

    private Step step(ListSpec spec, String query, ListLookups.Raw raw) {
        ListAnswer answer = raw.classify(spec.filter());
        boolean ignored = answer.status() != Status.LISTED && answer.status() != Status.NOT_LISTED
                && ignoreFailures.getOrDefault(spec.zone(), ignoreByDefault);
        return new Step(spec, query, answer, ignored);
    }

    /** Checks a request whose recipient is already acceptable; never completes exceptionally. */
    public CompletableFuture<Outcome> check(RelayRequest request) {
        Subject client = clientSubject(request);
        Subject sender = domainLists ? senderSubject(request.sender()) : null;
        List<Step> pending = new ArrayList<>();
        List<CompletableFuture<ListLookups.Raw>> futures = new ArrayList<>();
        for (ListSpec spec : specs) {
            Subject subject = spec.kind() == ListSpec.Kind.RHSBL ? sender : client;
            if (subject == null) {
                continue; // null sender, address literal, no domain: nothing to ask a domain list
            }
            String query = query(spec.zone(), subject);
            ListLookups.Raw inProcess = local.lookup(spec.zone(), subject);
            CompletableFuture<ListLookups.Raw> f;
            if (inProcess != null) {
                f = CompletableFuture.completedFuture(inProcess);
            } else if (lookups == null) {
                f = CompletableFuture.completedFuture(ListLookups.Raw.failure("no DNS resolver configured"));
            } else {
                f = lookups.lookup(query).copy().completeOnTimeout(
                        ListLookups.Raw.failure("no answer within " + deadline.toMillis() + " ms"),
                        deadline.toMillis(), TimeUnit.MILLISECONDS);
            }
            pending.add(new Step(spec, query, ListAnswer.unknown(), false));
            futures.add(f);
        }
        long started = System.nanoTime();
        return CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).handle((v, e) -> {
            List<Step> steps = new ArrayList<>(pending.size());
            for (int i = 0; i < pending.size(); i++) {
                Step p = pending.get(i);
                steps.add(step(p.spec(), p.query(), futures.get(i).getNow(ListLookups.Raw.failure("no answer"))));
            }
            return steps;
        }).thenCompose(steps -> score(steps, client, sender, started));
    }

    private CompletableFuture<Outcome> score(List<Step> steps, @Nullable Subject client, @Nullable Subject sender,
            long started) {
        int score = 0;
        int low = 0;
        int high = 0;
        Step top = null;
        Step deferring = null;
        for (Step s : steps) {
            int w = s.spec().weight();
            Status status = s.answer().status();
            if (status == Status.LISTED) {
                score += w;
                if (w > 0 && (top == null || w > top.spec().weight())) {
                    top = s;
                }
            } else if (status != Status.NOT_LISTED && !s.failureIgnored()) {
                // could be either: a block list might have listed, an allow list might have vouched
                if (w > 0) {
                    high += w;
                } else {
                    low += w;
                }
                if (deferring == null) {
                    deferring = s;
                }
            }
        }
        if (score + low >= threshold && top != null) {
            Step decided = top;
            boolean domainList = decided.spec().kind() == ListSpec.Kind.RHSBL;
            Subject subject = domainList ? sender : client;
            CompletableFuture<@Nullable String> txt = txt(decided, subject, started);
            final int total = score;
            SmtpReply template = replies.getOrDefault(decided.spec().zone(), domainList ? RHSBL_REPLY : DNSBL_REPLY);
            return txt.thenApply(text -> new Outcome(Kind.REJECT, steps, total, threshold,
                    domainList ? RuleNames.RHSBL : RuleNames.DNSBL, decided, client, subject, text, template));
        }
        if (score + high >= threshold && deferring != null) {
            return CompletableFuture.completedFuture(new Outcome(Kind.DEFER, steps, score, threshold,
                    RuleNames.DNS_UNAVAILABLE, deferring, client, sender, null,
                    replies.getOrDefault("4xx:" + deferring.spec().zone(), DEFER_REPLY)));
        }
        return CompletableFuture.completedFuture(new Outcome(Kind.PASS, steps, score, threshold, "", null, null,
                null, null, null));
    }

    private CompletableFuture<@Nullable String> txt(Step step, @Nullable Subject subject, long started) {
        if (subject == null) {
            return CompletableFuture.completedFuture(null);
        }
        if (local.serves(step.spec().zone()) || lookups == null) {
            return CompletableFuture.completedFuture(local.txt(step.spec().zone(), subject));
        }
        long left = deadline.toNanos() - (System.nanoTime() - started);
        return lookups.txt(step.query()).copy().completeOnTimeout(null, Math.max(0, left), TimeUnit.NANOSECONDS);
    }

    private static SmtpReply render(SmtpReply template, String client, String domain, String zone,
            @Nullable String txt) {
        String text = template.text()
                .replace("{client}", Text.escape(client))
                .replace("{domain}", Text.escape(domain))
                .replace("{zone}", zone)
                .replace("{txt}", txt == null || txt.isBlank() ? "" : "; " + Text.escape(stripControls(txt)));
        return new SmtpReply(template.code(), template.enhancedStatus(), text);
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
        ListLookups.Raw inProcess = local.lookup(spec.zone(), subject);
        if (inProcess != null) {
            return CompletableFuture.completedFuture(inProcess.classify(AnswerFilter.any()));
        }
        if (lookups == null) {
            return CompletableFuture.completedFuture(ListAnswer.unknown());
        }
        return lookups.lookup(query(spec.zone(), subject)).copy()
                .completeOnTimeout(ListLookups.Raw.failure("no answer"), deadline.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(raw -> raw.classify(AnswerFilter.any()));
    }

    /** The query name of a subject in a zone (RFC 5782). */
    public static String query(String zone, Subject s) {
        if (s.domain() != null) {
            return QueryNames.domain(s.domain(), zone);
        }
        return s.ipv6() ? QueryNames.ip6(s.hi(), s.lo(), zone) : QueryNames.ip4(s.lo(), zone);
    }

    /** The client as a list subject; IPv4-mapped addresses are IPv4. Null if it is not an address. */
    public static @Nullable Subject clientSubject(RelayRequest r) {
        InetAddress address = r.clientAddress();
        String text = r.client();
        if (address != null) {
            byte[] b = address.getAddress();
            if (address instanceof Inet4Address) {
                long v4 = ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
                return new Subject(false, 0, v4, null);
            }
            long hi = 0;
            long lo = 0;
            for (int k = 0; k < 8; k++) {
                hi = (hi << 8) | (b[k] & 0xffL);
                lo = (lo << 8) | (b[k + 8] & 0xffL);
            }
            return subject6(hi, lo);
        }
        if (text == null) {
            return null;
        }
        long v4 = IpText.parse4(text, 0, text.length());
        if (v4 >= 0) {
            return new Subject(false, 0, v4, null);
        }
        Subject[] out = new Subject[1];
        int ok = IpText.parse6(text, 0, text.length(), (hi, lo) -> {
            out[0] = subject6(hi, lo);
            return 0;
        });
        return ok == IpText.INVALID ? null : out[0];
    }

    private static Subject subject6(long hi, long lo) {
        if (hi == 0 && (lo >>> 32) == 0xffffL) {
            long v4 = lo & 0xffffffffL;
            return new Subject(false, 0, v4, null); // IPv4-mapped: an IPv4 client
        }
        return new Subject(true, hi, lo, null);
    }

    /** The MAIL FROM domain as a list subject, or null for the null sender, address literals, no domain. */
    public static @Nullable Subject senderSubject(@Nullable String sender) {
        long path = SmtpPath.parse(sender);
        if (sender == null || SmtpPath.status(path) != SmtpPath.OK) {
            return null;
        }
        int flags = SmtpPath.flags(path);
        if ((flags & SmtpPath.HAS_DOMAIN) == 0 || (flags & SmtpPath.LITERAL) != 0) {
            return null;
        }
        String domain = sender.substring(SmtpPath.domainStart(path), SmtpPath.domainEnd(path));
        String ascii = DomainIndex.toAscii(domain);
        return ascii == null ? null : new Subject(false, 0, 0, ascii);
    }
}

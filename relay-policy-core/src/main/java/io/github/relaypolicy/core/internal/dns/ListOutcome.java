package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.internal.ReplyTemplate;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.dns.ListAnswer.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The lists' verdict on one request: each list's answer and the score they make ({@code ListScore}). Everything
 * else, the reply, the detail and the steps of the trace, is rendered from the request when asked for, so a
 * decision whose caller only reads the verdict pays for no text, and a request no list has anything against
 * shares one preallocated outcome.
 */
public final class ListOutcome {

    /** How a decision ends after the lists. */
    public enum Kind {
        /** The lists do not object: the earlier acceptance stands. */
        PASS,
        /** The score reached the threshold. */
        REJECT,
        /** A list that could change the outcome did not answer, and its failures defer. */
        DEFER
    }

    /**
     * One list consulted, the name asked and what it answered; or, with {@code notAsked}, a HELO or client-name list
     * that was not asked, and why (then {@code query} is empty and {@code answer} is null).
     */
    public record Step(ListSpec spec, String query, @Nullable ListAnswer answer, boolean failureIgnored,
            @Nullable String notAsked) {
    }

    private final ListSet set;
    private final ListAnswer[] answers; // per configured list; null where it had nothing to be asked about
    private final Kind kind;
    private final int score;
    private final int decided; // the list that refused or deferred, or -1
    private final @Nullable String txt;

    ListOutcome(ListSet set, ListAnswer[] answers, long tally, @Nullable String txt) {
        this.set = set;
        this.answers = answers;
        this.kind = ListScore.kindOf(tally);
        this.score = ListScore.scoreOf(tally);
        this.decided = ListScore.decidedOf(tally);
        this.txt = txt;
    }

    /** How the decision ends. */
    public Kind kind() {
        return kind;
    }

    /**
     * Whether the lists refuse for good (5xx): a listing whose zone's reply was set to a 4xx code defers, as
     * does a list that did not answer.
     */
    public boolean refuses() {
        return kind == Kind.REJECT && !set.softListing[decided];
    }

    /** The score: the weights of the lists that listed. */
    public int score() {
        return score;
    }

    /** The rule that decided, or {@code ""} for a pass. */
    public String rule() {
        if (kind == Kind.REJECT) {
            return set.listingRule[decided];
        }
        return kind == Kind.DEFER ? RuleNames.DNS_UNAVAILABLE : "";
    }

    /** The lists consulted for {@code request}, the request this outcome was made for. */
    public List<Step> steps(RelayRequest request) {
        ListSubjects subjects = ListSubjects.of(request);
        List<Step> steps = new ArrayList<>(answers.length);
        for (int i = 0; i < answers.length; i++) {
            ListAnswer a = answers[i];
            int which = set.subject[i];
            QueryKey subject = subjects.subject(which);
            if (a == null || subject == null) {
                // null sender, address literal, no domain: nothing was asked; a HELO or client name says why
                if (which == ListSet.HELO || which == ListSet.NAME) {
                    steps.add(new Step(set.lists[i], "", null, false, ListSubjects.whyNotAsked(
                            which == ListSet.HELO ? "HELO name" : "client name",
                            which == ListSet.HELO ? request.helo() : request.clientName())));
                }
                continue;
            }
            ListSpec spec = set.lists[i];
            boolean ignored = a.status() != Status.LISTED && a.status() != Status.NOT_LISTED && set.ignores[i];
            // the name asked, its secret key masked: traces are logged and shown
            steps.add(new Step(spec, ListNames.redact(subject.in(spec.zone()).name(), spec.secret()), a, ignored,
                    null));
        }
        return steps;
    }

    /** The reply for a refusal or a deferral of {@code request}, null for a pass. */
    public @Nullable SmtpReply reply(RelayRequest request) {
        if (kind == Kind.PASS) {
            return null;
        }
        ListSubjects subjects = ListSubjects.of(request);
        QueryKey client = subjects.client();
        String clientText = client == null ? "" : client.subjectText();
        if (kind == Kind.REJECT) {
            QueryKey subject = subjects.subject(set.subject[decided]);
            return render(set.listed[decided], clientText, subject == null ? "" : subject.subjectText(), txt);
        }
        String sender = set.domainLists ? subjects.senderDomain() : null;
        return render(set.deferral, clientText, sender == null ? "" : sender, null);
    }

    /**
     * The reply for the deciding list: {@code {zone}} is the list's display name, never its zone, and a secret
     * key the zone carries is masked wherever else it appears (a template that spells out the zone, a TXT that
     * echoes the query name): the reply goes to the SMTP client.
     */
    private SmtpReply render(ReplyTemplate template, String client, String domain, @Nullable String txt) {
        ListSpec list = set.lists[decided];
        String secret = list.secret();
        // The TXT is masked before it is escaped and capped: a cap that falls inside a key would leave a part of
        // it that no longer looks like a key, and would reach the client unmasked.
        SmtpReply r = template.renderList(client, domain, list.name(), txt == null || txt.isBlank() ? ""
                : "; " + Text.escape(ListNames.redact(stripControls(txt), secret)));
        return new SmtpReply(r.code(), r.enhancedStatus(), ListNames.redact(r.text(), secret));
    }

    private static String stripControls(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().filter(c -> !Character.isISOControl(c) && c != 0x2028 && c != 0x2029)
                .forEach(sb::appendCodePoint);
        return sb.toString().strip();
    }

    /** The sentence for the trace of {@code request}. */
    public String detail(RelayRequest request) {
        if (kind == Kind.PASS) {
            return String.format(Locale.ROOT, "score %d is below the threshold %d", score, set.threshold);
        }
        ListSpec spec = set.lists[decided];
        if (kind == Kind.DEFER && answers[decided].status() == Status.NOT_ASKED) {
            return String.format(Locale.ROOT, "score %d, but %s %s was %s, and it could reach the threshold %d;"
                    + " deferred", score, spec.kind().setting(), spec.maskedZone(), answers[decided], set.threshold);
        }
        if (kind == Kind.REJECT) {
            ListSubjects subjects = ListSubjects.of(request);
            QueryKey subject = subjects.subject(set.subject[decided]);
            return String.format(Locale.ROOT, "score %d reached the threshold %d; %s %s listed %s", score,
                    set.threshold, spec.kind().setting(), spec.maskedZone(),
                    Text.escape(subject == null ? "" : subject.subjectText()));
        }
        return String.format(Locale.ROOT, "score %d, but %s %s answered %s and could reach the threshold %d;"
                + " deferred", score, spec.kind().setting(), spec.maskedZone(), answers[decided], set.threshold);
    }
}

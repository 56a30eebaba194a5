package io.github.relaypolicy.cli;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import io.github.relaypolicy.core.PolicyFile;
import io.github.relaypolicy.core.RelayEngine;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.jspecify.annotations.Nullable;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code relay-policy check}: one decision of a policy file, with the reply, the rule that decided and the trace,
 * as {@code exim -bh} shows a session: the administrator's "what would my server answer?".
 */
@Command(name = "check",
        description = {"Decides one recipient against a policy file and explains the decision: the verdict, the"
                + " SMTP reply, the rule that decided and every rule consulted. DNS lists in the policy are asked"
                + " (live DNS or local zones) as the server would. Rate limits are read, never counted (also in a"
                + " shared store): the trace shows what each limit has left."},
        mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:accepted (2xx)",
            " 1:refused (5xx)",
            " 2:deferred (4xx)",
            "64:usage error: invalid arguments",
            "70:internal error",
            "78:the policy file cannot be used (every problem is printed with file:line:column)"
        },
        footer = {"%nExample:",
            "  relay-policy check --config examples/relay-policy.conf --client 203.0.113.9 \\",
            "      --from sender@example.net --to user@example.org"})
final class CheckCommand extends PolicyCommand {

    @Option(names = "--client", required = true, paramLabel = "IP",
            description = "The client's IP address, IPv4 or IPv6.")
    private String client = "";

    @Option(names = "--helo", paramLabel = "NAME", description = "The name the client gave in HELO/EHLO.")
    private @Nullable String helo;

    @Option(names = "--client-name", paramLabel = "NAME", description = "The client's host name as the server"
            + " verified it (forward-confirmed reverse DNS; 'unknown' for none): rhsbl_client_sites ask it.")
    private @Nullable String clientName;

    @Option(names = "--cert-fingerprint", paramLabel = "SHA256", description = "The SHA-256 fingerprint of the"
            + " client's TLS certificate (Postfix's ccert_fingerprint; hex, AB:CD:... or without colons), for"
            + " relay_clientcerts.")
    private @Nullable String certFingerprint;

    @Option(names = "--pubkey-fingerprint", paramLabel = "SHA256", description = "The SHA-256 fingerprint of the"
            + " client certificate's public key (Postfix's ccert_pubkey_fingerprint), for relay_clientcerts.")
    private @Nullable String pubkeyFingerprint;

    @Option(names = "--from", paramLabel = "ADDR",
            description = "The MAIL FROM address, with or without angle brackets; '<>' is the null sender."
                    + " Default: <>.")
    private String from = "<>";

    @Option(names = "--to", required = true, paramLabel = "ADDR",
            description = "The RCPT TO address, with or without angle brackets.")
    private String to = "";

    @Option(names = "--auth", paramLabel = "USER", description = "The user the client authenticated as (SMTP AUTH).")
    private @Nullable String auth;

    @Option(names = "--transaction", paramLabel = "ID", description = "The mail transaction the recipient belongs"
            + " to (RelayRequest.transactionId), for message_rate_limit and recipients_per_message.")
    private @Nullable String transaction;

    @Option(names = "--json", description = "Print the decision as one JSON object, for scripts.")
    private boolean json;

    @Override
    int run(PolicyFile file, PrintWriter out, PrintWriter err) {
        RelayRequest.Builder request = RelayRequest.builder().client(client).sender(from).recipient(to);
        if (helo != null) {
            request.helo(helo);
        }
        if (auth != null) {
            request.authenticatedUser(auth);
        }
        if (clientName != null) {
            request.clientName(clientName);
        }
        if (certFingerprint != null || pubkeyFingerprint != null) {
            request.tlsClientFingerprints(certFingerprint, pubkeyFingerprint);
        }
        if (transaction != null) {
            request.transactionId(transaction);
        }
        RelayRequest r = request.build();
        Decision decision;
        try (RelayEngine engine = file.builder().build()) {
            // counts nothing: a check against a shared store must not use up a user's limit
            decision = engine.preview(r);
            decision.trace(); // read (and kept) while the engine and its shared store are open
        }
        if (json) {
            out.println(Json.write(json(r, decision)));
        } else {
            print(out, r, decision);
        }
        return exitCode(decision.verdict());
    }

    /** 0 accepted, 1 refused, 2 deferred. */
    static int exitCode(Verdict verdict) {
        return switch (verdict) {
            case ACCEPT -> 0;
            case REJECT -> 1;
            case TEMPFAIL -> 2;
        };
    }

    /** The verdict in words. */
    static String words(Verdict verdict) {
        return switch (verdict) {
            case ACCEPT -> "accepted";
            case REJECT -> "refused";
            case TEMPFAIL -> "deferred (try again later)";
        };
    }

    private void print(PrintWriter out, RelayRequest r, Decision d) {
        out.println("client " + Text.printable(client, 100) + (clientName == null ? "" : " ("
                + Text.printable(clientName, 260) + ")") + (helo == null ? "" : ", HELO " + Text.printable(helo,
                100)) + (auth == null ? "" : ", authenticated as " + Text.printable(auth, 100)));
        if (certFingerprint != null || pubkeyFingerprint != null) {
            out.println("TLS client certificate: SHA-256 " + (certFingerprint == null ? "(none)"
                    : Text.printable(certFingerprint, 100)) + ", public key SHA-256 " + (pubkeyFingerprint == null
                    ? "(none)" : Text.printable(pubkeyFingerprint, 100)));
        }
        out.println("MAIL FROM:" + Text.printable(brackets(from), 300) + "  RCPT TO:" + Text.printable(brackets(to),
                300));
        out.println();
        out.println("Decision: " + d.verdict() + " - " + words(d.verdict()));
        out.println("Reply:    " + Text.printable(d.reply().toString(), 600));
        out.println("Rule:     " + d.rule());
        out.println();
        out.println("Trace (every rule consulted, in order):");
        List<TraceStep> trace = d.trace();
        int width = trace.stream().mapToInt(s -> s.rule().length()).max().orElse(10);
        for (TraceStep step : trace) {
            out.println(String.format(Locale.ROOT, "  %-" + width + "s  %-8s  %s", step.rule(), step.outcome(),
                    Text.printable(step.detail(), 600)));
        }
    }

    private static String brackets(String path) {
        String p = path.strip();
        return p.startsWith("<") ? p : "<" + p + ">";
    }

    private Map<String, Object> json(RelayRequest r, Decision d) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("client", client);
        request.put("helo", helo);
        request.put("sender", from);
        request.put("recipient", to);
        request.put("authenticatedUser", auth);
        // only when given, so that the object of a plain check stays as it was
        if (clientName != null) {
            request.put("clientName", clientName);
        }
        if (certFingerprint != null) {
            request.put("certFingerprint", certFingerprint);
        }
        if (pubkeyFingerprint != null) {
            request.put("pubkeyFingerprint", pubkeyFingerprint);
        }
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("code", d.reply().code());
        reply.put("enhancedStatus", d.reply().enhancedStatus());
        reply.put("text", d.reply().text());
        reply.put("line", d.reply().toString());
        List<Object> trace = new ArrayList<>();
        for (TraceStep step : d.trace()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("rule", step.rule());
            s.put("outcome", step.outcome().name());
            s.put("detail", step.detail());
            trace.add(s);
        }
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("request", request);
        all.put("verdict", d.verdict().name());
        all.put("accepted", d.accepted());
        all.put("reply", reply);
        all.put("rule", d.rule());
        all.put("trace", trace);
        return all;
    }
}

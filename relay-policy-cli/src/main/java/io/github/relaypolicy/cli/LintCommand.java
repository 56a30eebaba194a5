package io.github.relaypolicy.cli;

import io.github.relaypolicy.core.PolicyFile;
import io.github.relaypolicy.core.RelayEngine;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code relay-policy lint}: validates a policy file completely and prints the effective policy. */
@Command(name = "lint",
        description = {"Validates a policy file as the engine loads it (list files and local zone files"
                + " included) and prints the effective policy: every setting with its value, defaults included, in"
                + " the policy file format. Problems go to standard error with file:line:column; warnings about"
                + " risky settings are printed as comments."},
        mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:the policy is valid (it may have warnings)",
            "64:usage error: invalid arguments",
            "70:internal error",
            "78:the policy file cannot be used (every problem is printed with file:line:column)"
        },
        footer = {"%nExample:", "  relay-policy lint --config examples/relay-policy.conf"})
final class LintCommand extends PolicyCommand {

    @Option(names = "--max-entries", paramLabel = "N", defaultValue = "50",
            description = "Show at most N entries of each list; the rest are counted (default: ${DEFAULT-VALUE}).")
    private int maxEntries = 50;

    @Override
    int run(PolicyFile file, PrintWriter out, PrintWriter err) {
        List<String> warnings = new ArrayList<>(warnings(file));
        try (RelayEngine engine = file.builder().build()) {
            warnings.addAll(engine.zoneWarnings());
        }
        out.println("# effective policy of " + file.file() + (file.files().size() > 1 ? " and its list files "
                + file.files().subList(1, file.files().size()) : ""));
        out.println("# valid" + (warnings.isEmpty() ? ", no warnings" : ", " + warnings.size() + " warning"
                + (warnings.size() == 1 ? "" : "s")));
        for (String w : warnings) {
            out.println("# warning: " + Text.printable(w, 500));
        }
        out.println();
        out.print(file.effective(Math.max(0, maxEntries)));
        return 0;
    }

    /** Settings that are valid but that an administrator should look at twice. */
    static List<String> warnings(PolicyFile file) {
        List<String> warnings = new ArrayList<>();
        if (file.values("mydestination").isEmpty() && file.values("relay_domains").isEmpty()) {
            warnings.add("neither mydestination nor relay_domains is set: mail is accepted only from trusted or"
                    + " authenticated clients");
        }
        TrustedSpace space = TrustedSpace.of(file.values("mynetworks"));
        for (String broad : space.broadEntries()) {
            warnings.add("mynetworks entry " + broad + " trusts more than any one network holds: every client in it"
                    + " may relay anywhere");
        }
        if (space.open() && space.broadEntries().isEmpty()) {
            warnings.add(space.describe() + ": more than any one network holds; strangers may relay");
        }
        for (String broad : AuditCommand.broadPatterns(file.values("relay_domains"))) {
            warnings.add("relay_domains entry '" + broad + "' covers every domain under a top-level or public"
                    + " suffix: anyone may relay to them");
        }
        for (String broad : AuditCommand.broadPatterns(file.values("mydestination"))) {
            warnings.add("mydestination entry '" + broad + "' makes every domain under a top-level or public suffix"
                    + " local");
        }
        if (!file.values("relay_clientcerts").isEmpty() && file.values("permit_tls_clientcerts").isEmpty()) {
            warnings.add("relay_clientcerts is set but permit_tls_clientcerts is not: the listed certificates grant"
                    + " nothing (set permit_tls_clientcerts = yes, or = no to keep them off)");
        }
        if ((!file.values("message_rate_limit").isEmpty() || !file.values("recipients_per_message").isEmpty())
                && !file.values("recipients_per_message").equals(List.of("none"))) {
            warnings.add("message_rate_limit and recipients_per_message count only requests with a transaction id"
                    + " (RelayRequest.builder().transactionId(...); a Postfix policy request's instance): a mail"
                    + " server that passes none is not limited by them");
        }
        warnings.addAll(file.accessWarnings());
        for (PolicyFile.AccessEntry e : file.accessEntries()) {
            String network = e.setting().equals("check_client_access") && e.action().equals("RELAY")
                    ? relayNetwork(e.key()) : null;
            if (network != null && negated(e.key())) {
                warnings.add("check_client_access " + e.file() + ":" + e.line() + ": RELAY entry '"
                        + Text.printable(e.key(), 100) + "' " + outside(network) + ": strangers may relay anywhere");
            } else if (network != null && TrustedSpace.broad(network)) {
                warnings.add("check_client_access " + e.file() + ":" + e.line() + ": RELAY entry " + Text.printable(
                        e.key(), 100) + " grants more than any one network holds: every client in it may relay"
                        + " anywhere");
            }
            if (e.setting().equals("check_recipient_access") && e.action().equals("RELAY") && localPartKey(e.key())) {
                warnings.add("check_recipient_access " + e.file() + ":" + e.line() + ": RELAY entry '"
                        + Text.printable(e.key(), 100) + "' makes " + Text.printable(e.key(), 100) + " of every"
                        + " domain relayable: anyone may relay to them");
            }
            if (e.setting().equals("check_recipient_access") && e.action().equals("RELAY") && e.key().indexOf('@') < 0
                    && !AuditCommand.broadPatterns(List.of("." + e.key())).isEmpty()) {
                warnings.add("check_recipient_access " + e.file() + ":" + e.line() + ": RELAY entry '"
                        + Text.printable(e.key(), 100) + "' covers every domain under a top-level or public suffix:"
                        + " anyone may relay to them");
            }
        }
        return warnings;
    }

    /**
     * The network a check_client_access key names, as mynetworks would write it: without cidr_table(5)'s
     * {@code !} and {@code [..]} ({@code ![2001:db8::]/32} is {@code 2001:db8::/32}); null for a pattern of a
     * regexp or pcre table.
     */
    static @Nullable String relayNetwork(String key) {
        String k = key.strip();
        while (k.startsWith("!")) {
            k = k.substring(1).strip();
        }
        int close = k.indexOf(']');
        if (k.startsWith("[") && close > 0) {
            k = k.substring(1, close) + k.substring(close + 1);
        }
        return TrustedSpace.isNetwork(k) ? k : null;
    }

    /** Whether a cidr_table(5) key is negated: it matches every address of its family outside the network. */
    static boolean negated(String key) {
        String k = key.strip();
        boolean negated = false;
        while (k.startsWith("!")) {
            negated = !negated;
            k = k.substring(1).strip();
        }
        return negated;
    }

    /** What a negated RELAY entry grants, e.g. {@code grants relay to every IPv4 client outside 10.0.0.0/8}. */
    static String outside(String network) {
        return "grants relay to every " + (network.indexOf(':') >= 0 ? "IPv6" : "IPv4") + " client outside "
                + Text.printable(network, 100);
    }

    /** Whether an access(5) key is {@code user@}, which Postfix's lookups match with every domain. */
    static boolean localPartKey(String key) {
        return key.length() > 1 && key.endsWith("@") && key.indexOf('@') == key.length() - 1;
    }
}

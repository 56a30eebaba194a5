package io.github.relaypolicy.cli;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.core.PolicyFile;
import io.github.relaypolicy.core.RelayEngine;
import java.io.PrintWriter;
import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code relay-policy audit}: the open-relay battery against a policy file, offline, plus the mail that must still
 * get through. What a block-list operator's probe would find, before the server is on the Internet.
 */
@Command(name = "audit",
        description = {"Audits a policy file offline: runs the open-relay battery (30 MAIL FROM / RCPT TO pairs:"
                + " plain address, %% hack, quoted local parts, double @, source routes, bang paths; with a sender"
                + " in our domain, a foreign sender, the null sender and a sender at our address literal) from an"
                + " untrusted, unauthenticated client, and checks that local mail, relay domains, trusted networks"
                + " and authenticated clients still get through. Prints a table; nothing leaves this machine.",
            "",
            "DNS lists and local zones are not consulted: they never grant relay, so they cannot open one"
                    + " (check them with 'relay-policy zones')."},
        mixinStandardHelpOptions = true,
        sortOptions = false,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:closed, and the mail that must get through does",
            " 1:open relay: the policy accepts at least one battery test from an untrusted client",
            " 2:closed, but mail that must get through is refused (see the failed checks)",
            "64:usage error: invalid arguments",
            "70:internal error",
            "78:the policy file cannot be used (every problem is printed with file:line:column)"
        },
        footer = {"%nExample:", "  relay-policy audit --config examples/relay-policy.conf"})
final class AuditCommand extends PolicyCommand {

    static final int EXIT_CLOSED = 0;
    static final int EXIT_OPEN_RELAY = 1;
    static final int EXIT_CHECK_FAILED = 2;

    /** Clients tried, in order, as the untrusted one: documentation, shared and private space. */
    private static final List<String> UNTRUSTED_V4 = List.of("203.0.113.9", "198.51.100.9", "192.0.2.9",
            "100.64.0.9", "10.255.255.9", "172.31.255.9", "192.168.255.9", "8.8.8.8");
    private static final List<String> UNTRUSTED_V6 = List.of("2001:db8:ffff::9", "2001:db8::9", "fd00::9",
            "2606:4700::9");
    private static final List<String> VICTIMS = List.of("victim.example", "victim.invalid", "relay-test.invalid");
    /** Addresses of the public Internet, one per region, to show that an over-broad mynetworks trusts them. */
    private static final List<String> PUBLIC_CLIENTS = List.of("8.8.8.8", "1.1.1.1", "64.6.64.6", "130.0.0.9",
            "200.0.0.9", "41.0.0.9", "2606:4700::1111", "2a00:1450::9", "2400:cb00::9", "3000::9");
    /** Top-level and public suffixes under which a plain relay is also tried, to catch over-broad patterns. */
    private static final List<String> THIRD_PARTY_TLDS = List.of("com", "net", "org", "de", "co.uk", "jp", "fr",
            "io", "info", "com.au", "ru", "cn", "br", "nl", "eu", "us", "example", "invalid");
    /** Second-level labels that registries sell under: {@code .co.uk} covers strangers' domains. */
    private static final java.util.Set<String> PUBLIC_SECOND_LEVEL = java.util.Set.of("co", "com", "net", "org",
            "ac", "gov", "edu", "ne", "or", "go", "gob", "nic", "mil", "ltd", "plc");

    @Option(names = "--domain", paramLabel = "DOMAIN",
            description = "Our domain, used in the battery's forms. Default: the first domain of mydestination.")
    private @Nullable String domain;

    @Option(names = "--literal", paramLabel = "[IP]",
            description = "Our address literal, used in the battery's forms. Default: the first address literal"
                    + " of mydestination, else [192.0.2.1].")
    private @Nullable String literal;

    @Option(names = "--client", paramLabel = "IP",
            description = "The untrusted client to test from. Default: the first of 203.0.113.9, 198.51.100.9,"
                    + " ... that mynetworks does not trust.")
    private @Nullable String client;

    @Option(names = "--json", description = "Print the results as one JSON object, for scripts.")
    private boolean json;

    /** One row: a battery test or a check. */
    record Row(String id, String what, String client, String sender, String recipient, @Nullable String auth,
            boolean mustAccept, Decision decision) {
        boolean ok() {
            return mustAccept == granted();
        }

        /**
         * Whether the relay rules let the recipient through: accepted, or refused by the sender binding, which is
         * checked only after a rule accepted the recipient (another MAIL FROM would pass).
         */
        boolean granted() {
            return decision.accepted() || decision.rule().equals(RuleNames.SENDER_LOGIN_MISMATCH);
        }
    }

    @Override
    int run(PolicyFile file, PrintWriter out, PrintWriter err) {
        try (RelayEngine engine = file.withoutDnsLists().builder().build()) {
            return audit(file, engine, out, err);
        }
    }

    private int audit(PolicyFile file, RelayEngine engine, PrintWriter out, PrintWriter err) {
        List<String> local = file.values("mydestination");
        List<String> notes = new ArrayList<>();
        String ours = domain != null ? domain : local.stream().filter(d -> !d.startsWith("["))
                .map(AuditCommand::domainIn).findFirst().orElse("example.invalid");
        if (domain == null && local.stream().allMatch(d -> d.startsWith("["))) {
            notes.add("mydestination names no domain: the battery uses example.invalid as ours");
        }
        try {
            ours = IDN.toASCII(ours); // the battery's forms are ASCII, as the engine compares them
        } catch (IllegalArgumentException e) {
            notes.add("our domain '" + Text.printable(ours, 100) + "' has no A-label: the battery uses"
                    + " example.invalid");
            ours = "example.invalid";
        }
        String ourLiteral = literal != null ? literal : local.stream().filter(d -> d.startsWith("[")).findFirst()
                .orElse("[192.0.2.1]");
        TrustedSpace space = TrustedSpace.of(file.values("mynetworks"));
        boolean openByNetworks = space.open();
        if (openByNetworks) {
            notes.add(space.describe() + ": more than any one network holds, so strangers may relay"
                    + (space.broadEntries().isEmpty() ? "" : "; the broadest: " + String.join(", ",
                            space.broadEntries())));
        }
        List<String> broadDomains = new ArrayList<>(broadPatterns(file.values("relay_domains")));
        if (!broadDomains.isEmpty()) {
            notes.add("relay_domains " + String.join(", ", broadDomains) + " relays for every domain under a"
                    + " top-level or public suffix: anyone may relay to them");
        }
        List<PolicyFile.AccessEntry> access = file.accessEntries();
        List<String> relayNetworks = new ArrayList<>();
        boolean negatedRelay = false;
        for (PolicyFile.AccessEntry e : access) {
            String network = e.setting().equals("check_client_access") && e.action().equals("RELAY")
                    ? LintCommand.relayNetwork(e.key()) : null;
            if (network != null && LintCommand.negated(e.key())) {
                // '!NET' matches every address of the family outside NET
                negatedRelay = true;
                notes.add("check_client_access " + e.file() + ":" + e.line() + " '" + Text.printable(e.key(), 100)
                        + " RELAY' " + LintCommand.outside(network) + ", so strangers may relay");
            } else if (network != null) {
                relayNetworks.add(network);
            }
        }
        TrustedSpace relaySpace = TrustedSpace.of(relayNetworks);
        if (!relayNetworks.isEmpty()) {
            notes.add("check_client_access RELAY entries grant relay to " + relaySpace.amounts()
                    + (relaySpace.open() ? ": more than any one network holds, so strangers may relay" : "")
                    + (relaySpace.broadEntries().isEmpty() ? "" : "; the broadest: " + String.join(", ",
                            relaySpace.broadEntries())));
        }
        openByNetworks |= relaySpace.open() || negatedRelay;
        for (String w : file.accessWarnings()) {
            if (w.contains(" OK' does not")) { // an OK that a Postfix administrator may have meant as a relay grant
                notes.add("warning: " + Text.printable(w, 600));
            }
        }
        for (PolicyFile.AccessEntry e : access) {
            if (e.setting().equals("check_recipient_access") && e.action().equals("RELAY")
                    && (LintCommand.localPartKey(e.key()) || e.key().indexOf('@') < 0
                            && !broadPatterns(List.of("." + e.key())).isEmpty())) {
                broadDomains.add("check_recipient_access " + e.file() + ":" + e.line() + " '" + Text.printable(e.key(),
                        100) + " RELAY'");
            }
        }
        if (broadDomains.stream().anyMatch(d -> d.startsWith("check_recipient_access"))) {
            notes.add(String.join(", ", broadDomains.stream().filter(d -> d.startsWith("check_recipient_access"))
                    .toList()) + " relays for every domain under a top-level or public suffix: anyone may relay"
                    + " to them");
        }
        String found = client != null ? client : firstUntrusted(engine, UNTRUSTED_V4);
        if (found == null) {
            notes.add("every client tried (" + String.join(", ", UNTRUSTED_V4) + ") is in mynetworks");
        }
        String untrusted = found == null ? UNTRUSTED_V4.get(0) : found;
        String victim = VICTIMS.stream().filter(v -> !isOurs(engine, untrusted, v)).findFirst()
                .orElse(VICTIMS.get(0));
        List<Row> battery = new ArrayList<>();
        List<Row> checks = new ArrayList<>();
        List<RelayBattery.Test> tests;
        try {
            tests = RelayBattery.tests(ours, ourLiteral, victim);
        } catch (IllegalArgumentException e) {
            err.println("audit: " + Text.printable(String.valueOf(e.getMessage()), 300) + "; see 'relay-policy audit"
                    + " --help'");
            return Main.EXIT_USAGE;
        }
        for (RelayBattery.Test t : tests) {
            battery.add(row(engine, String.valueOf(t.id()), t.description(), untrusted, t.senderPath(),
                    t.recipientPath(), null, false));
        }
        String untrusted6 = firstUntrusted(engine, UNTRUSTED_V6);
        if (untrusted6 != null) {
            battery.add(row(engine, "v6", "plain relay from " + untrusted6 + ", an untrusted IPv6 client", untrusted6,
                    "<antispam@" + victim + ">", "<relaytest@" + victim + ">", null, false));
        } else {
            notes.add("every IPv6 client tried (" + String.join(", ", UNTRUSTED_V6) + ") is in mynetworks");
        }
        // a public client that mynetworks trusts shows an over-broad mynetworks in the table
        String publicTrusted = PUBLIC_CLIENTS.stream().filter(c -> trusted(engine.decide(RelayRequest.of(c,
                "<a@victim.invalid>", "<b@victim.invalid>")))).findFirst().orElse(null);
        if (publicTrusted != null && openByNetworks) {
            battery.add(row(engine, "public", "plain relay from " + publicTrusted + ", a public client mynetworks trusts",
                    publicTrusted, "<antispam@" + victim + ">", "<relaytest@" + victim + ">", null, false));
        }
        // relay_domains or mydestination patterns may cover domains far from victim.example
        for (String tld : THIRD_PARTY_TLDS) {
            Row r = row(engine, "tld", "plain relay to a domain under ." + tld, untrusted, "<antispam@" + victim
                    + ">", "<relaytest@relay-test." + tld + ">", null, false);
            if (r.granted()) {
                battery.add(r);
            }
        }
        String user = "<audit@" + ours + ">";
        checks.add(row(engine, "local", "local mail from an untrusted client", untrusted, "<sender@" + victim + ">",
                user, null, true));
        checks.add(row(engine, "bounce", "a bounce (null sender) to a local user", untrusted, "<>", user, null,
                true));
        checks.add(row(engine, "postmaster", "mail to postmaster", untrusted, "<sender@" + victim + ">",
                "<postmaster@" + ours + ">", null, true));
        file.values("relay_domains").stream().filter(d -> !d.startsWith("[")).findFirst().ifPresent(d -> checks.add(
                row(engine, "relay_domains", "mail for a relay domain (we are its backup MX)", untrusted,
                        "<sender@" + victim + ">", "<audit@" + asciiOrSelf(domainIn(d)) + ">", null, true)));
        String trusted = firstTrusted(engine, file.values("mynetworks"));
        if (trusted != null) {
            checks.add(row(engine, "mynetworks", "relay from a trusted client", trusted, "<sender@" + ours + ">",
                    "<someone@" + victim + ">", null, true));
        } else {
            notes.add("mynetworks trusts no client: only authenticated clients may relay");
        }
        boolean authRelay = file.values("permit_authenticated").stream().noneMatch(v -> v.equalsIgnoreCase("no"));
        checks.add(row(engine, "auth", authRelay ? "relay for an authenticated client"
                : "no relay for an authenticated client (permit_authenticated = no)", untrusted,
                "<sender@" + ours + ">", "<someone@" + victim + ">", "audit-user", authRelay));

        notes.addAll(abuseWarnings(file, authRelay));

        boolean open = battery.stream().anyMatch(Row::granted) || openByNetworks || found == null
                || !broadDomains.isEmpty();
        boolean checksFailed = checks.stream().anyMatch(r -> !r.ok());
        int code = open ? EXIT_OPEN_RELAY : checksFailed ? EXIT_CHECK_FAILED : EXIT_CLOSED;
        if (json) {
            out.println(Json.write(json(file, ours, ourLiteral, victim, untrusted, notes, battery, checks, code)));
        } else {
            print(out, file, ours, ourLiteral, victim, untrusted, notes, battery, checks, open);
        }
        return code;
    }

    /**
     * The doors a policy opens on purpose and leaves unguarded: authenticated relay with neither sender binding nor a
     * per-user limit, and broad trusted networks that no client limit counts. Not open relays, but the way today's
     * spam goes through (stolen passwords, compromised hosts inside).
     */
    static List<String> abuseWarnings(PolicyFile file, boolean authRelay) {
        List<String> warnings = new ArrayList<>();
        List<String> limits = new ArrayList<>(file.values("recipient_rate_limit"));
        limits.addAll(file.values("message_rate_limit"));
        boolean userLimit = limits.stream().anyMatch(l -> l.strip().toLowerCase(Locale.ROOT).startsWith("user:"));
        boolean clientLimit = limits.stream().anyMatch(l -> l.strip().toLowerCase(Locale.ROOT).startsWith("client:"));
        boolean binding = file.values("sender_login_maps").stream().anyMatch(v -> !v.isBlank())
                && file.values("sender_login_mismatch")
                .stream().noneMatch(v -> v.equalsIgnoreCase("off"));
        if (authRelay && !binding && !userLimit) {
            warnings.add("warning: authenticated relay is permitted with no sender binding (sender_login_maps) and"
                    + " no per-user limit (recipient_rate_limit = user:...): a stolen password can send unlimited"
                    + " mail");
        }
        List<String> exempt = file.values("rate_limit_exempt");
        for (String entry : file.values("mynetworks")) {
            String e = entry.strip();
            if (e.startsWith("!") || !TrustedSpace.broad(e)) {
                continue;
            }
            // A broad network in rate_limit_exempt is unlimited whatever the client limits say.
            String exemptBy = exempt.stream().filter(x -> TrustedSpace.covers(x, e)).findFirst().orElse(null);
            if (exemptBy != null) {
                warnings.add("warning: mynetworks entry " + Text.printable(e, 100) + " is broad and unlimited"
                        + " (rate_limit_exempt = " + Text.printable(exemptBy.strip(), 100) + "): one compromised host"
                        + " in it can send unlimited mail");
            } else if (!clientLimit) {
                warnings.add("warning: mynetworks entry " + Text.printable(e, 100) + " is broad and unlimited (no"
                        + " recipient_rate_limit = client:...): one compromised host in it can send unlimited mail");
            }
        }
        return warnings;
    }


    /** A domain a pattern matches: {@code example.org} for {@code example.org} and {@code .example.org}. */
    private static String domainIn(String pattern) {
        return pattern.startsWith("*.") ? "mail" + pattern.substring(1)
                : pattern.startsWith(".") ? pattern.substring(1) : pattern;
    }

    private static String asciiOrSelf(String name) {
        try {
            return IDN.toASCII(name);
        } catch (IllegalArgumentException e) {
            return name;
        }
    }

    /**
     * Subdomain patterns of a top-level domain ({@code .com}) or of a common second-level public suffix
     * ({@code .co.uk}, {@code *.com.au}): they cover domains of strangers.
     */
    static List<String> broadPatterns(List<String> patterns) {
        List<String> broad = new ArrayList<>();
        for (String p : patterns) {
            if (!(p.startsWith(".") || p.startsWith("*."))) {
                continue;
            }
            String[] labels = p.substring(p.startsWith("*.") ? 2 : 1).toLowerCase(Locale.ROOT)
                    .replaceAll("\\.$", "").split("\\.");
            if (labels.length == 1 || labels.length == 2 && PUBLIC_SECOND_LEVEL.contains(labels[0])) {
                broad.add(p);
            }
        }
        return broad;
    }

    private static Row row(RelayEngine engine, String id, String what, String client, String sender,
            String recipient, @Nullable String auth, boolean mustAccept) {
        Decision d = engine.decide(RelayRequest.builder().client(client).helo("audit.invalid").sender(sender)
                .recipient(recipient).authenticatedUser(auth).build());
        return new Row(id, what, client, sender, recipient, auth, mustAccept, d);
    }

    private static @Nullable String firstUntrusted(RelayEngine engine, List<String> candidates) {
        for (String c : candidates) {
            Decision d = engine.decide(RelayRequest.of(c, "<a@victim.invalid>", "<b@victim.invalid>"));
            if (!trusted(d)) {
                return c;
            }
        }
        return null;
    }

    /** A client mynetworks trusts: the first address (or the second, for a network) of its first entries. */
    private static @Nullable String firstTrusted(RelayEngine engine, List<String> networks) {
        for (String n : networks) {
            if (n.startsWith("!")) {
                continue;
            }
            String candidate = hostIn(n);
            if (candidate != null && trusted(engine.decide(RelayRequest.of(candidate,
                    "<a@victim.invalid>", "<b@victim.invalid>")))) {
                return candidate;
            }
        }
        return null;
    }

    /** For {@code 192.0.2.0/24} the address {@code 192.0.2.1}; for a single address, itself. */
    private static @Nullable String hostIn(String network) {
        int slash = network.indexOf('/');
        String address = slash < 0 ? network : network.substring(0, slash);
        if (!address.matches("[0-9a-fA-F:.]+")) {
            return null; // entries are validated by now; this keeps anything else away from the resolver
        }
        try {
            byte[] b = InetAddress.getByName(address).getAddress(); // an IP literal: no lookup
            int length = slash < 0 ? b.length * 8 : Integer.parseInt(network.substring(slash + 1));
            if (length < b.length * 8) {
                b[b.length - 1] |= 1;
            }
            return InetAddress.getByAddress(b).getHostAddress();
        } catch (UnknownHostException | NumberFormatException e) {
            return null;
        }
    }

    /** Whether mynetworks accepted the client in this decision. */
    private static boolean trusted(Decision d) {
        return d.trace().stream().anyMatch(s -> s.rule().equals("mynetworks")
                && s.outcome() == TraceStep.Outcome.ACCEPT);
    }

    private static boolean isOurs(RelayEngine engine, String client, String victim) {
        Decision d = engine.decide(RelayRequest.of(client, "<a@" + victim + ">", "<b@" + victim + ">"));
        return d.rule().equals("mydestination") || d.rule().equals("relay_domains");
    }

    private static void print(PrintWriter out, PolicyFile file, String ours, String ourLiteral, String victim,
            String untrusted, List<String> notes, List<Row> battery, List<Row> checks, boolean open) {
        out.println("relay-policy audit of " + file.file());
        out.println("our domain " + ours + ", our address literal " + ourLiteral + ", third-party domain " + victim
                + ", untrusted client " + untrusted);
        out.println("DNS lists and local zones are not consulted: they never grant relay.");
        for (String n : notes) {
            out.println("note: " + n);
        }
        out.println();
        out.println("Open-relay battery: every test must be refused");
        table(out, battery, false);
        out.println();
        out.println("Mail that must still get through");
        table(out, checks, true);
        out.println();
        long refused = battery.stream().filter(r -> !r.granted()).count();
        long passed = checks.stream().filter(Row::ok).count();
        out.println(String.format(Locale.ROOT, "%s: %d of %d battery tests refused; %d of %d checks passed.",
                open ? "OPEN RELAY (see the notes and the failed tests)" : "closed", refused, battery.size(), passed,
                checks.size()));
    }

    /** A table of rows; the battery's all come from one client and must all be refused, so it omits both. */
    private static void table(PrintWriter out, List<Row> rows, boolean full) {
        List<String[]> cells = new ArrayList<>();
        cells.add(full ? new String[] {"id", "check", "client", "MAIL FROM", "RCPT TO", "expected", "result", "rule",
            "reply"} : new String[] {"id", "test", "MAIL FROM", "RCPT TO", "result", "rule", "reply"});
        for (Row r : rows) {
            String what = r.what() + (r.auth() == null ? "" : " (AUTH " + r.auth() + ")");
            String result = (r.ok() ? "ok: " : "FAIL: ") + CheckCommand.words(r.decision().verdict()).split(" ")[0];
            String reply = Text.printable(r.decision().reply().toString(), 120);
            cells.add(full ? new String[] {r.id(), what, r.client(), r.sender(), r.recipient(),
                r.mustAccept() ? "accept" : "refuse", result, r.decision().rule(), reply}
                : new String[] {r.id(), what, r.sender(), r.recipient(), result, r.decision().rule(), reply});
        }
        int[] width = new int[cells.get(0).length];
        for (String[] row : cells) {
            for (int i = 0; i < row.length - 1; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : cells) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : String.format(Locale.ROOT, "%-" + width[i] + "s  ",
                        row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private static Map<String, Object> json(PolicyFile file, String ours, String ourLiteral, String victim,
            String untrusted, List<String> notes, List<Row> battery, List<Row> checks, int code) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("config", file.file().toString());
        all.put("ourDomain", ours);
        all.put("ourLiteral", ourLiteral);
        all.put("victimDomain", victim);
        all.put("untrustedClient", untrusted);
        all.put("result", code == EXIT_OPEN_RELAY ? "open_relay" : code == EXIT_CHECK_FAILED ? "check_failed"
                : "closed");
        all.put("notes", notes);
        all.put("battery", battery.stream().map(AuditCommand::json).toList());
        all.put("checks", checks.stream().map(AuditCommand::json).toList());
        return all;
    }

    private static Map<String, Object> json(Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("test", r.what());
        m.put("client", r.client());
        m.put("sender", r.sender());
        m.put("recipient", r.recipient());
        m.put("authenticatedUser", r.auth());
        m.put("expected", r.mustAccept() ? "ACCEPT" : "REFUSE");
        m.put("ok", r.ok());
        m.put("verdict", r.decision().verdict().name());
        m.put("rule", r.decision().rule());
        m.put("reply", r.decision().reply().toString());
        return m;
    }
}

package io.github.relaypolicy.cli;

import io.github.relaypolicy.core.DnsListHealth;
import io.github.relaypolicy.core.PolicyFile;
import io.github.relaypolicy.core.RelayEngine;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code relay-policy zones}: the RFC 5782 section 5 health check of every DNS list a policy configures. */
@Command(name = "zones",
        description = {"Checks every DNS list of a policy file against its RFC 5782 test points: 127.0.0.2 must"
                + " be listed and 127.0.0.1 not (TEST and INVALID for domain lists). Reports lists that are dead,"
                + " unreachable or list the world, as a lapsed list domain can. Local zones are checked"
                + " in-process; other lists are asked over DNS (dns_servers, or the system's resolvers)."},
        mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:every list is healthy (or none is configured)",
            " 1:at least one list is dead, unreachable or lists the world",
            "64:usage error: invalid arguments",
            "70:internal error",
            "78:the policy file cannot be used (every problem is printed with file:line:column)"
        },
        footer = {"%nExample:", "  relay-policy zones --config examples/relay-policy.conf"})
final class ZonesCommand extends PolicyCommand {

    @Option(names = "--json", description = "Print the results as one JSON array, for scripts.")
    private boolean json;

    @Override
    int run(PolicyFile file, PrintWriter out, PrintWriter err) throws InterruptedException {
        List<DnsListHealth> health;
        try (RelayEngine engine = file.builder().build()) {
            CompletableFuture<List<DnsListHealth>> check = engine.checkDnsLists().toCompletableFuture();
            if (Main.interactive() && !check.isDone()) {
                err.print("checking the DNS lists of " + file.file() + " ...");
                err.flush();
            }
            health = check.get();
            if (Main.interactive()) {
                err.print("\r\033[K");
                err.flush();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("the health check failed unexpectedly", e.getCause());
        }
        boolean healthy = health.stream().allMatch(DnsListHealth::healthy);
        if (json) {
            out.println(Json.write(health.stream().map(ZonesCommand::json).toList()));
        } else if (health.isEmpty()) {
            out.println("no DNS lists configured in " + file.file());
        } else {
            int zoneWidth = health.stream().mapToInt(h -> h.zone().length()).max().orElse(4);
            // "auth_dnsbl" is wider than the other kinds
            int listWidth = Math.max(7, health.stream().mapToInt(h -> h.setting().length()).max().orElse(4));
            String row = "%-" + listWidth + "s  %-" + zoneWidth + "s  %-7s  %s";
            out.println(String.format(Locale.ROOT, row, "list", "zone", "status",
                    "answers to the test points, and the problem if any"));
            for (DnsListHealth h : health) {
                out.println(String.format(Locale.ROOT, row, h.setting(),
                        h.zone(), h.healthy() ? "ok" : "PROBLEM", Text.printable(h.detail(), 300)
                                + (h.healthy() ? "" : "; " + Text.printable(h.problem(), 300))));
            }
            out.println();
            long bad = health.stream().filter(h -> !h.healthy()).count();
            out.println(bad == 0 ? "all " + health.size() + " lists healthy"
                    : bad + " of " + health.size() + " lists have a problem");
        }
        return healthy ? 0 : 1;
    }

    private static Map<String, Object> json(DnsListHealth h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("list", h.setting());
        m.put("zone", h.zone());
        m.put("healthy", h.healthy());
        m.put("problem", h.problem());
        m.put("answers", h.detail());
        return m;
    }
}

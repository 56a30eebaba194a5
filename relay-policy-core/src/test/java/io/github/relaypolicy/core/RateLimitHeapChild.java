package io.github.relaypolicy.core;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.Verdict;

/**
 * Run in a JVM with a small heap by {@link RateLimitHeapTest}: an attacker rotating through millions of client
 * addresses and senders against an engine with client, sender and refusal limits at the default table size.
 */
public final class RateLimitHeapChild {

    private RateLimitHeapChild() {
    }

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        RelayEngine engine = RelayEngine.builder().localDomains("example.org")
                .recipientRateLimit("client:5/1h", "sender:5/1h").refusalRateLimit("client:5/1h").build();
        long accepted = 0;
        long refused = 0;
        for (int i = 0; i < n; i++) {
            String client = (10 + (i >>> 24 & 0x3f)) + "." + (i >>> 16 & 0xff) + "." + (i >>> 8 & 0xff) + "."
                    + (i & 0xff);
            Verdict v = engine.decide(RelayRequest.of(client, "<s" + i + "@example.net>",
                    (i & 1) == 0 ? "<a@example.org>" : "<v@example.com>")).verdict();
            if (v == Verdict.ACCEPT) {
                accepted++;
            } else {
                refused++;
            }
        }
        System.gc();
        Runtime rt = Runtime.getRuntime();
        System.out.println("RESULT accepted=" + accepted);
        System.out.println("RESULT refused=" + refused);
        System.out.println("RESULT used=" + (rt.totalMemory() - rt.freeMemory()));
        System.out.println("RESULT done=yes");
    }
}

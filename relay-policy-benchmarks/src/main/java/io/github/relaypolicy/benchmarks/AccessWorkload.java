package io.github.relaypolicy.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Access tables of every family for the benchmarks, written as the files an administrator coming from Postfix brings:
 * a {@code cidr_table(5)} of client networks and {@code access(5)} text files of HELO names, senders and recipients,
 * each of {@code entries} lines, from fixed seeds.
 *
 * <ul>
 *   <li>Client networks: 70% IPv4 of /12 to /32 (most /24 and /32), 30% IPv6 of /32 to /128 (most /48 and /64),
 *       none in 198.18.0.0/15 or 2001:db8::/32, where the benchmark's clients live.
 *   <li>HELO names: domains of two or three labels (a key matches the name and its subdomains) and host names of
 *       three or four.
 *   <li>Senders: {@code user@domain}, {@code domain}, {@code sub.domain} and {@code user@} keys.
 *   <li>Recipients: {@code user@example.org} keys (the accounts of the local domain an administrator blocks or
 *       lets through), foreign {@code user@domain} and {@code domain} keys, and {@code user@} keys.
 * </ul>
 * Actions: mostly {@code OK} (70%) and {@code DUNNO} (30%); one entry in 250 refuses ({@code REJECT}, with or
 * without a text, or {@code 550}/{@code 554 text}), one in 1,000 defers ({@code DEFER}, {@code 450 text}), and twenty
 * entries per client and recipient table say {@code RELAY} (what a Postfix client table's {@code OK} becomes: lint
 * asks for it), so the relay rules ask those two families before the block checks ask all four. In the recipient
 * table every refusing entry is a local account ({@code user@example.org}).
 *
 * <p>Every generated name is made of letters only, every name of the benchmark's requests holds a digit in each
 * label: no request can match an entry by chance, and the setups check each request's decision anyway.
 */
final class AccessWorkload {

    private static final String[] TLDS = {"com", "net", "org", "de", "fr", "nl", "uk", "io", "eu", "info", "ru", "cn",
        "br", "jp", "biz", "xyz", "top", "online"};
    private static final char[] LETTERS = "abcdefghijklmnopqrstuvwxyz".toCharArray();

    /** 198.18.0.0/15 (RFC 2544): the benchmark's IPv4 clients; no table network touches it. */
    private static final int BENCH_V4 = 198 << 24 | 18 << 16;

    /** The local domain of the benchmarks' engines ({@code mydestination = example.org, .example.org}). */
    static final String LOCAL = "example.org";

    final Path client;
    final Path helo;
    final Path sender;
    final Path recipient;
    /** The recipient-table keys that refuse, each a local address {@code user@example.org}. */
    final List<String> refusedRecipients = new ArrayList<>();

    private final SplittableRandom random;
    private final int entries;

    /**
     * Writes the four tables into {@code dir}.
     *
     * @param dir where the files go
     * @param entries lines per table
     */
    AccessWorkload(Path dir, int entries) throws IOException {
        this.entries = entries;
        this.random = new SplittableRandom(0x5EED_0C12L + entries);
        client = write(dir.resolve("clients.cidr"), cidr());
        helo = write(dir.resolve("helo"), helo());
        sender = write(dir.resolve("senders"), senders());
        recipient = write(dir.resolve("recipients"), recipients());
    }

    private static Path write(Path file, CharSequence text) throws IOException {
        Files.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
        return file;
    }

    /** The action of entry {@code i}: see the class comment. */
    private String action(int i, boolean relay, String refusal) {
        if (relay && i % Math.max(1, entries / 20) == 7) {
            return "RELAY";
        }
        if (i % 250 == 3) {
            return refusal;
        }
        if (i % 1000 == 11) {
            return (i / 1000) % 2 == 0 ? "DEFER" : "450 4.7.1 Try again later";
        }
        return random.nextInt(10) < 7 ? "OK" : "DUNNO";
    }

    private static String refusal(int i) {
        switch ((i / 250) % 4) {
            case 0:
                return "REJECT";
            case 1:
                return "REJECT Access denied by local policy";
            case 2:
                return "550 5.7.1 Go away";
            default:
                return "554 Blocked, see https://www.example.org/blocked";
        }
    }

    private String word(int min, int max) {
        int n = min + random.nextInt(max - min + 1);
        char[] c = new char[n];
        for (int i = 0; i < n; i++) {
            c[i] = LETTERS[random.nextInt(LETTERS.length)];
        }
        return new String(c);
    }

    private String domain(int labels) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < labels - 1; i++) {
            b.append(word(i == 0 && labels > 2 ? 2 : 4, 10)).append('.');
        }
        return b.append(TLDS[random.nextInt(TLDS.length)]).toString();
    }

    private CharSequence cidr() {
        StringBuilder b = new StringBuilder(entries * 32);
        b.append("# client networks, as a Postfix check_client_access cidr: table\n");
        for (int i = 0; i < entries; i++) {
            String network;
            if (random.nextInt(10) < 7) {
                int r = random.nextInt(100);
                int len = r < 35 ? 32 : r < 70 ? 24 : r < 90 ? 16 + random.nextInt(8) : r < 95 ? 12 + random.nextInt(4)
                        : 25 + random.nextInt(7);
                int a;
                int common = Math.min(len, 15);
                do {
                    a = (1 + random.nextInt(223)) << 24 | random.nextInt(1 << 24);
                    a &= len == 32 ? -1 : ~(-1 >>> len);
                } while ((a >>> (32 - common)) == (BENCH_V4 >>> (32 - common))); // nothing of 198.18.0.0/15
                network = String.format(Locale.ROOT, "%d.%d.%d.%d%s", a >>> 24, a >>> 16 & 255, a >>> 8 & 255,
                        a & 255, len == 32 ? "" : "/" + len);
            } else {
                int r = random.nextInt(100);
                int len = r < 40 ? 48 : r < 75 ? 64 : r < 85 ? 32 + random.nextInt(16) : r < 95 ? 128
                        : 65 + random.nextInt(63);
                int[] g = new int[8];
                do {
                    g[0] = 0x2000 | random.nextInt(0x1000);
                    g[1] = random.nextInt(0x10000);
                } while (g[0] == 0x2001 && g[1] == 0x0db8);
                for (int k = 2; k < 8; k++) {
                    g[k] = random.nextInt(0x10000);
                }
                for (int bit = len; bit < 128; bit++) {
                    g[bit / 16] &= ~(1 << (15 - bit % 16));
                }
                StringBuilder n = new StringBuilder();
                for (int k = 0; k < 8; k++) {
                    n.append(k == 0 ? "" : ":").append(Integer.toHexString(g[k]));
                }
                network = n + (len == 128 ? "" : "/" + len);
            }
            b.append(network).append(' ').append(action(i, true, refusal(i))).append('\n');
        }
        return b;
    }

    private CharSequence helo() {
        StringBuilder b = new StringBuilder(entries * 32);
        Set<String> keys = new HashSet<>();
        b.append("# HELO names, as a Postfix check_helo_access hash: source\n");
        for (int i = 0; i < entries; i++) {
            String key;
            do {
                key = random.nextInt(10) < 6 ? domain(2 + random.nextInt(2)) : domain(3 + random.nextInt(2));
            } while (!keys.add(key));
            b.append(key).append(' ').append(action(i, false, refusal(i))).append('\n');
        }
        return b;
    }

    private CharSequence senders() {
        StringBuilder b = new StringBuilder(entries * 32);
        Set<String> keys = new HashSet<>();
        b.append("# senders, as a Postfix check_sender_access hash: source\n");
        for (int i = 0; i < entries; i++) {
            String key;
            do {
                int r = random.nextInt(100);
                key = r < 40 ? word(3, 10) + "@" + domain(2) : r < 75 ? domain(2) : r < 90 ? domain(3)
                        : word(4, 12) + "@";
            } while (!keys.add(key));
            b.append(key).append(' ').append(action(i, false, refusal(i))).append('\n');
        }
        return b;
    }

    private CharSequence recipients() {
        StringBuilder b = new StringBuilder(entries * 32);
        Set<String> keys = new HashSet<>();
        b.append("# recipients, as a Postfix check_recipient_access hash: source\n");
        for (int i = 0; i < entries; i++) {
            String action = action(i, true, i % 2 == 0 ? "REJECT" : "550 5.1.1 This account is closed");
            boolean refuses = !action.equals("OK") && !action.equals("DUNNO") && !action.equals("RELAY");
            String key;
            do {
                int r = random.nextInt(100);
                key = refuses || r < 40 ? word(3, 10) + "@" + LOCAL : action.equals("RELAY") || r < 70
                        ? domain(2) : r < 90 ? word(3, 10) + "@" + domain(2) : word(4, 12) + "@";
            } while (!keys.add(key));
            if (action.startsWith("REJECT") || action.startsWith("550")) {
                refusedRecipients.add(key);
            }
            b.append(key).append(' ').append(action).append('\n');
        }
        return b;
    }
}

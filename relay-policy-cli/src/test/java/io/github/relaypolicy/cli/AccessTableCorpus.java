package io.github.relaypolicy.cli;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Access tables in Postfix's formats and requests derived from them, all from one seed: a cidr client table with
 * overlapping IPv4 and IPv6 prefixes in both orders (wide before narrow and narrow before wide), HELO, sender and
 * recipient access(5) tables with domain, parent-domain, {@code user@domain}, {@code user@}, extension and
 * {@code <>} keys, and a mix of every action with custom texts. Each request aims at one table (a key hit, its
 * subdomains, its parents, its neighbours, a miss) and takes the other fields from anywhere, so later tables are
 * reached only when earlier ones let the request go on, as in a real session. A regexp_table(5) file per family
 * (asked after the text table) and requests aimed at it: the client's name asked before its address, {@code $1},
 * {@code ${1}} and {@code $$}, an unmatched group, {@code !/.../}, {@code if}/{@code endif}, the {@code i} flag.
 */
final class AccessTableCorpus {

    /** The networks both servers trust. */
    static final String MYNETWORKS = "10.0.0.0/8, fd00::/8";
    /** The local domain (exact, in both). */
    static final String LOCAL = "local.test";
    /** Relayed to: relay.test and its subdomains (Postfix: by parent_domain_matches_subdomains), relay2.test. */
    static final String RELAY = "relay.test";
    static final String RELAY2 = "relay2.test";

    /** One client's transaction: what both servers are asked. */
    record Request(String address, String name, String helo, String sender, String recipient, String aim) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "client %s name %s helo %s from <%s> to <%s> (aims at %s)", address,
                    name, helo, sender, recipient, aim);
        }
    }

    private final Random random;
    final StringBuilder clients = new StringBuilder("# cidr_table(5): first match wins\n");
    final StringBuilder helos = new StringBuilder("# access(5), HELO names\n");
    final StringBuilder senders = new StringBuilder("# access(5), MAIL FROM\n");
    final StringBuilder recipients = new StringBuilder("# access(5), RCPT TO\n");
    /** regexp_table(5) files, asked after the text tables of their family. */
    final String clientRegexp = """
            # the client's name is asked first (unknown without one), then its address
            /^mail1([0-9])\\.example$/ REJECT client name digit $1
            /^mail4[0-9]\\.example$/ DUNNO
            /^192\\.0\\.2\\.(1[0-9])$/ REJECT client address ${1}
            /^192\\.0\\.2\\.2[0-9]$/ WARN watched
            /^2001:db8:ff::1/ DEFER v6 prefix
            """;
    final String heloRegexp = """
            /^([a-z]+)\\.rx([0-9])\\.test$/ REJECT helo $1 in rx$2 costs $$5
            /\\.RXCASE\\.test$/ 450 case-insensitive by default
            /\\.rxcs\\.test$/i REJECT case-sensitive
            if /\\.rxif\\.test$/
            /^a/ REJECT inside if
            /^b/ OK
            endif
            /^b\\./ REJECT after the if
            !/\\.test\\.?$/ 550 5.7.1 not a test name
            """;
    /** pcre_table(5) files (Debian's postfix-pcre), asked after the regexp tables of HELO and recipient. */
    final String heloPcre = """
            /^(?<word>[a-z]+)\\.pc([0-9])\\.test$/ REJECT pcre $1 in pc$2
            /^CS\\.pcs\\.test$/i REJECT case-sensitive pcre
            /^u(.+)(\\d*)\\.lazy\\.test$/U REJECT lazy [$1] [$2]
            /^u(.+)(\\d*)\\.greedy\\.test$/ REJECT greedy [$1] [$2]
            /an\\.pca\\.test$/A REJECT anchored
            /^(a|ab)(c|bcd)(d*)\\.alt\\.test$/ REJECT first alternative [$1] [$2] [$3]
            """;
    final String recipientPcre = """
            /^(?:sales|info)(?:\\+([^@]*))?@pc\\.relay\\.test$/ 550 5.1.1 pcre no user [$1]
            """;
    final String senderRegexp = """
            /^(.+)\\+(.+)@rx\\.test$/ REJECT user $1 extension $2
            /^<>$/ 550 null sender by regexp
            /@(.*\\.)?rxs\\.test$/ 450 4.7.1 rxs [$1]
            /^rx2\\.test$/ REJECT never: pattern tables see the whole address
            """;
    final String recipientRegexp = """
            /^(postmaster|abuse)@/ OK
            /^([^@]+)@rx\\.relay\\.test$/ 550 5.1.1 no user $1
            /^[^@]*[0-9]@/ DEFER digits in the user part
            """;
    final List<Request> requests = new ArrayList<>();

    private final List<String> clientAims = new ArrayList<>();
    private final List<String> heloAims = new ArrayList<>();
    private final List<String> senderAims = new ArrayList<>();
    private final List<String> recipientAims = new ArrayList<>();
    private int entries;

    private AccessTableCorpus(Random random) {
        this.random = random;
    }

    /**
     * Generates the tables and {@code count} requests.
     *
     * @param seed the seed; the same seed gives the same corpus
     * @param count how many requests
     * @return the corpus
     */
    static AccessTableCorpus generate(long seed, int count) {
        AccessTableCorpus c = new AccessTableCorpus(new Random(seed));
        c.clientTable();
        c.heloTable();
        c.senderTable();
        c.recipientTable();
        c.requests(count);
        return c;
    }

    // ---- actions ------------------------------------------------------------------------------------------------

    /**
     * One entry's value. Refusals about half of the time, so that later tables are reached often enough; every
     * form of code, DSN and text Postfix distinguishes, and the actions that go on.
     */
    private String action() {
        return action(false);
    }

    /**
     * An entry's value; with {@code relay}, sometimes {@code RELAY}, which relay-policy allows in client and
     * recipient tables only (Postfix 3.7 reads it as {@code OK}).
     */
    private String action(boolean relay) {
        String t = "policy " + (++entries);
        if (relay && random.nextInt(12) == 0) {
            return "RELAY";
        }
        int pick = random.nextInt(40);
        return switch (pick) {
            case 0 -> "REJECT";
            case 1, 2 -> "REJECT " + t;
            case 3 -> "DEFER";
            case 4 -> "DEFER " + t + " later";
            case 5 -> "450 " + t;
            case 6 -> "550 " + t;
            case 7 -> "554 5.7.1 " + t;
            case 8 -> "550 5.1.1 " + t + " address dsn";
            case 9 -> "450 5.7.1 " + t + " class mismatch";
            case 10 -> "550 4.7.1 " + t + " class mismatch";
            case 11 -> "REJECT 5.1.3 " + t;
            case 12 -> "550 5.2.2 " + t;
            case 13 -> "421 " + t + " closing";
            case 14 -> "reject " + t + " lower case";
            case 15 -> "Reject   " + t + "   inner   spaces  ";
            case 16 -> "REJECT " + t + " {recipient} {client_address} $dollar ${x} 100%";
            case 17 -> "REJECT " + t + " ümlaut naïve";
            case 18 -> "REJECT " + t + "\twith\ttabs";
            case 19 -> "DEFER 4.2.1 " + t;
            case 20, 21 -> "OK";
            case 22 -> "12345";
            case 23 -> "DISCARD";
            case 24 -> "DISCARD " + t;
            case 25, 26, 27 -> "DUNNO";
            case 28, 29 -> "WARN " + t;
            case 30 -> "HOLD";
            case 31 -> "HOLD " + t;
            case 32 -> "FILTER smtp:[127.0.0.1]:10026";
            case 33 -> "REDIRECT abuse@" + RELAY;
            case 34 -> "PREPEND X-Policy: " + t;
            case 35 -> "REJECT " + t + " " + "long ".repeat(120);
            case 36 -> "ok " + t + " trailing text";
            case 37 -> "550 2.0.0 " + t + " success dsn";
            default -> "REJECT " + t;
        };
    }

    // ---- client: cidr ---------------------------------------------------------------------------------------------

    private void clientTable() {
        // IPv4: groups of nested networks under 100.64.0.0/10, each group written in a random order
        for (int g = 0; g < 14; g++) {
            long base = ip4(100, 64 + g, 0, 0);
            List<long[]> nets = new ArrayList<>();
            nets.add(new long[] {base, 16});
            long n20 = base + ((long) random.nextInt(16) << 12);
            nets.add(new long[] {n20, 20});
            long n24 = n20 + ((long) random.nextInt(16) << 8);
            nets.add(new long[] {n24, 24});
            long n28 = n24 + ((long) random.nextInt(16) << 4);
            nets.add(new long[] {n28, 28});
            nets.add(new long[] {n28 + random.nextInt(16), 32});
            if (random.nextBoolean()) {
                nets.remove(0); // no covering /16: addresses outside the /20 miss
            }
            Collections.shuffle(nets, random);
            for (long[] n : nets) {
                String net = n[1] == 32 && random.nextBoolean() ? ip4Text(n[0]) : ip4Text(n[0]) + "/" + n[1];
                clients.append(net).append(' ').append(action(true)).append('\n');
                clientAims.add("4:" + n[0] + ":" + n[1]);
            }
        }
        // trusted clients are checked too
        clients.append("10.9.9.0/24 ").append(action()).append('\n');
        clientAims.add("4:" + ip4(10, 9, 9, 0) + ":24");
        clients.append("10.9.8.7 REJECT trusted but listed\n");
        clientAims.add("4:" + ip4(10, 9, 8, 7) + ":32");
        // IPv6: nested networks under 2001:db8::/32
        for (int g = 0; g < 8; g++) {
            BigInteger base = BigInteger.valueOf(0x20010db8L).shiftLeft(96).or(BigInteger.valueOf(g + 1)
                    .shiftLeft(80));
            List<Object[]> nets = new ArrayList<>();
            nets.add(new Object[] {base, 48});
            BigInteger n56 = base.or(BigInteger.valueOf(random.nextInt(256)).shiftLeft(72));
            nets.add(new Object[] {n56, 56});
            BigInteger n64 = n56.or(BigInteger.valueOf(random.nextInt(256)).shiftLeft(64));
            nets.add(new Object[] {n64, 64});
            BigInteger n120 = n64.or(BigInteger.valueOf(random.nextInt(1 << 16)).shiftLeft(8));
            nets.add(new Object[] {n120, 120});
            nets.add(new Object[] {n120.or(BigInteger.valueOf(random.nextInt(256))), 128});
            if (random.nextBoolean()) {
                nets.remove(0);
            }
            Collections.shuffle(nets, random);
            for (Object[] n : nets) {
                BigInteger a = (BigInteger) n[0];
                int len = (Integer) n[1];
                String text = ip6Text(a);
                String net = switch (random.nextInt(3)) {
                    case 0 -> len == 128 ? text : text + "/" + len;
                    case 1 -> "[" + text + "]/" + len; // Postfix's bracketed form
                    default -> text.toUpperCase(Locale.ROOT) + "/" + len;
                };
                clients.append(net).append(' ').append(action(true)).append('\n');
                clientAims.add("6:" + a + ":" + len);
            }
        }
    }

    private String clientAddress() {
        String aim = clientAims.get(random.nextInt(clientAims.size()));
        String[] p = aim.split(":");
        if (p[0].equals("4")) {
            long net = Long.parseLong(p[1]);
            int len = Integer.parseInt(p[2]);
            long size = 1L << (32 - len);
            long a = switch (random.nextInt(6)) {
                case 0 -> net;
                case 1 -> net + size - 1;
                case 2 -> net - 1; // neighbours
                case 3 -> net + size;
                default -> net + (long) (random.nextDouble() * size);
            };
            return ip4Text(a & 0xffffffffL);
        }
        BigInteger net = new BigInteger(p[1]);
        int len = Integer.parseInt(p[2]);
        BigInteger size = BigInteger.ONE.shiftLeft(128 - len);
        BigInteger a = switch (random.nextInt(6)) {
            case 0 -> net;
            case 1 -> net.add(size).subtract(BigInteger.ONE);
            case 2 -> net.subtract(BigInteger.ONE);
            case 3 -> net.add(size);
            default -> net.add(new BigInteger(128 - len, random));
        };
        String text = ip6Text(a);
        // the request may spell it in another form than the canonical one Postfix shows
        return random.nextInt(8) == 0 ? ip6Long(a) : text;
    }

    private String randomClient() {
        return switch (random.nextInt(6)) {
            case 0 -> "192.0.2." + (1 + random.nextInt(254));
            case 1 -> "10." + random.nextInt(10) + "." + random.nextInt(256) + "." + (1 + random.nextInt(254));
            case 2 -> "2001:db8:ff::" + Integer.toHexString(1 + random.nextInt(0xffff));
            case 3 -> "fd00::" + Integer.toHexString(1 + random.nextInt(0xffff));
            default -> clientAddress();
        };
    }

    // ---- HELO: access(5) domains ---------------------------------------------------------------------------------

    private void heloTable() {
        for (int g = 0; g < 24; g++) {
            String parent = label() + g + ".test";
            String child = label() + "." + parent;
            String grandchild = label() + "." + child;
            switch (g % 4) {
                case 0 -> {
                    heloEntry(parent);
                    heloEntry(grandchild);
                }
                case 1 -> {
                    heloEntry(child);
                    heloEntry(parent); // a child entry before its parent: the nearest key wins, not the first line
                }
                case 2 -> {
                    helos.append(cased(child)).append(" DUNNO\n"); // found: stops the parent lookup
                    heloAims.add(child);
                    heloEntry(parent);
                }
                default -> {
                    helos.append('.').append(parent).append(' ').append(action()).append('\n'); // never matches
                    heloAims.add(parent);
                    heloEntry(child);
                }
            }
        }
        // internationalized names, the request in the form the key is written in (Postfix matches only that form)
        helos.append("bücher.idn.test REJECT U-label key\n");
        helos.append("xn--mnchen-3ya.idn.test REJECT A-label key\n");
        helos.append("[192.0.2.77] REJECT address literal HELO\n");
        heloAims.add("[192.0.2.77]");
        helos.append("192.0.2.78 ").append(action()).append('\n');
        heloAims.add("192.0.2.78");
    }

    private void heloEntry(String key) {
        helos.append(cased(key)).append(' ').append(action()).append('\n');
        heloAims.add(key);
    }

    private String helo() {
        if (random.nextInt(12) == 0) {
            return "";
        }
        String key = heloAims.get(random.nextInt(heloAims.size()));
        if (key.indexOf('.') < 0 || key.startsWith("[") || Character.isDigit(key.charAt(0))) {
            return key;
        }
        return switch (random.nextInt(9)) {
            case 0, 1 -> key;
            case 2 -> label() + "." + key; // subdomain
            case 3 -> label() + "." + label() + "." + key;
            case 4 -> key.substring(key.indexOf('.') + 1); // parent
            case 5 -> label() + key; // a neighbour: same suffix, another label
            case 6 -> key.toUpperCase(Locale.ROOT);
            case 7 -> key + "."; // Postfix looks the name up with its trailing dot
            default -> label() + ".miss.test";
        };
    }

    // ---- sender: access(5) addresses -----------------------------------------------------------------------------

    private void senderTable() {
        for (int g = 0; g < 24; g++) {
            String domain = label() + g + ".test";
            String user = label();
            switch (g % 6) {
                case 0 -> {
                    addressEntry(senders, senderAims, user + "@" + domain);
                    addressEntry(senders, senderAims, domain);
                }
                case 1 -> {
                    addressEntry(senders, senderAims, user + "+tag@" + domain);
                    addressEntry(senders, senderAims, user + "@" + domain);
                }
                case 2 -> addressEntry(senders, senderAims, user + "@"); // any domain
                case 3 -> {
                    addressEntry(senders, senderAims, "sub." + domain);
                    addressEntry(senders, senderAims, domain);
                }
                case 4 -> {
                    senders.append(cased(user + "@" + domain)).append(" DUNNO\n");
                    senderAims.add(user + "@" + domain);
                    addressEntry(senders, senderAims, domain);
                }
                default -> {
                    senders.append('.').append(domain).append(' ').append(action()).append('\n'); // never matches
                    senderAims.add(user + "@" + domain);
                    addressEntry(senders, senderAims, user + "+x@");
                }
            }
        }
        senders.append("<> ").append(action()).append('\n');
        senders.append("bücher.idn.test 550 U-label sender domain\n");
        senders.append("xn--mnchen-3ya.idn.test 550 A-label sender domain\n");
        senders.append("jürgen@ 550 UTF-8 local part\n");
        senderAims.add("<>");
    }

    private void addressEntry(StringBuilder table, List<String> aims, String key) {
        table.append(cased(key)).append(' ').append(action(table == recipients)).append('\n');
        aims.add(key);
    }

    private String sender() {
        String key = senderAims.get(random.nextInt(senderAims.size()));
        if (key.equals("<>") || random.nextInt(25) == 0) {
            return "";
        }
        return address(key, label() + ".other.test");
    }

    /** An address near a key: the key itself, its extension forms, other users, subdomains, parents. */
    private String address(String key, String otherDomain) {
        int at = key.indexOf('@');
        String user = at < 0 ? label() : key.substring(0, at);
        String domain = at < 0 ? key : key.substring(at + 1);
        if (domain.isEmpty()) {
            domain = otherDomain; // a user@ key: any domain
        }
        String plain = user.contains("+") ? user.substring(0, user.indexOf('+')) : user;
        String address = switch (random.nextInt(10)) {
            case 0, 1 -> user + "@" + domain;
            case 2 -> plain + "+" + label() + "@" + domain; // another extension
            case 3 -> plain + "@" + domain;
            case 4 -> label() + "@" + domain; // another user
            case 5 -> user + "@" + label() + "." + domain; // a subdomain
            case 6 -> user + "@" + (domain.indexOf('.') > 0 ? domain.substring(domain.indexOf('.') + 1) : domain);
            case 7 -> (user + "@" + domain).toUpperCase(Locale.ROOT);
            case 8 -> user + "@" + otherDomain;
            default -> label() + "@" + label() + ".miss.test";
        };
        return address;
    }

    // ---- recipient: access(5) addresses under the relay domains --------------------------------------------------

    private void recipientTable() {
        for (int g = 0; g < 24; g++) {
            String domain = label() + g + "." + RELAY;
            String user = label();
            switch (g % 6) {
                case 0 -> {
                    addressEntry(recipients, recipientAims, user + "@" + domain);
                    addressEntry(recipients, recipientAims, domain);
                }
                case 1 -> {
                    addressEntry(recipients, recipientAims, user + "+tag@" + domain);
                    addressEntry(recipients, recipientAims, user + "@" + domain);
                }
                case 2 -> addressEntry(recipients, recipientAims, user + "@");
                case 3 -> {
                    addressEntry(recipients, recipientAims, "sub." + domain);
                    addressEntry(recipients, recipientAims, domain);
                }
                case 4 -> {
                    recipients.append(cased(user + "@" + domain)).append(" DUNNO\n");
                    recipientAims.add(user + "@" + domain);
                    addressEntry(recipients, recipientAims, domain);
                }
                default -> {
                    addressEntry(recipients, recipientAims, user + "@" + RELAY2);
                    addressEntry(recipients, recipientAims, user + "@" + LOCAL);
                }
            }
        }
    }

    private String recipient() {
        int pick = random.nextInt(20);
        if (pick == 0) {
            return label() + "@" + label() + ".elsewhere.test"; // relay refused before any table
        }
        if (pick == 1) {
            return label() + "@" + LOCAL;
        }
        String key = recipientAims.get(random.nextInt(recipientAims.size()));
        // a user@ key matches any domain: also one we do not relay to
        String a = address(key, switch (random.nextInt(4)) {
            case 0 -> RELAY2;
            case 1 -> "elsewhere.test";
            default -> RELAY;
        });
        return a.toLowerCase(Locale.ROOT).endsWith(".miss.test") ? label() + "@" + label() + "." + RELAY : a;
    }

    // ---- requests ------------------------------------------------------------------------------------------------

    private void requests(int count) {
        String[] aims = {"client", "helo", "sender", "recipient", "regexp"};
        for (int i = 0; i < count; i++) {
            String aim = aims[i % 5];
            if (i % 50 == 49) {
                requests.add(idnRequest());
                continue;
            }
            if (aim.equals("regexp")) {
                requests.add(regexpRequest());
                continue;
            }
            // the aimed-at field comes from its table; the others miss their tables most of the time, so that the
            // aimed-at table is reached
            boolean quiet = random.nextInt(4) != 0;
            String address = aim.equals("client") ? clientAddress()
                    : quiet ? "192.0.2." + (1 + random.nextInt(254)) : randomClient();
            String name = random.nextInt(4) == 0 ? "mail" + random.nextInt(50) + ".example" : "";
            String helo = aim.equals("helo") ? helo() : quiet ? label() + ".quiet.test" : helo();
            String sender = aim.equals("sender") ? sender() : quiet ? label() + "@quiet.test" : sender();
            String recipient = aim.equals("recipient") ? recipient()
                    : aim.equals("client") && random.nextInt(4) == 0 ? label() + "@" + label() + ".elsewhere.test"
                    : quiet ? label() + "@" + (random.nextBoolean() ? RELAY : LOCAL) : recipient();
            requests.add(new Request(address, name, helo, sender, recipient, aim));
        }
    }

    /** A request with an internationalized HELO name or sender, in the form the table writes it. */
    private Request idnRequest() {
        String[] helos = {"bücher.idn.test", "mail.bücher.idn.test", "xn--mnchen-3ya.idn.test",
            "mx.xn--mnchen-3ya.idn.test", label() + ".quiet.test"};
        String[] senders = {label() + "@bücher.idn.test", label() + "@sub.bücher.idn.test",
            label() + "@xn--mnchen-3ya.idn.test", "jürgen@" + label() + ".test", "jürgen+x@quiet.test",
            label() + "@quiet.test"};
        return new Request("192.0.2." + (100 + random.nextInt(100)), "", helos[random.nextInt(helos.length)],
                senders[random.nextInt(senders.length)], label() + "@" + RELAY, "idn");
    }

    /** A request aimed at the regexp tables: the other fields miss their text tables. */
    private Request regexpRequest() {
        String address = "192.0.2." + (1 + random.nextInt(40));
        String name = "";
        String helo = label() + ".quiet.test";
        String sender = label() + "@quiet.test";
        String recipient = label() + "@" + RELAY;
        switch (random.nextInt(4)) {
            case 0 -> {
                name = random.nextInt(3) == 0 ? "" : "mail" + random.nextInt(50) + ".example";
                address = random.nextInt(5) == 0 ? "2001:db8:ff::1" + Integer.toHexString(random.nextInt(4096))
                        : address;
            }
            case 1 -> helo = random.nextInt(3) == 0 ? switch (random.nextInt(7)) {
                case 0 -> label() + ".pc" + random.nextInt(10) + ".test";
                case 1 -> (random.nextBoolean() ? "cs" : "CS") + ".pcs.test";
                case 2 -> "u" + random.nextInt(1000) + ".lazy.test";
                case 3 -> "u" + random.nextInt(1000) + ".greedy.test";
                case 4 -> (random.nextBoolean() ? "" : label()) + "an.pca.test";
                case 5 -> "abcd.alt.test";
                default -> label() + "." + label() + ".pc1.test";
            } : switch (random.nextInt(9)) {
                case 0 -> label() + ".rx" + random.nextInt(10) + ".test";
                case 1 -> label() + "." + label() + ".rx" + random.nextInt(10) + ".test";
                case 2 -> label() + ".rxcase.test";
                case 3 -> label() + ".rxcs.test";
                case 4 -> label() + ".RXCS.test";
                case 5 -> (random.nextBoolean() ? "a" : "b") + label() + ".rxif.test";
                case 6 -> "b." + label() + ".test";
                case 7 -> label() + ".example";
                default -> label() + ".quiet.test.";
            };
            case 2 -> sender = switch (random.nextInt(6)) {
                case 0 -> label() + "+" + label() + "@rx.test";
                case 1 -> label() + "@rx.test";
                case 2 -> label() + "@" + label() + ".rxs.test";
                case 3 -> label() + "@rxs.test";
                case 4 -> "";
                default -> label() + "@rx2.test";
            };
            default -> recipient = random.nextInt(3) == 0
                    ? (random.nextBoolean() ? "sales" : "info") + (random.nextBoolean() ? "+" + label() : "")
                            + "@pc." + RELAY
                    : switch (random.nextInt(5)) {
                case 0 -> (random.nextBoolean() ? "postmaster" : "abuse") + "@" + RELAY;
                case 1 -> label() + "@rx." + RELAY;
                case 2 -> label() + random.nextInt(10) + "@" + RELAY;
                case 3 -> label() + "+" + random.nextInt(10) + "@rx." + RELAY;
                default -> label() + "@" + LOCAL;
            };
        }
        return new Request(address, name, helo, sender, recipient, "regexp");
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private String label() {
        int n = 3 + random.nextInt(5);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) ('a' + random.nextInt(26)));
        }
        return b.toString();
    }

    /** Keys are case-insensitive: some are written in another case than the requests use. */
    private String cased(String key) {
        return switch (random.nextInt(5)) {
            case 0 -> key.toUpperCase(Locale.ROOT);
            case 1 -> Character.toUpperCase(key.charAt(0)) + key.substring(1);
            default -> key;
        };
    }

    private static long ip4(int a, int b, int c, int d) {
        return ((long) a << 24) | (b << 16) | (c << 8) | d;
    }

    private static String ip4Text(long a) {
        return ((a >> 24) & 255) + "." + ((a >> 16) & 255) + "." + ((a >> 8) & 255) + "." + (a & 255);
    }

    /** RFC 5952 text: lower case, the longest run of two or more zero groups as "::". */
    static String ip6Text(BigInteger a) {
        int[] g = groups(a);
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLen - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(g[i]));
        }
        return b.toString();
    }

    /** All eight groups, upper case, leading zeros: a valid but non-canonical spelling. */
    private static String ip6Long(BigInteger a) {
        int[] g = groups(a);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            b.append(i == 0 ? "" : ":").append(String.format(Locale.ROOT, "%04X", g[i]));
        }
        return b.toString();
    }

    private static int[] groups(BigInteger a) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = a.shiftRight(16 * (7 - i)).intValue() & 0xffff;
        }
        return g;
    }
}

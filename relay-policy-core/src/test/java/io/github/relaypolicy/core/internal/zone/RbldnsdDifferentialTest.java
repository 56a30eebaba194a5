package io.github.relaypolicy.core.internal.zone;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.internal.match.IpText;
import io.github.relaypolicy.testsupport.RbldnsdServer;
import io.github.relaypolicy.testsupport.RequiresRbldnsd;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The same data files served by the real rbldnsd (Debian's package) and loaded by {@link ZoneData} must give the
 * same answers: A record or NXDOMAIN, TXT text, TTL. The files come from a fixed-seed generator: nested prefixes,
 * ranges, exclusions before and after what they exclude, duplicates, default and per-entry values, TXT with
 * {@code $}, {@code $$}, {@code $1} and a {@code $=} base template, and a few malformed lines, which both must
 * refuse alike. Thousands of queries per zone: every entry's boundaries and inside, plus random addresses and
 * names. rbldnsd listens on 127.0.0.1 only; a missing rbldnsd fails the test (CI installs it with {@code apt-get
 * install -y rbldnsd}), it never skips.
 */
@RequiresRbldnsd
final class RbldnsdDifferentialTest {

    private static final long SEED = 20240611L;
    private static final long IP4_LAST = 0xffffffffL;
    private static final BigInteger IP6_LAST = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

    /** A zone as rbldnsd serves it and as {@link ZoneData} loads it. */
    private static final class Zone {
        final String name;
        final ZoneType type;
        final String file;
        final List<String> lines = new ArrayList<>();
        /**
         * The twin zone: the same file but each listing answering its own line number as TXT, so that rbldnsd
         * tells which entries answer a query. Where several do (the same block or name listed twice with different
         * values) rbldnsd answers all their values and {@link ZoneData} the first: only membership is compared.
         */
        final String twinName;
        final String twinFile;
        final List<String> twinLines = new ArrayList<>();
        /** By twin line number: what decides the entry's value, the value text and the default in force. */
        final java.util.Map<Integer, String> valueKeys = new java.util.HashMap<>();
        int defaults;
        final Set<Long> v4 = new LinkedHashSet<>();
        final Set<BigInteger> v6 = new LinkedHashSet<>();
        final Set<String> names = new LinkedHashSet<>();
        @Nullable ZoneData local;

        Zone(String name, ZoneType type, String file) {
            this.name = name;
            this.type = type;
            this.file = file;
            this.twinName = "ids-" + name;
            this.twinFile = "ids-" + file;
        }

        void line(String line) {
            lines.add(line);
            twinLines.add(line);
        }

        void defaultLine(String line) {
            line(line);
            defaults++;
        }

        void entry(String entry, boolean exclude, String value) {
            lines.add(exclude ? "!" + entry : entry + value);
            twinLines.add(exclude ? "!" + entry : entry + " :127.0.0.2:entry " + (twinLines.size() + 1));
            valueKeys.put(twinLines.size(), value + "@" + defaults);
        }

        void around4(long start, long end, Random r) {
            for (long a : new long[] {start - 1, start, start + 1, end - 1, end, end + 1,
                    start + (long) (r.nextDouble() * (end - start + 1))}) {
                if (a >= 0 && a <= IP4_LAST) {
                    v4.add(a);
                }
            }
        }

        void around6(BigInteger start, BigInteger end, Random r) {
            BigInteger inside = start.add(new BigInteger(128, r).mod(end.subtract(start).add(BigInteger.ONE)));
            for (BigInteger a : new BigInteger[] {start.subtract(BigInteger.ONE), start, start.add(BigInteger.ONE),
                    end.subtract(BigInteger.ONE), end, end.add(BigInteger.ONE), inside}) {
                if (a.signum() >= 0 && a.compareTo(IP6_LAST) <= 0) {
                    v6.add(a);
                }
            }
        }
    }

    private static final Pattern ENTRY = Pattern.compile("entry (\\d+)");
    private static final Zone SET = new Zone("bl.test", ZoneType.IP4SET, "ip4set.txt");
    private static final Zone TRIE = new Zone("tr.test", ZoneType.IP4TRIE, "ip4trie.txt");
    private static final Zone SIX = new Zone("six.test", ZoneType.IP6TRIE, "ip6.txt");
    private static final Zone DN = new Zone("dn.test", ZoneType.DNSET, "dnset.txt");
    private static final List<Zone> ZONES = List.of(SET, TRIE, SIX, DN);

    private static @Nullable Path dir;
    private static @Nullable RbldnsdServer rbldnsd;
    private static @Nullable SimpleResolver resolver;

    @BeforeAll
    static void start_rbldnsd_on_generated_files() throws Exception {
        Random r = new Random(SEED);
        generateIp4Set(SET, r);
        generateIp4Trie(TRIE, r);
        generateIp6Trie(SIX, r);
        generateDnset(DN, r);
        Path d = Files.createTempDirectory("rbldnsd-differential");
        dir = d;
        for (Zone z : ZONES) {
            Path f = d.resolve(z.file);
            Files.write(f, (String.join("\n", z.lines) + "\n").getBytes(StandardCharsets.UTF_8));
            z.local = ZoneData.load(f, z.type, false);
            Path twin = d.resolve(z.twinFile);
            Files.write(twin, (String.join("\n", z.twinLines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        List<String> zones = new ArrayList<>();
        for (Zone z : ZONES) {
            zones.add(z.name + ":" + z.type.rbldnsdName() + ":" + z.file);
        }
        for (Zone z : ZONES) {
            zones.add(z.twinName + ":" + z.type.rbldnsdName() + ":" + z.twinFile);
        }
        rbldnsd = RbldnsdServer.in(d).start(zones.toArray(String[]::new));
        SimpleResolver res = new SimpleResolver(rbldnsd.address());
        res.setTimeout(Duration.ofSeconds(2));
        resolver = res;
    }

    @AfterAll
    static void stop_rbldnsd() throws Exception {
        RbldnsdServer server = rbldnsd;
        if (server != null) {
            server.close();
        }
        Path d = dir;
        if (d != null) {
            try (Stream<Path> files = Files.list(d)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
            Files.delete(d);
        }
    }

    @Test
    void ip4set_answers_as_rbldnsd_does() throws Exception {
        List<String> subjects = new ArrayList<>();
        for (long a : SET.v4) {
            subjects.add(IpText.format4(a));
        }
        compare(SET, subjects);
    }

    @Test
    void ip4trie_answers_as_rbldnsd_does() throws Exception {
        List<String> subjects = new ArrayList<>();
        for (long a : TRIE.v4) {
            subjects.add(IpText.format4(a));
        }
        compare(TRIE, subjects);
    }

    @Test
    void ip6trie_answers_as_rbldnsd_does() throws Exception {
        List<String> subjects = new ArrayList<>();
        for (BigInteger a : SIX.v6) {
            subjects.add(IpText.format6(a.shiftRight(64).longValue(), a.longValue()));
        }
        compare(SIX, subjects);
    }

    @Test
    void dnset_answers_as_rbldnsd_does() throws Exception {
        compare(DN, new ArrayList<>(DN.names));
    }

    /** rbldnsd logs the first five warnings of a file by line number, then how many more there were. */
    @Test
    void the_lines_refused_are_those_rbldnsd_warns_about() throws Exception {
        String log = Files.readString(dir.resolve("rbldnsd.log"));
        for (Zone z : ZONES) {
            List<Integer> lines = new ArrayList<>();
            Matcher m = Pattern.compile("file " + Pattern.quote(z.file) + "\\((\\d+)\\): ").matcher(log);
            while (m.find()) {
                lines.add(Integer.parseInt(m.group(1)));
            }
            Matcher more = Pattern.compile(z.type.rbldnsdName() + ":" + Pattern.quote(z.file)
                    + ": (\\d+) more warnings suppressed").matcher(log);
            int total = lines.size() + (more.find() ? Integer.parseInt(more.group(1)) : 0);
            List<String> warnings = z.local.warnings();
            List<Integer> localLines = new ArrayList<>();
            for (String w : warnings.subList(0, Math.min(5, warnings.size()))) {
                localLines.add(Integer.parseInt(w.split(":")[1]));
            }

            assertThat(warnings).as("%s warnings (rbldnsd log:%n%s)", z.file, log).hasSize(total);
            assertThat(localLines).as("%s warning lines", z.file).isEqualTo(lines);
            assertThat(total).as("%s has malformed lines to compare", z.file).isGreaterThanOrEqualTo(3);
        }
    }

    // ---------------------------------------------------------------- comparing

    private static void compare(Zone z, List<String> subjects) throws Exception {
        List<String> differences = new ArrayList<>();
        int listed = 0;
        int several = 0;
        Message[][] replies = ask(z, subjects);
        for (int k = 0; k < subjects.size(); k++) {
            String subject = subjects.get(k);
            ZoneAnswer local = lookup(z, subject);
            String qname = queryName(z, subject);
            Message a = replies[k][0];
            Message txt = replies[k][1];
            Message ids = replies[k][2];
            Set<String> values = new TreeSet<>();
            for (Record rec : ids.getSection(Section.ANSWER)) {
                Matcher m = ENTRY.matcher(((TXTRecord) rec).getStrings().get(0));
                values.add(m.find() ? z.valueKeys.get(Integer.parseInt(m.group(1))) : "?");
            }
            int entries = values.size();
            Set<String> addresses = new TreeSet<>();
            Set<String> texts = new TreeSet<>();
            Set<Long> ttls = new TreeSet<>();
            for (Record rec : a.getSection(Section.ANSWER)) {
                if (rec instanceof ARecord) {
                    addresses.add(((ARecord) rec).getAddress().getHostAddress());
                    ttls.add(rec.getTTL());
                }
            }
            for (Record rec : txt.getSection(Section.ANSWER)) {
                if (rec instanceof TXTRecord) {
                    for (byte[] s : ((TXTRecord) rec).getStringsAsByteArrays()) {
                        texts.add(new String(s, StandardCharsets.UTF_8));
                    }
                    ttls.add(rec.getTTL());
                }
            }
            String difference = null;
            if (local == null) {
                if (a.getRcode() != Rcode.NXDOMAIN || txt.getRcode() != Rcode.NXDOMAIN) {
                    difference = "local NXDOMAIN, rbldnsd " + Rcode.string(a.getRcode()) + " " + addresses + " "
                            + texts;
                }
            } else {
                listed++;
                String localTxt = local.txt(subject);
                if (a.getRcode() != Rcode.NOERROR || txt.getRcode() != Rcode.NOERROR) {
                    difference = "local " + local + ", rbldnsd " + Rcode.string(a.getRcode());
                } else if (entries <= 1) {
                    if (!addresses.equals(Set.of(local.addressText()))
                            || !texts.equals(localTxt == null ? Set.of() : Set.of(localTxt))) {
                        difference = "local " + local.addressText() + " " + localTxt + ", rbldnsd " + addresses + " "
                                + texts;
                    }
                } else {
                    // entries for one block or name with different values: rbldnsd answers all, we the first
                    several++;
                    if (!addresses.contains(local.addressText()) || (localTxt != null && !texts.contains(localTxt))) {
                        difference = "local " + local.addressText() + " " + localTxt + " is not among rbldnsd's "
                                + addresses + " " + texts;
                    }
                }
                if (difference == null && !ttls.equals(Set.of((long) z.local.ttlSeconds()))) {
                    difference = "TTL " + z.local.ttlSeconds() + ", rbldnsd " + ttls;
                }
            }
            if (difference != null && differences.size() < 20) {
                differences.add(subject + " (" + qname + "): " + difference);
            }
        }

        assertThat(differences).as("%s: answers that differ from rbldnsd's", z.name).isEmpty();
        assertThat(subjects.size()).as("%s queries", z.name).isGreaterThan(1500);
        assertThat(listed).as("%s listed answers", z.name).isBetween(subjects.size() / 10, subjects.size() * 9 / 10);
        assertThat(several).as("%s answers from several entries, compared by membership only", z.name)
                .isLessThan(subjects.size() / 5);
    }

    private static @Nullable ZoneAnswer lookup(Zone z, String subject) {
        switch (z.type) {
            case IP4SET:
            case IP4TRIE:
                return z.local.lookup4(IpText.parse4(subject, 0, subject.length()));
            case IP6TRIE:
                long[] v = Zones.parse6(subject);
                return z.local.lookup6(v[0], v[1]);
            default:
                return z.local.lookupName(subject);
        }
    }

    /** RFC 5782 query names: reversed octets, reversed nibbles, or the name itself. */
    private static String queryName(Zone z, String subject) {
        StringBuilder sb = new StringBuilder();
        if (z.type == ZoneType.IP6TRIE) {
            long[] v = Zones.parse6(subject);
            for (int i = 0; i < 32; i++) {
                long half = i < 16 ? v[1] : v[0];
                sb.append(Character.forDigit((int) (half >>> (4 * (i % 16))) & 15, 16)).append('.');
            }
        } else if (z.type == ZoneType.DNSET) {
            sb.append(subject).append('.');
        } else {
            String[] octets = subject.split("\\.");
            for (int i = 3; i >= 0; i--) {
                sb.append(octets[i]).append('.');
            }
        }
        return sb.append(z.name).append('.').toString();
    }

    /**
     * How many subjects are asked about at once: 48 UDP queries, about 50 KiB of rbldnsd's receive buffer on Linux,
     * a quarter of its default; 384 at once overflow it, and queries are lost.
     */
    private static final int WINDOW = 16;

    /**
     * rbldnsd's replies for each subject, in order: the A and TXT of its query name and the TXT of its twin zone
     * (which names the entries that matched). Asked {@link #WINDOW} subjects at a time, not one query after the
     * other: the replies are the same, the round trips overlap.
     */
    private static Message[][] ask(Zone z, List<String> subjects) throws Exception {
        Message[][] replies = new Message[subjects.size()][];
        for (int from = 0; from < subjects.size(); from += WINDOW) {
            int to = Math.min(subjects.size(), from + WINDOW);
            List<Message> queries = new ArrayList<>();
            for (int k = from; k < to; k++) {
                String qname = queryName(z, subjects.get(k));
                queries.add(query(qname, Type.A));
                queries.add(query(qname, Type.TXT));
                queries.add(query(qname.substring(0, qname.length() - z.name.length() - 1) + z.twinName + ".",
                        Type.TXT));
            }
            List<java.util.concurrent.CompletableFuture<Message>> pending = new ArrayList<>();
            for (Message q : queries) {
                pending.add(resolver.sendAsync(q).toCompletableFuture());
            }
            for (int k = from; k < to; k++) {
                int i = (k - from) * 3;
                replies[k] = new Message[] {reply(pending.get(i), queries.get(i)),
                        reply(pending.get(i + 1), queries.get(i + 1)), reply(pending.get(i + 2), queries.get(i + 2))};
            }
        }
        return replies;
    }

    /**
     * The reply to {@code query}; asked again, up to twice, one at a time, if its UDP query or reply was lost (a
     * loaded machine may drop one): rbldnsd's answers do not change, so asking again compares the same thing.
     */
    private static Message reply(java.util.concurrent.CompletableFuture<Message> sent, Message query)
            throws Exception {
        try {
            return sent.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof java.net.SocketTimeoutException)) {
                throw e;
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    return resolver.send(query);
                } catch (java.net.SocketTimeoutException again) {
                    if (attempt == 2) {
                        throw again;
                    }
                }
            }
        }
    }

    private static Message query(String name, int type) throws IOException {
        return Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
    }

    // ---------------------------------------------------------------- generating

    private static final String[] VALUES = {
        " :5:per-entry $",
        " :127.0.0.3:",
        " :6",
        " text only $ and $$ and $$$",
        " =raw $= text $",
        " :7:with $1/$ and $8 undefined",
        " # a comment, so the default value",
        " :127.0.0.9:   blanks before the text",
        " :10:" + "long ".repeat(48) + "$",
        " :11:" + "too long, cut at 255 bytes ".repeat(11),
    };

    private static String value(Random r, boolean attached) {
        if (r.nextInt(100) >= 45) {
            return "";
        }
        if (attached && r.nextInt(8) == 0) {
            return ":8:attached to the entry $";
        }
        return VALUES[r.nextInt(VALUES.length)];
    }

    private static String ip4(long a) {
        return IpText.format4(a);
    }

    private static long mask4(int bits) {
        return bits == 0 ? 0 : (IP4_LAST << (32 - bits)) & IP4_LAST;
    }

    private static long[] clusters4(Random r, int n) {
        long[] c = new long[n];
        for (int i = 0; i < n; i++) {
            c[i] = ((1L + r.nextInt(223)) << 24) | ((long) r.nextInt(256) << 16);
        }
        return c;
    }

    private static void generateIp4Set(Zone z, Random r) {
        List<String> bad = List.of("300.1.2.3", "10.0.0.1/8", "192.0.2.4x", "192.0.2.5 :0:zero",
                "192.0.2.6 :5 text", "192.0.2.9-192.0.2.1", "$NOSUCH special", "1.2.3.4/33");
        z.line("$SOA 0 ns1.example.net. hostmaster.example.net. 0 2h 1h 1w 5m");
        z.line("$NS 0 ns1.example.net.");
        z.line("$TTL 15m");
        z.line("$1 https://example.net/lookup");
        long[] clusters = clusters4(r, 20);
        for (int i = 0; i < 900; i++) {
            if (i == 60) {
                z.defaultLine(":127.0.0.2:Listed, see https://example.net/?$");
            } else if (i == 450) {
                z.line("; from here on another default");
                z.defaultLine(":4:Second default $ costs $$5, see $1/$");
            }
            if (i % 120 == 7) {
                z.line(bad.get(i / 120));
            }
            // Entries before the first default line answer without TXT: they get a /16 of their own, since
            // rbldnsd answers every value of a block listed twice, and with the same A one without TXT vanishes.
            long base = i < 60 ? clusters[0] : clusters[1 + r.nextInt(clusters.length - 1)];
            long a = base + r.nextInt(65536);
            int kind = r.nextInt(100);
            boolean exclude = kind >= 85;
            if (exclude) {
                kind = r.nextInt(60);
            }
            String entry;
            long start;
            long end;
            if (kind < 30) {
                start = end = a;
                entry = ip4(a);
            } else if (kind < 50) {
                int bits = 16 + r.nextInt(17);
                start = a & mask4(bits);
                end = start | (IP4_LAST >>> bits);
                entry = ip4(start) + "/" + bits;
            } else if (kind < 60) {
                start = a & ~255L;
                end = start + 255;
                entry = ip4(start).substring(0, ip4(start).lastIndexOf('.'));
            } else if (kind < 70) {
                int lo = r.nextInt(256);
                int hi = lo + r.nextInt(256 - lo);
                start = (a & ~255L) | lo;
                end = (a & ~255L) | hi;
                entry = ip4(start) + "-" + hi;
            } else if (kind < 80) {
                start = a;
                end = Math.min(a + r.nextInt(3000), base + 65535);
                entry = ip4(start) + "-" + ip4(end);
            } else {
                int c = (int) (a >>> 8) & 255;
                int d = c + r.nextInt(Math.min(8, 256 - c));
                start = (a & ~0xffffL) | ((long) c << 8);
                end = (a & ~0xffffL) | ((long) d << 8) | 255;
                String ab = ip4(a & ~0xffffL);
                entry = ab.substring(0, ab.length() - 4) + "." + c + "-" + d;
            }
            z.entry(entry, exclude, value(r, true));
            z.around4(start, end, r);
        }
        for (int i = 0; i < 600; i++) {
            z.v4.add(clusters[r.nextInt(clusters.length)] + r.nextInt(65536));
        }
        for (int i = 0; i < 100; i++) {
            z.v4.add(r.nextLong() & IP4_LAST);
        }
    }

    private static void generateIp4Trie(Zone z, Random r) {
        List<String> bad = List.of("10.0.0.1/8", "192.0.2.1-20", "192.0.2.0/33", "10", "192.0.2.1 :5 text");
        z.line("$TTL 300");
        z.line("$= Blocked: $= (see https://example.net/tr/$)");
        long[] clusters = clusters4(r, 5);
        List<long[]> prefixes = new ArrayList<>();
        for (int i = 0; i < 700; i++) {
            if (i == 300) {
                z.defaultLine(":3:trie default for $");
            }
            if (i % 140 == 11) {
                z.line(bad.get(i / 140));
            }
            long start;
            int bits;
            if (!prefixes.isEmpty() && r.nextInt(5) == 0) {
                long[] outer = prefixes.get(r.nextInt(prefixes.size())); // nest inside an earlier prefix
                bits = (int) Math.min(32, outer[1] + 1 + r.nextInt(8));
                start = (outer[0] + (long) (r.nextDouble() * (IP4_LAST >>> outer[1]))) & mask4(bits);
            } else {
                bits = 16 + r.nextInt(17);
                start = (clusters[r.nextInt(clusters.length)] + r.nextInt(65536)) & mask4(bits);
            }
            prefixes.add(new long[] {start, bits});
            String entry;
            if (bits == 24 && r.nextBoolean()) {
                entry = ip4(start).substring(0, ip4(start).lastIndexOf('.'));
            } else if (bits == 32 && r.nextBoolean()) {
                entry = ip4(start);
            } else {
                entry = ip4(start) + "/" + bits;
            }
            z.entry(entry, r.nextInt(100) < 15, value(r, true));
            z.around4(start, start | (IP4_LAST >>> bits), r);
        }
        for (int i = 0; i < 300; i++) {
            z.v4.add(clusters[r.nextInt(clusters.length)] + r.nextInt(65536));
        }
        for (int i = 0; i < 100; i++) {
            z.v4.add(r.nextLong() & IP4_LAST);
        }
    }

    private static void generateIp6Trie(Zone z, Random r) {
        List<String> bad = List.of("2001:db8::1/64", "2001:db8:", "12345::", "2001:db8::/129", "fe80::1%eth0");
        z.line("$TTL 1h");
        z.defaultLine(":127.0.1.2: Listed, see http://example.com/lookup?$");
        BigInteger[] clusters = new BigInteger[4];
        for (int i = 0; i < clusters.length; i++) {
            clusters[i] = BigInteger.valueOf(0x20000000L + r.nextInt(0x10000000)).shiftLeft(96);
        }
        List<Object[]> prefixes = new ArrayList<>();
        int[] lengths = {32, 36, 40, 44, 48, 52, 56, 60, 64, 64, 64, 72, 80, 96, 112, 120, 124, 127, 128, 128};
        for (int i = 0; i < 600; i++) {
            if (i % 120 == 5) {
                z.line(bad.get(i / 120));
            }
            BigInteger start;
            int bits;
            if (!prefixes.isEmpty() && r.nextInt(4) == 0) {
                Object[] outer = prefixes.get(r.nextInt(prefixes.size()));
                int outerBits = (int) outer[1];
                bits = Math.min(128, outerBits + 1 + r.nextInt(16));
                start = ((BigInteger) outer[0]).add(new BigInteger(128 - outerBits, r));
            } else {
                bits = lengths[r.nextInt(lengths.length)];
                start = clusters[r.nextInt(clusters.length)].add(new BigInteger(96, r));
            }
            BigInteger hostMask = BigInteger.ONE.shiftLeft(128 - bits).subtract(BigInteger.ONE);
            start = start.andNot(hostMask);
            prefixes.add(new Object[] {start, bits});
            long hi = start.shiftRight(64).longValue();
            long lo = start.longValue();
            String entry;
            if (bits % 16 == 0 && r.nextInt(3) == 0) {
                StringBuilder groups = new StringBuilder(); // "2001:db8:1" is a /48 for rbldnsd
                for (int g = 0; g < bits / 16; g++) {
                    long half = g < 4 ? hi : lo;
                    groups.append(g == 0 ? "" : ":").append(Long.toHexString((half >>> (48 - 16 * (g % 4))) & 0xffff));
                }
                entry = groups.toString();
            } else if (bits == 128 && r.nextBoolean()) {
                entry = IpText.format6(hi, lo);
            } else {
                entry = IpText.format6(hi, lo) + "/" + bits;
            }
            z.entry(entry, r.nextInt(100) < 15, value(r, false));
            z.around6(start, start.or(hostMask), r);
        }
        for (int i = 0; i < 300; i++) {
            z.v6.add(clusters[r.nextInt(clusters.length)].add(new BigInteger(96, r)));
        }
        for (int i = 0; i < 100; i++) {
            z.v6.add(new BigInteger(128, r));
        }
    }

    private static final String[] LABELS = {"a", "b", "c", "d", "mail", "www", "mx1", "mx2", "spam", "ex-ample",
        "_srv", "0day", "smtp", "relay", "dyn", "pool"};
    private static final String[] TOPS = {"test", "example", "invalid"};

    private static String name(Random r) {
        return name(r, TOPS[r.nextInt(TOPS.length)]);
    }

    private static String name(Random r, String top) {
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(5) == 0 ? 1 : 2 + r.nextInt(2); i > 0; i--) {
            sb.append(LABELS[r.nextInt(LABELS.length)]).append('.');
        }
        return sb.append(top).toString();
    }

    private static String mixCase(String s, Random r) {
        StringBuilder sb = new StringBuilder(s);
        for (int i = 0; i < sb.length(); i++) {
            if (r.nextInt(3) == 0) {
                sb.setCharAt(i, Character.toUpperCase(sb.charAt(i)));
            }
        }
        return sb.toString();
    }

    private static void generateDnset(Zone z, Random r) {
        List<String> bad = List.of(".", "*.", ".", "*.");
        z.line("$TTL 10m");
        z.line("$2 https://example.net/d");
        for (int i = 0; i < 700; i++) {
            if (i == 200) {
                z.defaultLine(":3:Listed domain $ see $2/$");
            }
            if (i % 175 == 9) {
                z.line(bad.get(i / 175));
            }
            String name = i < 200 ? name(r, "early") : name(r); // without TXT: a domain of their own, as in ip4set
            int kind = r.nextInt(100);
            String entry = kind < 45 ? name : kind < 75 ? "*." + name : "." + name;
            String written = r.nextInt(10) == 0 ? mixCase(entry, r) : entry;
            z.entry(written, r.nextInt(100) < 15, value(r, false));
            z.names.add(name);
            z.names.add(LABELS[r.nextInt(LABELS.length)] + "." + name);
            z.names.add("x." + LABELS[r.nextInt(LABELS.length)] + "." + name);
            z.names.add(name.substring(name.indexOf('.') + 1));
            if (r.nextInt(5) == 0) {
                z.names.add(mixCase(name, r));
            }
        }
        for (int i = 0; i < 400; i++) {
            z.names.add(LABELS[r.nextInt(LABELS.length)] + "." + name(r));
        }
    }
}

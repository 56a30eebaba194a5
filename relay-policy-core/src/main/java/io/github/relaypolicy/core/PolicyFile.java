package io.github.relaypolicy.core;

import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.internal.Rules;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.dns.ListNames;
import io.github.relaypolicy.core.internal.dns.ZoneNames;
import io.github.relaypolicy.core.internal.zone.LocalZone;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A policy file: the text form of everything {@link RelayEngine.Builder} can configure, with Postfix's names
 * where the concept is the same. The format is described in {@code docs/policy-file.md}; in short:
 *
 * <pre>
 * # relay-policy.conf
 * mydestination = example.org, .corp.example      # local domains
 * relay_domains = partner.example
 * mynetworks    = 127.0.0.0/8, 192.0.2.0/24,
 *                 ./trusted-networks.txt           # a list file: one entry per line
 * permit_authenticated = yes
 * dnsbl_sites   = zen.spamhaus.org=127.0.0.[2..11;30]*3, bl.local*3
 * dnsbl_threshold = 3
 * local_zone.bl.local = blocked.ip4set
 * reply.reject_unauth_destination = 554 5.7.1 &lt;{recipient}&gt;: Relay access denied
 * </pre>
 *
 * <p>A setting starts at the beginning of a line ({@code key = value}); a line that starts with whitespace
 * continues the setting above it. {@code #} starts a comment at the beginning of a line or after whitespace.
 * List values are separated by commas or whitespace; an entry that starts with {@code /}, {@code ./} or
 * {@code ../} names a list file (relative to the policy file's folder) whose lines hold the entries. Every
 * problem is reported with {@code file:line:column}, the text and what was expected; an unknown key is an
 * error, with a suggestion; a key given twice is an error.
 *
 * <p>Immutable and thread-safe once read.
 *
 * @since 0.1.0
 */
public final class PolicyFile {

    /** How the value of a key is read. */
    private enum Type { LIST, BOOLEAN, INTEGER, DURATION, FAILURE, REPLY, NAME, LOCAL_ZONE, SIZE }

    /** A key: its name, how its value is read, whether it takes a suffix ({@code reply.RULE}), what it expects. */
    private record Key(String name, Type type, boolean suffixed, String expected) {
    }

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    static {
        key("mydestination", Type.LIST, false, "domains: example.org, .example.org, *.example.org"
                + " or [192.0.2.1]");
        key("relay_domains", Type.LIST, false, "domains, as for mydestination");
        key("mynetworks", Type.LIST, false, "networks: 192.0.2.0/24, 2001:db8::/32,"
                + " !192.0.2.66");
        key("permit_authenticated", Type.BOOLEAN, false, "yes or no");
        key("reply", Type.REPLY, true, "an SMTP reply: code, enhanced status and text, e.g. 554 5.7.1"
                + " <{recipient}>: Relay access denied");
        key("dnsbl_sites", Type.LIST, false, "DNS lists: zone[=filter][*weight]");
        key("dnswl_sites", Type.LIST, false, "DNS allow lists: zone[=filter][*weight]");
        key("rhsbl_sites", Type.LIST, false, "domain lists: zone[=filter][*weight]");
        key("dnsbl_threshold", Type.INTEGER, false, "a whole number of at least 1");
        key("dns_servers", Type.LIST, false, "IP addresses with optional ports: 127.0.0.1:5353,"
                + " [::1]:53");
        key("dns_timeout", Type.DURATION, false, "a duration: 500ms, 5s, 1m");
        key("dns_failure", Type.FAILURE, false, "defer or ignore");
        key("dns_failure", Type.FAILURE, true, "defer or ignore");
        key("dnsbl_reply", Type.REPLY, true, "a 4xx or 5xx SMTP reply, e.g. 554 5.7.1 Service"
                + " unavailable; client [{client}] blocked using {zone}{txt}");
        key("dns_list_name", Type.NAME, true, "the name SMTP replies give the list: 1 to 64 printable ASCII"
                + " characters without braces, e.g. Spamhaus ZEN");
        key("dns_cache_min_ttl", Type.DURATION, false, "a duration: 0s, 10s, 1m");
        key("dns_cache_max_ttl", Type.DURATION, false, "a duration: 10m, 1h");
        key("dns_cache_size", Type.INTEGER, false, "a whole number of at least 1");
        key("dns_max_in_flight", Type.INTEGER, false, "a whole number from 1 to 1000000");
        key("local_zone", Type.LOCAL_ZONE, true, "an rbldnsd data file (.ip4set, .ip4trie, .ip6trie"
                + " or .dnset), optionally followed by malformed=skip or malformed=refuse");
        key("local_zone_check_interval", Type.DURATION, false, "a duration: 10s, 1m");
        key("local_zone_max_size", Type.SIZE, false, "a size: a number of bytes, or with k, m or g (KiB, MiB,"
                + " GiB), e.g. 256m; at most 1g");
    }

    private static void key(String name, Type type, boolean suffixed, String expected) {
        KEYS.put(suffixed ? name + "." : name, new Key(name, type, suffixed, expected));
    }

    /** Names from other places that people write by habit, and what to write instead. */
    private static final Map<String, String> HINTS = Map.ofEntries(
            Map.entry("localdomains", "mydestination"), Map.entry("local_domains", "mydestination"),
            Map.entry("relaydomains", "relay_domains"), Map.entry("trustednetworks", "mynetworks"),
            Map.entry("trusted_networks", "mynetworks"), Map.entry("permitauthenticated", "permit_authenticated"),
            Map.entry("permit_sasl_authenticated", "permit_authenticated"), Map.entry("dnsbl", "dnsbl_sites"),
            Map.entry("dnswl", "dnswl_sites"), Map.entry("rhsbl", "rhsbl_sites"),
            Map.entry("postscreen_dnsbl_sites", "dnsbl_sites (allow lists, negative weights, go in dnswl_sites)"),
            Map.entry("postscreen_dnsbl_threshold", "dnsbl_threshold"),
            Map.entry("postscreen_dnsbl_min_ttl", "dns_cache_min_ttl"),
            Map.entry("postscreen_dnsbl_max_ttl", "dns_cache_max_ttl"),
            Map.entry("postscreen_dnsbl_timeout", "dns_timeout"), Map.entry("dnsblthreshold", "dnsbl_threshold"),
            Map.entry("dnsservers", "dns_servers"), Map.entry("dnstimeout", "dns_timeout"),
            Map.entry("dnsfailure", "dns_failure"), Map.entry("localzone", "local_zone.ZONE"),
            Map.entry("localzonecheckinterval", "local_zone_check_interval"),
            Map.entry("rbl_reply_maps", "dns_list_name.ZONE or dnsbl_reply.ZONE (a zone's secret key is never"
                    + " shown in replies anyway)"),
            Map.entry("postscreen_dnsbl_reply_map", "dns_list_name.ZONE or dnsbl_reply.ZONE (a zone's secret key is"
                    + " never shown in replies anyway)"),
            Map.entry("localzonemaxsize", "local_zone_max_size"), Map.entry("zone_max_size", "local_zone_max_size"),
            Map.entry("smtpd_recipient_restrictions", "the settings of the rules themselves (relay-policy applies"
                    + " its rules in a fixed order): mynetworks, permit_authenticated, mydestination,"
                    + " relay_domains, dnsbl_sites"),
            Map.entry("smtpd_relay_restrictions", "the settings of the rules themselves (relay-policy applies"
                    + " its rules in a fixed order): mynetworks, permit_authenticated, mydestination,"
                    + " relay_domains"));

    /** The largest policy or list file read: far above any real policy, far below what hurts a server. */
    private static final long MAX_FILE = 256L << 20;

    private static final Pattern INDENTED_SETTING = Pattern.compile("\\s+([A-Za-z0-9_.-]+)\\s*=");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d|w)?");
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,10})([kmgKMG])?");
    private static final Pattern REPLY = Pattern.compile("([0-9]{3}) +([0-9]+\\.[0-9]+\\.[0-9]+)(?: (.*))?");

    /** A piece of a value on one physical line: where it starts and its text. */
    private record Segment(Path file, int line, int column, String text) {
        Origin origin() {
            return new Origin(file, line, column, text);
        }
    }

    /** A setting as written: its key (with suffix), the key's place and the value's pieces. */
    private record Setting(Key key, String name, String suffix, Origin keyOrigin, List<Segment> value) {
        /** The value's pieces joined with single spaces. */
        String text() {
            StringBuilder sb = new StringBuilder();
            for (Segment s : value) {
                sb.append(sb.isEmpty() ? "" : " ").append(s.text());
            }
            return sb.toString();
        }

        /** Where the value starts, or the key's place for an empty value. */
        Origin valueOrigin() {
            return value.isEmpty() ? keyOrigin : value.get(0).origin();
        }
    }

    private final Path file;
    private final List<Setting> settings;
    private final List<Path> files;

    private PolicyFile(Path file, List<Setting> settings, List<Path> files) {
        this.file = file;
        this.settings = settings;
        this.files = files;
    }

    /**
     * Reads and checks a policy file and the list files it names. Local zone files are loaded, and the rules
     * compiled, when an engine is built.
     *
     * @param file the policy file (UTF-8)
     * @return the policy
     * @throws PolicyFileException listing every problem found, each with file, line, column, text and what was
     *     expected; also when a file cannot be read
     * @since 0.1.0
     */
    public static PolicyFile read(Path file) {
        List<PolicyFileException.Problem> problems = new ArrayList<>();
        Set<Path> files = new LinkedHashSet<>();
        files.add(file);
        List<Setting> settings = parse(file, problems, files);
        PolicyFile policy = new PolicyFile(file, List.copyOf(settings), List.copyOf(files));
        RelayEngine.Builder builder = policy.apply(RelayEngine.builder(), problems, true);
        if (problems.isEmpty()) {
            try {
                builder.checkEntries();
            } catch (PolicyFileException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new PolicyFileException(problems, null, List.copyOf(files));
        }
        return policy;
    }

    /**
     * The policy file itself.
     *
     * @return the path given to {@link #read}
     * @since 0.1.0
     */
    public Path file() {
        return file;
    }

    /**
     * The files this policy was read from: the policy file, then the list files it names, in order. Local zone
     * files are not included: the engine watches them itself.
     *
     * @return the files
     * @since 0.1.0
     */
    public List<Path> files() {
        return files;
    }

    /**
     * A new builder configured with this policy; adding to it does not change the policy.
     *
     * @return the builder
     * @since 0.1.0
     */
    public RelayEngine.Builder builder() {
        List<PolicyFileException.Problem> problems = new ArrayList<>();
        RelayEngine.Builder builder = apply(RelayEngine.builder(), problems, false);
        if (!problems.isEmpty()) { // read() found none, so this cannot happen; never hand out half a policy
            throw new PolicyFileException(problems, null);
        }
        return builder;
    }

    /**
     * The values written for a key, as a tool reading the policy needs them: the entries of a list setting (list
     * files expanded, in order), or the one value of any other setting; empty if the key is not set (its default
     * applies). For keys with a name ({@code reply.RULE}, {@code local_zone.ZONE}) pass the full key.
     *
     * @param key a key as written, e.g. {@code mynetworks} or {@code local_zone.bl.local}
     * @return the values, empty if not set
     * @throws IllegalArgumentException if the key is not a key of this format
     * @since 0.1.0
     */
    public List<String> values(String key) {
        Key k = lookupKey(key);
        if (k == null || k.suffixed() != key.startsWith(k.name() + ".")) {
            throw new IllegalArgumentException(unknownKey(key));
        }
        String suffix = k.suffixed() ? key.substring(k.name().length() + 1) : "";
        for (Setting s : settings) {
            if (s.key().equals(k) && s.suffix().equalsIgnoreCase(suffix)) {
                return k.type() == Type.LIST ? tokens(s.value()).stream().map(Segment::text).toList()
                        : List.of(s.text());
            }
        }
        return List.of();
    }

    /**
     * This policy without its DNS lists and local zones (and their settings): the relay rules alone, for an
     * offline audit. DNS lists never grant relay, so they cannot change whether a policy is an open relay.
     *
     * @return the policy without lists
     * @since 0.1.0
     */
    public PolicyFile withoutDnsLists() {
        List<Setting> kept = settings.stream().filter(s -> !(s.name().startsWith("dns") || s.name().endsWith("_sites")
                || s.name().startsWith("local_zone"))).toList();
        return new PolicyFile(file, kept, files);
    }

    /**
     * The effective policy: every setting with its value, defaults included, in this format; list files are
     * expanded into their entries (at most {@code maxEntries} shown per list, the rest counted in a comment).
     *
     * @param maxEntries the most entries shown per list
     * @return the policy text
     * @since 0.1.0
     */
    public String effective(int maxEntries) {
        return builder().describe(maxEntries);
    }

    // ---------------------------------------------------------------------------------------------- reading

    private static List<Setting> parse(Path file, List<PolicyFileException.Problem> problems, Set<Path> files) {
        List<String> lines = lines(file, null, problems);
        List<Setting> settings = new ArrayList<>();
        Map<String, Origin> seen = new HashMap<>();
        Setting current = null;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = uncomment(lines.get(i));
            if (line.isBlank()) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                int start = firstNonBlank(line);
                Matcher indented = INDENTED_SETTING.matcher(line);
                if (indented.lookingAt() && lookupKey(indented.group(1)) != null) {
                    problems.add(new PolicyFileException.Problem(file, lineNo, start + 1, line.strip(),
                            "'" + echo(line.strip()) + "' is indented, so it would continue the setting above;"
                                    + " start a setting at column 1"));
                    current = ignored(file, lineNo);
                } else if (current == null) {
                    problems.add(new PolicyFileException.Problem(file, lineNo, start + 1, line.strip(),
                            "continuation line without a setting above it; a setting starts at column 1:"
                                    + " key = value"));
                } else {
                    current.value().add(new Segment(file, lineNo, start + 1, line.strip()));
                }
                continue;
            }
            current = setting(file, lineNo, line, problems);
            if (current != null) {
                String id = current.suffix().isEmpty() ? current.name() : current.name() + "." + normalized(current);
                Origin previous = seen.putIfAbsent(id, current.keyOrigin());
                if (previous != null) {
                    problems.add(current.keyOrigin().problem(String.format(Locale.ROOT,
                            "'%s' is already set on line %d; give each key once (continue a long value on lines that"
                                    + " start with whitespace)", Text.escape(id), previous.line())));
                    current = ignored(file, lineNo); // its continuation lines belong to the duplicate
                    continue;
                }
                settings.add(current);
            } else {
                current = ignored(file, lineNo); // takes the continuation lines of the broken setting
            }
        }
        settings.removeIf(s -> s.name().isEmpty());
        for (Setting s : settings) {
            if (s.key().type() == Type.LIST) {
                expandListFiles(file, s, problems, files);
            }
        }
        return settings;
    }

    /** The name after the key's dot as the engine reads it: a rule name, or a zone in lower case without a dot. */
    private static String normalized(Setting s) {
        if (s.name().equals("reply")) {
            return s.suffix();
        }
        try {
            return zoneName(s.suffix());
        } catch (IllegalArgumentException e) {
            return s.suffix().toLowerCase(Locale.ROOT); // reported when the setting is applied
        }
    }

    /** A stand-in for a setting already reported as broken, so that its continuation lines are not reported. */
    private static Setting ignored(Path file, int lineNo) {
        return new Setting(KEYS.get("mydestination"), "", "", new Origin(file, lineNo, 1, ""), new ArrayList<>());
    }

    /** A setting's first line, or null (with a problem) if it is not {@code key = value} with a known key. */
    private static @Nullable Setting setting(Path file, int lineNo, String line,
            List<PolicyFileException.Problem> problems) {
        int end = 0;
        while (end < line.length() && isKeyChar(line.charAt(end))) {
            end++;
        }
        String written = line.substring(0, end);
        int eq = end;
        while (eq < line.length() && (line.charAt(eq) == ' ' || line.charAt(eq) == '\t')) {
            eq++;
        }
        if (written.isEmpty() || eq >= line.length() || line.charAt(eq) != '=') {
            String found = eq >= line.length() ? "the end of the line" : "'" + Text.escape(line.substring(eq,
                    eq + Character.charCount(line.codePointAt(eq)))) + "'";
            problems.add(new PolicyFileException.Problem(file, lineNo, written.isEmpty() ? 1 : eq + 1,
                    line.strip(), written.isEmpty()
                            ? "expected a setting, key = value, with a key of letters, digits and _; found '"
                                    + echo(line.strip()) + "'"
                            : "expected '=' after the key '" + Text.escape(written) + "', found " + found));
            return null;
        }
        Origin keyOrigin = new Origin(file, lineNo, 1, written);
        Key key = lookupKey(written);
        if (key == null) {
            problems.add(keyOrigin.problem(unknownKey(written)));
            return null;
        }
        String suffix = key.suffixed() ? written.substring(key.name().length() + 1) : "";
        if (key.suffixed() && suffix.isEmpty()) {
            problems.add(keyOrigin.problem(String.format(Locale.ROOT, "'%s' needs a name after the dot: %s",
                    written, example(key))));
            return null;
        }
        if (key.type() == Type.REPLY && key.name().equals("reply") && !Rules.DEFAULT_REPLIES.containsKey(suffix)) {
            problems.add(keyOrigin.problem(String.format(Locale.ROOT, "unknown rule '%s' in '%s'%s; rules: %s",
                    Text.escape(suffix), Text.escape(written),
                    suggestion(suffix, Rules.DEFAULT_REPLIES.keySet(), "reply."),
                    String.join(", ", Rules.DEFAULT_REPLIES.keySet()))));
            return null;
        }
        if (key.suffixed() && !key.name().equals("reply")) {
            try {
                RelayEngine.Builder.zoneName(key.name(), suffix);
            } catch (IllegalArgumentException e) {
                String example = example(key);
                problems.add(keyOrigin.problem(String.format(Locale.ROOT, "'%s' names '%s', which is not a zone name:"
                        + " expected a domain name of at least two labels, e.g. %s", Text.escape(written),
                        Text.escape(suffix), example.substring(0, example.indexOf(' ')))));
                return null;
            }
        }
        List<Segment> value = new ArrayList<>();
        int start = eq + 1;
        while (start < line.length() && Character.isWhitespace(line.charAt(start))) {
            start++;
        }
        if (start < line.length()) {
            value.add(new Segment(file, lineNo, start + 1, line.substring(start).strip()));
        }
        return new Setting(key, key.name(), suffix, keyOrigin, value);
    }

    private static String example(Key key) {
        return switch (key.name()) {
            case "reply" -> "reply." + RuleNames.RELAY_DENIED + " = 554 5.7.1 <{recipient}>: Relay access denied";
            case "dns_failure" -> "dns_failure.bl.spamcop.net = ignore";
            case "dnsbl_reply" -> "dnsbl_reply.zen.spamhaus.org = 554 5.7.1 blocked using {zone}{txt}";
            case "dns_list_name" -> "dns_list_name.zen.spamhaus.org = Spamhaus ZEN";
            default -> "local_zone.bl.local = blocked.ip4set";
        };
    }

    private static boolean isKeyChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
                || c == '-';
    }

    private static @Nullable Key lookupKey(String written) {
        Key exact = KEYS.get(written);
        if (exact != null) {
            return exact;
        }
        int dot = written.indexOf('.');
        return dot < 0 ? null : KEYS.get(written.substring(0, dot + 1));
    }

    private static String unknownKey(String written) {
        String hint = HINTS.get(written.toLowerCase(Locale.ROOT));
        if (hint != null) {
            return "unknown key '" + Text.escape(written) + "'; write " + hint;
        }
        Set<String> names = new LinkedHashSet<>();
        for (Key k : KEYS.values()) {
            names.add(k.suffixed() ? k.name() + ".NAME" : k.name());
        }
        String base = written.indexOf('.') > 0 ? written.substring(0, written.indexOf('.')) : written;
        String suggestion = suggestion(base.toLowerCase(Locale.ROOT), KEYS.values().stream().map(Key::name)
                .distinct().toList(), "");
        return "unknown key '" + Text.escape(written) + "'" + (suggestion.isEmpty() ? "; known keys: "
                + String.join(", ", names) : suggestion);
    }

    /** {@code "; did you mean 'x'?"} for the closest candidate within a few edits, else "". */
    private static String suggestion(String written, Iterable<String> candidates, String prefix) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(written, c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, written.length() / 3)
                ? "; did you mean '" + prefix + best + "'?" : "";
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                row[j] = Math.min(Math.min(row[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] t = previous;
            previous = row;
            row = t;
        }
        return previous[b.length()];
    }

    /** A line without its comment: {@code #} at the start or after whitespace starts one. */
    private static String uncomment(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private static int firstNonBlank(String line) {
        int i = 0;
        while (i < line.length() && Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        return i;
    }

    /**
     * The lines of a file, strictly UTF-8; a line that is not is reported and read as empty. A file that cannot
     * be read is reported at {@code from} (the entry that named it) or as a whole.
     */
    private static List<String> lines(Path file, @Nullable Origin from, List<PolicyFileException.Problem> problems) {
        byte[] bytes;
        try {
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                throw new IOException(Files.isDirectory(file) ? "a directory, not a file" : "not a regular file");
            }
            if (Files.exists(file) && Files.size(file) > MAX_FILE) {
                throw new IOException("larger than " + MAX_FILE / (1 << 20) + " MiB");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : String.valueOf(e.getMessage());
            if (from == null) {
                problems.add(new PolicyFileException.Problem(file, 0, 0, "", "cannot read the policy file: " + why));
            } else {
                problems.add(from.problem("cannot read list file '" + file + "': " + why));
            }
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        int start = bytes.length >= 3 && bytes[0] == (byte) 0xef && bytes[1] == (byte) 0xbb && bytes[2] == (byte) 0xbf
                ? 3 : 0; // a UTF-8 byte order mark, as some editors write
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        for (int i = start; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                if (i == bytes.length && start == i) {
                    break;
                }
                int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
                ByteBuffer line = ByteBuffer.wrap(bytes, start, end - start);
                var result = decoder.reset().decode(line, java.nio.CharBuffer.allocate(end - start + 1), true);
                if (result.isError()) {
                    int bad = line.position();
                    String before = new String(bytes, start, bad - start, StandardCharsets.UTF_8);
                    problems.add(new PolicyFileException.Problem(file, lines.size() + 1, before.length() + 1,
                            String.format(Locale.ROOT, "\\x%02X", bytes[bad] & 0xff), String.format(Locale.ROOT,
                                    "byte 0x%02X is not UTF-8 text; save the file as UTF-8", bytes[bad] & 0xff)));
                    lines.add("");
                } else {
                    lines.add(new String(bytes, start, end - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            for (int c = 0; c < l.length(); c++) {
                char ch = l.charAt(c);
                if (ch < 0x20 && ch != '\t' || ch == 0x7f) {
                    problems.add(new PolicyFileException.Problem(file, i + 1, c + 1, "",
                            String.format(Locale.ROOT, "control character U+%04X; only text and tabs are allowed",
                                    (int) ch)));
                    lines.set(i, "");
                    break;
                }
            }
        }
        return lines;
    }

    /** Replaces list-file entries of a list setting by the entries of those files, each with its own place. */
    private static void expandListFiles(Path policy, Setting s, List<PolicyFileException.Problem> problems,
            Set<Path> files) {
        List<Segment> expanded = new ArrayList<>();
        for (Segment token : tokens(s.value())) {
            String t = token.text();
            if (!(t.startsWith("/") || t.startsWith("./") || t.startsWith("../"))) {
                expanded.add(token);
                continue;
            }
            Path listFile = resolve(policy, t);
            files.add(listFile);
            List<String> lines = lines(listFile, token.origin(), problems);
            for (int i = 0; i < lines.size(); i++) {
                String line = uncomment(lines.get(i));
                for (Segment entry : tokens(List.of(new Segment(listFile, i + 1, 1, line)))) {
                    String e = entry.text();
                    if (e.startsWith("/") || e.startsWith("./") || e.startsWith("../")) {
                        problems.add(entry.origin().problem("a list file cannot name another list file; expected "
                                + s.key().expected()));
                    } else {
                        expanded.add(entry);
                    }
                }
            }
        }
        s.value().clear();
        s.value().addAll(expanded);
    }

    /** The tokens of a list value, separated by commas or whitespace, each with its column. */
    private static List<Segment> tokens(List<Segment> value) {
        List<Segment> tokens = new ArrayList<>();
        for (Segment seg : value) {
            String text = seg.text();
            int i = 0;
            while (i < text.length()) {
                while (i < text.length() && isSeparator(text.charAt(i))) {
                    i++;
                }
                int start = i;
                while (i < text.length() && !isSeparator(text.charAt(i))) {
                    i++;
                }
                if (i > start) {
                    tokens.add(new Segment(seg.file(), seg.line(), seg.column() + start, text.substring(start, i)));
                }
            }
        }
        return tokens;
    }

    private static boolean isSeparator(char c) {
        return c == ',' || Character.isWhitespace(c);
    }

    private static Path resolve(Path policy, String path) {
        Path p = Path.of(path);
        Path dir = policy.toAbsolutePath().getParent();
        return p.isAbsolute() || dir == null ? p : dir.resolve(p).normalize();
    }

    // --------------------------------------------------------------------------------------------- applying

    /**
     * Applies the settings to {@code b}, adding a problem for each value the builder refuses; with
     * {@code check}, also checks what only the file can know (names of lists that are not configured).
     */
    private RelayEngine.Builder apply(RelayEngine.Builder b, List<PolicyFileException.Problem> problems,
            boolean check) {
        Duration[] cache = {null, null};
        Origin cacheOrigin = null;
        long cacheSize = -1;
        Map<String, String> siteKinds = new LinkedHashMap<>(); // zone -> the *_sites key that names it
        Map<String, Origin> siteOrigins = new HashMap<>();
        Map<String, String> localFiles = new LinkedHashMap<>(); // zone -> its data file's name
        List<Setting> zoneSettings = new ArrayList<>();
        for (Setting s : settings) {
            Key key = s.key();
            try {
                switch (key.type()) {
                    case LIST -> {
                        for (Segment token : tokens(s.value())) {
                            each(problems, token.origin(), () -> {
                                String zone = list(b, key, token);
                                if (zone != null) {
                                    siteKinds.putIfAbsent(zone, key.name());
                                    siteOrigins.putIfAbsent(zone, token.origin());
                                }
                            });
                        }
                    }
                    case BOOLEAN -> b.permitAuthenticated(bool(s));
                    case INTEGER -> {
                        long n = integer(s);
                        if (key.name().equals("dnsbl_threshold")) {
                            b.dnsblThreshold((int) n);
                        } else if (key.name().equals("dns_max_in_flight")) {
                            b.dnsMaxInFlight((int) n);
                        } else {
                            cacheSize = n;
                            cacheOrigin = s.valueOrigin();
                        }
                    }
                    case DURATION -> {
                        Duration d = duration(s);
                        switch (key.name()) {
                            case "dns_timeout" -> b.dnsTimeout(d);
                            case "dns_cache_min_ttl" -> {
                                cache[0] = d;
                                cacheOrigin = s.valueOrigin();
                            }
                            case "dns_cache_max_ttl" -> {
                                cache[1] = d;
                                cacheOrigin = s.valueOrigin();
                            }
                            default -> b.localZoneCheckInterval(d);
                        }
                    }
                    case FAILURE -> {
                        if (key.suffixed()) {
                            zoneSettings.add(s);
                        } else {
                            b.dnsFailure(failure(s));
                        }
                    }
                    case REPLY -> {
                        if (key.name().equals("reply")) {
                            b.reply(s.suffix(), reply(s));
                        } else {
                            zoneSettings.add(s);
                        }
                    }
                    case NAME -> zoneSettings.add(s);
                    case LOCAL_ZONE -> localFiles.put(zoneName(s.suffix()), localZone(b, s));
                    case SIZE -> b.localZoneMaxSize(size(s));
                    default -> throw new IllegalStateException(key.type().name());
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                problems.add(s.valueOrigin().problem(s.name() + (s.suffix().isEmpty() ? "" : "." + s.suffix())
                        + ": " + e.getMessage()));
            }
        }
        if (check) {
            checkLocalZoneKinds(siteKinds, siteOrigins, localFiles, problems);
        }
        for (Setting s : zoneSettings) {
            try {
                String zone = zoneName(s.suffix());
                String problem = !check ? null : zoneSettingProblem(s, zone, siteKinds, localFiles);
                if (problem != null) {
                    problems.add(s.keyOrigin().problem(problem));
                    continue;
                }
                if (s.key().type() == Type.FAILURE) {
                    b.dnsFailure(s.suffix(), failure(s));
                } else if (s.key().type() == Type.NAME) {
                    b.dnsListName(s.suffix(), s.text());
                } else {
                    b.dnsblReply(s.suffix(), reply(s));
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                problems.add(s.valueOrigin().problem(s.name() + "." + s.suffix() + ": " + e.getMessage()));
            }
        }
        if (cacheOrigin != null) {
            Duration floor = cache[0] == null ? RelayEngine.Builder.DEFAULT_TTL_FLOOR : cache[0];
            Duration ceiling = cache[1] == null ? RelayEngine.Builder.DEFAULT_TTL_CEILING : cache[1];
            long size = cacheSize < 0 ? RelayEngine.Builder.DEFAULT_CACHE_SIZE : cacheSize;
            try {
                b.dnsCache(floor, ceiling, size);
            } catch (IllegalArgumentException e) {
                problems.add(cacheOrigin.problem(e.getMessage()));
            }
        }
        return b;
    }

    /** A list naming a local zone must fit the zone's data: domains for {@code .dnset}, addresses otherwise. */
    private static void checkLocalZoneKinds(Map<String, String> siteKinds, Map<String, Origin> siteOrigins,
            Map<String, String> localFiles, List<PolicyFileException.Problem> problems) {
        for (Map.Entry<String, String> site : siteKinds.entrySet()) {
            String file = localFiles.get(site.getKey());
            if (file == null) {
                continue;
            }
            boolean domains = file.toLowerCase(Locale.ROOT).endsWith(".dnset");
            if (domains != site.getValue().equals("rhsbl_sites")) {
                problems.add(siteOrigins.get(site.getKey()).problem(String.format(Locale.ROOT,
                        "%s names the local zone '%s', whose file %s holds %s: name it in %s", site.getValue(),
                        site.getKey(), file, domains ? "domains" : "addresses",
                        domains ? "rhsbl_sites" : "dnsbl_sites or dnswl_sites")));
            }
        }
    }

    /**
     * Why a {@code dns_failure.ZONE}, {@code dnsbl_reply.ZONE} or {@code dns_list_name.ZONE} setting could never
     * take effect, or null.
     */
    private static @Nullable String zoneSettingProblem(Setting s, String zone, Map<String, String> siteKinds,
            Map<String, String> localFiles) {
        String written = Text.escape(s.keyOrigin().text());
        if (!siteKinds.containsKey(zone) && !localFiles.containsKey(zone)) {
            Set<String> zones = new LinkedHashSet<>(siteKinds.keySet());
            zones.addAll(localFiles.keySet());
            return String.format(Locale.ROOT, "'%s' names the zone '%s', which no dnsbl_sites, dnswl_sites,"
                    + " rhsbl_sites or local_zone setting configures; configured zones: %s", written,
                    Text.escape(s.suffix()), zones.isEmpty() ? "none" : String.join(", ", zones));
        }
        if (s.key().type() == Type.FAILURE && localFiles.containsKey(zone)) {
            return "'" + written + "' names a local zone, which is answered in-process and never fails to answer";
        }
        if (s.key().type() == Type.REPLY && "dnswl_sites".equals(siteKinds.get(zone))) {
            return "'" + written + "' names an allow list (dnswl_sites), which never refuses, so never replies";
        }
        return null;
    }

    private static void each(List<PolicyFileException.Problem> problems, Origin origin, Runnable action) {
        try {
            action.run();
        } catch (IllegalArgumentException | IllegalStateException e) {
            problems.add(origin.problem(e.getMessage()));
        }
    }

    /** Adds one list entry; returns the zone for a DNS list entry, else null. */
    private @Nullable String list(RelayEngine.Builder b, Key key, Segment token) {
        String t = token.text();
        Origin origin = token.origin();
        if (key.name().equals("mydestination") || key.name().equals("relay_domains")
                || key.name().equals("mynetworks")) {
            int slash = t.indexOf('/');
            if (slash > 0 && !t.startsWith("!") && !t.substring(slash + 1).matches("[0-9]{1,3}")
                    && Files.exists(resolve(file, t))) {
                throw new IllegalArgumentException("'" + Text.escape(t) + "' names a file: write ./" + t
                        + " (a list file starts with /, ./ or ../)");
            }
        }
        switch (key.name()) {
            case "mydestination" -> b.addEntry("localDomains", t, origin);
            case "relay_domains" -> b.addEntry("relayDomains", t, origin);
            case "mynetworks" -> b.addEntry("trustedNetworks", t, origin);
            case "dns_servers" -> b.dnsServers(t);
            case "dnsbl_sites" -> b.dnsbl(t);
            case "dnswl_sites" -> b.dnswl(t);
            case "rhsbl_sites" -> b.rhsbl(t);
            default -> throw new IllegalStateException(key.name());
        }
        return key.name().endsWith("_sites") ? RelayEngine.Builder.zoneOf(t) : null;
    }

    /** The zone named after a key's dot, normalized; {@link #setting} refused names that are not zones. */
    private static String zoneName(String zone) {
        return ZoneNames.normalize("zone", zone);
    }

    private static boolean bool(Setting s) {
        return switch (s.text().toLowerCase(Locale.ROOT)) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw expected(s);
        };
    }

    private static long integer(Setting s) {
        String t = s.text();
        if (!t.matches("[0-9]{1,9}") || Long.parseLong(t) < 1) {
            throw expected(s);
        }
        return Long.parseLong(t);
    }

    private static Duration duration(Setting s) {
        Matcher m = DURATION.matcher(s.text());
        if (!m.matches()) {
            throw expected(s);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }

    /** A size in bytes, with an optional binary unit: {@code 65536}, {@code 64k}, {@code 256m}, {@code 1g}. */
    private static long size(Setting s) {
        Matcher m = SIZE.matcher(s.text());
        if (!m.matches()) {
            throw expected(s);
        }
        int shift = m.group(2) == null ? 0 : switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            default -> 30;
        };
        long n = Long.parseLong(m.group(1));
        if (n < 1 || n > LocalZone.MAX_SIZE_LIMIT >> shift) {
            throw expected(s);
        }
        return n << shift;
    }

    /** A size as this format writes it: in the largest binary unit that divides it, {@code 256m}, {@code 1000}. */
    static String size(long bytes) {
        for (String unit : new String[] {"g", "m", "k"}) {
            int shift = unit.equals("g") ? 30 : unit.equals("m") ? 20 : 10;
            if (bytes % (1L << shift) == 0) {
                return (bytes >> shift) + unit;
            }
        }
        return Long.toString(bytes);
    }

    /** A duration as this format writes it: {@code 500ms}, {@code 10s}, {@code 1h}. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0 || ms == 0) {
            return ms == 0 ? "0s" : ms + "ms";
        }
        long s = ms / 1000;
        if (s % 86400 == 0) {
            return s / 86400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        return s % 60 == 0 ? s / 60 + "m" : s + "s";
    }

    private static DnsFailure failure(Setting s) {
        return switch (s.text().toLowerCase(Locale.ROOT)) {
            case "defer" -> DnsFailure.DEFER;
            case "ignore" -> DnsFailure.IGNORE;
            default -> throw expected(s);
        };
    }

    private static SmtpReply reply(Setting s) {
        Matcher m = REPLY.matcher(s.text());
        if (!m.matches()) {
            throw expected(s);
        }
        return SmtpReply.of(Integer.parseInt(m.group(1)), m.group(2), m.group(3) == null ? "" : m.group(3));
    }

    /**
     * Adds a local zone: {@code FILE [malformed=skip|refuse]}, the file in double quotes if its name holds
     * spaces. Returns the file's name.
     */
    private static String localZone(RelayEngine.Builder b, Setting s) {
        String value = s.text();
        String path;
        String rest;
        if (value.startsWith("\"")) {
            int close = value.indexOf('"', 1);
            if (close < 0) {
                throw new IllegalArgumentException("'" + Text.escape(value) + "': the file name's closing \" is"
                        + " missing");
            }
            path = value.substring(1, close);
            rest = value.substring(close + 1).strip();
        } else {
            int space = value.indexOf(' ');
            path = space < 0 ? value : value.substring(0, space);
            rest = space < 0 ? "" : value.substring(space + 1).strip();
        }
        if (path.isEmpty()) {
            throw expected(s);
        }
        MalformedLines malformed = switch (rest.toLowerCase(Locale.ROOT)) {
            case "", "malformed=refuse" -> MalformedLines.REFUSE;
            case "malformed=skip" -> MalformedLines.SKIP;
            default -> throw new IllegalArgumentException("'" + Text.escape(rest) + "': expected malformed=skip or"
                    + " malformed=refuse after the file name (write a file name with spaces in double quotes)");
        };
        Path file = resolve(s.keyOrigin().file(), path);
        b.localZone(s.suffix(), file, malformed, s.valueOrigin());
        return String.valueOf(file.getFileName());
    }

    private static IllegalArgumentException expected(Setting s) {
        return new IllegalArgumentException(String.format(Locale.ROOT, "'%s' is not %s", echo(s.text()),
                s.key().expected()));
    }

    /**
     * Text of the file echoed in a problem: a DNS list's secret key masked before the echo is escaped and capped,
     * since a cap inside the key would leave a part the masking of {@link PolicyFileException.Problem} no longer
     * recognises.
     */
    private static String echo(String text) {
        return Text.escape(ListNames.maskAll(text));
    }

    @Override
    public String toString() {
        return "PolicyFile[" + file + ", " + settings.size() + " settings]";
    }
}

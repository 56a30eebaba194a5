package io.github.relaypolicy.core.internal.policyfile;

import io.github.relaypolicy.core.MalformedLines;
import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.core.SenderLoginMismatch;
import io.github.relaypolicy.core.internal.FileProblemsException;
import io.github.relaypolicy.core.internal.access.AccessTable;
import io.github.relaypolicy.core.internal.access.AccessTableException;
import io.github.relaypolicy.core.internal.access.Family;
import io.github.relaypolicy.core.internal.login.LoginMaps;
import io.github.relaypolicy.core.internal.tls.ClientCerts;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.dns.ListSpec;
import io.github.relaypolicy.core.internal.dns.ZoneNames;
import io.github.relaypolicy.core.internal.engine.ConfigBuilder;
import io.github.relaypolicy.core.internal.limit.LimitState;
import io.github.relaypolicy.core.internal.zone.ZoneType;
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
import org.jspecify.annotations.Nullable;

/**
 * Gives the settings of a policy file to a builder, once each, through its public methods only, and turns what the
 * builder refuses into problems at the place the value was written. It also checks what only a file can get wrong:
 * a setting for a zone that no list configures, a list whose local zone holds the other kind of data, a list entry
 * that names a file without {@code ./}.
 */
public final class Applier {

    /**
     * What applying gave, besides the builder's settings.
     *
     * @param zoneOrigins where each local zone was configured, for problems found when its file is loaded
     */
    public record Result(Map<String, Origin> zoneOrigins, List<Path> mapFiles) {
    }

    /** The builder being configured, and the settings that are given to it together at the end. */
    static final class Target {
        private final RelayEngine.Builder builder;
        private final Path policy;
        private @Nullable Duration cacheFloor;
        private @Nullable Duration cacheCeiling;
        private long cacheSize = -1;
        private @Nullable Origin cacheOrigin;
        private final Map<String, Path> localFiles = new LinkedHashMap<>(); // zone -> its data file
        private final Map<String, Origin> zoneOrigins = new LinkedHashMap<>();
        private final List<Path> mapFiles = new ArrayList<>();
        private boolean mapsWritten;
        private Lexer.@Nullable Setting mismatch;
        private boolean certsWritten;
        private Lexer.@Nullable Setting permitCerts;

        Target(RelayEngine.Builder builder, Path policy) {
            this.builder = builder;
            this.policy = policy;
        }

        RelayEngine.Builder builder() {
            return builder;
        }

        void cacheFloor(Duration d, Origin origin) {
            cacheFloor = d;
            cacheOrigin = origin;
        }

        void cacheCeiling(Duration d, Origin origin) {
            cacheCeiling = d;
            cacheOrigin = origin;
        }

        void cacheSize(long n, Origin origin) {
            cacheSize = n;
            cacheOrigin = origin;
        }

        /**
         * A local zone: {@code FILE [malformed=skip|refuse]}, the file in double quotes if its name holds spaces,
         * relative to the folder of the file that names it.
         */
        void localZone(Lexer.Setting s) {
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
                throw Values.expected(s);
            }
            MalformedLines malformed = switch (rest.toLowerCase(Locale.ROOT)) {
                case "", "malformed=refuse" -> MalformedLines.REFUSE;
                case "malformed=skip" -> MalformedLines.SKIP;
                default -> throw new IllegalArgumentException("'" + Text.escape(rest) + "': expected malformed=skip"
                        + " or malformed=refuse after the file name (write a file name with spaces in double quotes)");
            };
            Path file = Lexer.resolve(s.keyOrigin().file(), path);
            builder.localZone(s.suffix(), file, malformed);
            String zone = zoneName(s.suffix());
            localFiles.put(zone, file);
            zoneOrigins.put(zone, s.valueOrigin());
        }

        /**
         * Sender login map files, relative to the folder of the policy file. Each is watched with the policy file,
         * even when it cannot be read (so that fixing it reloads). A file that cannot be read is reported at the
         * entry that names it, a bad line at its own line.
         */
        void senderLoginMaps(Lexer.Setting s) {
            List<Path> paths = new ArrayList<>();
            Map<Path, Origin> origins = new HashMap<>();
            for (Lexer.Segment token : Lexer.tokens(s.value())) {
                String name = token.text();
                java.util.regex.Matcher m = TABLE_TYPE.matcher(name);
                if (m.matches() && !m.group(1).equals("texthash")) {
                    boolean indexed = m.group(1).matches("hash|btree|lmdb|cdb|dbm|sdbm");
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "'%s' is a Postfix %s: table;"
                            + " relay-policy reads the text file itself%s", Text.escape(name), m.group(1), indexed
                            ? " (the source that postmap compiles): write " + Text.escape(m.group(2))
                            : ", one KEY LOGIN[, LOGIN...] a line"));
                }
                Path file = Lexer.resolve(s.keyOrigin().file(), m.matches() ? m.group(2) : name);
                paths.add(file);
                origins.putIfAbsent(file, token.origin());
            }
            mapFiles.addAll(paths);
            mapsWritten |= !paths.isEmpty();
            try {
                builder.senderLoginMaps(paths.toArray(new Path[0]));
            } catch (LoginMaps.MapException e) {
                throw new LoginMaps.MapException(placed(e, origins), List.of());
            }
        }

        /**
         * {@code relay_clientcerts} files, relative to the folder of the policy file, watched with it like the sender
         * login maps. A Postfix table type naming the text source ({@code hash:}, {@code texthash:}, ...) is taken as
         * the text file itself, since relay-policy reads what {@code postmap} reads.
         */
        void relayClientCerts(Lexer.Setting s) {
            List<Path> paths = new ArrayList<>();
            Map<Path, Origin> origins = new HashMap<>();
            for (Lexer.Segment token : Lexer.tokens(s.value())) {
                String name = token.text();
                java.util.regex.Matcher m = TABLE_TYPE.matcher(name);
                if (m.matches() && !m.group(1).matches("hash|btree|lmdb|cdb|texthash")) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "'%s' is a Postfix %s: table;"
                            + " relay-policy reads relay_clientcerts from a text file (one FINGERPRINT [comment]"
                            + " a line), as hash:, texthash:, btree:, lmdb: or cdb: name it", Text.escape(name),
                            m.group(1)));
                }
                Path file = Lexer.resolve(s.keyOrigin().file(), m.matches() ? m.group(2) : name);
                paths.add(file);
                origins.putIfAbsent(file, token.origin());
            }
            mapFiles.addAll(paths);
            certsWritten |= !paths.isEmpty();
            try {
                builder.relayClientCerts(paths.toArray(new Path[0]));
            } catch (ClientCerts.CertFileException e) {
                throw new ClientCerts.CertFileException(placed(e, origins), List.of());
            }
        }

        /** {@code permit_tls_clientcerts}: given now, checked at the end against the fingerprint files. */
        void permitTlsClientCerts(Lexer.Setting s) {
            builder.permitTlsClientCerts(Values.bool(s));
            permitCerts = s;
        }

        /**
         * Access table files of one family, relative to the folder of the policy file, each watched with the
         * policy file. A reference keeps its Postfix type ({@code regexp:}); a file that cannot be read is reported
         * at the entry that names it, a bad line at its own line.
         */
        void accessTables(Family family, Lexer.Setting s) {
            List<String> references = new ArrayList<>();
            Map<Path, Origin> origins = new HashMap<>();
            for (Lexer.Segment token : Lexer.tokens(s.value())) {
                AccessTable.TableRef ref = AccessTable.parseReference(family, token.text());
                Path file = Lexer.resolve(s.keyOrigin().file(), ref.path());
                references.add(ref.type().isEmpty() ? file.toString() : ref.type() + ":" + file);
                mapFiles.add(file);
                origins.putIfAbsent(file, token.origin());
            }
            String[] tables = references.toArray(new String[0]);
            try {
                switch (family) {
                    case CLIENT -> builder.checkClientAccess(tables);
                    case HELO -> builder.checkHeloAccess(tables);
                    case SENDER -> builder.checkSenderAccess(tables);
                    case RECIPIENT -> builder.checkRecipientAccess(tables);
                }
            } catch (AccessTableException e) {
                throw new AccessTableException(placed(e, origins));
            }
        }

        /** The sender login mode: given now, checked at the end against the maps. */
        void senderLoginMismatch(Lexer.Setting s) {
            builder.senderLoginMismatch(switch (s.text().toLowerCase(Locale.ROOT)) {
                case "authenticated" -> SenderLoginMismatch.AUTHENTICATED;
                case "known" -> SenderLoginMismatch.KNOWN;
                case "all" -> SenderLoginMismatch.ALL;
                case "off" -> SenderLoginMismatch.OFF;
                default -> throw Values.expected(s);
            });
            mismatch = s;
        }
    }

    /**
     * The problems of files named by a setting, those about a whole file (line 0: it cannot be read) placed at the
     * policy-file entry that names it.
     */
    private static List<PolicyFileException.Problem> placed(FileProblemsException e, Map<Path, Origin> origins) {
        List<PolicyFileException.Problem> placed = new ArrayList<>();
        for (PolicyFileException.Problem p : e.problems()) {
            Origin at = p.line() == 0 ? origins.get(p.file()) : null;
            placed.add(at == null ? p : at.problem(p.message()));
        }
        return placed;
    }

    /** Postfix lookup table types, which name a table rather than a text file. */
    private static final java.util.regex.Pattern TABLE_TYPE = java.util.regex.Pattern.compile(
            "(hash|btree|lmdb|cdb|dbm|sdbm|texthash|regexp|pcre|cidr|ldap|mysql|pgsql|sqlite|proxy|static|inline"
                    + "|unix|tcp|socketmap|memcache|pipemap|randmap|fail|environ|nis|nisplus|netinfo):(.*)");

    /** The keys whose entries go into the domain and network indexes, in the order they are given. */
    private static final List<String> ENTRY_ORDER = List.of("mynetworks", "mydestination", "relay_domains");

    private Applier() {
    }

    /**
     * Gives {@code settings} to {@code builder}, adding a problem to {@code problems} for each value it refuses and
     * for each setting that could never take effect.
     */
    public static Result apply(Path policy, List<Lexer.Setting> settings, RelayEngine.Builder builder,
            List<PolicyFileException.Problem> problems) {
        Target t = new Target(builder, policy);
        Map<String, String> siteKinds = new LinkedHashMap<>(); // zone -> the *_sites key that names it
        Map<String, Origin> siteOrigins = new HashMap<>();
        List<Lexer.Setting> zoneSettings = new ArrayList<>();
        Map<String, List<Lexer.Segment>> entries = new HashMap<>();
        for (Lexer.Setting s : settings) {
            Keys.Key key = s.key();
            if (key.zoneSetting()) {
                zoneSettings.add(s); // once every list is known
                continue;
            }
            if (key.entry() != null) {
                for (Lexer.Segment token : Lexer.tokens(s.value())) {
                    try {
                        if (ENTRY_ORDER.contains(key.name())) {
                            checkNotAFile(t.policy, token.text());
                            ConfigBuilder.checkEntryText(key.method(), token.text());
                            entries.computeIfAbsent(key.name(), k -> new ArrayList<>()).add(token);
                            continue;
                        }
                        key.entry().add(t.builder, token.text());
                        if (key.name().endsWith("_sites")) {
                            String zone = ListSpec.zoneOf(token.text());
                            siteKinds.putIfAbsent(zone, key.name());
                            siteOrigins.putIfAbsent(zone, token.origin());
                        }
                    } catch (IllegalArgumentException | IllegalStateException e) {
                        problems.add(token.origin().problem(e.getMessage()));
                    }
                }
                continue;
            }
            try {
                key.value().set(t, s);
            } catch (FileProblemsException e) {
                problems.addAll(e.problems()); // each at its own file's line
            } catch (IllegalArgumentException | IllegalStateException e) {
                problems.add(valueOrigin(s).problem(s.written() + ": " + e.getMessage()));
            }
        }
        if (t.mismatch != null && !t.mapsWritten && !t.mismatch.text().equalsIgnoreCase("off")) {
            problems.add(t.mismatch.keyOrigin().problem(String.format(Locale.ROOT, "'sender_login_mismatch = %s'"
                    + " could never apply: no sender_login_maps are given (set sender_login_maps, or remove it)",
                    Text.escape(t.mismatch.text()))));
        }
        if (t.permitCerts != null && !t.certsWritten && Values.bool(t.permitCerts)) {
            problems.add(t.permitCerts.keyOrigin().problem("'permit_tls_clientcerts = yes' could never apply: no"
                    + " relay_clientcerts are given, so no certificate could relay (set relay_clientcerts, or"
                    + " remove it)"));
        }
        checkLocalZoneKinds(siteKinds, siteOrigins, t.localFiles, problems);
        for (Lexer.Setting s : zoneSettings) {
            try {
                String problem = zoneSettingProblem(s, zoneName(s.suffix()), siteKinds, t.localFiles);
                if (problem != null) {
                    problems.add(s.keyOrigin().problem(problem));
                    continue;
                }
                s.key().value().set(t, s);
            } catch (IllegalArgumentException | IllegalStateException e) {
                problems.add(s.valueOrigin().problem(s.written() + ": " + e.getMessage()));
            }
        }
        if (t.cacheOrigin != null) {
            try {
                builder.dnsCache(t.cacheFloor == null ? ConfigBuilder.DEFAULT_TTL_FLOOR : t.cacheFloor,
                        t.cacheCeiling == null ? ConfigBuilder.DEFAULT_TTL_CEILING : t.cacheCeiling,
                        t.cacheSize < 0 ? ConfigBuilder.DEFAULT_CACHE_SIZE : t.cacheSize);
            } catch (IllegalArgumentException e) {
                problems.add(t.cacheOrigin.problem(e.getMessage()));
            }
        }
        addEntries(t, entries, problems);
        return new Result(Map.copyOf(t.zoneOrigins), List.copyOf(t.mapFiles));
    }

    /**
     * Gives the domain and network entries to the builder: networks, then local domains, then relay domains, whatever
     * the order in the file, so that a domain both local and relay is always reported at its relay entry. As when
     * the engine is compiled, the first entry refused is reported, and only when the file has no other problem.
     */
    private static void addEntries(Target t, Map<String, List<Lexer.Segment>> entries,
            List<PolicyFileException.Problem> problems) {
        for (String name : ENTRY_ORDER) {
            Keys.Key key = Keys.lookup(name);
            for (Lexer.Segment token : entries.getOrDefault(name, List.of())) {
                try {
                    key.entry().add(t.builder, token.text());
                } catch (IllegalArgumentException | IllegalStateException e) {
                    if (problems.isEmpty()) {
                        problems.add(token.origin().problem(e.getMessage()));
                    }
                    return;
                }
            }
        }
    }

    /** Refuses a domain or network entry that names a file but lacks the {@code ./} of a list file. */
    private static void checkNotAFile(Path policy, String entry) {
        int slash = entry.indexOf('/');
        if (slash > 0 && !entry.startsWith("!") && !entry.substring(slash + 1).matches("[0-9]{1,3}")
                && Files.exists(Lexer.resolve(policy, entry))) {
            throw new IllegalArgumentException("'" + Text.escape(entry) + "' names a file: write ./" + entry
                    + " (a list file starts with /, ./ or ../)");
        }
    }

    /** The zone named after a key's dot, normalized; the lexer refused names that are not zones. */
    private static String zoneName(String zone) {
        return ZoneNames.normalize("zone", zone);
    }

    /** A list naming a local zone must fit the zone's data: domains for {@code .dnset}, addresses otherwise. */
    private static void checkLocalZoneKinds(Map<String, String> siteKinds, Map<String, Origin> siteOrigins,
            Map<String, Path> localFiles, List<PolicyFileException.Problem> problems) {
        for (Map.Entry<String, String> site : siteKinds.entrySet()) {
            Path path = localFiles.get(site.getKey());
            if (path == null) {
                continue;
            }
            String file = String.valueOf(path.getFileName());
            ZoneType type = ZoneType.ofFile(path); // the builder took it, so it has a type
            boolean domains = type.holdsDomains();
            ListSpec.Kind kind = ListSpec.Kind.ofSites(site.getValue());
            kind = kind == null ? ListSpec.Kind.DNSBL : kind;
            if (!kind.fits(type)) {
                problems.add(siteOrigins.get(site.getKey()).problem(String.format(Locale.ROOT,
                        "%s names the local zone '%s', whose file %s holds %s: name it in %s", site.getValue(),
                        site.getKey(), file, domains ? "domains" : "addresses",
                        domains ? "rhsbl_sites, rhsbl_helo_sites or rhsbl_client_sites"
                                : "dnsbl_sites or dnswl_sites")));
            }
        }
    }

    /**
     * Why a {@code dns_failure.ZONE}, {@code dnsbl_reply.ZONE} or {@code dns_list_name.ZONE} setting could never
     * take effect, or null.
     */
    /**
     * Where a setting's value was written, its text as a problem may echo it: a store URI's password masked (the
     * problem's text is public and printed).
     */
    private static Origin valueOrigin(Lexer.Setting s) {
        Origin o = s.valueOrigin();
        return s.name().equals("rate_limit_store")
                ? new Origin(o.file(), o.line(), o.column(), LimitState.masked(o.text())) : o;
    }

    private static @Nullable String zoneSettingProblem(Lexer.Setting s, String zone, Map<String, String> siteKinds,
            Map<String, Path> localFiles) {
        String written = Text.escape(s.keyOrigin().text());
        if (!siteKinds.containsKey(zone) && !localFiles.containsKey(zone)) {
            Set<String> zones = new LinkedHashSet<>(siteKinds.keySet());
            zones.addAll(localFiles.keySet());
            return String.format(Locale.ROOT, "'%s' names the zone '%s', which no dnsbl_sites, dnswl_sites,"
                    + " rhsbl_sites, auth_dnsbl_sites or local_zone setting configures; configured zones: %s", written,
                    Text.escape(s.suffix()), zones.isEmpty() ? "none" : String.join(", ", zones));
        }
        if (s.name().equals("dns_failure") && localFiles.containsKey(zone)) {
            return "'" + written + "' names a local zone, which is answered in-process and never fails to answer";
        }
        if (s.name().equals("dnsbl_reply") && "dnswl_sites".equals(siteKinds.get(zone))) {
            return "'" + written + "' names an allow list (dnswl_sites), which never refuses, so never replies";
        }
        return null;
    }
}

package io.github.relaypolicy.core.internal.engine;

import io.github.relaypolicy.core.internal.limit.LimitConfig;
import io.github.relaypolicy.core.internal.limit.LimitState;
import io.github.relaypolicy.core.DnsFailure;
import io.github.relaypolicy.core.MalformedLines;
import io.github.relaypolicy.core.internal.engine.Rules;
import io.github.relaypolicy.core.internal.dns.DnsLists;
import io.github.relaypolicy.core.internal.dns.ListLookups;
import io.github.relaypolicy.core.internal.dns.ListNames;
import io.github.relaypolicy.core.internal.dns.ListSpec;
import io.github.relaypolicy.core.internal.dns.LocalZoneAnswers;
import io.github.relaypolicy.core.internal.login.SenderBinding;
import io.github.relaypolicy.core.internal.zone.LocalZone;
import io.github.relaypolicy.core.internal.zone.ZoneFileException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns a configuration into the rule set that decides: opens the local zone files, joins each DNS list with its
 * zone's settings and its local zone, and starts the DNS lookups when some list is not local. What only the files can
 * tell is found here and reported as a {@link SettingException} naming the zone.
 */
public final class Compiler {

    private Compiler() {
    }

    /**
     * The rules of {@code config}.
     *
     * @throws SettingException if a local zone cannot be loaded or does not fit the list that names it
     */
    public static Rules compile(EngineConfig config) {
        Map<String, LocalZone> zones = openZones(config);
        return new Rules(config.trusted(), config.domains(), config.literals(), config.permitAuthenticated(),
                Map.copyOf(config.replies()), dnsLists(config, zones), List.copyOf(zones.values()),
                config.zoneCheckInterval(), limits(config),
                SenderBinding.compile(config.senderLogins()), config.clientCerts().compile(), config.access(),
                config.senderLogins().delimiters(), config.nullAccessKey(), config.listener());
    }

    private static Rules.@Nullable LimitSetup limits(EngineConfig config) {
        LimitConfig l = config.limits();
        if (!l.any()) {
            return null;
        }
        return new Rules.LimitSetup(l, new LimitState(l.store(), l.maxEntries(), config.time(), config.dnsTimeout(),
                config.executor() != null ? config.executor() : DnsExecutor.get()));
    }

    private static Map<String, LocalZone> openZones(EngineConfig config) {
        Map<String, LocalZone> zones = new LinkedHashMap<>();
        for (Map.Entry<String, EngineConfig.LocalZoneSpec> e : config.localZones().entrySet()) {
            EngineConfig.LocalZoneSpec spec = e.getValue();
            try {
                zones.put(e.getKey(), LocalZone.open(e.getKey(), spec.file(), spec.type(),
                        spec.malformed() == MalformedLines.REFUSE, config.zoneMaxSize()));
            } catch (ZoneFileException ex) {
                throw new SettingException(e.getKey(), ListNames.maskAll("localZone '" + e.getKey() + "': "
                        + ex.getMessage()), ex);
            }
        }
        return zones;
    }

    private static @Nullable DnsLists dnsLists(EngineConfig config, Map<String, LocalZone> zones) {
        List<ListSpec> all = new ArrayList<>(config.lists());
        for (Map.Entry<String, LocalZone> z : zones.entrySet()) {
            if (all.stream().noneMatch(s -> s.zone().equals(z.getKey()))) {
                ListSpec.Kind kind = z.getValue().data().type().holdsDomains() ? ListSpec.Kind.RHSBL
                        : ListSpec.Kind.DNSBL;
                all.add(ListSpec.parse(kind, z.getKey()));
            }
        }
        if (all.isEmpty()) {
            return null;
        }
        Map<String, String> names = config.zoneNames();
        all.replaceAll(spec -> names.containsKey(spec.zone()) ? spec.withName(names.get(spec.zone())) : spec);
        for (ListSpec spec : all) {
            LocalZone zone = zones.get(spec.zone());
            boolean domains = zone != null && zone.data().type().holdsDomains();
            if (zone != null && !spec.kind().fits(zone.data().type())) {
                throw new SettingException(spec.zone(), String.format(Locale.ROOT, "%s '%s' names the local zone"
                        + " '%s', whose file %s holds %s; a %s list needs %s", spec.kind().setting(),
                        spec.maskedText(), spec.maskedZone(), config.localZones().get(spec.zone()).file(),
                        domains ? "domains" : "addresses", spec.kind().setting(), domains ? "addresses" : "domains"));
            }
        }
        boolean allLocal = all.stream().allMatch(s -> zones.containsKey(s.zone()));
        ListLookups lookups = allLocal ? null : new ListLookups(List.copyOf(config.dnsServers()), config.dnsTimeout(),
                config.ttlFloor(), config.ttlCeiling(), config.cacheSize(), config.dnsMaxInFlight(),
                config.executor() != null ? config.executor() : DnsExecutor.get(), config.executor() != null,
                config.time(), config.listener());
        Map<String, Boolean> ignore = new LinkedHashMap<>();
        config.zoneFailures().forEach((zone, failure) -> ignore.put(zone, failure == DnsFailure.IGNORE));
        return new DnsLists(all, ignore, config.dnsFailure() == DnsFailure.IGNORE, config.dnsblThreshold(),
                config.dnsTimeout(), config.zoneReplies(), lookups, new LocalZoneAnswers(zones), config.listener());
    }
}

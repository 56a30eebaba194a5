package io.github.relaypolicy.core.internal.dns;

import io.github.relaypolicy.core.internal.zone.LocalZone;
import io.github.relaypolicy.core.internal.zone.ZoneAnswer;
import io.github.relaypolicy.core.internal.zone.ZoneData;
import io.github.relaypolicy.core.internal.zone.ZoneType;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Answers lists whose zone is an rbldnsd data file loaded in-process, from the zone's current snapshot: what
 * rbldnsd would answer for the same query, without DNS.
 */
public final class LocalZoneAnswers implements DnsLists.LocalAnswers {

    private final Map<String, LocalZone> zones;

    /** @param zones local zones by zone name (lower case, no trailing dot) */
    public LocalZoneAnswers(Map<String, LocalZone> zones) {
        this.zones = Map.copyOf(zones);
    }

    private static @Nullable ZoneAnswer answer(ZoneData data, QueryKey query) {
        String domain = query.domain();
        if (domain != null) {
            return data.type() == ZoneType.DNSET ? data.lookupName(domain) : null;
        }
        if (query.ipv6()) {
            return data.type() == ZoneType.IP6TRIE ? data.lookup6(query.hi(), query.lo()) : null;
        }
        return data.type() == ZoneType.IP4SET || data.type() == ZoneType.IP4TRIE ? data.lookup4(query.lo()) : null;
    }

    @Override
    public @Nullable RawAnswer lookup(QueryKey query) {
        LocalZone local = zones.get(query.zone());
        if (local == null) {
            return null;
        }
        ZoneData data = local.data();
        ZoneAnswer a = answer(data, query);
        return a == null ? RawAnswer.nxdomain(data.ttlSeconds())
                : new RawAnswer(new long[] {a.address() & 0xffffffffL}, false, "", data.ttlSeconds());
    }

    @Override
    public boolean serves(String zone) {
        return zones.containsKey(zone);
    }

    @Override
    public @Nullable String txt(QueryKey query) {
        LocalZone local = zones.get(query.zone());
        if (local == null) {
            return null;
        }
        ZoneAnswer a = answer(local.data(), query);
        return a == null ? null : a.txt(query.subjectText());
    }
}

package io.github.relaypolicy.core.internal.engine;

import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.DnsFailure;
import io.github.relaypolicy.core.EngineListener;
import io.github.relaypolicy.core.MalformedLines;
import io.github.relaypolicy.core.internal.match.DomainIndex;
import io.github.relaypolicy.core.internal.match.NetworkSet;
import io.github.relaypolicy.core.internal.TimeSource;
import io.github.relaypolicy.core.internal.dns.ListSpec;
import io.github.relaypolicy.core.internal.access.AccessTables;
import io.github.relaypolicy.core.internal.limit.LimitConfig;
import io.github.relaypolicy.core.internal.login.SenderLoginSettings;
import io.github.relaypolicy.core.internal.tls.ClientCertSettings;
import io.github.relaypolicy.core.internal.zone.ZoneType;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * A complete, validated configuration: what {@code RelayEngine.Builder} was given, immutable. The domain and network
 * entries are kept as written (for the effective policy) and as the built lookup structures. Only the files it names
 * (local zones) can still be wrong; {@link Compiler} finds that out.
 *
 * @param localDomains the local domain patterns as written
 * @param relayDomains the relay domain patterns as written
 * @param trustedNetworks the trusted network entries as written
 * @param trusted the trusted networks, built
 * @param domains the local and relay domains, built
 * @param literals the address literals among the domains, built
 * @param permitAuthenticated whether authenticated clients may relay
 * @param replies the replies set, by rule
 * @param lists the DNS lists configured, in order
 * @param dnsServers the DNS servers, empty for the system's
 * @param dnsblThreshold the score that refuses
 * @param dnsTimeout the deadline of a decision's queries
 * @param dnsMaxInFlight the most queries in flight
 * @param dnsFailure what a failed list does by default
 * @param zoneFailures what a failed list does, by zone
 * @param zoneReplies the refusal replies, by zone
 * @param zoneNames the names replies give the lists, by zone
 * @param ttlFloor the shortest time an answer is cached
 * @param ttlCeiling the longest time an answer is cached
 * @param cacheSize the most answers cached
 * @param localZones the local zones, by zone
 * @param zoneCheckInterval how often the local zone files are checked
 * @param zoneMaxSize the largest local zone file read
 * @param executor where DNS answers complete, or null for the engine's own threads
 * @param time the clock of DNS answer lifetimes and deadlines
 * @param limits the rate limits
 * @param senderLogins the sender login maps, their mode and the recipient delimiters
 * @param clientCerts the client certificates that may relay ({@code relay_clientcerts}) and whether they do
 * @param access the access tables ({@code check_*_access}), each file read and compiled
 * @param nullAccessKey the key a null sender is looked up with ({@code smtpd_null_access_lookup_key})
 * @param listener what the engine reports to, guarded ({@code SafeListener}); {@code EngineListener.NONE} for none
 */
public record EngineConfig(List<String> localDomains, List<String> relayDomains, List<String> trustedNetworks,
        NetworkSet trusted, DomainIndex domains, NetworkSet literals, boolean permitAuthenticated,
        Map<String, SmtpReply> replies, List<ListSpec> lists, List<InetSocketAddress> dnsServers, int dnsblThreshold,
        Duration dnsTimeout, int dnsMaxInFlight, DnsFailure dnsFailure, Map<String, DnsFailure> zoneFailures,
        Map<String, SmtpReply> zoneReplies, Map<String, String> zoneNames, Duration ttlFloor, Duration ttlCeiling,
        long cacheSize, Map<String, LocalZoneSpec> localZones, Duration zoneCheckInterval, long zoneMaxSize,
        @Nullable Executor executor, TimeSource time, LimitConfig limits,
        SenderLoginSettings senderLogins, ClientCertSettings clientCerts, AccessTables access,
        String nullAccessKey, EngineListener listener) {

    /**
     * A local zone as configured.
     *
     * @param file its rbldnsd data file
     * @param type the data file's type, from its name
     * @param malformed what a malformed line does
     */
    public record LocalZoneSpec(Path file, ZoneType type, MalformedLines malformed) {
    }
}

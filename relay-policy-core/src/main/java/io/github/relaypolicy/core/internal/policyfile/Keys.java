package io.github.relaypolicy.core.internal.policyfile;

import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.RateLimitFailure;
import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.core.internal.limit.LimitSpec;
import io.github.relaypolicy.core.internal.limit.LimitState;
import io.github.relaypolicy.core.internal.Formats;
import io.github.relaypolicy.core.internal.access.AccessTable;
import io.github.relaypolicy.core.internal.access.Family;
import io.github.relaypolicy.core.internal.engine.Rules;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.dns.ListNames;
import io.github.relaypolicy.core.internal.dns.ListSpec;
import io.github.relaypolicy.core.internal.engine.EngineConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The keys of a policy file, one entry a key: its name, how its value is read and given to the builder, what the
 * file's problems say it expects, the names from other software (Postfix) that point to it, its row in
 * {@code docs/policy-file.md} and how {@code lint} writes its effective value. A new setting is one entry here and
 * one builder method; a test checks the documentation table against this one.
 */
public final class Keys {

    /** Whether a value is a list (entries separated by commas or whitespace, list files allowed) or one value. */
    public enum Kind { LIST, SINGLE }

    /** Gives one list entry to the builder. */
    @FunctionalInterface
    interface EntrySetter {
        void add(RelayEngine.Builder builder, String entry);
    }

    /** Reads a setting's value and gives it to the builder (or, for settings given together, to the applier). */
    @FunctionalInterface
    interface ValueSetter {
        void set(Applier.Target target, Lexer.Setting setting);
    }

    /** Writes the effective value of a key, as {@code lint} shows it. */
    @FunctionalInterface
    interface Effective {
        void write(EngineConfig config, int maxEntries, StringBuilder out);
    }

    /**
     * A key.
     *
     * @param name the name; a key with {@code suffixed} is written {@code name.SUFFIX}
     * @param suffixed whether the key takes a name after a dot (a rule or a zone)
     * @param kind list or single value
     * @param expected what a value must be, for problems
     * @param doc the meaning, as the documentation's table gives it
     * @param defaultText the default, as the documentation's table gives it
     * @param method the builder method that sets it
     * @param section the comment that starts this key's section in the effective policy, or null
     * @param zoneSetting whether the key's suffix names a DNS list's zone that another setting must configure
     * @param entry how a list entry is given to the builder (lists only)
     * @param value how the value is given to the builder (single values only)
     * @param effective how lint writes it
     */
    public record Key(String name, boolean suffixed, Kind kind, String expected, String doc, String defaultText,
            String method, @Nullable String section, boolean zoneSetting, @Nullable EntrySetter entry,
            @Nullable ValueSetter value, Effective effective) {

        /** The key as the documentation writes it: {@code reply.RULE}, {@code local_zone.ZONE}, {@code mynetworks}. */
        public String documented() {
            return suffixed ? name + (name.equals("reply") ? ".RULE" : ".ZONE") : name;
        }
    }

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    /** Names from other places that people write by habit, and what to write instead. */
    private static final Map<String, String> HINTS = new LinkedHashMap<>();

    private static final String RESTRICTIONS = "the settings of the rules themselves (relay-policy applies its rules"
            + " in a fixed order): mynetworks, permit_authenticated, mydestination, relay_domains";

    static {
        // In the order lint writes them.
        list("mydestination", "localDomains", "domains: example.org, .example.org, *.example.org or [192.0.2.1]",
                "list of domains we are the final destination for: `example.org` (that domain), `.example.org` (it"
                        + " and its subdomains), `*.example.org` (its subdomains only), `[192.0.2.1]`,"
                        + " `[IPv6:2001:db8::1]` (mail to our address literal)", "none",
                "# local and relay domains", (b, e) -> b.localDomains(List.of(e)),
                (c, max, out) -> Writer.list(out, "mydestination", c.localDomains(), max),
                "localdomains", "local_domains");
        list("relay_domains", "relayDomains", "domains, as for mydestination",
                "list of domains we relay for from any client (backup MX, smarthost), same patterns", "none", null,
                (b, e) -> b.relayDomains(List.of(e)),
                (c, max, out) -> Writer.list(out, "relay_domains", c.relayDomains(), max), "relaydomains");
        list("mynetworks", "trustedNetworks", "networks: 192.0.2.0/24, 2001:db8::/32, !192.0.2.66",
                "list of networks whose clients may relay anywhere: `192.0.2.0/24`, `2001:db8::/32`, `192.0.2.7`;"
                        + " `!` excludes: `!192.0.2.66`. The most specific entry wins. See [link-local"
                        + " clients](#link-local-clients) before trusting `fe80::/10`.", "none",
                "\n# clients that may relay anywhere", (b, e) -> b.trustedNetworks(List.of(e)),
                (c, max, out) -> Writer.list(out, "mynetworks", c.trustedNetworks(), max),
                "trustednetworks", "trusted_networks");
        single("permit_authenticated", "permitAuthenticated", "yes or no",
                "`yes` or `no`: an authenticated (SMTP AUTH) client may relay anywhere", "`yes`", null,
                (t, s) -> t.builder().permitAuthenticated(Values.bool(s)),
                (c, max, out) -> Writer.line(out, "permit_authenticated", c.permitAuthenticated() ? "yes" : "no"),
                "permitauthenticated", "permit_sasl_authenticated");
        single("relay_clientcerts", "relayClientCerts", "files of SHA-256 fingerprints (Postfix relay_clientcerts"
                + " format, lines FINGERPRINT [comment]): ./relay-clientcerts", "list of files in Postfix's"
                + " `relay_clientcerts` format, one `FINGERPRINT [comment]` a line: the SHA-256 fingerprint of a"
                + " client certificate or of its public key, `AB:CD:...` or without colons; see [Relay by client"
                + " certificate](#relay-by-client-certificate)", "none", "\n# relay by TLS client certificate",
                Applier.Target::relayClientCerts, (c, max, out) -> Writer.list(out, "relay_clientcerts",
                        c.clientCerts().files().stream().map(java.nio.file.Path::toString).toList(),
                        Integer.MAX_VALUE), "relayclientcerts");
        single("permit_tls_clientcerts", "permitTlsClientCerts", "yes or no", "`yes` or `no`: a client whose"
                + " certificate is listed in `relay_clientcerts` may relay anywhere, like a trusted network", "`no`",
                null, Applier.Target::permitTlsClientCerts, (c, max, out) -> Writer.line(out,
                        "permit_tls_clientcerts", c.clientCerts().permit() ? "yes" : "no"), "permittlsclientcerts");
        single("sender_login_maps", "senderLoginMaps", "sender login map files (Postfix smtpd_sender_login_maps text"
                + " format, lines KEY LOGIN[, LOGIN...]): ./sender-logins.map", "list of map files in Postfix's"
                + " `smtpd_sender_login_maps` text format, one `KEY LOGIN[, LOGIN...]` a line; KEY is `user@domain`"
                + " or `@domain`; see [Sender login binding](#sender-login-binding)", "none",
                "\n# sender login binding", Applier.Target::senderLoginMaps,
                (c, max, out) -> Writer.list(out, "sender_login_maps", c.senderLogins().files().stream()
                        .map(java.nio.file.Path::toString).toList(), Integer.MAX_VALUE),
                "senderloginmaps", "smtpd_sender_login_maps");
        single("sender_login_mismatch", "senderLoginMismatch", "authenticated, known, all or off",
                "`authenticated`, `known`, `all` or `off`: whose MAIL FROM the sender login maps bind (see [Sender"
                        + " login binding](#sender-login-binding))", "`authenticated` with `sender_login_maps`, else"
                        + " `off`", null, Applier.Target::senderLoginMismatch,
                (c, max, out) -> Writer.line(out, "sender_login_mismatch",
                        c.senderLogins().effectiveMode().name().toLowerCase(Locale.ROOT)),
                "senderloginmismatch");
        single("recipient_delimiter", "recipientDelimiter", "punctuation characters that start an address extension,"
                + " e.g. + or +-", "the characters that start an address extension (`+`, `+-`): `sender_login_maps`"
                + " and the sender and recipient access tables look `user+tag@domain` up as `user@domain` too", "none", null,
                (t, s) -> t.builder().recipientDelimiter(s.text()),
                (c, max, out) -> out.append("recipient_delimiter =").append(c.senderLogins().delimiters().isEmpty()
                        ? "" : " " + c.senderLogins().delimiters()).append('\n'),
                "recipientdelimiter");
        accessKey(Family.CLIENT, "checkClientAccess", "client access tables (Postfix cidr_table format, or"
                + " regexp:FILE, pcre:FILE): ./clients.cidr", "list of client access tables: Postfix `cidr_table(5)`"
                + " files (`NETWORK ACTION [text]`, first match wins), or `regexp:`/`pcre:` tables; `RELAY` grants"
                + " relay, `OK` does not; see [Access tables](#access-tables)", "\n# access tables (checked after the"
                + " relay rules)");
        accessKey(Family.HELO, "checkHeloAccess", "HELO access tables (Postfix access(5) text, or regexp:FILE,"
                + " pcre:FILE): ./helo.access", "list of HELO access tables: Postfix `access(5)` text (the source of a"
                + " `hash:` table) or `regexp:`/`pcre:` tables; see [Access tables](#access-tables)", null);
        accessKey(Family.SENDER, "checkSenderAccess", "sender access tables (Postfix access(5) text, or regexp:FILE,"
                + " pcre:FILE): ./senders.access", "list of MAIL FROM access tables, as `check_helo_access`; see"
                + " [Access tables](#access-tables)", null);
        accessKey(Family.RECIPIENT, "checkRecipientAccess", "recipient access tables (Postfix access(5) text, or"
                + " regexp:FILE, pcre:FILE): ./recipients.access", "list of RCPT TO access tables, as"
                + " `check_helo_access`; `RELAY` makes the address relayable; see [Access tables](#access-tables)",
                null);
        single("smtpd_null_access_lookup_key", "smtpdNullAccessLookupKey", "one word, e.g. <>", "the key the null"
                + " sender (`MAIL FROM:<>`) is looked up with in sender access tables", "`<>`", null,
                (t, s) -> t.builder().smtpdNullAccessLookupKey(s.text()),
                (c, max, out) -> Writer.line(out, "smtpd_null_access_lookup_key", c.nullAccessKey()));
        suffixed("reply", "reply", false, "an SMTP reply: code, enhanced status and text, e.g. 554 5.7.1"
                + " <{recipient}>: Relay access denied", "the reply of a rule, see below", "see `lint`",
                "\n# replies: those set, then the defaults of the others (commented out)",
                (t, s) -> t.builder().reply(s.suffix(), Values.reply(s)), Keys::replies);
        list("dnsbl_sites", "dnsbl", "DNS lists: zone[=filter][*weight]",
                "list of DNS block lists of client addresses, `zone[=filter][*weight]`", "none", "\n# DNS lists",
                RelayEngine.Builder::dnsbl, sites(ListSpec.Kind.DNSBL), "dnsbl");
        hint("postscreen_dnsbl_sites", "dnsbl_sites (allow lists, negative weights, go in dnswl_sites)");
        list("dnswl_sites", "dnswl", "DNS allow lists: zone[=filter][*weight]",
                "list of DNS allow lists of client addresses; weight negative (default -1)", "none", null,
                RelayEngine.Builder::dnswl, sites(ListSpec.Kind.DNSWL), "dnswl");
        list("rhsbl_sites", "rhsbl", "domain lists: zone[=filter][*weight]",
                "list of DNS block lists of MAIL FROM domains", "none", null, RelayEngine.Builder::rhsbl,
                sites(ListSpec.Kind.RHSBL), "rhsbl");
        list("rhsbl_helo_sites", "rhsblHelo", "domain lists: zone[=filter][*weight]",
                "list of DNS block lists of host names asked with the HELO name (not an address literal or a single"
                        + " label); rule `reject_rhsbl_helo`; see [HELO and client-name lists](#helo-and-client-name-lists)",
                "none", null, RelayEngine.Builder::rhsblHelo, sites(ListSpec.Kind.RHSBL_HELO), "rhsblhelo",
                "reject_rhsbl_helo");
        list("rhsbl_client_sites", "rhsblClient", "domain lists: zone[=filter][*weight]",
                "list of DNS block lists of host names asked with the client's verified name"
                        + " (`RelayRequest.clientName()`); rule `reject_rhsbl_client`", "none", null,
                RelayEngine.Builder::rhsblClient, sites(ListSpec.Kind.RHSBL_CLIENT), "rhsblclient",
                "reject_rhsbl_client");
        list("auth_dnsbl_sites", "authDnsbl", "DNS lists: zone[=filter][*weight]",
                "list of DNS block lists of client addresses asked only for authenticated clients (Spamhaus AuthBL):"
                        + " a score at or above `dnsbl_threshold` refuses their authenticated mail with rule"
                        + " `reject_auth_dnsbl_client`; see [Lists for authenticated"
                        + " clients](#lists-for-authenticated-clients)",
                "none", null, RelayEngine.Builder::authDnsbl, sites(ListSpec.Kind.AUTH_DNSBL), "authdnsbl",
                "auth_dnsbl", "authbl_sites");
        single("dnsbl_threshold", "dnsblThreshold", "a whole number of at least 1",
                "a total score at or above which listings refuse", "`1`", null,
                (t, s) -> t.builder().dnsblThreshold((int) Values.integer(s)),
                (c, max, out) -> Writer.line(out, "dnsbl_threshold", Integer.toString(c.dnsblThreshold())),
                "dnsblthreshold", "postscreen_dnsbl_threshold");
        list("dns_servers", "dnsServers", "IP addresses with optional ports: 127.0.0.1:5353, [::1]:53",
                "list of DNS servers: `127.0.0.1:5353`, `[::1]:53`, `192.0.2.53`", "the system's resolvers", null,
                RelayEngine.Builder::dnsServers, Keys::dnsServers, "dnsservers");
        single("dns_timeout", "dnsTimeout", "a duration: 500ms, 5s, 1m",
                "the deadline of all list queries of one decision", "`5s`", null,
                (t, s) -> t.builder().dnsTimeout(Values.duration(s)),
                (c, max, out) -> Writer.line(out, "dns_timeout", Formats.duration(c.dnsTimeout())),
                "dnstimeout", "postscreen_dnsbl_timeout");
        single("dns_max_in_flight", "dnsMaxInFlight", "a whole number from 1 to 1000000",
                "at most this many DNS list queries in flight at once (1 to 1000000); see [Limits under a DNS"
                        + " outage](#limits-under-a-dns-outage)", "`2000`", null,
                (t, s) -> t.builder().dnsMaxInFlight((int) Values.integer(s)),
                (c, max, out) -> Writer.line(out, "dns_max_in_flight", Integer.toString(c.dnsMaxInFlight())));
        single("dns_failure", "dnsFailure", "defer or ignore", "`defer` (451 4.7.1) or `ignore`: what a list that"
                + " does not answer does, when it could change the decision", "`defer`", null,
                (t, s) -> t.builder().dnsFailure(Values.failure(s)),
                (c, max, out) -> Writer.line(out, "dns_failure", c.dnsFailure().name().toLowerCase(Locale.ROOT)),
                "dnsfailure");
        suffixed("dns_failure", "dnsFailure(zone, …)", true, "defer or ignore", "the same for one list",
                "`dns_failure`", null, (t, s) -> t.builder().dnsFailure(s.suffix(), Values.failure(s)),
                (c, max, out) -> c.zoneFailures().forEach((zone, f) -> Writer.line(out, "dns_failure." + zone,
                        f.name().toLowerCase(Locale.ROOT))));
        suffixed("dnsbl_reply", "dnsblReply", true, "a 4xx or 5xx SMTP reply, e.g. 554 5.7.1 Service"
                + " unavailable; client [{client}] blocked using {zone}{txt}", "the reply when that list's listing"
                + " decides; may use `{client}`, `{domain}`, `{zone}` (the list's name, below), `{txt}`; a 5xx"
                + " refuses, a 4xx defers listed clients instead",
                "`554 5.7.1 Service unavailable; client [{client}] blocked using {zone}{txt}`", null,
                (t, s) -> t.builder().dnsblReply(s.suffix(), Values.reply(s)),
                (c, max, out) -> c.zoneReplies().forEach((zone, r) -> Writer.line(out, "dnsbl_reply." + zone,
                        r.toString())));
        suffixed("dns_list_name", "dnsListName", true, "the name SMTP replies give the list: 1 to 64 printable"
                + " ASCII characters without braces, e.g. Spamhaus ZEN", "the name replies give that list (`{zone}`"
                + " in its refusals and in the deferral when it fails): 1 to 64 printable ASCII characters without"
                + " braces", "the zone; for zones with a secret key (Spamhaus DQS `KEY.zen.dq.spamhaus.net`, Abusix)"
                + " the zone without the key, e.g. `zen.dq.spamhaus.net`", null,
                (t, s) -> t.builder().dnsListName(s.suffix(), s.text()),
                (c, max, out) -> c.zoneNames().forEach((zone, n) -> Writer.line(out, "dns_list_name." + zone, n)));
        String replyMaps = "dns_list_name.ZONE or dnsbl_reply.ZONE (a zone's secret key is never shown in replies"
                + " anyway)";
        hint("rbl_reply_maps", replyMaps);
        hint("postscreen_dnsbl_reply_map", replyMaps);
        single("dns_cache_min_ttl", "dnsCache", "a duration: 0s, 10s, 1m", "cache answers at least this long",
                "`10s`", null, (t, s) -> t.cacheFloor(Values.duration(s), s.valueOrigin()),
                (c, max, out) -> Writer.line(out, "dns_cache_min_ttl", Formats.duration(c.ttlFloor())),
                "postscreen_dnsbl_min_ttl");
        single("dns_cache_max_ttl", "dnsCache", "a duration: 10m, 1h", "cache answers at most this long", "`1h`",
                null, (t, s) -> t.cacheCeiling(Values.duration(s), s.valueOrigin()),
                (c, max, out) -> Writer.line(out, "dns_cache_max_ttl", Formats.duration(c.ttlCeiling())),
                "postscreen_dnsbl_max_ttl");
        single("dns_cache_size", "dnsCache", "a whole number of at least 1", "at most this many answers cached",
                "`100000`", null, (t, s) -> t.cacheSize(Values.integer(s), s.valueOrigin()),
                (c, max, out) -> Writer.line(out, "dns_cache_size", Long.toString(c.cacheSize())));
        suffixed("local_zone", "localZone", false, "an rbldnsd data file (.ip4set, .ip4trie, .ip6trie or .dnset),"
                + " optionally followed by malformed=skip or malformed=refuse", "an rbldnsd data file serving ZONE"
                + " in-process (`.ip4set`, `.ip4trie`, `.ip6trie` or `.dnset`; relative to the policy file's"
                + " folder), optionally followed by `malformed=skip` (report and skip bad lines) or"
                + " `malformed=refuse` (the default: refuse the file)", "none", "\n# local zones (rbldnsd data files)",
                Applier.Target::localZone, Keys::localZones);
        hint("localzone", "local_zone.ZONE");
        single("local_zone_check_interval", "localZoneCheckInterval", "a duration: 10s, 1m",
                "how often local zone files are checked for changes", "`1m`", null,
                (t, s) -> t.builder().localZoneCheckInterval(Values.duration(s)),
                (c, max, out) -> Writer.line(out, "local_zone_check_interval",
                        Formats.duration(c.zoneCheckInterval())), "localzonecheckinterval");
        single("local_zone_max_size", "localZoneMaxSize", "a size: a number of bytes, or with k, m or g (KiB, MiB,"
                + " GiB), e.g. 256m; at most 1g", "the largest local zone file loaded: a number of bytes, or with"
                + " `k`, `m` or `g` (KiB, MiB, GiB); at most `1g`", "`256m`", null,
                (t, s) -> t.builder().localZoneMaxSize(Values.size(s)),
                (c, max, out) -> Writer.line(out, "local_zone_max_size", Formats.size(c.zoneMaxSize())),
                "localzonemaxsize", "zone_max_size");
        String limitForm = "limits: KIND:COUNT/PERIOD with KIND user, client or sender, e.g. user:500/1h";
        list("recipient_rate_limit", "recipientRateLimit", limitForm, "list of limits on accepted recipients per"
                + " identity: `user:500/1h` (SASL login), `client:200/1m` (client address; IPv6 per /64),"
                + " `sender:1000/1d` (MAIL FROM); see [Rate limits](#rate-limits)", "none", "\n# rate limits",
                (b, e) -> b.recipientRateLimit(e), (c, max, out) -> Writer.list(out, "recipient_rate_limit",
                        texts(c.limits().recipient()), max), "smtpd_client_recipient_rate_limit");
        list("message_rate_limit", "messageRateLimit", limitForm, "list of limits on messages (transactions) per"
                + " identity, same form; counts only requests with a transaction id", "none", null,
                (b, e) -> b.messageRateLimit(e), (c, max, out) -> Writer.list(out, "message_rate_limit",
                        texts(c.limits().message()), max), "smtpd_client_message_rate_limit");
        single("recipients_per_message", "recipientsPerMessage", "a whole number from 1 to 65535, or none",
                "the most recipients accepted in one transaction; more get `452 4.5.3 Too many recipients`",
                "`none`", null, (t, s) -> {
                    if (!s.text().equalsIgnoreCase("none")) {
                        t.builder().recipientsPerMessage((int) Values.integer(s));
                    }
                }, (c, max, out) -> Writer.line(out, "recipients_per_message",
                        c.limits().recipientsPerMessage() > 0 ? Integer.toString(c.limits().recipientsPerMessage())
                                : "none"), "smtpd_recipient_limit");
        single("refusal_rate_limit", "refusalRateLimit", "client:COUNT/PERIOD, e.g. client:20/10m, or none",
                "`client:COUNT/PERIOD`: a client that collected COUNT refusals within PERIOD is deferred for"
                + " every recipient until its count drains", "`none`", null, (t, s) -> {
                    if (!s.text().equalsIgnoreCase("none")) {
                        t.builder().refusalRateLimit(s.text());
                    }
                }, (c, max, out) -> Writer.line(out, "refusal_rate_limit",
                        c.limits().refusal() != null ? c.limits().refusal().text() : "none"));
        list("rate_limit_exempt", "rateLimitExempt", "networks: 192.0.2.0/24, 2001:db8::/32",
                "list of networks whose clients no limit counts (trusted networks are counted unless listed"
                + " here)", "none", null, (b, e) -> b.rateLimitExempt(e),
                (c, max, out) -> Writer.list(out, "rate_limit_exempt", c.limits().exemptText(), max));
        single("rate_limit_store", "rateLimitStore", "local or redis://HOST:PORT[/DB]", "where the counts are kept:"
                + " `local` (this process) or `redis://HOST:PORT[/DB]`, shared by several engines (module"
                + " relay-policy-redis)", "`local`", null, (t, s) -> t.builder().rateLimitStore(s.text()),
                (c, max, out) -> Writer.line(out, "rate_limit_store", LimitState.masked(c.limits().store())));
        single("rate_limit_failure", "rateLimitFailure", "local, defer or ignore", "what the limits do while the"
                + " shared store cannot be reached: `local` (count in this process), `defer` (451 4.3.0) or"
                + " `ignore`", "`local`", null, (t, s) -> t.builder().rateLimitFailure(rateLimitFailure(s)),
                (c, max, out) -> Writer.line(out, "rate_limit_failure",
                        c.limits().failure().name().toLowerCase(Locale.ROOT)));
        single("rate_limit_max_entries", "rateLimitMaxEntries", "a whole number from 1000 to 100000000",
                "the most identities counted in this process (8 bytes each); when full, the coldest is forgotten",
                "`1000000`", null, (t, s) -> t.builder().rateLimitMaxEntries((int) Values.integer(s)),
                (c, max, out) -> Writer.line(out, "rate_limit_max_entries",
                        Integer.toString(c.limits().maxEntries())));
        hint("smtpd_recipient_restrictions", RESTRICTIONS + ", dnsbl_sites");
        hint("smtpd_relay_restrictions", RESTRICTIONS);
    }

    private Keys() {
    }

    private static void accessKey(Family family, String method, String expected, String doc,
            @Nullable String section) {
        single(family.setting(), method, expected, doc, "none", section, (t, s) -> t.accessTables(family, s),
                (c, max, out) -> Writer.list(out, family.setting(), c.access().family(family).stream()
                        .map(AccessTable::reference).toList(), Integer.MAX_VALUE),
                method.toLowerCase(Locale.ROOT));
    }

    private static void list(String name, String method, String expected, String doc, String defaultText,
            @Nullable String section, EntrySetter entry, Effective effective, String... hints) {
        add(new Key(name, false, Kind.LIST, expected, doc, defaultText, method, section, false, entry, null,
                effective), hints);
    }

    private static void single(String name, String method, String expected, String doc, String defaultText,
            @Nullable String section, ValueSetter value, Effective effective, String... hints) {
        add(new Key(name, false, Kind.SINGLE, expected, doc, defaultText, method, section, false, null, value,
                effective), hints);
    }

    private static void suffixed(String name, String method, boolean zoneSetting, String expected, String doc,
            String defaultText, @Nullable String section, ValueSetter value, Effective effective) {
        add(new Key(name, true, Kind.SINGLE, expected, doc, defaultText, method, section, zoneSetting, null, value,
                effective));
    }

    private static void add(Key key, String... hints) {
        KEYS.put(key.suffixed() ? key.name() + "." : key.name(), key);
        for (String h : hints) {
            hint(h, key.suffixed() ? key.documented() : key.name());
        }
    }

    private static void hint(String written, String write) {
        HINTS.put(written, write);
    }

    /** Every key, in the order the effective policy writes them. */
    public static List<Key> all() {
        return List.copyOf(KEYS.values());
    }

    /** Names from other software and what to write instead. */
    static Map<String, String> hints() {
        return Collections.unmodifiableMap(HINTS);
    }

    /** The key of {@code written} (a suffixed key by its prefix), or null. */
    public static @Nullable Key lookup(String written) {
        Key exact = KEYS.get(written);
        if (exact != null) {
            return exact;
        }
        int dot = written.indexOf('.');
        return dot < 0 ? null : KEYS.get(written.substring(0, dot + 1));
    }

    /** Why {@code written} is not a key: what to write instead, a near key, or all keys. */
    public static String unknownKey(String written) {
        String hint = HINTS.get(written.toLowerCase(Locale.ROOT));
        if (hint != null) {
            return "unknown key '" + Text.escape(written) + "'; write " + hint;
        }
        Set<String> names = new LinkedHashSet<>();
        List<String> candidates = new ArrayList<>();
        for (Key k : KEYS.values()) {
            names.add(k.suffixed() ? k.name() + ".NAME" : k.name());
            if (!candidates.contains(k.name())) {
                candidates.add(k.name());
            }
        }
        String base = written.indexOf('.') > 0 ? written.substring(0, written.indexOf('.')) : written;
        String suggestion = suggestion(base.toLowerCase(Locale.ROOT), candidates, "");
        return "unknown key '" + Text.escape(written) + "'" + (suggestion.isEmpty() ? "; known keys: "
                + String.join(", ", names) : suggestion);
    }

    /** An example setting of a suffixed key. */
    static String example(Key key) {
        return switch (key.name()) {
            case "reply" -> "reply." + RuleNames.RELAY_DENIED + " = 554 5.7.1 <{recipient}>: Relay access denied";
            case "dns_failure" -> "dns_failure.bl.spamcop.net = ignore";
            case "dnsbl_reply" -> "dnsbl_reply.zen.spamhaus.org = 554 5.7.1 blocked using {zone}{txt}";
            case "dns_list_name" -> "dns_list_name.zen.spamhaus.org = Spamhaus ZEN";
            default -> "local_zone.bl.local = blocked.ip4set";
        };
    }

    /** {@code "; did you mean 'x'?"} for the closest candidate within a few edits, else "". */
    static String suggestion(String written, Iterable<String> candidates, String prefix) {
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

    /**
     * Text of the file echoed in a problem: a DNS list's secret key masked before the echo is escaped and capped,
     * since a cap inside the key would leave a part the masking of problems no longer recognises.
     */
    static String echo(String text) {
        return Text.escape(ListNames.maskAll(text));
    }

    // ------------------------------------------------------------------------------- effective values

    private static void replies(EngineConfig c, int max, StringBuilder out) {
        for (Map.Entry<String, SmtpReply> e : Rules.DEFAULT_REPLIES.entrySet()) {
            SmtpReply set = c.replies().get(e.getKey());
            if (set != null) {
                Writer.line(out, "reply." + e.getKey(), set.toString());
            }
        }
        for (Map.Entry<String, SmtpReply> e : Rules.DEFAULT_REPLIES.entrySet()) {
            if (!c.replies().containsKey(e.getKey())) {
                out.append("# ");
                Writer.line(out, "reply." + e.getKey(), e.getValue().toString());
            }
        }
    }

    private static List<String> texts(List<LimitSpec> limits) {
        return limits.stream().map(LimitSpec::text).toList();
    }

    private static RateLimitFailure rateLimitFailure(Lexer.Setting s) {
        for (RateLimitFailure f : RateLimitFailure.values()) {
            if (f.name().equalsIgnoreCase(s.text())) {
                return f;
            }
        }
        throw Values.expected(s);
    }

    private static Effective sites(ListSpec.Kind kind) {
        return (c, max, out) -> Writer.list(out, kind.setting() + "_sites", c.lists().stream()
                .filter(l -> l.kind() == kind).map(ListSpec::text).toList(), max);
    }

    private static void dnsServers(EngineConfig c, int max, StringBuilder out) {
        Writer.list(out, "dns_servers", c.dnsServers().stream().map(a -> a.getAddress()
                instanceof java.net.Inet6Address ? "[" + a.getAddress().getHostAddress() + "]:" + a.getPort()
                : a.getAddress().getHostAddress() + ":" + a.getPort()).toList(), max);
        if (c.dnsServers().isEmpty()) {
            out.append("# (no dns_servers: the system's resolvers are asked)\n");
        }
    }

    /**
     * The local zones, a file name in double quotes where it holds whitespace or {@code #}; a name with a double
     * quote inside is written as it is (quoted, it would end at that quote), as it was given.
     */
    private static void localZones(EngineConfig c, int max, StringBuilder out) {
        c.localZones().forEach((zone, spec) -> Writer.line(out, "local_zone." + zone,
                (spec.file().toString().matches(".*[\\s#].*") ? "\"" + spec.file() + "\"" : spec.file())
                        + " malformed=" + spec.malformed().name().toLowerCase(Locale.ROOT)));
    }
}

package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lint's effective policy is in the policy file's own format, so that it can be read back as a policy file: read
 * back, it gives the same effective policy, with every key set (the per-rule and per-zone keys included).
 */
final class LintRoundTripTest {

    @TempDir
    Path dir;

    private String roundTrip(String policy) throws IOException {
        Path first = Files.writeString(dir.resolve("first.conf"), policy);
        String effective = PolicyFile.read(first).effective(1000);
        Path second = Files.writeString(dir.resolve("second.conf"), effective);
        String again = PolicyFile.read(second).effective(1000);
        assertThat(again).isEqualTo(effective);
        return effective;
    }

    @Test
    void every_key_set_reads_back_as_the_same_policy() throws IOException {
        Files.writeString(dir.resolve("zone one.ip4set"), "192.0.2.1\n");
        Files.writeString(dir.resolve("c#d.ip4set"), "192.0.2.1\n");
        Files.writeString(dir.resolve("logins.map"), "bob@example.org bob\n");
        Files.writeString(dir.resolve("more.map"), "@partner.example alice, bob\n");
        String effective = roundTrip("""
                mydestination = example.org, *.sub.example.org, [IPv6:2001:db8::1], bücher.example
                relay_domains = partner.example
                mynetworks = 10.0.0.0/8, !10.1.2.3
                permit_authenticated = no
                sender_login_maps = logins.map, ./more.map
                sender_login_mismatch = all
                recipient_delimiter = +-
                reply.relay_domains = 250 2.1.5 Relayed ok
                reply.sender_login_mismatch = 550 5.7.1 <{sender}> is not {user}'s
                reply.sender_login_mismatch.unauthenticated = 530 5.7.0 Authentication required
                dnsbl_sites = zen.spamhaus.org=127.0.0.[2..11]*2, bl.local, b2.local
                dnswl_sites = list.dnswl.org=127.0.[0..255].[1..3]*-3
                rhsbl_sites = dbl.spamhaus.org
                auth_dnsbl_sites = authbl.example=127.0.0.20*2, b3.local
                dnsbl_threshold = 2
                dns_servers = 127.0.0.1:5353, [::1]:53
                dns_timeout = 1500ms
                dns_max_in_flight = 10
                dns_failure = ignore
                dns_failure.zen.spamhaus.org = defer
                dnsbl_reply.zen.spamhaus.org = 450 4.7.1 try later {client} {zone}{txt}
                dns_list_name.zen.spamhaus.org = Spamhaus ZEN
                dns_cache_min_ttl = 0s
                dns_cache_max_ttl = 10m
                dns_cache_size = 5000
                local_zone.bl.local = "zone one.ip4set" malformed=skip
                local_zone.b2.local = c#d.ip4set
                local_zone.b3.local = c#d.ip4set
                dns_failure.authbl.example = defer
                dnsbl_reply.authbl.example = 554 5.7.1 no authenticated mail from [{client}]
                local_zone_check_interval = 10s
                local_zone_max_size = 1m
                """);
        assertThat(effective).contains("sender_login_maps = " + dir.resolve("logins.map") + ",",
                dir.resolve("more.map") + "\n", "sender_login_mismatch = all\n", "recipient_delimiter = +-\n",
                "reply.sender_login_mismatch.unauthenticated = 530 5.7.0 Authentication required\n");
        assertThat(effective).contains("dns_failure.zen.spamhaus.org = defer", "dns_list_name.zen.spamhaus.org = ",
                "dnsbl_reply.zen.spamhaus.org = ", "local_zone.bl.local = ", "local_zone.b2.local = ",
                "auth_dnsbl_sites = authbl.example=127.0.0.20*2, b3.local", "dns_failure.authbl.example = defer",
                "dnsbl_reply.authbl.example = 554 5.7.1 no authenticated mail from [{client}]");
    }

    /**
     * A list file or zone file name may hold a double quote ({@code a"b.ip4set} is read as written), but lint writes
     * it inside double quotes, {@code "DIR/a"b.ip4set" malformed=refuse}, which the lexer cannot read back:
     * "expected malformed=skip or malformed=refuse after the file name". Same before issue 10 (cbf781d).
     */
    @Test
    void a_zone_file_name_with_a_double_quote_reads_back() throws IOException {
        Files.writeString(dir.resolve("a\"b.ip4set"), "192.0.2.1\n");
        roundTrip("local_zone.bl.local = a\"b.ip4set\ndnsbl_sites = bl.local\n");
    }
}

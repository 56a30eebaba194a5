package io.github.relaypolicy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code relay-policy check --client-name --cert-fingerprint --pubkey-fingerprint}: what the mail server knows about
 * the client besides its address, shown in the human and the JSON output and decided on (relay by client
 * certificate, a bad client name).
 */
final class CheckClientIdentityTest {

    private static final String CERT = "D5:6E:2F:0A:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:01:02:03:04:05:06"
            + ":07:08:09:0A:9B:41";
    private static final String KEY = "3b1f0c00112233445566778899aabbccddeeff00112233445566778899aae07a";

    @TempDir
    Path dir;

    private Path policy() throws IOException {
        Files.writeString(dir.resolve("relay-clientcerts"), CERT + " scanner\n" + KEY + " monitor (public key)\n");
        return Files.writeString(dir.resolve("relay.conf"), "mydestination = example.org\n"
                + "relay_clientcerts = ./relay-clientcerts\npermit_tls_clientcerts = yes\n");
    }

    @Test
    void a_listed_certificate_fingerprint_relays_and_the_output_shows_what_was_given() throws IOException {
        CommandRun r = CommandRun.of("check", "-c", policy().toString(), "--client", "203.0.113.9", "--client-name",
                "scanner.example.org", "--helo", "scanner", "--cert-fingerprint", CERT.toLowerCase(
                java.util.Locale.ROOT), "--to", "x@elsewhere.example");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("client 203.0.113.9 (scanner.example.org), HELO scanner\n"
                + "TLS client certificate: SHA-256 " + CERT.toLowerCase(java.util.Locale.ROOT)
                + ", public key SHA-256 (none)\n")
                .contains("Reply:    250 2.1.5 Ok\n", "Rule:     permit_tls_clientcerts\n",
                        "permit_tls_clientcerts  ACCEPT    client certificate's SHA-256 fingerprint " + CERT
                                + " is listed in relay_clientcerts at relay-clientcerts:1\n",
                        "client_address          PASS      client name scanner.example.org (verified by the mail"
                                + " server; never grants relay)\n");

        CommandRun key = CommandRun.of("check", "-c", policy().toString(), "--client", "203.0.113.9",
                "--pubkey-fingerprint", KEY.toUpperCase(java.util.Locale.ROOT), "--to", "x@elsewhere.example");
        assertThat(key.exitCode()).isZero();
        assertThat(key.out()).contains("public key SHA-256 fingerprint " + KEY.toUpperCase(java.util.Locale.ROOT)
                .replaceAll("(..)(?!$)", "$1:") + " is listed in relay_clientcerts at relay-clientcerts:2");
    }

    @Test
    void an_unlisted_fingerprint_is_refused_and_json_carries_the_new_fields() throws IOException {
        CommandRun r = CommandRun.of("check", "-c", policy().toString(), "--client", "203.0.113.9", "--client-name",
                "unknown", "--cert-fingerprint", "AB:CD", "--pubkey-fingerprint", KEY.replace('3', '4'), "--to",
                "x@elsewhere.example", "--json");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).startsWith("{\"request\":{\"client\":\"203.0.113.9\",\"helo\":null,\"sender\":\"<>\","
                + "\"recipient\":\"x@elsewhere.example\",\"authenticatedUser\":null,\"clientName\":\"unknown\","
                + "\"certFingerprint\":\"AB:CD\",\"pubkeyFingerprint\":\"" + KEY.replace('3', '4') + "\"},"
                + "\"verdict\":\"REJECT\"")
                .contains("{\"rule\":\"permit_tls_clientcerts\",\"outcome\":\"NO_MATCH\",\"detail\":\"neither the"
                        + " certificate fingerprint 'AB:CD' nor the public key fingerprint '" + KEY.replace('3', '4')
                        + "' is listed in relay_clientcerts (2 fingerprints)\"}")
                .contains("\"rule\":\"reject_unauth_destination\"").endsWith("]}\n");
    }

    @Test
    void a_client_name_with_control_characters_is_refused() throws IOException {
        CommandRun r = CommandRun.of("check", "-c", policy().toString(), "--client", "203.0.113.9", "--client-name",
                "bad\u0007name.example", "--to", "user@example.org");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).startsWith("client 203.0.113.9 (bad\\u0007name.example)\n")
                .contains("Reply:    554 5.7.1 Client host rejected: invalid client name\n",
                        "Rule:     client_address\n");
    }

    @Test
    void lint_warns_about_certificates_that_grant_nothing() throws IOException {
        Files.writeString(dir.resolve("certs"), CERT + "\n");
        Path conf = Files.writeString(dir.resolve("p.conf"), "mydestination = example.org\nrelay_clientcerts ="
                + " ./certs\n");
        CommandRun r = CommandRun.of("lint", "-c", conf.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("# warning: relay_clientcerts is set but permit_tls_clientcerts is not: the"
                + " listed certificates grant nothing (set permit_tls_clientcerts = yes, or = no to keep them off)\n");
        Path off = Files.writeString(dir.resolve("off.conf"), "mydestination = example.org\nrelay_clientcerts ="
                + " ./certs\npermit_tls_clientcerts = no\n");
        assertThat(CommandRun.of("lint", "-c", off.toString()).out()).contains("# valid, no warnings\n");
    }
}

package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.RuleNames;
import io.github.relaypolicy.TraceStep;
import io.github.relaypolicy.Verdict;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Date;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Relay by TLS client certificate ({@code relay_clientcerts}, {@code permit_tls_clientcerts}) with self-signed
 * certificates made in the test: both fingerprint forms (certificate and public key), as a certificate or as the text
 * a Postfix policy request carries (with and without colons, any case), the files' errors at file:line:column,
 * reloads, lint, and the order of the grant among the rules.
 */
final class ClientCertificateRelayTest {

    @TempDir
    static Path certDir;

    @TempDir
    Path dir;

    private static X509Certificate scanner;
    private static X509Certificate monitor;
    private static X509Certificate stranger;

    @BeforeAll
    static void certificates() throws Exception {
        scanner = TestCertificates.selfSigned(certDir, "scanner.example.org");
        monitor = TestCertificates.selfSigned(certDir, "monitor.example.org");
        stranger = TestCertificates.selfSigned(certDir, "stranger.example.org");
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static RelayRequest.Builder request() {
        return RelayRequest.builder().client("203.0.113.9").sender("<device@example.org>")
                .recipient("<someone@elsewhere.example>");
    }

    private static String step(Decision d, String rule) {
        return d.trace().stream().filter(s -> s.rule().equals(rule)).map(s -> s.outcome() + " " + s.detail())
                .findFirst().orElse("(no step)");
    }

    private static String noColons(String fingerprint) {
        return fingerprint.replace(":", "");
    }

    /** A policy listing the scanner by its certificate and the monitor by its public key (lower case, no colons). */
    private Path policy() throws IOException, GeneralSecurityException {
        write("relay-clientcerts", "# FINGERPRINT [comment]\n"
                + TestCertificates.certificateFingerprint(scanner) + "   scanner.example.org (certificate)\n"
                + "\n"
                + noColons(TestCertificates.publicKeyFingerprint(monitor)).toLowerCase(Locale.ROOT)
                + " monitor (public key)\n"
                + "   continued comment of the monitor's line\n");
        return write("relay.conf", """
                mydestination = example.org
                permit_tls_clientcerts = yes
                relay_clientcerts = hash:relay-clientcerts
                """);
    }

    // ------------------------------------------------------------------------------------------------ granting

    @Test
    void a_listed_certificate_relays_like_a_trusted_network_and_the_trace_names_the_line() throws Exception {
        Path conf = policy();
        assertThat(PolicyFile.read(conf).files()).containsExactly(conf, dir.resolve("relay-clientcerts"));
        try (RelayEngine engine = RelayEngine.fromFile(conf)) {
            Decision d = engine.decide(request().tlsClientCertificate(scanner).build());
            assertThat(d.verdict()).isEqualTo(Verdict.ACCEPT);
            assertThat(d.rule()).isEqualTo(RuleNames.TLS_CLIENT_CERTS);
            assertThat(d.reply().toString()).isEqualTo("250 2.1.5 Ok");
            assertThat(step(d, RuleNames.TLS_CLIENT_CERTS)).isEqualTo("ACCEPT client certificate's SHA-256"
                    + " fingerprint " + TestCertificates.certificateFingerprint(scanner)
                    + " is listed in relay_clientcerts at relay-clientcerts:2");
            assertThat(d.trace().stream().map(TraceStep::rule).toList()).as("after mynetworks, before"
                    + " authentication").containsSubsequence(RuleNames.MYNETWORKS, RuleNames.TLS_CLIENT_CERTS)
                    .doesNotContain(RuleNames.AUTHENTICATED);

            Decision key = engine.decide(request().tlsClientCertificate(monitor).build());
            assertThat(key.rule()).isEqualTo(RuleNames.TLS_CLIENT_CERTS);
            assertThat(step(key, RuleNames.TLS_CLIENT_CERTS)).isEqualTo("ACCEPT client certificate's public key"
                    + " SHA-256 fingerprint " + TestCertificates.publicKeyFingerprint(monitor)
                    + " is listed in relay_clientcerts at relay-clientcerts:4");
        }
    }

    @Test
    void fingerprints_as_text_match_with_or_without_colons_in_any_case() throws Exception {
        String cert = TestCertificates.certificateFingerprint(scanner);
        String key = TestCertificates.publicKeyFingerprint(monitor);
        try (RelayEngine engine = RelayEngine.fromFile(policy())) {
            for (String[] given : new String[][] {
                    {cert, null}, {cert.toLowerCase(Locale.ROOT), null}, {noColons(cert), null},
                    {noColons(cert).toLowerCase(Locale.ROOT), "not a fingerprint"},
                    {null, key}, {null, noColons(key)}, {null, key.toLowerCase(Locale.ROOT)},
                    {"AB:CD", key}, {TestCertificates.certificateFingerprint(stranger), noColons(key)}}) {
                Decision d = engine.decide(request().tlsClientFingerprints(given[0], given[1]).build());
                assertThat(d.rule()).as("cert %s, key %s", given[0], given[1]).isEqualTo(RuleNames.TLS_CLIENT_CERTS);
            }
            // the certificate's fingerprint is looked up first
            Decision both = engine.decide(request().tlsClientFingerprints(cert, key).build());
            assertThat(step(both, RuleNames.TLS_CLIENT_CERTS)).contains("certificate's SHA-256 fingerprint "
                    + cert);
            // text given is used instead of the certificate
            Decision text = engine.decide(request().tlsClientCertificate(scanner)
                    .tlsClientFingerprints(TestCertificates.certificateFingerprint(stranger), null).build());
            assertThat(text.rule()).isEqualTo(RuleNames.RELAY_DENIED);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "AB:CD", "not a fingerprint", "unknown",
            // 64 digits with a colon out of place, or a non-ASCII digit, or one digit too many
            "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDE:F",
            "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDE\u0661",
            "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0"})
    void text_that_is_not_a_fingerprint_never_matches(String text) throws Exception {
        try (RelayEngine engine = RelayEngine.builder().localDomains("example.org").permitTlsClientCerts(true)
                .relayClientCert("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF").build()) {
            Decision d = engine.decide(request().tlsClientFingerprints(text, text).build());
            assertThat(d.rule()).isEqualTo(RuleNames.RELAY_DENIED);
            String shown = text.replace("\u0661", "\\u0661"); // echoed escaped
            assertThat(step(d, RuleNames.TLS_CLIENT_CERTS)).isEqualTo("NO_MATCH neither the certificate"
                    + " fingerprint '" + shown + "' nor the public key fingerprint '" + shown + "' is listed in"
                    + " relay_clientcerts (1 fingerprint)");
            Decision listed = engine.decide(request().tlsClientFingerprints(null,
                    "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef")
                    .build());
            assertThat(listed.rule()).isEqualTo(RuleNames.TLS_CLIENT_CERTS);
        }
    }

    @Test
    void an_unlisted_or_missing_certificate_grants_nothing_and_the_trace_says_why() throws Exception {
        try (RelayEngine engine = RelayEngine.fromFile(policy())) {
            Decision d = engine.decide(request().tlsClientCertificate(stranger).build());
            assertThat(d.rule()).isEqualTo(RuleNames.RELAY_DENIED);
            assertThat(d.reply().toString()).isEqualTo("554 5.7.1 <someone@elsewhere.example>: Relay access denied");
            assertThat(step(d, RuleNames.TLS_CLIENT_CERTS)).isEqualTo("NO_MATCH neither the certificate's SHA-256"
                    + " fingerprint " + TestCertificates.certificateFingerprint(stranger) + " nor its public key's "
                    + TestCertificates.publicKeyFingerprint(stranger) + " is listed in relay_clientcerts (2"
                    + " fingerprints)");
            Decision none = engine.decide(request().build());
            assertThat(step(none, RuleNames.TLS_CLIENT_CERTS)).isEqualTo("NO_MATCH client presented no TLS client"
                    + " certificate");
            Decision local = engine.decide(request().recipient("<bob@example.org>").tlsClientCertificate(scanner)
                    .build());
            assertThat(local.rule()).as("a grant decides before the recipient domain")
                    .isEqualTo(RuleNames.TLS_CLIENT_CERTS);
        }
    }

    @Test
    void a_broken_certificate_matches_nothing_and_never_throws() throws Exception {
        try (RelayEngine engine = RelayEngine.fromFile(policy())) {
            Decision d = engine.decide(request().tlsClientCertificate(new BrokenCertificate()).build());
            assertThat(d.rule()).isEqualTo(RuleNames.RELAY_DENIED);
            assertThat(step(d, RuleNames.TLS_CLIENT_CERTS)).isEqualTo("NO_MATCH client certificate cannot be"
                    + " encoded, so it matches nothing in relay_clientcerts (2 fingerprints)");
        }
    }

    @Test
    void the_certificates_grant_nothing_unless_permitted_and_trusted_networks_come_first() throws Exception {
        String fp = TestCertificates.certificateFingerprint(scanner);
        try (RelayEngine off = RelayEngine.builder().localDomains("example.org").relayClientCert(fp).build()) {
            Decision d = off.decide(request().tlsClientCertificate(scanner).build());
            assertThat(d.rule()).isEqualTo(RuleNames.RELAY_DENIED);
            assertThat(step(d, RuleNames.TLS_CLIENT_CERTS)).isEqualTo("(no step)");
        }
        try (RelayEngine on = RelayEngine.builder().trustedNetworks(java.util.List.of("203.0.113.0/24"))
                .relayClientCert(fp).permitTlsClientCerts(true).build()) {
            assertThat(on.decide(request().tlsClientCertificate(scanner).build()).rule())
                    .isEqualTo(RuleNames.MYNETWORKS);
        }
        assertThatThrownBy(() -> RelayEngine.builder().permitTlsClientCerts(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("permitTlsClientCerts is yes, but no relay_clientcerts (relayClientCerts or"
                        + " relayClientCert) are given: no certificate could ever relay");
        assertThatThrownBy(() -> RelayEngine.builder().relayClientCert("AB:CD")).hasMessage("relayClientCert 'AB:CD'"
                + " is 4 hex digits; relay_clientcerts needs SHA-256 fingerprints (32 bytes, 64 hex digits, as"
                + " Postfix's smtpd_tls_fingerprint_digest = sha256 prints them): openssl x509 -noout -fingerprint"
                + " -sha256 -in CERT.pem");
        assertThatThrownBy(() -> RelayEngine.builder().relayClientCert(fp, noColons(fp).toLowerCase(Locale.ROOT)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("relayClientCert '" + noColons(fp).toLowerCase(Locale.ROOT) + "' is already listed at"
                        + " the builder (as '" + fp + "')");
    }

    // ------------------------------------------------------------------------------------------------ files

    @Test
    void every_bad_line_is_reported_at_its_file_line_and_column() throws IOException {
        String sha256 = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
        write("a", "# relay_clientcerts\n"
                + sha256 + " first\n"
                + "D4:1D:8C:D9:8F:00:B2:04:E9:80:09:98:EC:F8:42:7E  an MD5 fingerprint\n"
                + "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709 a SHA-1 fingerprint\n"
                + "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEG x\n"
                + "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:"
                        + "01 too long\n"
                + "012:3456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n"
                + "\tdevice\u0000\n");
        write("b", "  orphan comment\n" + sha256.toLowerCase(Locale.ROOT) + "\n");
        Path conf = write("relay.conf", "relay_clientcerts = ./a b ./missing\npermit_tls_clientcerts = yes\n");
        String a = dir.resolve("a").toString();
        assertThatThrownBy(() -> PolicyFile.read(conf)).isInstanceOf(PolicyFileException.class)
                .extracting(e -> ((PolicyFileException) e).problems().stream().map(Object::toString).toList())
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.list(String.class))
                .containsExactly(
                        a + ":3:1: 'D4:1D:8C:D9:8F:00:B2:04:E9:80:09:98:EC:F8:42:7E' is an MD5 fingerprint (16"
                                + " bytes); relay_clientcerts needs SHA-256 fingerprints (32 bytes, 64 hex digits, as"
                                + " Postfix's smtpd_tls_fingerprint_digest = sha256 prints them): openssl x509 -noout"
                                + " -fingerprint -sha256 -in CERT.pem",
                        a + ":4:1: 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709' is a SHA-1 fingerprint (20 bytes);"
                                + " relay_clientcerts needs SHA-256 fingerprints (32 bytes, 64 hex digits, as"
                                + " Postfix's smtpd_tls_fingerprint_digest = sha256 prints them): openssl x509 -noout"
                                + " -fingerprint -sha256 -in CERT.pem",
                        a + ":5:64: '0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEG' is not a"
                                + " fingerprint: 'G' is not a hexadecimal digit (expected the SHA-256 fingerprint of"
                                + " a certificate or of its public key, 32 bytes in hex: AB:CD:... or without"
                                + " colons)",
                        a + ":6:1: '01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45"
                                + ":67:89:AB:CD:EF:01' is 66 hex digits; relay_clientcerts needs SHA-256 fingerprints"
                                + " (32 bytes, 64 hex digits, as Postfix's smtpd_tls_fingerprint_digest = sha256"
                                + " prints them): openssl x509 -noout -fingerprint -sha256 -in CERT.pem",
                        a + ":7:3: '012:3456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF': colons must"
                                + " separate every two hex digits (AB:CD:...), or be left out",
                        a + ":8:8: control character U+0000; only text and tabs are allowed",
                        dir.resolve("b") + ":1:1: continuation line without a fingerprint above it; a line starts"
                                + " with its fingerprint at column 1: FINGERPRINT [comment]",
                        conf + ":1:27: cannot read the relay_clientcerts file: no such file",
                        dir.resolve("b") + ":2:1: fingerprint '" + sha256.toLowerCase(Locale.ROOT) + "' is already"
                                + " listed at " + a + ":2 (as '" + sha256 + "'); list each certificate once");
    }

    @Test
    void permit_without_certificates_is_an_error_and_other_table_types_are_refused() throws IOException {
        Path conf = write("relay.conf", "permit_tls_clientcerts = yes\n");
        assertThatThrownBy(() -> PolicyFile.read(conf)).hasMessage(conf + ":1:1: 'permit_tls_clientcerts = yes'"
                + " could never apply: no relay_clientcerts are given, so no certificate could relay (set"
                + " relay_clientcerts, or remove it)");
        Path off = write("off.conf", "permit_tls_clientcerts = no\n");
        assertThat(PolicyFile.read(off).effective(10)).contains("\npermit_tls_clientcerts = no\n");
        Path ldap = write("ldap.conf", "relay_clientcerts = ldap:/etc/postfix/certs.cf\n");
        assertThatThrownBy(() -> PolicyFile.read(ldap)).hasMessage(ldap + ":1:21: relay_clientcerts:"
                + " 'ldap:/etc/postfix/certs.cf' is a Postfix ldap: table; relay-policy reads relay_clientcerts from a"
                + " text file (one FINGERPRINT [comment] a line), as hash:, texthash:, btree:, lmdb: or cdb: name it");
        write("empty", "# every certificate revoked\n");
        Path empty = write("empty.conf", "relay_clientcerts = empty\npermit_tls_clientcerts = yes\n");
        try (RelayEngine engine = RelayEngine.fromFile(empty)) {
            assertThat(engine.decide(request().tlsClientCertificate(scanner).build()).rule())
                    .isEqualTo(RuleNames.RELAY_DENIED);
        }
    }

    @Test
    void a_changed_file_reloads_the_policy_and_a_broken_one_keeps_the_rules() throws Exception {
        Path certs = write("certs", TestCertificates.certificateFingerprint(stranger) + "\n");
        Path conf = write("relay.conf", "relay_clientcerts = ./certs\npermit_tls_clientcerts = yes\n");
        try (RelayEngine engine = RelayEngine.fromFile(conf, Duration.ofHours(1))) {
            RelayRequest r = request().tlsClientCertificate(scanner).build();
            assertThat(engine.decide(r).rule()).isEqualTo(RuleNames.RELAY_DENIED);
            assertThat(engine.reloadFileNow()).as("unchanged").isFalse();

            TestFiles.change(certs, TestCertificates.publicKeyFingerprint(scanner) + " scanner\n");
            assertThat(engine.reloadFileNow()).isTrue();
            assertThat(engine.decide(r).rule()).isEqualTo(RuleNames.TLS_CLIENT_CERTS);

            TestFiles.change(certs, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709 sha1\n");
            assertThatThrownBy(engine::reloadFileNow).isInstanceOf(PolicyFileException.class)
                    .hasMessageStartingWith(certs + ":1:1: 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709' is a SHA-1"
                            + " fingerprint (20 bytes)");
            assertThat(engine.policyFileFailure()).isPresent();
            assertThat(engine.decide(r).rule()).as("the rules in force stay").isEqualTo(RuleNames.TLS_CLIENT_CERTS);

            TestFiles.change(certs, "# revoked\n");
            assertThat(engine.reloadFileNow()).isTrue();
            assertThat(engine.policyFileFailure()).isEmpty();
            assertThat(engine.decide(r).rule()).isEqualTo(RuleNames.RELAY_DENIED);
        }
    }

    @Test
    void lint_writes_the_files_and_the_switch_so_that_they_read_back() throws Exception {
        Path conf = policy();
        String effective = PolicyFile.read(conf).effective(10);
        assertThat(effective).contains("\n# relay by TLS client certificate\nrelay_clientcerts = "
                + dir.resolve("relay-clientcerts") + "\npermit_tls_clientcerts = yes\n");
        Path again = write("again.conf", effective);
        try (RelayEngine engine = RelayEngine.fromFile(again)) {
            assertThat(engine.decide(request().tlsClientCertificate(monitor).build()).rule())
                    .isEqualTo(RuleNames.TLS_CLIENT_CERTS);
        }
        assertThat(PolicyFile.read(write("none.conf", "")).effective(10))
                .contains("\nrelay_clientcerts =\npermit_tls_clientcerts = no\n");
    }

    // ------------------------------------------------------------------------------------------------ hot path

    @Test
    void a_request_without_a_certificate_allocates_no_more_with_certificates_configured() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!mx.isThreadAllocatedMemorySupported()) {
            return;
        }
        mx.setThreadAllocatedMemoryEnabled(true);
        RelayRequest[] requests = new RelayRequest[2048];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = RelayRequest.builder().client("203.0.113." + (i % 200)).sender("<a@example.net>")
                    .recipient("<r" + i + "@example.org>").build();
        }
        try (RelayEngine plain = RelayEngine.builder().localDomains("example.org").build();
                RelayEngine certs = RelayEngine.builder().localDomains("example.org").permitTlsClientCerts(true)
                        .relayClientCert(TestCertificates.certificateFingerprint(scanner)).build()) {
            long without = Allocations.leastBytes(mx, plain, requests);
            long with = Allocations.leastBytes(mx, certs, requests);
            without = Math.min(without, Allocations.leastBytes(mx, plain, requests));
            with = Math.min(with, Allocations.leastBytes(mx, certs, requests)); // each engine measured twice, alike
            assertThat(with).as("bytes of %d decisions with certificates (without: %d)", requests.length, without)
                    .isLessThan(without + 512);
        }
    }

    /** A certificate that cannot be encoded and has no public key: what a broken provider might hand over. */
    private static final class BrokenCertificate extends X509Certificate {
        @Override public byte[] getEncoded() throws CertificateEncodingException {
            throw new CertificateEncodingException("broken");
        }
        @Override public PublicKey getPublicKey() {
            throw new IllegalStateException("no key");
        }
        @Override public void checkValidity() { }
        @Override public void checkValidity(Date date) { }
        @Override public int getVersion() { return 3; }
        @Override public BigInteger getSerialNumber() { return BigInteger.ONE; }
        @Override public Principal getIssuerDN() { return () -> "CN=broken"; }
        @Override public Principal getSubjectDN() { return () -> "CN=broken"; }
        @Override public Date getNotBefore() { return new Date(0); }
        @Override public Date getNotAfter() { return new Date(0); }
        @Override public byte[] getTBSCertificate() throws CertificateEncodingException {
            throw new CertificateEncodingException("broken");
        }
        @Override public byte[] getSignature() { return new byte[0]; }
        @Override public String getSigAlgName() { return "none"; }
        @Override public String getSigAlgOID() { return "0"; }
        @Override public byte[] getSigAlgParams() { return new byte[0]; }
        @Override public boolean[] getIssuerUniqueID() { return new boolean[0]; }
        @Override public boolean[] getSubjectUniqueID() { return new boolean[0]; }
        @Override public boolean[] getKeyUsage() { return new boolean[0]; }
        @Override public int getBasicConstraints() { return -1; }
        @Override public void verify(PublicKey key) { }
        @Override public void verify(PublicKey key, String sigProvider) { }
        @Override public String toString() { return "BrokenCertificate"; }
        @Override public boolean hasUnsupportedCriticalExtension() { return false; }
        @Override public Set<String> getCriticalExtensionOIDs() { return Set.of(); }
        @Override public Set<String> getNonCriticalExtensionOIDs() { return Set.of(); }
        @Override public byte[] getExtensionValue(String oid) { return new byte[0]; }
    }
}

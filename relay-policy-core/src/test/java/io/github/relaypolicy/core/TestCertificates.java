package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates made in the test: the JDK's own {@code keytool} writes a fresh key pair and certificate
 * into a temporary PKCS#12 keystore (a bounded subprocess), which is then loaded with {@link KeyStore}.
 */
final class TestCertificates {

    private TestCertificates() {
    }

    /** A new self-signed EC certificate for {@code cn}, its keystore under {@code dir}. */
    static X509Certificate selfSigned(Path dir, String cn) throws IOException, InterruptedException,
            GeneralSecurityException {
        Path store = dir.resolve(cn + ".p12");
        Files.deleteIfExists(store);
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit", "-alias", "client",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + cn, "-validity", "30")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        assertThat(done).as("keytool finished within 60 s").isTrue();
        assertThat(p.exitValue()).as("keytool exit code").isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        return (X509Certificate) ks.getCertificate("client");
    }

    /** The SHA-256 fingerprint of the certificate, upper case with colons, as openssl and Postfix print it. */
    static String certificateFingerprint(X509Certificate cert) throws GeneralSecurityException {
        return colons(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    }

    /** The SHA-256 fingerprint of the certificate's public key, upper case with colons. */
    static String publicKeyFingerprint(X509Certificate cert) throws GeneralSecurityException {
        return colons(MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded()));
    }

    private static String colons(byte[] digest) {
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    }
}

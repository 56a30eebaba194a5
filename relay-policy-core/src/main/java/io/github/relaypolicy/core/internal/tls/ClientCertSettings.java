package io.github.relaypolicy.core.internal.tls;

import java.nio.file.Path;
import java.util.List;

/**
 * The client-certificate settings as given: the fingerprint files (read when they were given), every entry (from
 * the files and from the builder, in order), and whether listed certificates grant relay.
 *
 * @param files the fingerprint files, in order
 * @param entries every entry, in order
 * @param permit whether {@code permit_tls_clientcerts} is on
 */
public record ClientCertSettings(List<Path> files, List<ClientCerts.Entry> entries, boolean permit) {

    /** No fingerprints, off. */
    public static final ClientCertSettings NONE = new ClientCertSettings(List.of(), List.of(), false);

    public ClientCertSettings {
        files = List.copyOf(files);
        entries = List.copyOf(entries);
    }

    /** Whether fingerprints were given (files, even empty ones, or entries). */
    public boolean hasCerts() {
        return !files.isEmpty() || !entries.isEmpty();
    }

    /** The index the rules consult: empty unless {@link #permit}. */
    public ClientCerts compile() {
        return permit ? ClientCerts.of(entries) : ClientCerts.EMPTY;
    }
}

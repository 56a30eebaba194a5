package io.github.relaypolicy.core;

import io.github.relaypolicy.Decision;
import io.github.relaypolicy.RelayRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** What the access-table engine tests share: table files in a temporary folder, a policy over them, a request. */
abstract class AccessTablesFixture {

    @TempDir
    Path dir;

    /** Writes {@code name} in the test's folder. */
    Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    /** An engine from {@code relay.conf}: {@code mydestination = example.org} and {@code policy}. */
    RelayEngine engine(String policy) throws IOException {
        return RelayEngine.fromFile(write("relay.conf", "mydestination = example.org\n" + policy));
    }

    static Decision decide(RelayEngine engine, String client, String helo, String sender, String rcpt) {
        return engine.decide(RelayRequest.builder().client(client).helo(helo).sender(sender).recipient(rcpt)
                .build());
    }
}

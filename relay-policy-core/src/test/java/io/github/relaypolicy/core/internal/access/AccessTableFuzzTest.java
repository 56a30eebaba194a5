package io.github.relaypolicy.core.internal.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.FuzzSupport;
import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.match.SmtpPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Fuzzes the cidr and access(5) text table readers and their lookups. Input: fields separated by byte 0xFF (see
 * {@link FuzzSupport}): the family ({@code c} client cidr, {@code h} HELO, {@code s} sender, {@code r} recipient),
 * the table file's text, then a client, HELO, MAIL FROM and RCPT TO to look up. Seeds in
 * {@code AccessTableFuzzTestInputs/read/}.
 *
 * <p>Invariants: a file is either a table or an {@link AccessTableException} whose every problem names the file, a
 * line and a column and holds no control character; nothing else escapes, in bounded time. A table answers any
 * request, however malformed, without an exception: with no action or one of its own entries.
 */
class AccessTableFuzzTest {

    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("access-table-fuzz");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "15s")
    void read(byte[] data) throws IOException {
        List<@Nullable String> f = FuzzSupport.fields(data);
        String kind = FuzzSupport.field(f, 0);
        String text = FuzzSupport.field(f, 1);
        if (text == null) {
            return;
        }
        Family family = kind == null || kind.isEmpty() ? Family.CLIENT : switch (kind.charAt(0) & 3) {
            case 0 -> Family.CLIENT;
            case 1 -> Family.HELO;
            case 2 -> Family.SENDER;
            default -> Family.RECIPIENT;
        };
        Path file = DIR.resolve("table");
        // getBytes, not writeString: a lone surrogate in the decoded field becomes '?' rather than throwing
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        file.toFile().deleteOnExit();
        String context = family + " table '" + Text.escape(text.length() > 300 ? text.substring(0, 300) : text) + "'";

        long start = System.nanoTime();
        AccessTable table;
        try {
            table = AccessTable.load(family, file.toString(), file);
        } catch (AccessTableException e) {
            FuzzSupport.checkTime(start, "AccessTable.load");
            assertThat(e.problems()).as("problems of %s", context).isNotEmpty();
            for (PolicyFileException.Problem p : e.problems()) {
                assertThat(p.file()).as("problem %s of %s", p, context).isEqualTo(file);
                assertThat(p.line()).as("problem %s of %s", p, context).isPositive();
                assertThat(FuzzSupport.hasControlOrBroken(p.toString())).as("problem %s of %s", p, context)
                        .isFalse();
            }
            return;
        }
        FuzzSupport.checkTime(start, "AccessTable.load");
        assertThat(table.warnings()).as("warnings of %s", context)
                .allSatisfy(w -> assertThat(FuzzSupport.hasControlOrBroken(w)).isFalse());

        String client = FuzzSupport.field(f, 2);
        String sender = FuzzSupport.field(f, 4);
        String recipient = FuzzSupport.field(f, 5);
        RelayRequest r = RelayRequest.builder().client(client == null ? "192.0.2.1" : client)
                .helo(FuzzSupport.field(f, 3)).sender(sender).recipient(recipient).build();
        start = System.nanoTime();
        AccessSubject subject = AccessSubject.forThread().request(r, SmtpPath.parse(sender), SmtpPath.parse(recipient),
                "+-", "<>");
        Action a = table.find(subject);
        FuzzSupport.checkTime(start, "AccessTable.find");
        if (a != null) {
            assertThat(a.family()).as("action of %s for %s", context, r).isEqualTo(family);
            assertThat(a.type()).as("action of %s for %s", context, r).isNotNull();
        }
    }
}

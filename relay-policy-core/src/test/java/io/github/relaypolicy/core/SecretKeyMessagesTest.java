package io.github.relaypolicy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.relaypolicy.SmtpReply;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DQS key in a zone must show only masked in every error message (docs/dns-lists.md: "error messages show the key
 * masked"), also from the builder API, and also where a message echoes a long line cut at 128 characters.
 */
final class SecretKeyMessagesTest {

    private static final String KEY = "k3yk3yk3ysecr3tsecr3tabcde";
    private static final String ZEN = KEY + ".zen.dq.spamhaus.net";
    private static final String MASKED = "k3y***.zen.dq.spamhaus.net";

    /** No run of six characters of the key past the three a mask shows, in any case. */
    private static void assertNoKeyPart(Throwable e) {
        assertThat(e).isNotNull();
        String text = String.valueOf(e.getMessage());
        for (int i = 3; i + 6 <= KEY.length(); i++) {
            assertThat(text).doesNotContainIgnoringCase(KEY.substring(i, i + 6));
        }
    }

    @Test
    void builder_errors_about_a_keyed_zone_show_the_key_masked(@TempDir Path dir) throws Exception {
        Throwable badName = catchThrowable(() -> RelayEngine.builder().localZone(ZEN, dir.resolve("zen.txt")));
        assertThat(badName).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(MASKED);
        assertNoKeyPart(badName);

        Throwable twice = catchThrowable(() -> RelayEngine.builder().localZone(ZEN, dir.resolve("a.ip4set"))
                .localZone(ZEN, dir.resolve("b.ip4set")));
        assertThat(twice).isInstanceOf(IllegalStateException.class).hasMessageContaining(MASKED);
        assertNoKeyPart(twice);

        Throwable longReply = catchThrowable(() -> RelayEngine.builder().dnsblReply(ZEN,
                SmtpReply.of(554, "5.7.1", "x".repeat(600))));
        assertThat(longReply).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(MASKED);
        assertNoKeyPart(longReply);

        Throwable missing = catchThrowable(() -> RelayEngine.builder().localDomains("example.org").dnsbl(ZEN)
                .localZone(ZEN, dir.resolve("missing.ip4set")).build());
        assertThat(missing).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(MASKED);
        assertNoKeyPart(missing);
    }

    @Test
    void a_policy_file_problem_that_echoes_a_long_line_cuts_it_after_masking_the_key(@TempDir Path dir)
            throws Exception {
        // the echo is capped at 128 characters: a cap inside the key left a part no longer recognised as one
        Path conf = dir.resolve("relay-policy.conf");
        Files.writeString(conf, String.join("\n", "mydestination = example.org",
                "  dnsbl_sites = " + "a".repeat(90) + ".example, " + ZEN,
                "-" + "b".repeat(100) + ".example " + ZEN, ""));

        Throwable e = catchThrowable(() -> PolicyFile.read(conf));

        assertThat(e).isInstanceOf(PolicyFileException.class);
        assertThat(((PolicyFileException) e).problems()).hasSize(2);
        assertNoKeyPart(e);
    }

    @Test
    void a_per_zone_key_that_names_no_zone_is_a_policy_file_problem_never_a_raw_exception(@TempDir Path dir)
            throws Exception {
        // dns_list_name.ZONE is new with the DQS fix; like dnsbl_reply.ZONE and dns_failure.ZONE (issue 9, defect
        // 5) a suffix that is not a zone threw a bare IllegalArgumentException out of PolicyFile.read
        for (String key : new String[] {"dns_list_name.blx = Foo", "dnsbl_reply.blx = 554 5.7.1 no",
                "dns_failure.blx = ignore"}) {
            Path conf = dir.resolve("relay-policy.conf");
            Files.writeString(conf, String.join("\n", "mydestination = example.org", "dnsbl_sites = bl.test", key,
                    ""));

            Throwable e = catchThrowable(() -> PolicyFile.read(conf));

            assertThat(e).as(key).isInstanceOf(PolicyFileException.class);
            assertThat(((PolicyFileException) e).problems()).as(key).singleElement().satisfies(p -> {
                assertThat(p.line()).isEqualTo(3);
                assertThat(p.column()).isEqualTo(1);
                assertThat(p.message()).contains("names 'blx', which is not a zone name: expected a domain name of at"
                        + " least two labels");
            });
        }
    }
}

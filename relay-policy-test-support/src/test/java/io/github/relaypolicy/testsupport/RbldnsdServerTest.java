package io.github.relaypolicy.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The launcher, against the real rbldnsd where a test is tagged; the rest needs no rbldnsd. */
final class RbldnsdServerTest {

    @TempDir
    Path dir;

    private static Message ask(RbldnsdServer server, String name) throws Exception {
        SimpleResolver r = new SimpleResolver(server.address());
        r.setTimeout(Duration.ofSeconds(2));
        return r.send(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)));
    }

    @Test
    @RequiresRbldnsd
    void every_zone_answers_on_loopback_once_started_and_nothing_after_close() throws Exception {
        // given
        Files.writeString(dir.resolve("bl.txt"), ":127.0.0.2:Listed\n127.0.0.2\n192.0.2.0/24\n");
        Files.writeString(dir.resolve("dbl.txt"), ":127.0.1.2:Spam\nspam.example\n");

        // when
        RbldnsdServer server = RbldnsdServer.in(dir).ttl(Duration.ofMinutes(2))
                .start("bl.test:ip4set:bl.txt", "dbl.test:dnset:dbl.txt");

        // then
        try (server) {
            assertThat(server.isAlive()).isTrue();
            assertThat(server.hostAndPort()).isEqualTo("127.0.0.1:" + server.port());
            assertThat(server.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            Message listed = ask(server, "7.2.0.192.bl.test.");
            assertThat(listed.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(listed.getSection(Section.ANSWER)).singleElement().satisfies(a -> {
                assertThat(((ARecord) a).getAddress().getHostAddress()).isEqualTo("127.0.0.2");
                assertThat(a.getTTL()).as("ttl(2 min) is rbldnsd's -t").isEqualTo(120);
            });
            assertThat(ask(server, "spam.example.dbl.test.").getSection(Section.ANSWER)).hasSize(1);
            assertThat(ask(server, "9.2.0.198.bl.test.").getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThat(server.log()).isEqualTo(dir.resolve("rbldnsd.log")).exists();
        }
        assertThat(server.isAlive()).isFalse();
        assertThat(dir).exists(); // not asked to delete it
    }

    @Test
    @RequiresRbldnsd
    void delete_on_close_removes_the_directory_and_its_files() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        Files.writeString(data.resolve("bl.txt"), "127.0.0.2\n");

        RbldnsdServer server = RbldnsdServer.in(data).deleteOnClose().start("bl.test:ip4set:bl.txt");
        server.close();

        assertThat(server.isAlive()).isFalse();
        assertThat(data).doesNotExist();
    }

    @Test
    @RequiresRbldnsd
    void a_port_taken_between_choosing_and_binding_is_replaced_by_another() throws Exception {
        Files.writeString(dir.resolve("bl.txt"), "127.0.0.2\n");

        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
                RbldnsdServer server = RbldnsdServer.in(dir).firstPort(taken.getLocalPort())
                        .start("bl.test:ip4set:bl.txt")) {
            assertThat(server.port()).isNotEqualTo(taken.getLocalPort());
            assertThat(ask(server, "2.0.0.127.bl.test.").getRcode()).isEqualTo(Rcode.NOERROR);
        }
    }

    @Test
    @RequiresRbldnsd
    void a_zone_rbldnsd_cannot_load_fails_with_rbldnsds_own_words_and_cleans_up() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));

        assertThatThrownBy(() -> RbldnsdServer.in(data).deleteOnClose().start("bl.test:ip4set:missing.txt"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("rbldnsd exited with status 1: ")
                .hasMessageContaining("file missing.txt: unable to open file");
        assertThat(data).doesNotExist();
    }

    @Test
    void a_missing_rbldnsd_says_how_to_install_it_or_skip_the_tests_that_need_it() throws Exception {
        Path binary = dir.resolve("no-rbldnsd-here");

        assertThatThrownBy(() -> RbldnsdServer.in(dir).binary(binary).start("bl.test:ip4set:bl.txt"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(binary + " is missing: this needs the real rbldnsd (apt-get install -y rbldnsd);"
                        + " skip the tests that need it with mvn verify -DexcludedGroups=rbldnsd");
    }

    @Test
    void zone_specifications_and_durations_are_checked_before_anything_starts() {
        RbldnsdServer.Builder b = RbldnsdServer.in(dir);
        assertThatThrownBy(() -> b.start()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no zone: rbldnsd needs at least one name:type:file");
        assertThatThrownBy(() -> b.start("bl.test:bl.txt")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("zone 'bl.test:bl.txt': expected name:type:file");
        assertThatThrownBy(() -> b.ttl(Duration.ofMillis(1500))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ttl PT1.5S: rbldnsd takes whole seconds, at least one");
        assertThatThrownBy(() -> b.checkInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("checkInterval PT0S: rbldnsd takes whole seconds, at least one");
    }
}

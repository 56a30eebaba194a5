package io.github.relaypolicy.core.internal.policyfile;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.core.RelayEngine;
import io.github.relaypolicy.core.internal.engine.ConfigBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The key table is the one place a setting is described: the documentation's table, lint's output, the builder
 * method and the hints all follow it.
 */
class KeyTableTest {

    private static final Path DOCS = Path.of("..", "docs", "policy-file.md");

    @Test
    void the_documentation_table_is_the_key_table() throws IOException {
        List<String> lines = Files.readAllLines(DOCS);
        int start = lines.indexOf("| key | value | default | builder method |");
        assertThat(start).as("the keys table of %s", DOCS).isNotNegative();
        List<String> documented = new ArrayList<>();
        for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            documented.add(lines.get(i));
        }
        List<String> expected = Keys.all().stream().map(k -> "| `" + k.documented() + "` | " + k.doc() + " | "
                + k.defaultText() + " | `" + k.method() + "` |").toList();
        assertThat(documented).containsExactlyElementsOf(expected);
    }

    @Test
    void every_key_names_a_builder_method_that_exists() {
        List<String> methods = Arrays.stream(RelayEngine.Builder.class.getMethods()).map(m -> m.getName()).toList();
        for (Keys.Key k : Keys.all()) {
            String method = k.method().contains("(") ? k.method().substring(0, k.method().indexOf('(')) : k.method();
            assertThat(methods).as(k.name()).contains(method);
            assertThat(k.entry() == null).as("%s: a list key gives entries, any other key a value", k.name())
                    .isEqualTo(k.kind() == Keys.Kind.SINGLE);
            assertThat(k.value() == null).as(k.name()).isEqualTo(k.kind() == Keys.Kind.LIST);
        }
    }

    @Test
    void lint_writes_every_key_that_is_not_per_rule_or_per_zone() {
        String effective = Writer.effective(new ConfigBuilder().config(), 10);
        for (Keys.Key k : Keys.all()) {
            if (!k.suffixed()) {
                assertThat(effective).as(k.name()).containsPattern("(?m)^" + k.name() + " =");
            }
        }
        assertThat(effective).contains("# reply.reject_unauth_destination = ");
    }

    @Test
    void every_hint_points_to_a_key() {
        Keys.hints().forEach((written, write) -> {
            assertThat(written).isEqualTo(written.toLowerCase(Locale.ROOT));
            String keys = write.contains("): ") ? write.substring(write.indexOf("): ") + 3) : write.split(" \\(")[0];
            for (String key : keys.split(",? (or )?")) {
                assertThat(Keys.lookup(key)).as("%s -> %s: %s", written, write, key).isNotNull();
            }
            assertThat(Keys.lookup(written)).as("%s is a key itself", written).isNull();
        });
    }
}

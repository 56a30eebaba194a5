package io.github.relaypolicy.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class TextTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            plain text, kept as it is          | plain text, kept as it is
            "tab\tkept"                        | "tab\tkept"
            "line\nbreak"                      | "line\\u000Abreak"
            "c1 \u0098 control"                | "c1 \\u0098 control"
            "del \u007F and \u2028"            | "del \\u007F and \\u2028"
            "already \\u0098 escaped, \\ kept" | "already \\u0098 escaped, \\ kept"
            "b\u00FCcher \uD83D\uDE00 pair"    | "b\u00FCcher \uD83D\uDE00 pair"
            "lone \uD83D surrogate"            | "lone \\uD83D surrogate"
            """)
    void escape_controls_escapes_only_controls_and_broken_utf16_and_never_cuts(String in, String out) {
        assertThat(Text.escapeControls(in)).isEqualTo(out);
        assertThat(Text.escapeControls(out)).as("idempotent").isEqualTo(out);
    }
}

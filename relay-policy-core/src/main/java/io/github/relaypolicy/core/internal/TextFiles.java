package io.github.relaypolicy.core.internal;

import io.github.relaypolicy.core.PolicyFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text files an administrator writes (policy files, list files, sender login maps): read whole, at most
 * {@link #MAX_FILE} bytes, regular files only, and split into lines of strict UTF-8, so that every reader refuses
 * the same things with the same words. {@link #MAX_FILE} is far above any real policy, far below what hurts a server.
 */
public final class TextFiles {

    /** The largest file read. */
    public static final long MAX_FILE = 256L << 20;

    private TextFiles() {
    }

    /**
     * The bytes of a regular file of at most {@link #MAX_FILE} bytes.
     *
     * @throws IOException if it is not one, or cannot be read; {@link #why} says it in a few words
     */
    public static byte[] read(Path file) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new IOException(Files.isDirectory(file) ? "a directory, not a file" : "not a regular file");
        }
        if (Files.exists(file) && Files.size(file) > MAX_FILE) {
            throw new IOException("larger than " + MAX_FILE / (1 << 20) + " MiB");
        }
        return Files.readAllBytes(file);
    }

    /** Why a file could not be read, in a few words. */
    public static String why(IOException e) {
        return e instanceof NoSuchFileException ? "no such file"
                : e instanceof AccessDeniedException ? "permission denied" : String.valueOf(e.getMessage());
    }

    /**
     * The lines of {@code bytes} (read from {@code file}): a UTF-8 byte order mark skipped, LF or CRLF line ends; a
     * line that is not UTF-8 is reported (line, column, the byte) and read as empty.
     */
    public static List<String> utf8Lines(Path file, byte[] bytes, List<PolicyFileException.Problem> problems) {
        List<String> lines = new ArrayList<>();
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int start = bytes.length >= 3 && bytes[0] == (byte) 0xef && bytes[1] == (byte) 0xbb
                && bytes[2] == (byte) 0xbf ? 3 : 0; // a UTF-8 byte order mark, as some editors write
        for (int i = start; i <= bytes.length; i++) {
            if (i < bytes.length && bytes[i] != '\n') {
                continue;
            }
            if (i == bytes.length && start == i) {
                break;
            }
            int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
            ByteBuffer in = ByteBuffer.wrap(bytes, start, end - start);
            CharBuffer out = CharBuffer.allocate(end - start + 1);
            if (decoder.reset().decode(in, out, true).isError()) {
                int bad = bytes[in.position()] & 0xff;
                problems.add(new PolicyFileException.Problem(file, lines.size() + 1, out.position() + 1,
                        String.format(Locale.ROOT, "\\x%02X", bad), String.format(Locale.ROOT,
                                "byte 0x%02X is not UTF-8 text; save the file as UTF-8", bad)));
                lines.add("");
            } else {
                lines.add(out.flip().toString());
            }
            start = i + 1;
        }
        return lines;
    }
}

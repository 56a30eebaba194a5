package io.github.relaypolicy.core.internal.access;

import io.github.relaypolicy.core.internal.match.SmtpPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test helpers: a table file written to a directory and loaded, and subjects. */
final class Tables {

    private Tables() {
    }

    static Path write(Path dir, String name, String content) {
        try {
            Path file = dir.resolve(name);
            Files.write(file, content.getBytes(StandardCharsets.UTF_8));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code content} to {@code dir/name} and loads it as {@code prefix + that path}. */
    static AccessTable load(Path dir, Family family, String prefix, String name, String content) {
        Path file = write(dir, name, content);
        return AccessTable.load(family, prefix + file, file);
    }

    static AccessSubject client(String address, String name) {
        return new AccessSubject().client(address, name);
    }

    static AccessSubject helo(String helo) {
        return new AccessSubject().helo(helo);
    }

    static AccessSubject sender(String path) {
        return new AccessSubject().reset("+", "<>").sender(path, SmtpPath.parse(path));
    }

    static AccessSubject recipient(String path, String delimiters) {
        return new AccessSubject().reset(delimiters, "<>").recipient(path, SmtpPath.parse(path));
    }

    /** The value of the entry found, or "none". */
    static String value(AccessTable t, AccessSubject s) {
        Action a = t.find(s);
        return a == null ? "none" : a.value();
    }
}

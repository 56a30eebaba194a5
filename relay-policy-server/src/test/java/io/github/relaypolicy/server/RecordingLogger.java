package io.github.relaypolicy.server;

import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.ResourceBundle;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * A {@link System.Logger} for tests: keeps the first 1,000 messages (formatted, thrown's message appended) and counts
 * all by level, so a run of thousands of protocol errors neither floods the build output nor grows without bound.
 * Thread-safe.
 */
final class RecordingLogger implements System.Logger {

    private static final int KEPT = 1000;

    /**
     * One message.
     *
     * @param level its level
     * @param text the message, with the thrown exception's message after ": " if there was one
     */
    record Entry(Level level, String text) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<Level, LongAdder> counts = new EnumMap<>(Level.class);

    RecordingLogger() {
        for (Level l : Level.values()) {
            counts.put(l, new LongAdder());
        }
    }

    @Override
    public String getName() {
        return "test";
    }

    @Override
    public boolean isLoggable(Level level) {
        return true;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        record(level, msg + (thrown == null ? "" : ": " + thrown.getMessage()));
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        record(level, params == null || params.length == 0 ? format : MessageFormat.format(format, params));
    }

    private void record(Level level, String text) {
        counts.get(level).increment();
        synchronized (entries) {
            if (entries.size() < KEPT) {
                entries.add(new Entry(level, text));
            }
        }
    }

    /**
     * How many messages of a level were logged.
     *
     * @param level the level
     * @return the count, kept or not
     */
    long count(Level level) {
        return counts.get(level).sum();
    }

    /**
     * The kept messages that match.
     *
     * @param filter which
     * @return a copy
     */
    List<Entry> entries(Predicate<Entry> filter) {
        synchronized (entries) {
            return entries.stream().filter(filter).toList();
        }
    }

    /**
     * The kept messages as lines {@code LEVEL message}, e.g. {@code WARNING policy client 127.0.0.1:4711: ...}.
     *
     * @return a copy
     */
    List<String> lines() {
        synchronized (entries) {
            return entries.stream().map(e -> e.level().name() + " " + e.text()).toList();
        }
    }
}

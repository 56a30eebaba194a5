package io.github.relaypolicy.core.internal.zone;

import io.github.relaypolicy.core.internal.FileStamp;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads zone files whole, refusing one that changes while it is read (as rbldnsd does), one that is not a regular
 * file (a FIFO would block the reader, {@code /dev/zero} would never end) and one larger than the cap.
 */
final class ZoneFiles {

    /**
     * How long opening and reading one file may take. Far more than a regular file of the largest allowed size
     * needs; it bounds what a FIFO swapped in between the check and the open, or a hung network file system, costs
     * the caller (a reload, {@code reloadFileNow()}).
     */
    static final Duration READ_DEADLINE = Duration.ofSeconds(30);

    private static final AtomicInteger THREADS = new AtomicInteger();

    /**
     * The threads that open and read zone files. Java cannot open a FIFO without blocking until a writer comes, nor
     * interrupt that open, so the open happens here and the caller waits at most {@link #READ_DEADLINE}; a stuck
     * open costs an idle daemon thread, never the caller. Threads end after a minute unused.
     */
    private static final ExecutorService READERS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "relay-policy-zone-read-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    /**
     * The most reads of one file that may be blocked at once. A read that does not return by its deadline stays
     * blocked (the open of a FIFO cannot be interrupted; it returns only when a writer comes, never once the FIFO was
     * renamed away), and holds its thread. Each FIFO swapped in at the open would leave one more such thread; beyond
     * this many the file is refused at once, so their number stays bounded. Below it the file is read as usual: one
     * such swap must not stop a zone from reloading for the rest of the process's life.
     */
    static final int MAX_BLOCKED_READS = 4;

    /** Reads of a file (by absolute path) that did not return by their deadline and have not returned since. */
    private static final java.util.concurrent.ConcurrentHashMap<Path, java.util.concurrent.atomic.AtomicInteger>
            BLOCKED = new java.util.concurrent.ConcurrentHashMap<>();

    private ZoneFiles() {
    }

    /**
     * What identifies a version of a file: size, modification time, and the file key (inode), which a new file
     * renamed over the old one changes even within the same clock tick.
     */
    record Snapshot(byte[] content, FileStamp stamp) {
    }

    static FileStamp stamp(Path file) throws IOException {
        return FileStamp.of(file);
    }

    /**
     * The stamp of a file that may be read: a regular file (links followed) of at most {@code maxSize} bytes.
     *
     * @throws ZoneFileException naming the file and what it is, or its size and the cap
     */
    static FileStamp check(Path file, long maxSize) throws IOException, ZoneFileException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (!a.isRegularFile()) {
            throw new ZoneFileException(file + ": not a regular file but " + kind(file, a)
                    + "; a local zone must be a regular file", 0);
        }
        if (a.size() > maxSize) {
            throw new ZoneFileException(String.format(Locale.ROOT, "%s: %d bytes, more than the %d a local zone"
                    + " file may have (localZoneMaxSize, local_zone_max_size)", file, a.size(), maxSize), 0);
        }
        return FileStamp.of(a);
    }

    /** What a file that is not a regular file is, for the message. */
    private static String kind(Path file, BasicFileAttributes a) {
        if (a.isDirectory()) {
            return "a directory";
        }
        try {
            // st_mode's file type bits (S_IFMT); the "unix" view exists on Linux and macOS
            int type = (Integer) Files.getAttribute(file, "unix:mode") & 0170000;
            return switch (type) {
                case 0010000 -> "a FIFO";
                case 0020000, 0060000 -> "a device";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | RuntimeException e) {
            return "a special file";
        }
    }

    static Snapshot read(Path file, long maxSize) throws ZoneFileException {
        return read(file, maxSize, READ_DEADLINE);
    }

    /**
     * Reads a regular file of at most {@code maxSize} bytes whole, within {@code deadline}. The checked file is the
     * one read: its stamp (file key included) must be the same after the read, and the read stops one byte after the
     * size it had, so a file swapped or grown meanwhile is refused ("changed while being read"), never read without
     * bound.
     */
    static Snapshot read(Path file, long maxSize, Duration deadline) throws ZoneFileException {
        try {
            FileStamp before = check(file, maxSize);
            byte[] content = contentWithin(file, before.size(), deadline);
            FileStamp after = stamp(file);
            if (!before.equals(after) || content.length != before.size()) {
                throw changed(file);
            }
            return new Snapshot(content, before);
        } catch (NoSuchFileException e) {
            throw new ZoneFileException(file + ": no such file", e);
        } catch (IOException e) {
            throw new ZoneFileException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Opens {@code file} and reads at most {@code expected} bytes on a reader thread, waiting at most
     * {@code deadline}; fewer if the file ends sooner.
     *
     * @throws ZoneFileException if it takes longer, or there are more bytes than expected
     */
    static byte[] contentWithin(Path file, long expected, Duration deadline) throws IOException, ZoneFileException {
        Path id = file.toAbsolutePath().normalize();
        java.util.concurrent.atomic.AtomicInteger blocked = BLOCKED.get(id);
        if (blocked != null && blocked.get() >= MAX_BLOCKED_READS) {
            throw new ZoneFileException(String.format(Locale.ROOT, "%s: %d earlier reads of this file have not"
                    + " returned (a FIFO, or a stalled file system?); not read again until one does", file,
                    MAX_BLOCKED_READS), 0);
        }
        // 0: not started, 1: reading, 2: returned
        java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CompletableFuture<Void> returned = new java.util.concurrent.CompletableFuture<>();
        Future<byte[]> read;
        try {
            read = READERS.submit(() -> {
                if (!state.compareAndSet(0, 1)) {
                    return new byte[0]; // given up before it started
                }
                try {
                    return readAtMost(file, expected);
                } finally {
                    state.set(2);
                    returned.complete(null);
                }
            });
        } catch (RejectedExecutionException e) {
            throw new ZoneFileException(file + ": cannot read: no thread to read it", e);
        }
        try {
            return read.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            read.cancel(true); // ends a read; an open that waits for a FIFO's writer ends when one comes
            if (!state.compareAndSet(0, 2)) { // it started: it counts as blocked until it returns
                BLOCKED.compute(id, (k, n) -> {
                    java.util.concurrent.atomic.AtomicInteger count = n == null
                            ? new java.util.concurrent.atomic.AtomicInteger() : n;
                    count.incrementAndGet();
                    return count;
                });
                returned.whenComplete((v, x) -> BLOCKED.computeIfPresent(id, (k, n) -> n.decrementAndGet() <= 0
                        ? null : n));
            }
            throw new ZoneFileException(String.format(Locale.ROOT, "%s: not read within %d ms (a FIFO, or a stalled"
                    + " file system?); a local zone must be a regular file", file, deadline.toMillis()), 0);
        } catch (InterruptedException e) {
            read.cancel(true);
            Thread.currentThread().interrupt();
            throw new ZoneFileException(file + ": interrupted while being read", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof ZoneFileException z) {
                throw z;
            }
            throw new ZoneFileException(file + ": cannot read: " + cause, cause);
        }
    }

    private static byte[] readAtMost(Path file, long expected) throws IOException, ZoneFileException {
        if (expected > Integer.MAX_VALUE - 8) {
            throw new ZoneFileException(file + ": too large to read", 0); // the cap keeps sizes far below
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer content = ByteBuffer.allocate((int) expected);
            while (content.hasRemaining() && channel.read(content) >= 0) {
                // until full or at the end
            }
            if (!content.hasRemaining() && channel.read(ByteBuffer.allocate(1)) > 0) {
                throw changed(file); // grew, or is not what was checked (a device): never read past the size
            }
            return content.position() == expected ? content.array() : Arrays.copyOf(content.array(),
                    content.position());
        }
    }

    private static ZoneFileException changed(Path file) {
        return new ZoneFileException(file + ": changed while being read; write a new file and rename it over the"
                + " old one", 0);
    }
}

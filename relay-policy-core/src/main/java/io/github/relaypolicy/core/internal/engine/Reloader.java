package io.github.relaypolicy.core.internal.engine;

import io.github.relaypolicy.core.internal.limit.LimitState;
import io.github.relaypolicy.core.PolicyFileException;
import io.github.relaypolicy.core.internal.FileStamp;
import io.github.relaypolicy.core.internal.engine.Rules;
import io.github.relaypolicy.core.internal.dns.ListNames;
import io.github.relaypolicy.core.internal.zone.LocalZone;
import io.github.relaypolicy.core.internal.zone.ReloadResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * The rules in force and everything that replaces them: reloads given by the caller, the watch of a policy file and
 * the watch of the local zone files. One lock (this object's monitor) serialises every change, so that the zone files
 * watched are always those of the rules in force; reading the rules ({@link #rules()}) takes no lock.
 */
public final class Reloader {

    /** The logger reloads report to: the engine's, where administrators look. */
    static final String LOGGER = "io.github.relaypolicy.core.RelayEngine";

    private static final System.Logger LOG = System.getLogger(LOGGER);

    /**
     * What reading a policy file gave: its rules, or why it cannot be used; and the files it named.
     *
     * @param rules the rules, or null if the file cannot be used
     * @param failure why not, or null
     * @param files the files it was read from, or those it named when it failed (to be watched for a fix)
     */
    public record Loaded(@Nullable Rules rules, @Nullable PolicyFileException failure, List<Path> files) {
    }

    /** Reads a policy file; reports any problem as a failure, never throws. */
    @FunctionalInterface
    public interface Loader {
        /** The rules of {@code file}, or why it cannot be used. */
        Loaded load(Path file);
    }

    private volatile Rules rules;
    private final Map<String, String> reloadErrors = new ConcurrentHashMap<>();
    // Volatile, as is closed: close() takes no lock, so that a check in progress (a zone file read that waits for its
    // deadline) never holds it up; whichever of close() and a new watch comes second cancels the watch.
    private volatile @Nullable ScheduledFuture<?> zoneWatch;
    private volatile @Nullable ScheduledFuture<?> fileWatch;
    private volatile boolean closed;
    private @Nullable Path policyFile;
    private @Nullable Loader loader;
    private List<Path> watchedFiles = List.of();
    private List<FileStamp> policyStamp = List.of();
    private volatile @Nullable PolicyFileException policyFailure;

    /** Puts {@code rules} in force and watches their zone files. */
    public Reloader(Rules rules) {
        this.rules = rules;
        watchZones(rules);
    }

    /** The rules in force: one volatile read. */
    public Rules rules() {
        return rules;
    }

    /** Puts {@code next} in force, atomically, and watches its zone files instead of the previous ones. */
    private synchronized void install(Rules next) {
        Rules previous = rules;
        // The rate-limit counters carry over when the new rules can use them, so that a reload keeps the counts.
        LimitState unused = next.limits() != null ? next.limits().adopt(previous.limits())
                : previous.limits() != null ? previous.limits().state() : null;
        rules = next;
        watchZones(next);
        if (unused != null && (next.limits() == null || unused != next.limits().state())) {
            unused.close();
        }
        if (closed && next.limits() != null) {
            next.limits().close(); // a reload that raced close(): no shared store stays open for a closed engine
        }
    }

    /** Puts the rules {@code compile} makes in force; compiled under the lock, so concurrent reloads take turns. */
    public synchronized void install(java.util.function.Supplier<Rules> compile) {
        install(compile.get());
    }

    // ------------------------------------------------------------------------------------------ zone files

    /** Watches the local zone files of {@code r}, replacing an earlier watch; called with the lock held. */
    private synchronized void watchZones(Rules r) {
        ScheduledFuture<?> previous = zoneWatch;
        if (previous != null) {
            previous.cancel(false);
            zoneWatch = null;
        }
        reloadErrors.clear();
        if (r.zones().isEmpty() || closed) {
            return;
        }
        ScheduledFuture<?> watch = Watch.every(r.zoneCheckInterval(), "the local zone files", () -> checkZones(r));
        zoneWatch = watch;
        if (closed) { // closed meanwhile, without the lock: close() may not have seen this watch
            watch.cancel(false);
        }
    }

    /** A background check of the zone files of {@code r}, unless a reload replaced them meanwhile. */
    private synchronized void checkZones(Rules r) {
        if (!closed && rules == r) {
            reloadZones(r, true);
        }
    }

    /** Reloads the changed zone files now; a file that fails keeps its previous data and is reported. */
    public synchronized void reloadZonesNow() {
        reloadZones(rules, false);
    }

    /** Reloads the changed zone files of {@code r}; a background check stops once closed. Lock held. */
    private void reloadZones(Rules r, boolean background) {
        for (LocalZone zone : r.zones()) {
            if (background && closed) {
                return; // closed while the previous zone was read: read no more
            }
            try {
                ReloadResult result = zone.reloadIfChanged();
                if (result.error() != null) {
                    reloadErrors.put(zone.zoneName(), result.error());
                    LOG.log(System.Logger.Level.WARNING, "local zone {0}: reload failed, previous data kept: {1}",
                            ListNames.masked(zone.zoneName()), ListNames.maskAll(result.error()));
                    r.listener().zoneReloadFailed(ListNames.displayName(zone.zoneName()),
                            ListNames.maskAll(result.error()));
                } else if (result.reloaded()) {
                    reloadErrors.remove(zone.zoneName());
                    r.listener().zoneReloaded(ListNames.displayName(zone.zoneName()));
                    zone.data().warnings().forEach(w -> LOG.log(System.Logger.Level.WARNING,
                            "local zone {0}: skipped {1}", ListNames.masked(zone.zoneName()), ListNames.maskAll(w)));
                }
            } catch (RuntimeException e) {
                reloadErrors.put(zone.zoneName(), String.valueOf(e));
            }
        }
    }

    /** Skipped lines and failed reloads of the local zone files, secret keys masked. */
    public List<String> zoneWarnings() {
        List<String> all = new ArrayList<>();
        for (LocalZone zone : rules.zones()) {
            zone.data().warnings().forEach(w -> all.add("localZone '" + zone.zoneName() + "': " + w));
            String error = reloadErrors.get(zone.zoneName());
            if (error != null) {
                all.add("localZone '" + zone.zoneName() + "': reload failed, previous data kept: " + error);
            }
        }
        all.replaceAll(ListNames::maskAll); // printed by lint: a zone's secret key only masked
        return List.copyOf(all);
    }

    // ----------------------------------------------------------------------------------------- policy file

    /**
     * Checks {@code file} (read from {@code files}) every {@code every} and reloads it with {@code load} when one of
     * its files changed.
     */
    public synchronized void watchFile(Path file, List<Path> files, Duration every, Loader load) {
        policyFile = file;
        loader = load;
        watchedFiles = List.copyOf(files);
        policyStamp = FileStamp.all(watchedFiles);
        ScheduledFuture<?> watch = Watch.every(every, "policy file " + file, () -> {
            try {
                reloadFileNow();
            } catch (PolicyFileException | IllegalStateException e) {
                // reported by policyFileFailure() and logged; or closed meanwhile
            }
        });
        fileWatch = watch;
        if (closed) {
            watch.cancel(false);
        }
    }

    /**
     * Reloads the watched policy file if it or one of its list files changed.
     *
     * @return true if new rules are in force
     * @throws PolicyFileException if the changed file cannot be used; the previous rules stay in force
     * @throws IllegalStateException if no policy file is watched, or closed
     */
    public synchronized boolean reloadFileNow() {
        Path current = policyFile;
        Loader load = loader;
        if (current == null || load == null) {
            throw new IllegalStateException("this engine was not made by RelayEngine.fromFile(Path, Duration)");
        }
        if (closed) {
            throw new IllegalStateException("this engine is closed: it no longer follows " + current);
        }
        // the lock is held from here to the end: reloads and the zone watch wait, so the policy, the rules and the
        // zone files watched all come from this read.
        // Stamped before reading: a change made while the files are read is seen at the next check.
        List<FileStamp> before = FileStamp.all(watchedFiles);
        if (before.equals(policyStamp)) {
            return false;
        }
        Loaded next = load.load(current);
        PolicyFileException failure = next.failure();
        if (failure == null && next.rules() != null) {
            install(next.rules());
            stamp(next.files(), before);
            policyFailure = null;
            LOG.log(System.Logger.Level.INFO, "policy file {0}: reloaded", current);
            rules.listener().policyFileReloaded(current); // the new rules' listener: the engine's own
            return true;
        }
        if (failure == null) {
            throw new IllegalStateException("a policy file load gave neither rules nor a failure");
        }
        // a broken file is reported once, not at every check; a change to any file it named is read again,
        // a list file that does not exist yet included
        List<Path> named = new ArrayList<>(watchedFiles);
        next.files().stream().filter(f -> !named.contains(f)).forEach(named::add);
        stamp(named, before);
        policyFailure = failure;
        LOG.log(System.Logger.Level.WARNING, "policy file {0}: reload failed, previous rules kept:\n{1}",
                current, failure.getMessage());
        rules.listener().policyFileReloadFailed(current, failure);
        throw failure;
    }

    /** Watches {@code files} from now on, with the stamps taken {@code before} reading where there are some. */
    private void stamp(List<Path> files, List<FileStamp> before) {
        List<FileStamp> stamps = new ArrayList<>(files.size());
        for (Path f : files) {
            int i = watchedFiles.indexOf(f);
            stamps.add(i >= 0 ? before.get(i) : FileStamp.orMissing(f));
        }
        watchedFiles = List.copyOf(files);
        policyStamp = stamps;
    }

    /** Why the last reload of the watched policy file failed, or empty. */
    public Optional<PolicyFileException> policyFileFailure() {
        return Optional.ofNullable(policyFailure);
    }

    /** Stops both watches without waiting for a check in progress; takes no lock. */
    public void close() {
        closed = true; // before the watches are read: a watch made meanwhile sees it and cancels itself
        Limits limits = rules.limits();
        if (limits != null) {
            limits.close(); // the shared store's connection; counting goes on in this process
        }
        ScheduledFuture<?> file = fileWatch;
        if (file != null) {
            file.cancel(false);
        }
        ScheduledFuture<?> zones = zoneWatch;
        if (zones != null) {
            zones.cancel(false);
        }
    }
}

package io.github.relaypolicy.core;

import io.github.relaypolicy.core.internal.engine.Rules;
import io.github.relaypolicy.core.internal.Text;
import io.github.relaypolicy.core.internal.access.AccessTable;
import io.github.relaypolicy.core.internal.access.AccessTables;
import io.github.relaypolicy.core.internal.access.Action;
import io.github.relaypolicy.core.internal.access.Family;
import io.github.relaypolicy.core.internal.engine.Compiler;
import io.github.relaypolicy.core.internal.engine.ConfigBuilder;
import io.github.relaypolicy.core.internal.engine.EngineConfig;
import io.github.relaypolicy.core.internal.engine.Reloader;
import io.github.relaypolicy.core.internal.engine.SettingException;
import io.github.relaypolicy.core.internal.policyfile.Applier;
import io.github.relaypolicy.core.internal.policyfile.Keys;
import io.github.relaypolicy.core.internal.policyfile.Lexer;
import io.github.relaypolicy.core.internal.policyfile.Origin;
import io.github.relaypolicy.core.internal.policyfile.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A policy file: the text form of everything {@link RelayEngine.Builder} can configure, with Postfix's names
 * where the concept is the same. The format is described in {@code docs/policy-file.md}; in short:
 *
 * <pre>
 * # relay-policy.conf
 * mydestination = example.org, .corp.example      # local domains
 * relay_domains = partner.example
 * mynetworks    = 127.0.0.0/8, 192.0.2.0/24,
 *                 ./trusted-networks.txt           # a list file: one entry per line
 * permit_authenticated = yes
 * dnsbl_sites   = zen.spamhaus.org=127.0.0.[2..11;30]*3, bl.local*3
 * dnsbl_threshold = 3
 * local_zone.bl.local = blocked.ip4set
 * reply.reject_unauth_destination = 554 5.7.1 &lt;{recipient}&gt;: Relay access denied
 * </pre>
 *
 * <p>A setting starts at the beginning of a line ({@code key = value}); a line that starts with whitespace
 * continues the setting above it. {@code #} starts a comment at the beginning of a line or after whitespace.
 * List values are separated by commas or whitespace; an entry that starts with {@code /}, {@code ./} or
 * {@code ../} names a list file (relative to the policy file's folder) whose lines hold the entries. Every
 * problem is reported with {@code file:line:column}, the text and what was expected; an unknown key is an
 * error, with a suggestion; a key given twice is an error.
 *
 * <p>Immutable and thread-safe once read.
 *
 * @since 0.1.0
 */
public final class PolicyFile {

    private final Path file;
    private final List<Lexer.Setting> settings;
    private final List<Path> files;
    /** The settings, applied once when the file was read; copied for each builder handed out. */
    private final ConfigBuilder config;
    /** Where each local zone was configured: its file is only loaded when the rules are compiled. */
    private final Map<String, Origin> zoneOrigins;

    private PolicyFile(Path file, List<Lexer.Setting> settings, List<Path> files, ConfigBuilder config,
            Map<String, Origin> zoneOrigins) {
        this.file = file;
        this.settings = settings;
        this.files = files;
        this.config = config;
        this.zoneOrigins = zoneOrigins;
    }

    /**
     * Reads and checks a policy file and the list files it names. Local zone files are loaded, and the rules
     * compiled, when an engine is built.
     *
     * @param file the policy file (UTF-8)
     * @return the policy
     * @throws PolicyFileException listing every problem found, each with file, line, column, text and what was
     *     expected; also when a file cannot be read
     * @since 0.1.0
     */
    public static PolicyFile read(Path file) {
        List<PolicyFileException.Problem> problems = new ArrayList<>();
        Set<Path> files = new LinkedHashSet<>();
        files.add(file);
        List<Lexer.Setting> settings = Lexer.read(file, problems, files);
        RelayEngine.Builder builder = RelayEngine.builder();
        Applier.Result applied = Applier.apply(file, settings, builder, problems);
        files.addAll(applied.mapFiles()); // watched with the policy file, like list files
        if (!problems.isEmpty()) {
            throw new PolicyFileException(problems, null, List.copyOf(files));
        }
        Map<String, Origin> zoneOrigins = applied.zoneOrigins();
        builder.config.placer(e -> place(e, zoneOrigins));
        return new PolicyFile(file, List.copyOf(settings), List.copyOf(files), builder.config, zoneOrigins);
    }

    /** A problem with a local zone, at the {@code local_zone.ZONE} line that configured it. */
    private static IllegalArgumentException place(IllegalArgumentException e, Map<String, Origin> zoneOrigins) {
        Origin origin = e instanceof SettingException s ? zoneOrigins.get(s.zone()) : null;
        return origin == null ? e : new PolicyFileException(List.of(origin.problem(e.getMessage())), e);
    }

    /**
     * The policy file itself.
     *
     * @return the path given to {@link #read}
     * @since 0.1.0
     */
    public Path file() {
        return file;
    }

    /**
     * The files this policy was read from: the policy file, then the list files it names, in order, then the
     * sender login maps. Local zone files are not included: the engine watches them itself.
     *
     * @return the files
     * @since 0.1.0
     */
    public List<Path> files() {
        return files;
    }

    /**
     * A new builder configured with this policy; adding to it does not change the policy.
     *
     * @return the builder
     * @since 0.1.0
     */
    public RelayEngine.Builder builder() {
        return new RelayEngine.Builder(new ConfigBuilder(config));
    }

    /**
     * The values written for a key, as a tool reading the policy needs them: the entries of a list setting (list
     * files expanded, in order), or the one value of any other setting; empty if the key is not set (its default
     * applies). For keys with a name ({@code reply.RULE}, {@code local_zone.ZONE}) pass the full key.
     *
     * @param key a key as written, e.g. {@code mynetworks} or {@code local_zone.bl.local}
     * @return the values, empty if not set
     * @throws IllegalArgumentException if the key is not a key of this format
     * @since 0.1.0
     */
    public List<String> values(String key) {
        Keys.Key k = Keys.lookup(key);
        if (k == null || k.suffixed() != key.startsWith(k.name() + ".")) {
            throw new IllegalArgumentException(Keys.unknownKey(key));
        }
        String suffix = k.suffixed() ? key.substring(k.name().length() + 1) : "";
        for (Lexer.Setting s : settings) {
            if (s.key().equals(k) && s.suffix().equalsIgnoreCase(suffix)) {
                return k.kind() == Keys.Kind.LIST ? Lexer.tokens(s.value()).stream().map(Lexer.Segment::text).toList()
                        : List.of(s.text());
            }
        }
        return List.of();
    }

    /**
     * This policy without its DNS lists and local zones (and their settings): the relay rules alone, for an
     * offline audit. DNS lists never grant relay, so they cannot change whether a policy is an open relay.
     *
     * @return the policy without lists
     * @since 0.1.0
     */
    public PolicyFile withoutDnsLists() {
        List<Lexer.Setting> kept = settings.stream().filter(s -> !(s.name().startsWith("dns")
                || s.name().endsWith("_sites") || s.name().startsWith("local_zone"))).toList();
        return new PolicyFile(file, kept, files, config.withoutDnsLists(), Map.of());
    }

    /**
     * The effective policy: every setting with its value, defaults included, in this format; list files are
     * expanded into their entries (at most {@code maxEntries} shown per list, the rest counted in a comment).
     *
     * @param maxEntries the most entries shown per list
     * @return the policy text
     * @since 0.1.0
     */
    public String effective(int maxEntries) {
        return Writer.effective(config.config(), maxEntries);
    }

    /**
     * The rules of this policy. Compiling finds what only the files can tell (local zone files); such problems name
     * their setting's place. Anything else is reported against the file as a whole, still as a
     * {@link PolicyFileException}, never as another exception.
     */
    Rules compile() {
        return compile(EngineListener.NONE);
    }

    /** {@link #compile()}, the rules reporting to {@code listener} (guarded already). */
    Rules compile(EngineListener listener) {
        try {
            ConfigBuilder settings = config;
            if (listener != EngineListener.NONE) {
                settings = new ConfigBuilder(config); // this policy stays as it was read
                settings.listener(listener);
            }
            return Compiler.compile(settings.config());
        } catch (SettingException e) {
            throw place(e, zoneOrigins);
        } catch (PolicyFileException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new PolicyFileException(List.of(new PolicyFileException.Problem(file, 0, 0, "",
                    "cannot be used: " + e.getMessage())), e, files);
        }
    }

    /** Reads and compiles {@code file} again for a watching engine; never throws. */
    static Reloader.Loaded reload(Path file) {
        return reload(file, EngineListener.NONE);
    }

    /** {@link #reload(Path)}, the rules reporting to {@code listener} (guarded already). */
    static Reloader.Loaded reload(Path file, EngineListener listener) {
        PolicyFileException failure;
        try {
            PolicyFile next = read(file);
            return new Reloader.Loaded(next.compile(listener), null, next.files());
        } catch (PolicyFileException e) {
            failure = e;
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            failure = new PolicyFileException(List.of(new PolicyFileException.Problem(file, 0, 0, "",
                    "cannot be used: " + e)), e);
        }
        return new Reloader.Loaded(null, failure, failure.files());
    }

    /**
     * One entry of an access table ({@code check_client_access} and the others), for tools that review a policy.
     *
     * @param setting the key that names the table, e.g. {@code check_client_access}
     * @param file the table file
     * @param line the entry's line in it
     * @param key the entry's key as written: a network, an address, a domain or a pattern
     * @param action the entry's action as a word: {@code OK}, {@code RELAY}, {@code REJECT}, {@code DEFER},
     *     {@code CODE} (a {@code 4NN}/{@code 5NN} reply), {@code DUNNO}, {@code WARN}, {@code DISCARD}, {@code HOLD},
     *     {@code FILTER}, {@code REDIRECT} or {@code PREPEND}
     * @since 0.1.0
     */
    public record AccessEntry(String setting, Path file, int line, String key, String action) {
    }

    /**
     * Every entry of the policy's access tables, in the order they are checked.
     *
     * @return the entries; empty without access tables
     * @since 0.1.0
     */
    public List<AccessEntry> accessEntries() {
        List<AccessEntry> entries = new ArrayList<>();
        for (Action a : config.config().access().actions()) {
            entries.add(new AccessEntry(a.family().setting(), Path.of(a.file()), a.line(), a.key(), a.type().name()));
        }
        return List.copyOf(entries);
    }

    /**
     * What an administrator should look at twice in the access tables: entries that never match (a network after
     * one that contains it, a key Postfix's default lookups never use), and {@code OK} entries that a Postfix
     * administrator may have meant to grant relay (here only {@code RELAY} and {@code mynetworks} do), each with its
     * file and line.
     *
     * @return the warnings, e.g. {@code check_client_access /etc/relay-policy/clients.cidr:3: '192.0.2.0/24 OK'
     *     does not grant relay ...}
     * @since 0.1.0
     */
    public List<String> accessWarnings() {
        EngineConfig engineConfig = config.config();
        AccessTables access = engineConfig.access();
        List<String> warnings = new ArrayList<>();
        for (Family f : Family.values()) {
            for (AccessTable table : access.family(f)) {
                warnings.addAll(table.warnings());
            }
        }
        for (Action a : access.actions()) {
            if (a.type() != Action.Type.OK || a.family() == Family.HELO || a.family() == Family.SENDER) {
                continue;
            }
            if (a.family() == Family.RECIPIENT && ours(engineConfig, a.key())) {
                continue; // OK for one of our own domains only skips the later checks, in Postfix too
            }
            boolean client = a.family() == Family.CLIENT;
            warnings.add(String.format(Locale.ROOT, "%s: '%s OK' does not %s here: OK only ends the access tables"
                    + " and skips the DNS lists (in Postfix, OK before reject_unauth_destination opens the relay);"
                    + " write RELAY, or put %s", a.source(), Text.escape(a.key()), client ? "grant relay"
                    : "make the recipient relayable", client ? "the network in mynetworks" : "the domain in"
                    + " relay_domains"));
        }
        return List.copyOf(warnings);
    }

    /** Whether a recipient table's key names an address or domain that mydestination or relay_domains covers. */
    private static boolean ours(EngineConfig config, String key) {
        int at = key.lastIndexOf('@');
        String domain = key.substring(at + 1).toLowerCase(Locale.ROOT);
        if (domain.isEmpty() || domain.startsWith("/")) {
            return false; // user@ (any domain), or a pattern
        }
        return config.domains().lookup(domain, 0, domain.length()) >= 0;
    }

    @Override
    public String toString() {
        return "PolicyFile[" + file + ", " + settings.size() + " settings]";
    }
}

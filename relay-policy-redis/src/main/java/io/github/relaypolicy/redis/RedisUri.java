package io.github.relaypolicy.redis;

import io.lettuce.core.RedisURI;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A checked {@code redis://[[USER]:PASSWORD@]HOST:PORT[/DB]}: what {@link RedisRateLimitStoreProvider#validate}
 * accepts. The password never appears in {@link #describe()} nor in an error message.
 */
final class RedisUri {

    static final String SCHEME = "redis";
    static final String FORM = "redis://HOST:PORT[/DB]";
    /** Redis's default number of databases ({@code databases 16}). */
    static final int DATABASES = 16;

    private final String host;
    private final int port;
    private final int database;
    private final @Nullable String user;
    private final @Nullable String password;

    private RedisUri(String host, int port, int database, @Nullable String user, @Nullable String password) {
        this.host = host;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
    }

    /**
     * Checks and takes apart a URI.
     *
     * @throws IllegalArgumentException naming what is wrong, never the password
     */
    static RedisUri parse(URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null || !scheme.toLowerCase(Locale.ROOT).equals(SCHEME)) {
            throw bad("the scheme is not " + SCHEME);
        }
        if (uri.isOpaque() || uri.getRawAuthority() == null) {
            throw bad("no HOST:PORT");
        }
        if (uri.getRawQuery() != null) {
            throw bad("a query (?...) is not supported");
        }
        if (uri.getRawFragment() != null) {
            throw bad("a fragment (#...) is not supported");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw bad("no valid host");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1); // IPv6 literal: Lettuce wants it without brackets
        }
        int port = uri.getPort();
        if (port == -1) {
            throw bad("no port");
        }
        if (port < 1 || port > 65535) {
            throw bad("port " + port + " is not in 1..65535");
        }
        int database = database(uri.getRawPath());
        String user = null;
        String password = null;
        String info = uri.getUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            if (colon < 0) {
                password = info; // redis://PASSWORD@HOST:PORT, as redis-cli -u takes it
            } else {
                user = colon == 0 ? null : info.substring(0, colon);
                password = info.substring(colon + 1);
            }
            if (password.isEmpty()) {
                throw bad("the password in the user information is empty");
            }
        }
        return new RedisUri(host, port, database, user, password);
    }

    private static int database(@Nullable String path) {
        if (path == null || path.isEmpty()) {
            return 0;
        }
        String db = path.substring(1); // a hierarchical URI's path starts with '/'
        if (db.isEmpty() || db.length() > 2 || !db.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw bad("the path '" + escape(path) + "' is not /DB with DB a database number 0.."
                    + (DATABASES - 1));
        }
        int n = Integer.parseInt(db);
        if (n >= DATABASES) {
            throw bad("database " + n + " is not in 0.." + (DATABASES - 1));
        }
        return n;
    }

    /**
     * The message says what is wrong, not the URI: the engine puts the setting and its value (password masked) in
     * front, as it does for every setting.
     */
    private static IllegalArgumentException bad(String why) {
        return new IllegalArgumentException(String.format(Locale.ROOT, "%s (expected %s)", why, FORM));
    }

    /** Control and non-ASCII characters as {@code \\uXXXX}, so that a message stays one printable line. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200) + 8);
        for (int i = 0; i < s.length(); i++) {
            if (b.length() >= 200) {
                return b.append("...").toString();
            }
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** {@code redis://HOST:PORT/DB}, without user information. */
    String describe() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return SCHEME + "://" + escape(h) + ":" + port + "/" + database;
    }

    /** Lettuce's URI: same server, database and credentials; {@code timeout} for connecting and each command. */
    RedisURI toLettuce(Duration timeout) {
        RedisURI.Builder b = RedisURI.builder().withHost(host).withPort(port).withDatabase(database)
                .withTimeout(timeout);
        if (password != null) {
            if (user != null) {
                b.withAuthentication(user, password);
            } else {
                b.withPassword(password.toCharArray());
            }
        }
        return b.build();
    }
}

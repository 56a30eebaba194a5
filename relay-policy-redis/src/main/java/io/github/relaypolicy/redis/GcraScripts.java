package io.github.relaypolicy.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The two Lua scripts of the store, each one atomic operation over all its keys, following the arithmetic of
 * {@link io.github.relaypolicy.core.spi.RateLimitBucket} exactly. A cell is a string key holding its TAT (epoch
 * milliseconds, decimal) with a {@code PX} expiry at that TAT, so an idle cell vanishes by itself.
 *
 * <p>Time is the engine's {@code now} from ARGV, never Redis's {@code TIME}: the engine's clock is the one its local
 * counters and its tests use. Numbers are Lua doubles: exact for integers below 2^53, which epoch milliseconds and
 * {@code burst * interval} (a period in milliseconds) stay far below. The integer division of "remaining" is
 * corrected after {@code math.floor}, so that a quotient rounded up to the next integer cannot slip through.
 */
final class GcraScripts {

    private GcraScripts() {
    }

    /**
     * KEYS: the guards, then the buckets. ARGV: now, the number of guards, dryRun ({@code 1} or {@code 0}), then
     * interval and burst of each key in KEYS order. Returns {@code {refused, remaining of each bucket...}}: refused
     * is the 0-based index of the first full cell or -1.
     */
    static final Script ACQUIRE = new Script("acquire", """
            local now = tonumber(ARGV[1])
            local guards = tonumber(ARGV[2])
            local dry = ARGV[3] == '1'
            local n = #KEYS
            local tats = {}
            local refused = -1
            for i = 1, n do
              local interval = tonumber(ARGV[2 + 2 * i])
              local burst = tonumber(ARGV[3 + 2 * i])
              local tat = redis.call('GET', KEYS[i])
              if tat then tat = tonumber(tat) else tat = now end
              if tat < now then tat = now end
              tats[i] = tat
              if refused < 0 and tat - now + interval > burst * interval then refused = i - 1 end
            end
            local take = refused < 0 and not dry
            local out = {refused}
            for i = guards + 1, n do
              local interval = tonumber(ARGV[2 + 2 * i])
              local burst = tonumber(ARGV[3 + 2 * i])
              local tat = tats[i]
              if take then
                tat = tat + interval
                redis.call('SET', KEYS[i], string.format('%d', tat), 'PX', string.format('%d', tat - now))
              end
              local room = burst * interval - (tat - now)
              local remaining = 0
              if room > 0 then
                remaining = math.floor(room / interval)
                if remaining * interval > room then
                  remaining = remaining - 1
                elseif (remaining + 1) * interval <= room then
                  remaining = remaining + 1
                end
              end
              out[#out + 1] = remaining
            end
            return out
            """);

    /**
     * KEYS: the buckets. ARGV: now, then the interval of each key. Moves each present cell's TAT back by its interval,
     * deleting the cell if that is not after now. Returns 0.
     */
    static final Script RELEASE = new Script("release", """
            local now = tonumber(ARGV[1])
            for i = 1, #KEYS do
              local tat = redis.call('GET', KEYS[i])
              if tat then
                tat = tonumber(tat) - tonumber(ARGV[1 + i])
                if tat > now then
                  redis.call('SET', KEYS[i], string.format('%d', tat), 'PX', string.format('%d', tat - now))
                else
                  redis.call('DEL', KEYS[i])
                end
              end
            end
            return 0
            """);

    /** A script's text and the SHA-1 that {@code SCRIPT LOAD} answers and {@code EVALSHA} takes. */
    static final class Script {
        final String name;
        final String text;
        final String sha;

        Script(String name, String text) {
            this.name = name;
            this.text = text;
            this.sha = sha1(text);
        }

        private static String sha1(String text) {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-1");
                return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is missing from this Java runtime", e);
            }
        }
    }
}

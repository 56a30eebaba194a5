package io.github.relaypolicy.core.internal.zone;

import io.github.relaypolicy.core.internal.match.IpText;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** Test helpers: zones from lines, answers as text. */
final class Zones {

    private Zones() {
    }

    /** Parses lines as the file {@code zone.txt}, strictly. */
    static ZoneData strict(ZoneType type, String... lines) {
        try {
            return ZoneData.parse("zone.txt", bytes(lines), type, true);
        } catch (ZoneFileException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    /** Parses lines as the file {@code zone.txt}, leniently. */
    static ZoneData lenient(ZoneType type, String... lines) {
        try {
            return ZoneData.parse("zone.txt", bytes(lines), type, false);
        } catch (ZoneFileException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    static byte[] bytes(String... lines) {
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** What the zone answers for an IPv4 address: {@code NXDOMAIN}, {@code A} or {@code A TXT}. */
    static String ask4(ZoneData zone, String address) {
        long a = parse4(address);
        return describe(zone.lookup4(a), IpText.format4(a));
    }

    /** What the zone answers for an IPv6 address. */
    static String ask6(ZoneData zone, String address) {
        long[] v = parse6(address);
        return describe(zone.lookup6(v[0], v[1]), IpText.format6(v[0], v[1]));
    }

    /** What the zone answers for a name. */
    static String askName(ZoneData zone, String name) {
        return describe(zone.lookupName(name), name);
    }

    static long parse4(String address) {
        long a = IpText.parse4(address, 0, address.length());
        if (a < 0) {
            throw new IllegalArgumentException(address);
        }
        return a;
    }

    static String format4(long address) {
        return IpText.format4(address);
    }

    static long[] parse6(String address) {
        long[] v = new long[2];
        int r = IpText.parse6(address, 0, address.length(), (hi, lo) -> {
            v[0] = hi;
            v[1] = lo;
            return 0;
        });
        if (r == IpText.INVALID) {
            throw new IllegalArgumentException(address);
        }
        return v;
    }

    static String describe(@Nullable ZoneAnswer answer, String subject) {
        if (answer == null) {
            return "NXDOMAIN";
        }
        String txt = answer.txt(subject);
        return txt == null ? answer.addressText() : answer.addressText() + " " + txt;
    }
}

package io.github.relaypolicy.core.internal.zone;

/**
 * The prefixes of a trie zone seen so far, each with the line that added it, to report a duplicate at its own line
 * as rbldnsd does (it keeps the first). Open addressing over primitive arrays: a million prefixes cost no boxing.
 */
final class PrefixSet {

    private long[] his = new long[1024];
    private long[] los = new long[1024];
    private byte[] lengths = new byte[1024];
    /** 0: empty slot. */
    private int[] lines = new int[1024];
    private int size;

    /**
     * Adds a prefix.
     *
     * @return 0 if it is new, else the line that added it first
     */
    int add(long hi, long lo, int length, int line) {
        if (2 * (size + 1) > lines.length) {
            grow();
        }
        int mask = lines.length - 1;
        for (int i = slot(hi, lo, length, mask); ; i = (i + 1) & mask) {
            if (lines[i] == 0) {
                his[i] = hi;
                los[i] = lo;
                lengths[i] = (byte) length;
                lines[i] = line;
                size++;
                return 0;
            }
            if (his[i] == hi && los[i] == lo && lengths[i] == (byte) length) {
                return lines[i];
            }
        }
    }

    private static int slot(long hi, long lo, int length, int mask) {
        long h = hi * 0x9E3779B97F4A7C15L + lo * 0xC2B2AE3D27D4EB4FL + length;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void grow() {
        long[] oldHi = his;
        long[] oldLo = los;
        byte[] oldLen = lengths;
        int[] oldLines = lines;
        int n = oldLines.length * 2;
        his = new long[n];
        los = new long[n];
        lengths = new byte[n];
        lines = new int[n];
        int mask = n - 1;
        for (int j = 0; j < oldLines.length; j++) {
            if (oldLines[j] != 0) {
                int i = slot(oldHi[j], oldLo[j], oldLen[j] & 0xff, mask);
                while (lines[i] != 0) {
                    i = (i + 1) & mask;
                }
                his[i] = oldHi[j];
                los[i] = oldLo[j];
                lengths[i] = oldLen[j];
                lines[i] = oldLines[j];
            }
        }
    }
}

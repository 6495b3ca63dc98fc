package io.iommutracker.emulator.model;

import java.util.Arrays;

/**
 * A mutable set of device or bus keys for one computation, iterated in insertion order, without boxing. Device keys
 * differ mostly above their low bits (devfn 0 on many buses), which a plain {@code HashSet<Long>} bins together; the
 * hash here mixes every bit.
 */
public final class LongSet {

    private static final long[] NO_KEYS = {};
    private static final int[] NO_TABLE = {0};

    // most sets of one derivation stay empty: nothing is allocated until the first key
    private long[] keys = NO_KEYS;
    private int size;
    /** Open addressing: index + 1 into {@link #keys}, 0 for empty. */
    private int[] table = NO_TABLE;

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    public int size() {
        return size;
    }

    public long at(int i) {
        return keys[i];
    }

    public boolean contains(long key) {
        return indexOf(key) >= 0;
    }

    /** The insertion index of {@code key}, or -1. */
    public int indexOf(long key) {
        if (size == 0) {
            return -1;
        }
        int mask = table.length - 1;
        for (int h = mix(key) & mask; table[h] != 0; h = (h + 1) & mask) {
            if (keys[table[h] - 1] == key) {
                return table[h] - 1;
            }
        }
        return -1;
    }

    /** Adds {@code key}; whether it was new. */
    public boolean add(long key) {
        int n = size;
        return insert(key) == n;
    }

    /** Adds {@code key} if it is new; its insertion index either way (one probe sequence for find-or-add). */
    public int insert(long key) {
        if (keys == NO_KEYS) {
            keys = new long[8];
            table = new int[16];
        }
        int mask = table.length - 1;
        int h = mix(key) & mask;
        for (; table[h] != 0; h = (h + 1) & mask) {
            if (keys[table[h] - 1] == key) {
                return table[h] - 1;
            }
        }
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
        }
        keys[size++] = key;
        table[h] = size;
        if (size * 2 > table.length) {
            // at most half full: probes stay short
            rehash();
        }
        return size - 1;
    }

    /** Room for {@code n} keys without growing: a hint from a caller that knows roughly how many will come. */
    public void ensureCapacity(int n) {
        if (n <= keys.length) {
            return;
        }
        int cap = Math.max(8, Integer.highestOneBit(n - 1) << 1);
        keys = Arrays.copyOf(keys, cap);
        table = new int[cap * 2];
        rehashInto();
    }

    private void rehash() {
        table = new int[table.length * 2];
        rehashInto();
    }

    private void rehashInto() {
        int[] t = table;
        int mask = t.length - 1;
        for (int i = 0; i < size; i++) {
            int h = mix(keys[i]) & mask;
            while (t[h] != 0) {
                h = (h + 1) & mask;
            }
            t[h] = i + 1;
        }
    }
}

package io.iommutracker.emulator.group;

/**
 * A memo of one yes/no answer per device key, for one query object. Open addressing over the keys with a mixing hash:
 * device keys of bridges mostly end in devfn 0 (and differ only in bus bits), which a boxed {@code HashMap<Long, ...>}
 * piles into a handful of buckets on a large host.
 */
final class KeyFlags {

    private static final byte ABSENT = 0;
    private static final byte NO = 1;
    private static final byte YES = 2;

    private long[] keys = new long[16];
    private byte[] values = new byte[16];
    private int size;

    /** The answer memoised for {@code key}, or null. */
    Boolean get(long key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            byte v = values[i];
            if (v == ABSENT) {
                return null;
            }
            if (keys[i] == key) {
                return v == YES;
            }
        }
    }

    void put(long key, boolean value) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (values[i] != ABSENT && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (values[i] == ABSENT) {
            size++;
        }
        keys[i] = key;
        values[i] = value ? YES : NO;
    }

    private void grow() {
        long[] oldKeys = keys;
        byte[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new byte[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != ABSENT) {
                put(oldKeys[i], oldValues[i] == YES);
            }
        }
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32) & mask;
    }
}

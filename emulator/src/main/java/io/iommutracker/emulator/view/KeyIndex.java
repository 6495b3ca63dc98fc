package io.iommutracker.emulator.view;

import io.iommutracker.emulator.model.Device;
import java.util.Arrays;

/**
 * Device key ({@code Keys.device}, 48 bits) to position in probe order (16 bits), as one sorted array of packed longs:
 * made and searched without boxing, which a per-event view derivation would otherwise pay for on every host.
 */
final class KeyIndex {

    private final long[] packed;

    private KeyIndex(long[] packed) {
        this.packed = packed;
    }

    static KeyIndex of(Device[] order) {
        long[] p = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            p[i] = (order[i].key() << 16) | i;
        }
        Arrays.sort(p);
        return new KeyIndex(p);
    }

    /** The position of the device with this key, or -1. */
    int get(long key) {
        int lo = 0;
        int hi = packed.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long k = packed[mid] >>> 16;
            if (k < key) {
                lo = mid + 1;
            } else if (k > key) {
                hi = mid - 1;
            } else {
                return (int) (packed[mid] & 0xffff);
            }
        }
        return -1;
    }
}

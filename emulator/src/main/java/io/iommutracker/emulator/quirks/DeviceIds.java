package io.iommutracker.emulator.quirks;

import java.util.Arrays;

/**
 * A fixed set of PCI device ids, as the quirk tables list them: asked about on every ACS check of a device, so it
 * answers from a sorted array without boxing the id (ids above 127 would allocate a fresh Integer each time).
 */
final class DeviceIds {

    private final int[] sorted;

    private DeviceIds(int[] sorted) {
        this.sorted = sorted;
    }

    static DeviceIds of(int... ids) {
        int[] s = ids.clone();
        Arrays.sort(s);
        return new DeviceIds(s);
    }

    boolean contains(int id) {
        return Arrays.binarySearch(sorted, id) >= 0;
    }
}

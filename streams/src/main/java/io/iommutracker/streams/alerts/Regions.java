package io.iommutracker.streams.alerts;

import io.iommutracker.avro.ResvRegion;
import io.iommutracker.avro.ResvType;

/** Reserved regions as /sys/kernel/iommu_groups/N/reserved_regions prints them (iommu_group_show_resv_regions()). */
public final class Regions {

    private Regions() {
    }

    public static String sysfsType(ResvType t) {
        // iommu_group_resv_type_string[]
        return switch (t) {
            case DIRECT -> "direct";
            case DIRECT_RELAXABLE -> "direct-relaxable";
            case RESERVED -> "reserved";
            case MSI -> "msi";
            case SW_MSI -> "msi";
        };
    }

    /** {@code 0x%016x 0x%016x %s}, formatted by hand: diffs print every region of a changed group. */
    public static String sysfsLine(ResvRegion r) {
        StringBuilder b = new StringBuilder(48);
        hex16(b, r.getStart()).append(' ');
        hex16(b, r.getEnd()).append(' ');
        return b.append(sysfsType(r.getType())).toString();
    }

    /** {@code 0x%016x}. */
    public static StringBuilder hex16(StringBuilder b, long v) {
        b.append("0x");
        for (int shift = 60; shift >= 0; shift -= 4) {
            b.append(Character.forDigit((int) (v >>> shift) & 0xf, 16));
        }
        return b;
    }
}

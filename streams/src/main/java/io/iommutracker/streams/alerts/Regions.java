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

    public static String sysfsLine(ResvRegion r) {
        return String.format("0x%016x 0x%016x %s", r.getStart(), r.getEnd(), sysfsType(r.getType()));
    }
}

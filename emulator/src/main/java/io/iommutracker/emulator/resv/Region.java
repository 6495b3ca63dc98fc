package io.iommutracker.emulator.resv;

import io.iommutracker.avro.ResvType;

/**
 * One reserved region (struct iommu_resv_region): [start, end] inclusive and its type.
 * sysfs prints it as {@code 0x%016llx 0x%016llx %s} (iommu_group_show_resv_regions).
 */
public record Region(long start, long end, ResvType type) {

    public Region {
        if (Long.compareUnsigned(start, end) > 0) {
            throw new IllegalArgumentException("region start after end: " + Long.toHexString(start) + " > " + Long.toHexString(end));
        }
    }

    /** The string sysfs shows: SW_MSI prints as "msi" too (iommu_resv_type_string). */
    public static String typeString(ResvType t) {
        return switch (t) {
            case DIRECT -> "direct";
            case DIRECT_RELAXABLE -> "direct-relaxable";
            case RESERVED -> "reserved";
            case MSI, SW_MSI -> "msi";
        };
    }

    public String sysfsLine() {
        return String.format("0x%016x 0x%016x %s", start, end, typeString(type));
    }
}

package io.iommutracker.emulator.resv;

import io.iommutracker.avro.ResvType;

/** enum iommu_resv_type as the kernel numbers it; the merge orders ties by this value. */
final class ResvTypes {

    private ResvTypes() {
    }

    /** The kernel's value (include/linux/iommu.h), written out so a reordered Avro enum cannot change it. */
    static int kernelValue(ResvType type) {
        return switch (type) {
            case DIRECT -> 0;
            case DIRECT_RELAXABLE -> 1;
            case RESERVED -> 2;
            case MSI -> 3;
            case SW_MSI -> 4;
        };
    }
}

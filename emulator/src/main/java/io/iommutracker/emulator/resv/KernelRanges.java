package io.iommutracker.emulator.resv;

import io.iommutracker.avro.ResvType;

/** Fixed windows the drivers report, with the kernel macro each comes from. */
final class KernelRanges {

    private KernelRanges() {
    }

    /** x86 IOAPIC_RANGE_START/END (intel) and MSI_RANGE_START/END (amd): the interrupt window. */
    static final long X86_MSI_START = 0xfee0_0000L;
    static final long X86_MSI_END = 0xfeef_ffffL;

    /** amd HT_RANGE_START/END: HyperTransport reserved space below 1 TiB. */
    static final long AMD_HT_START = 0xfd_0000_0000L;
    static final long AMD_HT_END = 0xff_ffff_ffffL;

    /** MSI_IOVA_BASE / MSI_IOVA_LENGTH shared by arm-smmu, arm-smmu-v3 and virtio-iommu. */
    static final long MSI_IOVA_BASE = 0x0800_0000L;
    static final long MSI_IOVA_LENGTH = 0x10_0000L;

    /** 4 KiB pages: the kernels whose reserved regions the emulator reproduces. */
    static final long PAGE_SIZE = 0x1000L;
    static final long PAGE_MASK = ~(PAGE_SIZE - 1);

    static final long SZ_64K = 0x1_0000L;

    static Region x86Msi() {
        return new Region(X86_MSI_START, X86_MSI_END, ResvType.MSI);
    }

    static Region swMsi() {
        return ofLength(MSI_IOVA_BASE, MSI_IOVA_LENGTH, ResvType.SW_MSI);
    }

    /** iommu_alloc_resv_region(start, length, ...): the region [start, start + length - 1]. */
    static Region ofLength(long start, long length, ResvType type) {
        long end = start + length - 1;
        // A firmware range running past 2^64 is cut at the top rather than wrapping to a start-after-end region.
        return new Region(start, Long.compareUnsigned(end, start) < 0 ? -1L : end, type);
    }

    /** PAGE_ALIGN(): round up to the next page boundary. */
    static long pageAlign(long value) {
        return (value + PAGE_SIZE - 1) & PAGE_MASK;
    }
}

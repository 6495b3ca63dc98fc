package io.iommutracker.emulator.resv;

import io.iommutracker.avro.DtReservedMemory;
import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IortRmr;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.ResvType;
import io.iommutracker.emulator.model.Bdf;
import java.util.ArrayList;
import java.util.List;

/**
 * iommu_dma_get_resv_regions() (drivers/iommu/dma-iommu.c): IORT RMRs on ACPI systems
 * (iort_iommu_get_resv_regions), memory-region + iommu-addresses on device-tree systems (of_iommu_get_resv_regions).
 */
final class DmaIommuRegions {

    private DmaIommuRegions() {
    }

    static List<Region> of(HostDescribed host, PciDeviceInfo device) {
        Bdf self = Bdf.parse(device.getBdf());
        return host.getFirmware() == FirmwareKind.DEVICE_TREE ? ofRegions(host, self) : iortRegions(host, self);
    }

    // iort_get_rmrs() / iort_rmr_alloc(): a 64K-misaligned descriptor is widened to whole pages.
    private static List<Region> iortRegions(HostDescribed host, Bdf self) {
        List<Region> out = new ArrayList<>();
        for (IortRmr rmr : host.getIortRmrs()) {
            if (rmr.getSegment() != self.domain() || self.rid() < rmr.getFirstRid() || self.rid() > rmr.getLastRid()) {
                continue;
            }
            long addr = rmr.getBase();
            long size = rmr.getLength();
            if ((addr & (KernelRanges.SZ_64K - 1)) != 0 || (size & (KernelRanges.SZ_64K - 1)) != 0) {
                size = KernelRanges.pageAlign(size + (addr & ~KernelRanges.PAGE_MASK));
                addr &= KernelRanges.PAGE_MASK;
            }
            if (size == 0) {
                continue;
            }
            ResvType type = rmr.getRemapPermitted() ? ResvType.DIRECT_RELAXABLE : ResvType.DIRECT;
            out.add(KernelRanges.ofLength(addr, size, type));
        }
        return out;
    }

    // of_iommu_get_resv_regions() with iommu_resv_region_get_type(): identity -> DIRECT, anything else RESERVED.
    private static List<Region> ofRegions(HostDescribed host, Bdf self) {
        List<Region> out = new ArrayList<>();
        for (DtReservedMemory node : host.getDtReservedMemory()) {
            if (node.getLength() == 0 || !names(node.getDevices(), self)) {
                continue;
            }
            // The node's reg size is taken to equal the iommu-addresses length: the schema carries one length.
            Long phys = node.getPhys();
            ResvType type = phys != null && phys == node.getIova() ? ResvType.DIRECT : ResvType.RESERVED;
            out.add(KernelRanges.ofLength(node.getIova(), node.getLength(), type));
        }
        return out;
    }

    static boolean names(List<String> bdfs, Bdf self) {
        for (String text : bdfs) {
            if (Bdf.isValid(text) && Bdf.parse(text).equals(self)) {
                return true;
            }
        }
        return false;
    }
}

package io.iommutracker.emulator.resv;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.ResvType;
import java.util.ArrayList;
import java.util.List;

/** apple_dart_get_resv_regions() (drivers/iommu/apple-dart.c): the PCIe MSI doorbell page, then the firmware's. */
final class AppleDartRegions {

    private AppleDartRegions() {
    }

    static List<Region> of(HostDescribed host, PciDeviceInfo device) {
        List<Region> out = new ArrayList<>();
        Long doorbell = host.getAppleMsiDoorbell();
        if (doorbell != null) {
            // DOORBELL_ADDR = CONFIG_PCIE_APPLE_MSI_DOORBELL_ADDR & PAGE_MASK, one page long.
            out.add(KernelRanges.ofLength(doorbell & KernelRanges.PAGE_MASK, KernelRanges.PAGE_SIZE, ResvType.MSI));
        }
        out.addAll(DmaIommuRegions.of(host, device));
        return out;
    }
}

package io.iommutracker.emulator.resv;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.PciDeviceInfo;
import java.util.ArrayList;
import java.util.List;

/** arm_smmu_get_resv_regions() (arm-smmu-v3.c, and arm-smmu.c for v2): the software MSI window, then the firmware's. */
final class SmmuRegions {

    private SmmuRegions() {
    }

    static List<Region> of(HostDescribed host, PciDeviceInfo device) {
        List<Region> out = new ArrayList<>();
        out.add(KernelRanges.swMsi());
        out.addAll(DmaIommuRegions.of(host, device));
        return out;
    }
}

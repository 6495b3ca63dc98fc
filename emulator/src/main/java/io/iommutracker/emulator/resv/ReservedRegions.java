package io.iommutracker.emulator.resv;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.PciDeviceInfo;
import java.util.List;

/**
 * CONTRACT: the reserved regions of the host's IOMMU driver (iommu-model.md section 4). Filled in by the
 * reserved-regions work.
 */
public final class ReservedRegions {

    private ReservedRegions() {
    }

    /**
     * What the platform's {@code get_resv_regions} reports for one PCI device, in the driver's order.
     *
     * @param upstream the bridges above the device (its bus->self chain), nearest first, ending at the device on
     *                 the root bus; empty for a device on a root bus
     */
    public static List<Region> forDevice(HostDescribed host, PciDeviceInfo device, List<PciDeviceInfo> upstream) {
        throw new UnsupportedOperationException("reserved regions not implemented yet");
    }

    /** iommu_get_group_resv_regions(): the group's devices' regions, in group list order, merged as iommu_insert_resv_region does. */
    public static List<Region> forGroup(List<List<Region>> perDeviceInGroupOrder) {
        throw new UnsupportedOperationException("reserved regions not implemented yet");
    }

    /** The exact text of /sys/kernel/iommu_groups/N/reserved_regions. */
    public static String sysfsText(List<Region> groupRegions) {
        throw new UnsupportedOperationException("reserved regions not implemented yet");
    }
}

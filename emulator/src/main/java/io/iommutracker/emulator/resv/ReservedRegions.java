package io.iommutracker.emulator.resv;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.PciDeviceInfo;
import java.util.List;

/**
 * The reserved regions of the host's IOMMU driver (iommu-model.md section 4): per device as the driver's
 * {@code get_resv_regions} reports them, per group as {@code iommu_get_group_resv_regions} merges them, and the
 * sysfs text.
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
        List<Region> regions = switch (host.getPlatform()) {
            case NONE -> List.of();
            case INTEL_VT_D -> IntelVtdRegions.of(host, device, upstream);
            case AMD_VI -> AmdViRegions.of(host, device);
            case ARM_SMMU, ARM_SMMU_V3 -> SmmuRegions.of(host, device);
            case VIRTIO_IOMMU -> VirtioIommuRegions.of(host, device);
            case APPLE_DART -> AppleDartRegions.of(host, device);
        };
        return List.copyOf(regions);
    }

    /** iommu_get_group_resv_regions(): the group's devices' regions, in group list order, merged as iommu_insert_resv_region does. */
    public static List<Region> forGroup(List<List<Region>> perDeviceInGroupOrder) {
        List<Region> group = List.of();
        for (List<Region> device : perDeviceInGroupOrder) {
            for (Region region : device) {
                group = ResvInsert.insert(group, region);
            }
        }
        return List.copyOf(group);
    }

    /** The exact text of /sys/kernel/iommu_groups/N/reserved_regions (iommu_group_show_resv_regions). */
    public static String sysfsText(List<Region> groupRegions) {
        StringBuilder text = new StringBuilder();
        for (Region region : groupRegions) {
            text.append(region.sysfsLine()).append('\n');
        }
        return text.toString();
    }
}

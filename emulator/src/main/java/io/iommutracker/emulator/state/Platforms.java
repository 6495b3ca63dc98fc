package io.iommutracker.emulator.state;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.quirks.VendorIds;

/** Which devices get an IOMMU group on a platform (iommu-model.md section 9). */
public final class Platforms {

    /** The modern virtio-iommu PCI device id (0x1040 + virtio device type 23). */
    public static final int VIRTIO_IOMMU_PCI = 0x1057;

    private Platforms() {
    }

    public static IommuPlatform platform(HostDescribed host) {
        return host == null ? IommuPlatform.NONE : host.getPlatform();
    }

    /** fwspec IOMMUs configure DMA, and so create the group, at driver probe (dma_configure), not at IOMMU probe. */
    public static boolean groupsAtDriverBind(HostDescribed host) {
        return switch (platform(host)) {
            case ARM_SMMU, ARM_SMMU_V3, VIRTIO_IOMMU, APPLE_DART -> true;
            default -> false;
        };
    }

    /** Whether the device would have a group now: an IOMMU exists, the device is not the virtio-iommu itself, and on
     * fwspec platforms a driver is bound. */
    public static boolean eligible(HostDescribed host, Device d) {
        if (platform(host) == IommuPlatform.NONE) {
            return false;
        }
        if (d.vendor() == VendorIds.REDHAT_QUMRANET && d.deviceId() == VIRTIO_IOMMU_PCI) {
            return false;
        }
        return !groupsAtDriverBind(host) || d.info().getDriver() != null;
    }
}

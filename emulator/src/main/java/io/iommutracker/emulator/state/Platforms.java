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

    /**
     * Functions an AMD IOMMU does not translate, so amd_iommu_probe_device() → check_device() finds no IOMMU for them
     * in the rlookup table and they get no group: the IOMMU's own function (class 0806, init_iommu_one() clears its
     * rlookup entry: "the IVRS table tells us so, but this is a lie") and the root complex at 0000:00:00.0, which the
     * IVHD device entries of AMD platforms do not name (every AMD capture with groups shows 00:00.0 ungrouped; the
     * IVRS itself is not in those captures).
     */
    static boolean amdUntranslated(Device d) {
        if (d.vendor() != VendorIds.AMD) {
            return false;
        }
        boolean iommuFunction = d.classCode() >> 8 == 0x0806;
        boolean rootComplex = d.bdf().domain() == 0 && d.bdf().bus() == 0 && d.bdf().devfn() == 0 && d.classCode() >> 8 == 0x0600;
        return iommuFunction || rootComplex;
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
        if (platform(host) == IommuPlatform.AMD_VI && amdUntranslated(d)) {
            return false;
        }
        return !groupsAtDriverBind(host) || d.info().getDriver() != null;
    }
}

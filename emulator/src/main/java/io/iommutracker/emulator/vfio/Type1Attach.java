package io.iommutracker.emulator.vfio;

import io.iommutracker.avro.AssignApi;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.ResvType;
import io.iommutracker.avro.Verdict;
import io.iommutracker.emulator.resv.Region;
import java.util.List;

/**
 * The legacy VFIO path: open the group, VFIO_GROUP_SET_CONTAINER (group DMA-ownership claim), then
 * vfio_iommu_type1_attach_group(). The first refusal in kernel order wins.
 */
final class Type1Attach {

    private Type1Attach() {
    }

    static final String UNSAFE_INTERRUPTS_MESSAGE = "No interrupt remapping support.  Use the module param "
            + "\"allow_unsafe_interrupts\" to enable VFIO IOMMU support on this platform";

    static Verdict verdict(HostDescribed host, GroupFacts group, String bdf, List<IovaRange> mappings,
                           List<String> requireDirect) {
        AssignApi api = AssignApi.VFIO;
        if (host.getPlatform() == IommuPlatform.NONE) {
            return Verdicts.refused(api, "EINVAL", "vfio_group_find_or_alloc: the device has no IOMMU group");
        }
        GroupClaim claim = GroupClaim.of(group, bdf, OwnerKind.VFIO, requireDirect);
        if (!claim.otherUsers().isEmpty()) {
            // vfio_group_fops_open: group->opened_file, or cdev_device_open_cnt for iommufd-opened devices.
            return Verdicts.refused(api, "EBUSY", "vfio_group_fops_open: group " + group.groupId()
                    + " is already open by " + String.join(", ", claim.otherUsers()));
        }
        if (claim.heldByRequester()) {
            return Verdicts.allowed(api, "group " + group.groupId() + " is already attached to this container");
        }
        if (!claim.hostDrivers().isEmpty()) {
            return Verdicts.refused(api, "EPERM", "iommu_group_claim_dma_owner: owner_cnt != 0, DMA-API driver bound to "
                    + String.join(", ", claim.hostDrivers()));
        }
        if (!claim.requireDirect().isEmpty()) {
            return Verdicts.refused(api, "EINVAL", "__iommu_device_set_domain: blocking domain refused for "
                    + String.join(", ", claim.requireDirect()) + ": " + GroupClaim.REQUIRE_DIRECT_MESSAGE);
        }
        long apertureEnd = IovaList.apertureEnd(host);
        for (IovaRange m : mappings) {
            if (!new IovaList.Span(m.getStart(), m.getEnd()).within(0, apertureEnd)) {
                return Verdicts.refused(api, "EINVAL", "vfio_iommu_aper_conflict: mapping " + range(m.getStart(), m.getEnd())
                        + " lies outside the aperture " + range(0, apertureEnd));
            }
        }
        for (Region region : group.regions()) {
            if (region.type() == ResvType.DIRECT_RELAXABLE) {
                continue;
            }
            for (IovaRange m : mappings) {
                if (new IovaList.Span(m.getStart(), m.getEnd()).overlaps(region.start(), region.end())) {
                    return Verdicts.refused(api, "EINVAL", "vfio_iommu_resv_conflict: reserved region "
                            + region.sysfsLine() + " overlaps DMA mapping " + range(m.getStart(), m.getEnd()));
                }
            }
        }
        if (IovaList.of(0, apertureEnd).exclude(group.regions()).isEmpty()) {
            return Verdicts.refused(api, "EINVAL", "vfio_iommu_resv_exclude: no usable IOVA left in the aperture");
        }
        if (!group.isolatedMsi() && !host.getAllowUnsafeInterrupts()) {
            return Verdicts.refused(api, "EPERM", "vfio_iommu_type1_attach_group: " + UNSAFE_INTERRUPTS_MESSAGE);
        }
        return Verdicts.allowed(api, "vfio_iommu_type1_attach_group: group " + group.groupId() + " attaches"
                + swMsiNote(group.regions()));
    }

    // vfio_iommu_has_sw_msi(): the MSI cookie sits at the SW_MSI base unless a hardware MSI window exists.
    private static String swMsiNote(List<Region> regions) {
        if (GroupClaim.anyOfType(regions, ResvType.MSI)) {
            return "";
        }
        for (Region r : regions) {
            if (r.type() == ResvType.SW_MSI) {
                return "; MSI cookie base " + hex(r.start());
            }
        }
        return "";
    }

    static String range(long start, long end) {
        return "[" + hex(start) + ", " + hex(end) + "]";
    }

    /** {@code 0x%x}: lower-case hex, a negative value as its unsigned 64-bit pattern. */
    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}

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
 * The iommufd path: iommufd_device_bind() (coherency, isolated MSI, device DMA-ownership claim), then attaching to a
 * paging HWPT of the IOAS (iopt_table_enforce_dev_resv_regions on the device's own regions, iopt_table_add_domain).
 */
final class IommufdBind {

    private IommufdBind() {
    }

    static final String UNSAFE_INTERRUPTS_MESSAGE = "MSI interrupts are not secure, they cannot be isolated by the "
            + "platform. Check that platform features like interrupt remapping are enabled. Use the "
            + "\"allow_unsafe_interrupts\" module parameter to override";

    static Verdict verdict(HostDescribed host, GroupFacts group, String bdf, List<IovaRange> mappings,
                           List<String> requireDirect) {
        AssignApi api = AssignApi.IOMMUFD;
        if (host.getPlatform() == IommuPlatform.NONE) {
            return Verdicts.refused(api, "EINVAL", "iommufd_device_bind: no IOMMU_CAP_CACHE_COHERENCY (no IOMMU)");
        }
        boolean unsafeMsi = !group.isolatedMsi();
        if (unsafeMsi && !host.getAllowUnsafeInterrupts()) {
            return Verdicts.refused(api, "EPERM", "iommufd_device_bind: " + UNSAFE_INTERRUPTS_MESSAGE);
        }
        GroupClaim claim = GroupClaim.of(group, bdf, OwnerKind.IOMMUFD, requireDirect);
        if (!claim.otherUsers().isEmpty()) {
            return Verdicts.refused(api, "EPERM", "iommu_device_claim_dma_owner: group " + group.groupId()
                    + " is owned by another owner: " + String.join(", ", claim.otherUsers()));
        }
        if (!claim.hostDrivers().isEmpty()) {
            return Verdicts.refused(api, "EPERM", "iommu_device_claim_dma_owner: owner_cnt != 0, DMA-API driver bound to "
                    + String.join(", ", claim.hostDrivers()));
        }
        if (!claim.heldByRequester() && !claim.requireDirect().isEmpty()) {
            return Verdicts.refused(api, "EINVAL", "__iommu_device_set_domain: blocking domain refused for "
                    + String.join(", ", claim.requireDirect()) + ": " + GroupClaim.REQUIRE_DIRECT_MESSAGE);
        }
        List<Region> own = deviceRegions(group, bdf);
        int hwMsi = 0;
        int swMsi = 0;
        for (Region region : own) {
            if (region.type() == ResvType.DIRECT_RELAXABLE) {
                continue;
            }
            hwMsi += region.type() == ResvType.MSI ? 1 : 0;
            swMsi += region.type() == ResvType.SW_MSI ? 1 : 0;
            for (IovaRange m : mappings) {
                if (new IovaList.Span(m.getStart(), m.getEnd()).overlaps(region.start(), region.end())) {
                    return Verdicts.refused(api, "EADDRINUSE", "iopt_reserve_iova: reserved region " + region.sysfsLine()
                            + " of " + bdf + " is occupied by mapping " + Type1Attach.range(m.getStart(), m.getEnd()));
                }
            }
        }
        // "Drivers must offer sane combinations of regions"
        if ((swMsi > 0 && hwMsi > 0) || swMsi > 1) {
            return Verdicts.refused(api, "EINVAL", "iopt_table_enforce_dev_resv_regions: " + bdf + " reports "
                    + swMsi + " SW_MSI and " + hwMsi + " MSI regions (WARN_ON(num_sw_msi && num_hw_msi) || num_sw_msi > 1)");
        }
        long apertureEnd = IovaList.apertureEnd(host);
        for (IovaRange m : mappings) {
            if (!new IovaList.Span(m.getStart(), m.getEnd()).within(0, apertureEnd)) {
                return Verdicts.refused(api, "EADDRINUSE", "iopt_table_add_domain: mapping "
                        + Type1Attach.range(m.getStart(), m.getEnd()) + " lies outside the aperture "
                        + Type1Attach.range(0, apertureEnd));
            }
        }
        String reason = "iommufd_device_attach: " + bdf + " attaches to the IOAS";
        if (unsafeMsi) {
            reason += " (allow_unsafe_interrupts: MSI not isolated)";
        }
        return Verdicts.allowed(api, reason);
    }

    /** The device's own regions; the group's merged list when the caller did not record them per device. */
    static List<Region> deviceRegions(GroupFacts group, String bdf) {
        List<Region> own = group.deviceRegions().get(bdf);
        return own != null ? own : group.regions();
    }
}

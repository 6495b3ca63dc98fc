package io.iommutracker.emulator.vfio;

import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.ResvType;
import io.iommutracker.emulator.resv.Region;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What claiming DMA ownership of a group runs into (iommu_group_claim_dma_owner / iommu_device_claim_dma_owner, then
 * the blocking domain on every device). The requesting user is the target device's own owner when it already has
 * one of {@code kind}; otherwise a new user, whom every existing user conflicts with.
 */
record GroupClaim(List<String> otherUsers, boolean heldByRequester, List<String> hostDrivers, List<String> requireDirect) {

    static final String REQUIRE_DIRECT_MESSAGE = "Firmware has requested this device have a 1:1 IOMMU mapping, rejecting "
            + "configuring the device without a 1:1 mapping. Contact your platform vendor.";

    GroupClaim {
        otherUsers = List.copyOf(otherUsers);
        hostDrivers = List.copyOf(hostDrivers);
        requireDirect = List.copyOf(requireDirect);
    }

    /** {@code requireDirect}: the group's {@link #requireDirect}, the same for every device and API asked about. */
    static GroupClaim of(GroupFacts group, String bdf, OwnerKind kind, List<String> requireDirect) {
        Owner target = group.owners().get(bdf);
        String requester = target != null && target.getKind() == kind ? target.getId() : null;
        List<String> others = new ArrayList<>();
        boolean held = false;
        List<String> drivers = new ArrayList<>();
        for (String dev : group.devices()) {
            Owner owner = group.owners().get(dev);
            if (Ownership.user(owner).isPresent()) {
                if (requester != null && owner.getKind() == kind && Objects.equals(owner.getId(), requester)) {
                    held = true;
                } else {
                    others.add(dev + " (" + Ownership.describe(owner) + ")");
                }
            } else if (!dev.equals(bdf) && Ownership.hostDmaOwner(owner, group.drivers().get(dev))) {
                // The target itself is left out: assigning it means rebinding it to vfio-pci first.
                String driver = group.drivers().get(dev);
                drivers.add(dev + " (" + (driver == null ? "host driver" : driver) + ")");
            }
        }
        return new GroupClaim(others, held, drivers, requireDirect);
    }

    // dev->iommu->require_direct: set for any device that reported a DIRECT region (iommu_create_device_direct_mappings).
    static List<String> requireDirect(GroupFacts group) {
        List<String> out = List.of();
        for (String dev : group.devices()) {
            List<Region> regions = group.deviceRegions().get(dev);
            if (regions != null && anyOfType(regions, ResvType.DIRECT)) {
                out = out.isEmpty() ? new ArrayList<>() : out;
                out.add(dev);
            }
        }
        // A DIRECT region in the merged list can only come from a device's own DIRECT region.
        if (out.isEmpty() && anyOfType(group.regions(), ResvType.DIRECT)) {
            out = List.of("a device of group " + group.groupId());
        }
        return List.copyOf(out);
    }

    static boolean anyOfType(List<Region> regions, ResvType type) {
        for (Region r : regions) {
            if (r.type() == type) {
                return true;
            }
        }
        return false;
    }
}

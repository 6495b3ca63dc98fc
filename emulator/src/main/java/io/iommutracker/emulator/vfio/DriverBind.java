package io.iommutracker.emulator.vfio;

import io.iommutracker.avro.Owner;
import java.util.ArrayList;
import java.util.List;

/** Binding a kernel driver to a group member: iommu_device_use_default_domain() (drivers/iommu/iommu.c). */
public final class DriverBind {

    private DriverBind() {
    }

    /** The outcome of a bind: allowed, or refused with the errno and the rule that refused it. */
    public record Result(boolean allowed, String errno, String reason) {
    }

    /** What binding {@code driver} to {@code bdf} would do while the group is in its current ownership state. */
    public static Result check(GroupFacts group, String bdf, String driver) {
        if (Ownership.driverManagedDma(driver)) {
            return new Result(true, null, driver + " sets driver_managed_dma: no DMA ownership is taken");
        }
        List<String> users = new ArrayList<>();
        for (String dev : group.devices()) {
            Owner owner = group.owners().get(dev);
            Ownership.user(owner).ifPresent(o -> users.add(dev + " (" + Ownership.describe(o) + ")"));
        }
        if (!users.isEmpty()) {
            return new Result(false, "EBUSY", "iommu_device_use_default_domain: group " + group.groupId()
                    + " is claimed for user-space DMA by " + String.join(", ", users));
        }
        return new Result(true, null, "iommu_device_use_default_domain: owner_cnt++ for " + bdf);
    }
}

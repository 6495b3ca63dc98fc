package io.iommutracker.emulator.vfio;

import io.iommutracker.avro.Owner;
import io.iommutracker.emulator.resv.Region;
import java.util.List;
import java.util.Map;

/**
 * What VFIO and iommufd look at in one IOMMU group.
 *
 * @param devices        BDFs in group list order
 * @param regions        the group's merged reserved regions (iommu_get_group_resv_regions)
 * @param deviceRegions  each device's own regions (iommufd enforces per device)
 * @param owners         each device's owner (host driver, VFIO/iommufd user, none)
 * @param drivers        each device's bound driver, absent when unbound
 * @param isolatedMsi    iommu_group_has_isolated_msi()
 */
public record GroupFacts(int groupId, List<String> devices, List<Region> regions, Map<String, List<Region>> deviceRegions,
                         Map<String, Owner> owners, Map<String, String> drivers, boolean isolatedMsi) {
}

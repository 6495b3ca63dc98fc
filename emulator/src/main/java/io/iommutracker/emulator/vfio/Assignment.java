package io.iommutracker.emulator.vfio;

import io.iommutracker.avro.AssignApi;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.Verdict;
import io.iommutracker.emulator.resv.Region;
import java.util.List;

/** What VFIO type1 and iommufd would do (iommu-model.md sections 5 and 7b). */
public final class Assignment {

    private Assignment() {
    }

    /**
     * The verdicts (one per API) for handing {@code bdf} of {@code group} to a VFIO container or an iommufd IOAS
     * that already maps {@code existingMappings}.
     */
    public static List<Verdict> verdicts(HostDescribed host, GroupFacts group, String bdf, List<IovaRange> existingMappings) {
        // what the group's devices require is asked by both APIs: found once
        List<String> direct = group == null ? List.of() : GroupClaim.requireDirect(group);
        return List.of(Type1Attach.verdict(host, group, bdf, existingMappings, direct),
                IommufdBind.verdict(host, group, bdf, existingMappings, direct));
    }

    /** The usable IOVA ranges of a container / IOAS holding {@code groups} (aperture minus every region but direct-relaxable). */
    public static List<IovaRange> usableIova(HostDescribed host, List<GroupFacts> groups, AssignApi api) {
        long apertureEnd = IovaList.apertureEnd(host);
        return switch (api) {
            // vfio_iommu_aper_resize() then vfio_iommu_resv_exclude() with each group's merged regions.
            case VFIO -> {
                IovaList list = IovaList.of(0, apertureEnd);
                for (GroupFacts group : groups) {
                    list = list.exclude(group.regions());
                }
                yield list.toAvro();
            }
            // IOMMU_IOAS_IOVA_RANGES: the holes of reserved_itree over [0, ULONG_MAX], fed per device and by the aperture.
            case IOMMUFD -> {
                IovaList list = IovaList.of(0, -1L);
                if (apertureEnd != -1L) {
                    list = list.cut(apertureEnd + 1, -1L);
                }
                for (GroupFacts group : groups) {
                    for (String bdf : group.devices()) {
                        List<Region> regions = IommufdBind.deviceRegions(group, bdf);
                        list = list.exclude(regions);
                    }
                }
                yield list.toAvro();
            }
        };
    }
}

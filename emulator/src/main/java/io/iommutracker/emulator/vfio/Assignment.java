package io.iommutracker.emulator.vfio;

import io.iommutracker.avro.AssignApi;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.Verdict;
import java.util.List;

/**
 * CONTRACT: what VFIO type1 and iommufd would do (iommu-model.md sections 5 and 7b). Filled in by the
 * reserved-regions work.
 */
public final class Assignment {

    private Assignment() {
    }

    /**
     * The verdicts (one per API) for handing {@code bdf} of {@code group} to a VFIO container or an iommufd IOAS
     * that already maps {@code existingMappings}.
     */
    public static List<Verdict> verdicts(HostDescribed host, GroupFacts group, String bdf, List<IovaRange> existingMappings) {
        throw new UnsupportedOperationException("assignment verdicts not implemented yet");
    }

    /** The usable IOVA ranges of a container / IOAS holding {@code groups} (aperture minus every region but direct-relaxable). */
    public static List<IovaRange> usableIova(HostDescribed host, List<GroupFacts> groups, AssignApi api) {
        throw new UnsupportedOperationException("usable IOVA not implemented yet");
    }
}

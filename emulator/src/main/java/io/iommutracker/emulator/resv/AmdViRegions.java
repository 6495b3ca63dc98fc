package io.iommutracker.emulator.resv;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.Ivmd;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.ResvType;
import io.iommutracker.emulator.model.Bdf;
import java.util.ArrayList;
import java.util.List;

/**
 * amd_iommu_get_resv_regions() (drivers/iommu/amd/iommu.c) over the unity map built by init_unity_map_range()
 * (amd/init.c): IVMD ranges, then the MSI window, then the HyperTransport hole.
 */
final class AmdViRegions {

    private AmdViRegions() {
    }

    private static final int IVMD_FLAG_UNITY_MAP = 0x01;
    private static final int IVMD_FLAG_EXCL_RANGE = 0x08;
    private static final int ACPI_IVMD_TYPE_ALL = 0x20;
    private static final int ACPI_IVMD_TYPE = 0x21;
    private static final int ACPI_IVMD_TYPE_RANGE = 0x22;

    static List<Region> of(HostDescribed host, PciDeviceInfo device) {
        Bdf self = Bdf.parse(device.getBdf());
        List<Region> out = new ArrayList<>();
        // The schema's IVMD has no segment field; the ACPI default, segment 0, is assumed.
        if (self.domain() == 0) {
            for (Ivmd ivmd : host.getIvmds()) {
                if ((ivmd.getFlags() & (IVMD_FLAG_UNITY_MAP | IVMD_FLAG_EXCL_RANGE)) == 0 || !covers(ivmd, self.rid())) {
                    continue;
                }
                long start = KernelRanges.pageAlign(ivmd.getStart());
                long length = KernelRanges.pageAlign(ivmd.getLength());
                if (length == 0) {
                    continue;
                }
                // An EXCL entry's prot is overwritten with IR|IW, so the EXCL_RANGE test never fires: it stays DIRECT.
                out.add(KernelRanges.ofLength(start, length, ResvType.DIRECT));
            }
        }
        out.add(KernelRanges.x86Msi());
        if (!host.getAmdHtRangeIgnore()) {
            // amd_iommu_ht_range_ignore() is false: the HT hole is never mappable.
            out.add(new Region(KernelRanges.AMD_HT_START, KernelRanges.AMD_HT_END, ResvType.RESERVED));
        }
        return out;
    }

    private static boolean covers(Ivmd ivmd, int rid) {
        return switch (ivmd.getType()) {
            case ACPI_IVMD_TYPE_ALL -> true;
            case ACPI_IVMD_TYPE -> ivmd.getFirstRid() == rid;
            case ACPI_IVMD_TYPE_RANGE -> ivmd.getFirstRid() <= rid && rid <= ivmd.getLastRid();
            default -> false;
        };
    }
}

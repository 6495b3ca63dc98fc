package io.iommutracker.emulator.resv;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.ResvType;
import io.iommutracker.avro.VirtioResvMem;
import io.iommutracker.emulator.model.Bdf;
import java.util.ArrayList;
import java.util.List;

/**
 * viommu_get_resv_regions() (drivers/iommu/virtio-iommu.c): the PROBE RESV_MEM regions (kept sorted by start, as
 * viommu_add_resv_mem inserts them), SW_MSI when the device reported no MSI window, then the firmware's.
 */
final class VirtioIommuRegions {

    private VirtioIommuRegions() {
    }

    private static final int VIRTIO_IOMMU_RESV_MEM_T_MSI = 1;

    static List<Region> of(HostDescribed host, PciDeviceInfo device) {
        Bdf self = Bdf.parse(device.getBdf());
        List<Region> probed = new ArrayList<>();
        boolean hasMsi = false;
        for (VirtioResvMem mem : host.getVirtioProbeRegions()) {
            if (!mem.getDevices().isEmpty() && !DmaIommuRegions.names(mem.getDevices(), self)) {
                continue;
            }
            if (Long.compareUnsigned(mem.getStart(), mem.getEnd()) > 0) {
                continue; // viommu_add_resv_mem refuses it with -EOVERFLOW
            }
            // Unknown subtypes fall through to RESERVED after a dev_warn.
            ResvType type = mem.getSubtype() == VIRTIO_IOMMU_RESV_MEM_T_MSI ? ResvType.MSI : ResvType.RESERVED;
            hasMsi |= type == ResvType.MSI;
            insertSortedByStart(probed, new Region(mem.getStart(), mem.getEnd(), type));
        }
        List<Region> out = new ArrayList<>(probed);
        if (!hasMsi) {
            out.add(KernelRanges.swMsi());
        }
        out.addAll(DmaIommuRegions.of(host, device));
        return out;
    }

    // "Keep the list sorted": before the first entry whose start is greater, so equal starts keep report order.
    private static void insertSortedByStart(List<Region> list, Region region) {
        int at = list.size();
        for (int i = 0; i < list.size(); i++) {
            if (Long.compareUnsigned(list.get(i).start(), region.start()) > 0) {
                at = i;
                break;
            }
        }
        list.add(at, region);
    }
}

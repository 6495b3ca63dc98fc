package io.iommutracker.emulator.resv;

import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.ResvType;
import io.iommutracker.avro.Rmrr;
import io.iommutracker.emulator.model.Bdf;
import java.util.ArrayList;
import java.util.List;

/** intel_iommu_get_resv_regions() (drivers/iommu/intel/iommu.c): RMRRs, the floppy window, then the IOAPIC window. */
final class IntelVtdRegions {

    private IntelVtdRegions() {
    }

    static List<Region> of(HostDescribed host, PciDeviceInfo device, List<PciDeviceInfo> upstream) {
        Bdf self = Bdf.parse(device.getBdf());
        List<Region> out = new ArrayList<>();
        for (Rmrr rmrr : host.getRmrrs()) {
            if (Long.compareUnsigned(rmrr.getBase(), rmrr.getEnd()) > 0) {
                continue; // an RMRR ending before it starts describes no memory
            }
            // One region per matching scope entry, as the kernel's inner loop does not stop at the first match.
            for (String scope : rmrr.getDeviceScopes()) {
                if (!Bdf.isValid(scope)) {
                    continue;
                }
                Bdf scoped = Bdf.parse(scope);
                if (scoped.equals(self) || isDownstreamToPciBridge(self, scoped, upstream)) {
                    out.add(new Region(rmrr.getBase(), rmrr.getEnd(), rmrrType(device)));
                }
            }
        }
        if (host.getFloppyWorkaround() && PciClass.isIsaBridge(device)) {
            // CONFIG_INTEL_IOMMU_FLOPPY_WA: the first 16 MiB stay 1:1 for ISA DMA.
            out.add(KernelRanges.ofLength(0, 1L << 24, ResvType.DIRECT_RELAXABLE));
        }
        out.add(KernelRanges.x86Msi());
        return out;
    }

    // device_rmrr_is_relaxable(): USB and graphics RMRRs may be dropped when the device is assigned.
    private static ResvType rmrrType(PciDeviceInfo device) {
        return PciClass.isUsb(device) || PciClass.isDisplay(device) ? ResvType.DIRECT_RELAXABLE : ResvType.DIRECT;
    }

    // is_downstream_to_pci_bridge(): the scope names a bridge whose secondary..subordinate bus range holds the device.
    private static boolean isDownstreamToPciBridge(Bdf self, Bdf scoped, List<PciDeviceInfo> upstream) {
        for (PciDeviceInfo bridge : upstream) {
            BridgeInfo info = bridge.getBridge();
            if (info == null || !Bdf.parse(bridge.getBdf()).equals(scoped)) {
                continue;
            }
            if (scoped.domain() == self.domain() && info.getSecondary() <= self.bus() && info.getSubordinate() >= self.bus()) {
                return true;
            }
        }
        return false;
    }
}

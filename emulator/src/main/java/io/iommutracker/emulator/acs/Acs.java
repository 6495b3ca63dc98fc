package io.iommutracker.emulator.acs;

import static io.iommutracker.emulator.acs.AcsFlags.EC;

import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Topology;
import io.iommutracker.emulator.quirks.AcsQuirks;

/** ACS evaluation as drivers/pci/pci.c does it (iommu-model.md section 1), against the device's current CTRL. */
public final class Acs {

    private Acs() {
    }

    // pci_acs_flags_enabled(): a control CAP does not advertise counts as hard-wired on.
    public static boolean flagsEnabled(Device dev, int req) {
        if (!dev.hasAcsCap()) {
            return false;
        }
        int wanted = req & (dev.acsCap() | EC);
        return (dev.acsCtrl() & wanted) == wanted;
    }

    // pci_acs_enabled()
    public static boolean enabled(Device dev, int req, Topology topo, AcsPolicy policy) {
        boolean onRoot = topo.isRootBus(dev.bdf().domain(), dev.bdf().bus());
        int q = AcsQuirks.specificAcsEnabled(dev, req, onRoot, policy);
        if (q >= 0) {
            return q > 0;
        }
        if (!dev.isPcie()) {
            return false;
        }
        PcieType type = dev.pcieType();
        if (policy.series() && !dev.hasAcsCap()
                && (type == PcieType.ROOT_PORT || (dev.multifunction() && isEndpointLike(type)))) {
            // The posted series reads "no ACS cap" on root ports and MFD functions as "no internal loopback".
            return true;
        }
        return switch (type) {
            case PCI_TO_PCIE_BRIDGE, PCIE_TO_PCI_BRIDGE, RC_EVENT_COLLECTOR -> false;
            case DOWNSTREAM_PORT, ROOT_PORT -> flagsEnabled(dev, req);
            case ENDPOINT, UPSTREAM_PORT, LEGACY_ENDPOINT, RC_INTEGRATED_ENDPOINT ->
                    !dev.multifunction() || flagsEnabled(dev, req);
            default -> true;
        };
    }

    private static boolean isEndpointLike(PcieType t) {
        return t == PcieType.ENDPOINT || t == PcieType.LEGACY_ENDPOINT || t == PcieType.RC_INTEGRATED_ENDPOINT
                || t == PcieType.UPSTREAM_PORT;
    }

    // pci_acs_path_enabled(start, NULL, req): every device from start up to the root bus passes.
    public static boolean pathEnabled(Device start, int req, Topology topo, AcsPolicy policy) {
        Device d = start;
        int guard = 0;
        while (d != null && guard++ < 256) {
            if (!enabled(d, req, topo, policy)) {
                return false;
            }
            d = topo.parent(d);
        }
        return true;
    }
}

package io.iommutracker.emulator.acs;

import static io.iommutracker.emulator.acs.AcsFlags.CR;
import static io.iommutracker.emulator.acs.AcsFlags.DSP_MT_RB;
import static io.iommutracker.emulator.acs.AcsFlags.DSP_MT_RR;
import static io.iommutracker.emulator.acs.AcsFlags.DT;
import static io.iommutracker.emulator.acs.AcsFlags.EC;
import static io.iommutracker.emulator.acs.AcsFlags.ENHANCED;
import static io.iommutracker.emulator.acs.AcsFlags.IORB;
import static io.iommutracker.emulator.acs.AcsFlags.REQ_ACS_FLAGS;
import static io.iommutracker.emulator.acs.AcsFlags.RR;
import static io.iommutracker.emulator.acs.AcsFlags.SV;
import static io.iommutracker.emulator.acs.AcsFlags.TB;
import static io.iommutracker.emulator.acs.AcsFlags.UF;
import static io.iommutracker.emulator.acs.AcsFlags.UNCLAIMED_RR;
import static io.iommutracker.emulator.acs.AcsFlags.USP_MT_RB;
import static io.iommutracker.emulator.acs.AcsFlags.USP_MT_RR;

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

    /**
     * pci_acs_flags_enabled() as the posted series has it: the request is masked by pci_acs_ctrl_mask() (the six
     * controls CAP advertises, plus EC, plus the ACS Enhanced controls when CAP has ENHANCED, so a device without
     * ENHANCED is taken to do what RR implies), and the controls are those its pci_std_enable_acs() leaves:
     * USP_MT_RR, DSP_MT_RR and UNCLAIMED_RR are set on ENHANCED devices when the kernel enables ACS at all. The posted
     * code assigns the mask over its EC initialiser; the intended mask (with EC) is modelled, as for config_acs.
     */
    static boolean seriesFlagsEnabled(Device dev, int req, AcsPolicy policy) {
        if (!dev.hasAcsCap()) {
            return false;
        }
        int cap = dev.acsCap();
        int ctrl = dev.acsCtrl();
        int mask = EC | (cap & (SV | TB | RR | CR | UF | DT));
        if ((cap & ENHANCED) != 0) {
            mask |= IORB | DSP_MT_RB | DSP_MT_RR | USP_MT_RB | USP_MT_RR | UNCLAIMED_RR;
            if (policy.acsRequested()) {
                ctrl |= USP_MT_RR | DSP_MT_RR | UNCLAIMED_RR; // pci_std_enable_acs() of the series
            }
        }
        int wanted = req & mask;
        return (ctrl & wanted) == wanted;
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
        if (policy.series()) {
            return switch (type) {
                case PCI_TO_PCIE_BRIDGE, PCIE_TO_PCI_BRIDGE, RC_EVENT_COLLECTOR -> false;
                // pci_bus_isolated(), series patch 11: a root port's own MMIO is covered by DSP_MT_RR, and a switch's
                // DSPs are isolated only with DSP_MT_RR and USP_MT_RR too (masked away without ACS Enhanced).
                case ROOT_PORT -> seriesFlagsEnabled(dev, grouping(req) ? req | DSP_MT_RR : req, policy);
                case DOWNSTREAM_PORT -> seriesFlagsEnabled(dev, grouping(req) ? req | DSP_MT_RR | USP_MT_RR : req, policy);
                case ENDPOINT, UPSTREAM_PORT, LEGACY_ENDPOINT, RC_INTEGRATED_ENDPOINT ->
                        !dev.multifunction() || seriesFlagsEnabled(dev, req, policy);
                default -> true;
            };
        }
        return switch (type) {
            case PCI_TO_PCIE_BRIDGE, PCIE_TO_PCI_BRIDGE, RC_EVENT_COLLECTOR -> false;
            case DOWNSTREAM_PORT, ROOT_PORT -> flagsEnabled(dev, req);
            case ENDPOINT, UPSTREAM_PORT, LEGACY_ENDPOINT, RC_INTEGRATED_ENDPOINT ->
                    !dev.multifunction() || flagsEnabled(dev, req);
            default -> true;
        };
    }

    /**
     * pci_acs_enabled(dsp, PCI_ACS_USP_MT_RR) in the series' pcie_switch_isolated(): whether requests from below this
     * downstream port are kept away from the upstream port's own MMIO. Without ACS Enhanced the control is masked away
     * (RR is taken to imply it); a port with no ACS capability fails, as pci_acs_flags_enabled() does. A port an ACS
     * quirk answers for is taken to redirect, as elsewhere the quirks are asked with the base request only (here none).
     */
    public static boolean upstreamPortMemoryRedirected(Device dsp, Topology topo, AcsPolicy policy) {
        boolean onRoot = topo.isRootBus(dsp.bdf().domain(), dsp.bdf().bus());
        if (AcsQuirks.specificAcsEnabled(dsp, REQ_ACS_FLAGS, onRoot, policy) >= 0) {
            return true;
        }
        return seriesFlagsEnabled(dsp, USP_MT_RR, policy);
    }

    private static boolean grouping(int req) {
        return (req & REQ_ACS_FLAGS) == REQ_ACS_FLAGS;
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

package io.iommutracker.emulator.acs;

import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Topology;
import java.util.List;

/**
 * How isolated the interior bus of a PCIe switch (the bus below its upstream port, where its downstream ports sit) is
 * under the posted "Fix incorrect iommu_groups with PCIe ACS" series: pci_bus_isolated() for a bus whose bridge is an
 * upstream port, i.e. pcie_switch_isolated() as v3 patches 2 and 11 leave it. Mainline has no such notion.
 */
public enum SwitchIsolation {
    /** PCIE_ISOLATED: every downstream port isolates; each gets a group of its own. */
    ISOLATED,
    /** PCIE_SWITCH_DSP_NON_ISOLATED: the downstream ports share one group (with all below them); the USP does not. */
    DSP_NON_ISOLATED,
    /** PCIE_NON_ISOLATED: everything on the bus, and below it, joins the upstream port's group. */
    NON_ISOLATED;

    /** Whether {@code self} is a bridge whose secondary bus is a switch's interior bus. */
    public static boolean isUpstreamPort(Device self) {
        return self != null && self.isPcie() && self.pcieType() == PcieType.UPSTREAM_PORT;
    }

    // pcie_switch_isolated()
    /**
     * @param interior the devices on the interior bus, in the bus's list order (the scan's devfn order): the posted
     *     code returns at the first downstream port that fails, so that port alone decides whether the USP joins
     */
    public static SwitchIsolation of(List<Device> interior, Topology topo, AcsPolicy policy) {
        for (Device d : interior) {
            // "Don't understand what this is, be conservative"
            if (!d.isPcie() || d.pcieType() != PcieType.DOWNSTREAM_PORT || d.hasAliasMask()) {
                return NON_ISOLATED;
            }
            // Acs.enabled() asks a downstream port for DSP_MT_RR and USP_MT_RR on top of the base request (v3 11/11).
            if (!Acs.enabled(d, AcsFlags.REQ_ACS_FLAGS, topo, policy)) {
                return Acs.upstreamPortMemoryRedirected(d, topo, policy) ? DSP_NON_ISOLATED : NON_ISOLATED;
            }
        }
        return ISOLATED;
    }
}

package io.iommutracker.emulator.group;

import io.iommutracker.emulator.acs.Acs;
import io.iommutracker.emulator.acs.AcsFlags;
import io.iommutracker.emulator.acs.AcsPolicy;
import io.iommutracker.emulator.acs.SwitchIsolation;
import io.iommutracker.emulator.alias.DmaAlias;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Topology;
import java.util.BitSet;
import java.util.function.ToIntFunction;

/**
 * pci_device_group() (drivers/iommu/iommu.c): the group a device joins when the IOMMU probes it, given which devices
 * already have groups. The answer depends on probe order, which is what makes it the kernel view. Under the posted
 * series the climb also honours how isolated a switch's interior bus is ({@link SwitchIsolation}): downstream ports
 * that do not isolate share one group, the upstream port's when the bus is PCIE_NON_ISOLATED, and what sits below a
 * port of such a bus joins that port's group (a non-isolated group takes everything downstream).
 */
public final class PciDeviceGroup {

    /** No existing group applies: iommu_group_alloc(). */
    public static final int ALLOCATE = -1;

    private final Topology topo;
    private final AcsPolicy policy;
    private final ToIntFunction<Device> groupOf;

    /** @param groupOf a device's current group id, or a negative number when it has none */
    public PciDeviceGroup(Topology topo, AcsPolicy policy, ToIntFunction<Device> groupOf) {
        this.topo = topo;
        this.policy = policy;
        this.groupOf = groupOf;
    }

    public int groupFor(Device dev) {
        // 1. The DMA alias walk stops at the first visited device that already has a group.
        Device[] last = {dev};
        int[] found = {ALLOCATE};
        boolean stopped = DmaAlias.forEach(dev, topo, (pdev, bus, devfn) -> {
            last[0] = pdev;
            int g = groupOf.applyAsInt(pdev);
            if (g >= 0) {
                found[0] = g;
                return true;
            }
            return false;
        });
        if (stopped) {
            return found[0];
        }
        // 2. Climb while the path above is not ACS-isolated; a grouped bridge on the way wins.
        Device pdev = last[0];
        int guard = 0;
        for (Device self = topo.parent(pdev); self != null && guard++ < 256; self = topo.parent(self)) {
            if (policy.series() && SwitchIsolation.isUpstreamPort(self)) {
                SwitchIsolation iso = interior(self);
                if (iso == SwitchIsolation.DSP_NON_ISOLATED && pdev.bdf().bus() == self.secondary()) {
                    // PCIE_SWITCH_DSP_NON_ISOLATED: the group some device of the bus already has, else a new one.
                    for (Device peer : topo.onBus(self.bdf().domain(), self.secondary())) {
                        int g = groupOf.applyAsInt(peer);
                        if (g >= 0) {
                            return g;
                        }
                    }
                    return ALLOCATE;
                }
                if (iso == SwitchIsolation.NON_ISOLATED) {
                    // PCIE_NON_ISOLATED: the upstream port's group, which then holds everything below it.
                    pdev = self;
                    int g = groupOf.applyAsInt(pdev);
                    if (g >= 0) {
                        return g;
                    }
                    continue;
                }
            }
            if (Acs.pathEnabled(self, AcsFlags.REQ_ACS_FLAGS, topo, policy) && !inNonIsolatedSwitchGroup(self)) {
                break;
            }
            pdev = self;
            int g = groupOf.applyAsInt(pdev);
            if (g >= 0) {
                return g;
            }
        }
        // 3./4. Same-bus DMA aliases and ACS-less sibling functions.
        BitSet devfns = new BitSet(256);
        int g = aliasGroup(pdev, devfns);
        if (g >= 0) {
            return g;
        }
        g = functionAliasGroup(pdev, devfns);
        return g >= 0 ? g : ALLOCATE;
    }

    /**
     * Series: {@code self} or a bridge above it is a port on a switch bus that does not isolate. That port's group is
     * non-isolated (BUS_DATA_PCI_NON_ISOLATED), every bridge below it joined it (pci_hierarchy_group()), and so does
     * whatever is probed below {@code self}.
     */
    private boolean inNonIsolatedSwitchGroup(Device self) {
        if (!policy.series()) {
            return false;
        }
        int guard = 0;
        for (Device a = self; a != null && guard++ < 256; a = topo.parent(a)) {
            Device usp = topo.parent(a);
            if (SwitchIsolation.isUpstreamPort(usp) && interior(usp) != SwitchIsolation.ISOLATED) {
                return true;
            }
        }
        return false;
    }

    // pcie_switch_isolated() of the bus below an upstream port
    private SwitchIsolation interior(Device usp) {
        return SwitchIsolation.of(topo.onBus(usp.bdf().domain(), usp.secondary()), topo, policy);
    }

    // get_pci_alias_group()
    private int aliasGroup(Device pdev, BitSet devfns) {
        int devfn = pdev.bdf().devfn();
        if (devfns.get(devfn)) {
            return ALLOCATE;
        }
        devfns.set(devfn);
        int g = groupOf.applyAsInt(pdev);
        if (g >= 0) {
            return g;
        }
        for (Device tmp : topo.onBus(pdev.bdf().domain(), pdev.bdf().bus())) {
            if (tmp == pdev || !DmaAlias.devsAreDmaAliases(pdev, tmp)) {
                continue;
            }
            g = aliasGroup(tmp, devfns);
            if (g >= 0) {
                return g;
            }
            g = functionAliasGroup(tmp, devfns);
            if (g >= 0) {
                return g;
            }
        }
        return ALLOCATE;
    }

    // get_pci_function_alias_group()
    private int functionAliasGroup(Device pdev, BitSet devfns) {
        if (!pdev.multifunction() || Acs.enabled(pdev, AcsFlags.REQ_ACS_FLAGS, topo, policy)) {
            return ALLOCATE;
        }
        for (Device tmp : topo.onBus(pdev.bdf().domain(), pdev.bdf().bus())) {
            if (tmp == pdev || tmp.slot() != pdev.slot() || Acs.enabled(tmp, AcsFlags.REQ_ACS_FLAGS, topo, policy)) {
                continue;
            }
            int g = aliasGroup(tmp, devfns);
            if (g >= 0) {
                return g;
            }
        }
        return ALLOCATE;
    }
}

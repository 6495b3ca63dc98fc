package io.iommutracker.emulator.alias;

import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Topology;

/** drivers/pci/search.c pci_for_each_dma_alias() and pci.c pci_devs_are_dma_aliases(). */
public final class DmaAlias {

    private DmaAlias() {
    }

    /** The callback of the walk; returning true stops it. */
    @FunctionalInterface
    public interface Visitor {
        boolean visit(Device pdev, int bus, int devfn);
    }

    // pci_for_each_dma_alias(); VMD (pci_real_dma_dev) is not modelled. Returns whether a visitor stopped the walk.
    public static boolean forEach(Device dev, Topology topo, Visitor fn) {
        if (fn.visit(dev, dev.bdf().bus(), dev.bdf().devfn())) {
            return true;
        }
        if (dev.hasAliasMask()) {
            for (int devfn = 0; devfn < 256; devfn++) {
                if (dev.aliases(devfn) && fn.visit(dev, dev.bdf().bus(), devfn)) {
                    return true;
                }
            }
        }
        int guard = 0;
        for (Device tmp = topo.parent(dev); tmp != null && guard++ < 256; tmp = topo.parent(tmp)) {
            // Stop at the bridge the translation unit is associated with.
            if (tmp.hasFlag(Device.FLAG_BRIDGE_XLATE_ROOT)) {
                return false;
            }
            int[] alias = bridgeAlias(tmp);
            if (alias != null && fn.visit(tmp, alias[0], alias[1])) {
                return true;
            }
        }
        return false;
    }

    /** The requester ID a bridge puts on upstream DMA from below it, or null when it forwards the child's own. */
    public static int[] bridgeAlias(Device bridge) {
        if (bridge.isPcie()) {
            return switch (bridge.pcieType()) {
                case PCIE_TO_PCI_BRIDGE -> bridge.hasFlag(Device.FLAG_PCI_BRIDGE_NO_ALIAS) ? null
                        : new int[] {Math.max(bridge.secondary(), 0), 0};
                case PCI_TO_PCIE_BRIDGE -> new int[] {bridge.bdf().bus(), bridge.bdf().devfn()};
                default -> null;
            };
        }
        if (bridge.hasFlag(Device.FLAG_PCIE_BRIDGE_ALIAS)) {
            return new int[] {Math.max(bridge.secondary(), 0), 0};
        }
        return new int[] {bridge.bdf().bus(), bridge.bdf().devfn()};
    }

    // pci_devs_are_dma_aliases()
    public static boolean devsAreDmaAliases(Device a, Device b) {
        if (a.bdf().domain() != b.bdf().domain() || a.bdf().bus() != b.bdf().bus()) {
            return false;
        }
        return a.aliases(b.bdf().devfn()) || b.aliases(a.bdf().devfn());
    }
}

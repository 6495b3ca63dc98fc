package io.iommutracker.emulator.quirks;

import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import java.util.Set;

/**
 * The header fixups that set DMA aliases and alias-related dev_flags before device_add (drivers/pci/quirks.c):
 * quirk_dma_func0_alias, quirk_dma_func1_alias, quirk_fixed_dma_alias, quirk_mic_x200_dma_alias,
 * quirk_pex_vca_alias, quirk_use_pcie_bridge_dma_alias, quirk_bridge_cavm_thrx2_pcie_root and
 * quirk_aspeed_pci_bridge_no_alias.
 */
public final class AliasQuirks {

    private static final Set<Integer> MARVELL_FUNC1 = Set.of(0x9120, 0x9123, 0x9125, 0x9128, 0x9130, 0x9170, 0x9172,
            0x917a, 0x9182, 0x9183, 0x91a0, 0x9215, 0x9220, 0x9230, 0x9235);
    private static final Set<Integer> VCA = Set.of(0x2954, 0x2955, 0x2956, 0x2958, 0x2959, 0x295a);
    /** PCI_DEVICE_ID_JMICRON_JMB388_ESD. */
    private static final int JMB388_ESD = 0x2393;

    private AliasQuirks() {
    }

    /** The device as enumeration leaves it: alias mask and alias flags from its ids and its parent bridge. */
    public static Device apply(Bdf bdf, PciDeviceInfo info, Device parent, int otherFlags) {
        long[] mask = new long[4];
        int v = info.getVendorId();
        int d = info.getDeviceId();
        int fn = bdf.function();
        int slot = bdf.device();
        boolean any = false;
        if ((v == VendorIds.RICOH && (d == 0xe832 || d == 0xe476)) || (v == VendorIds.GLENFLY && (d == 0x3d40 || d == 0x3d41))) {
            if (fn != 0) {
                any |= add(mask, devfn(slot, 0), 1);
            }
        }
        if ((v == VendorIds.MARVELL_EXT && MARVELL_FUNC1.contains(d)) || (v == VendorIds.TTI && (d == 0x0642 || d == 0x0645))
                || (v == VendorIds.JMICRON && d == JMB388_ESD) || (v == VendorIds.LITEON && d == 0x0122)) {
            if (fn != 1) {
                any |= add(mask, devfn(slot, 1), 1);
            }
        }
        if (v == VendorIds.ADAPTEC2 && d == 0x0285 && info.getSubsystemVendorId() == VendorIds.ADAPTEC2
                && (info.getSubsystemDeviceId() == 0x02bb || info.getSubsystemDeviceId() == 0x02bc)) {
            any |= add(mask, devfn(1, 0), 1);
        }
        if (v == VendorIds.INTEL && (d == 0x2260 || d == 0x2264)) {
            any |= add(mask, devfn(0x10, 0), 1);
            any |= add(mask, devfn(0x11, 0), 1);
            any |= add(mask, devfn(0x12, 3), 1);
        }
        if (v == VendorIds.INTEL && VCA.contains(d)) {
            for (int s = 0; s < 0x20; s++) {
                any |= add(mask, devfn(s, 0), 5);
            }
        }
        int flags = otherFlags & ~(Device.FLAG_PCIE_BRIDGE_ALIAS | Device.FLAG_BRIDGE_XLATE_ROOT | Device.FLAG_PCI_BRIDGE_NO_ALIAS);
        if (pcieBridgeAliasId(v, d) && parent != null && (info.getHeaderType() & 0x7f) == 1
                && info.getPcieType() == PcieType.NOT_PCIE && parent.isPcie()
                && parent.pcieType() != PcieType.PCIE_TO_PCI_BRIDGE) {
            flags |= Device.FLAG_PCIE_BRIDGE_ALIAS;
        }
        if (v == VendorIds.BROADCOM && (d == 0x9000 || d == 0x9084)) {
            flags |= Device.FLAG_BRIDGE_XLATE_ROOT;
        }
        if (v == VendorIds.ASPEED && d == 0x1150) {
            flags |= Device.FLAG_PCI_BRIDGE_NO_ALIAS;
        }
        return new Device(bdf, info, flags, any ? mask : null);
    }

    private static boolean pcieBridgeAliasId(int v, int d) {
        return (v == VendorIds.ASMEDIA && d == 0x1080) || (v == VendorIds.TUNDRA && d == 0x8113)
                || (v == VendorIds.ITE && (d == 0x8892 || d == 0x8893)) || (v == VendorIds.INTEL && d == 0x244e);
    }

    private static int devfn(int slot, int fn) {
        return (slot << 3) | fn;
    }

    // pci_add_dma_alias(dev, devfn_from, nr_devfns)
    private static boolean add(long[] mask, int from, int n) {
        for (int i = from; i < Math.min(256, from + n); i++) {
            mask[i >>> 6] |= 1L << (i & 63);
        }
        return true;
    }
}

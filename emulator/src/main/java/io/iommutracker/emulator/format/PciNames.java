package io.iommutracker.emulator.format;

import java.util.Map;
import java.util.Optional;

/**
 * Numbers for the names lspci prints when run without {@code -nn}: the pci.ids class names and a
 * few vendors whose identity the grouping rules depend on (quirks are keyed on vendor ids).
 */
final class PciNames {

    private static final Map<String, Integer> CLASSES = Map.ofEntries(
            Map.entry("Non-Volatile memory controller", 0x0108), Map.entry("SATA controller", 0x0106),
            Map.entry("RAID bus controller", 0x0104), Map.entry("IDE interface", 0x0101),
            Map.entry("Ethernet controller", 0x0200), Map.entry("Network controller", 0x0280),
            Map.entry("VGA compatible controller", 0x0300), Map.entry("3D controller", 0x0302),
            Map.entry("Display controller", 0x0380), Map.entry("Multimedia audio controller", 0x0401),
            Map.entry("Audio device", 0x0403), Map.entry("Multimedia controller", 0x0480),
            Map.entry("RAM memory", 0x0500), Map.entry("Memory controller", 0x0580),
            Map.entry("Host bridge", 0x0600), Map.entry("ISA bridge", 0x0601), Map.entry("PCI bridge", 0x0604),
            Map.entry("CardBus bridge", 0x0607), Map.entry("Bridge", 0x0680),
            Map.entry("Serial controller", 0x0700), Map.entry("Communication controller", 0x0780),
            Map.entry("PIC", 0x0800), Map.entry("IOMMU", 0x0806), Map.entry("SD Host controller", 0x0805),
            Map.entry("Generic system peripheral", 0x0807), Map.entry("System peripheral", 0x0880),
            Map.entry("Co-processor", 0x0b40), Map.entry("FireWire (IEEE 1394)", 0x0c00),
            Map.entry("USB controller", 0x0c03), Map.entry("SMBus", 0x0c05), Map.entry("Serial bus controller", 0x0c80),
            Map.entry("Encryption controller", 0x1080), Map.entry("Signal processing controller", 0x1180),
            Map.entry("Non-Essential Instrumentation", 0x1300), Map.entry("Unassigned class", 0xff00));

    private static final Map<String, Integer> VENDORS = Map.ofEntries(
            Map.entry("Intel Corporation", 0x8086), Map.entry("Advanced Micro Devices, Inc. [AMD/ATI]", 0x1002),
            Map.entry("Advanced Micro Devices, Inc. [AMD]", 0x1022), Map.entry("NVIDIA Corporation", 0x10de),
            Map.entry("Realtek Semiconductor Co., Ltd.", 0x10ec), Map.entry("Broadcom Inc. and subsidiaries", 0x14e4),
            Map.entry("Samsung Electronics Co Ltd", 0x144d), Map.entry("Sandisk Corp", 0x15b7),
            Map.entry("Phison Electronics Corporation", 0x1987), Map.entry("ASMedia Technology Inc.", 0x1b21),
            Map.entry("Qualcomm Atheros", 0x168c), Map.entry("Raspberry Pi Ltd", 0x1de4),
            Map.entry("Mellanox Technologies", 0x15b3), Map.entry("ASPEED Technology, Inc.", 0x1a03),
            Map.entry("Marvell Technology Group Ltd.", 0x1b4b), Map.entry("Micron Technology Inc", 0x1344));

    private PciNames() {
    }

    /** The class/subclass (16 bits) named by lspci's class column. */
    static Optional<Integer> classOf(String name) {
        return Optional.ofNullable(CLASSES.get(name));
    }

    /** The vendor whose pci.ids name starts the device column; the longest known name wins. */
    static Optional<Integer> vendorOf(String deviceColumn) {
        String best = null;
        for (String v : VENDORS.keySet()) {
            if (deviceColumn.startsWith(v + " ") && (best == null || v.length() > best.length())) best = v;
        }
        return Optional.ofNullable(best).map(VENDORS::get);
    }
}

package io.iommutracker.emulator.resv;

import io.iommutracker.avro.PciDeviceInfo;

/** The class-code tests the drivers make (include/linux/pci_ids.h). */
final class PciClass {

    private PciClass() {
    }

    private static final int PCI_BASE_CLASS_DISPLAY = 0x03;
    private static final int PCI_CLASS_SERIAL_USB = 0x0c03;
    private static final int PCI_CLASS_BRIDGE_ISA = 0x0601;

    // IS_USB_DEVICE()
    static boolean isUsb(PciDeviceInfo dev) {
        return (dev.getClassCode() >> 8) == PCI_CLASS_SERIAL_USB;
    }

    // IS_GFX_DEVICE()
    static boolean isDisplay(PciDeviceInfo dev) {
        return (dev.getClassCode() >> 16) == PCI_BASE_CLASS_DISPLAY;
    }

    // IS_ISA_DEVICE()
    static boolean isIsaBridge(PciDeviceInfo dev) {
        return (dev.getClassCode() >> 8) == PCI_CLASS_BRIDGE_ISA;
    }
}

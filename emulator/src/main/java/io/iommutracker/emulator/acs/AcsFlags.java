package io.iommutracker.emulator.acs;

/** PCI_ACS_* control bits (include/uapi/linux/pci_regs.h). */
public final class AcsFlags {

    private AcsFlags() {
    }

    public static final int SV = 0x01;
    public static final int TB = 0x02;
    public static final int RR = 0x04;
    public static final int CR = 0x08;
    public static final int UF = 0x10;
    public static final int EC = 0x20;
    public static final int DT = 0x40;
    /**
     * ACS Enhanced Capability (CAP bit 7) and the controls it covers (PCIe r5.0; the posted "Fix incorrect
     * iommu_groups with PCIe ACS" series adds them to pci_regs.h). IORB shares bit 7, in CTRL.
     */
    public static final int ENHANCED = 0x0080;
    public static final int IORB = 0x0080;
    public static final int DSP_MT_RB = 0x0100;
    public static final int DSP_MT_RR = 0x0200;
    public static final int USP_MT_RB = 0x0400;
    public static final int USP_MT_RR = 0x0800;
    public static final int UNCLAIMED_RR = 0x1000;
    /** REQ_ACS_FLAGS (drivers/iommu/iommu.c): what isolation for grouping requires. */
    public static final int REQ_ACS_FLAGS = SV | RR | CR | UF;

    /** pci_acs_ctrl_enabled(): every requested control is provided. */
    public static boolean ctrlEnabled(int req, int provided) {
        return (req & provided) == req;
    }
}

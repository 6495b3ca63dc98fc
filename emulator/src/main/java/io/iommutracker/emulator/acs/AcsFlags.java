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
    /** REQ_ACS_FLAGS (drivers/iommu/iommu.c): what isolation for grouping requires. */
    public static final int REQ_ACS_FLAGS = SV | RR | CR | UF;

    /** pci_acs_ctrl_enabled(): every requested control is provided. */
    public static boolean ctrlEnabled(int req, int provided) {
        return (req & provided) == req;
    }
}

package io.iommutracker.emulator.quirks;

/** PCI_VENDOR_ID_* values used by the quirk tables (include/linux/pci_ids.h). */
public final class VendorIds {

    private VendorIds() {
    }

    public static final int ATI = 0x1002;
    public static final int AMD = 0x1022;
    public static final int INTEL = 0x8086;
    public static final int SOLARFLARE = 0x1924;
    public static final int QCOM = 0x17cb;
    public static final int HXT = 0x1dbf;
    public static final int CAVIUM = 0x177d;
    public static final int AMCC = 0x10e8;
    public static final int AMPERE = 0x1def;
    public static final int BROADCOM = 0x14e4;
    public static final int LOONGSON = 0x0014;
    public static final int AMAZON_ANNAPURNA_LABS = 0x1c36;
    public static final int ZHAOXIN = 0x1d17;
    public static final int NXP = 0x1957;
    public static final int WANGXUN = 0x8088;
    public static final int EMULEX_BE3 = 0x19a2;
    public static final int EMULEX = 0x10df;
    public static final int RICOH = 0x1180;
    public static final int GLENFLY = 0x6766;
    public static final int MARVELL_EXT = 0x1b4b;
    public static final int TTI = 0x1103;
    public static final int JMICRON = 0x197b;
    public static final int LITEON = 0x1c28;
    public static final int ADAPTEC2 = 0x9005;
    public static final int ASMEDIA = 0x1b21;
    public static final int TUNDRA = 0x10e3;
    public static final int ITE = 0x1283;
    public static final int ASPEED = 0x1a03;
    public static final int REDHAT_QUMRANET = 0x1af4;
}

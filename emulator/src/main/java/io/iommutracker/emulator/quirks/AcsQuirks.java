package io.iommutracker.emulator.quirks;

import static io.iommutracker.emulator.acs.AcsFlags.CR;
import static io.iommutracker.emulator.acs.AcsFlags.DT;
import static io.iommutracker.emulator.acs.AcsFlags.EC;
import static io.iommutracker.emulator.acs.AcsFlags.RR;
import static io.iommutracker.emulator.acs.AcsFlags.SV;
import static io.iommutracker.emulator.acs.AcsFlags.TB;
import static io.iommutracker.emulator.acs.AcsFlags.UF;
import static io.iommutracker.emulator.acs.AcsFlags.ctrlEnabled;

import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.acs.AcsPolicy;
import io.iommutracker.emulator.cmdline.AcsOverrideOptions;
import io.iommutracker.emulator.model.Device;

/**
 * pci_dev_acs_enabled[] (drivers/pci/quirks.c, linux-next): device-specific answers to "are these ACS controls in
 * effect", tried in table order; the first handler that returns >= 0 wins. The out-of-tree pcie_acs_override quirk
 * is appended last when its rule set is active.
 */
public final class AcsQuirks {

    /** -ENOTTY: no quirk applies. */
    public static final int NO_QUIRK = -1;

    private static final int SV_RR_CR_UF = SV | RR | CR | UF;

    private static final DeviceIds AMD_SB_ATI = DeviceIds.of(0x4385, 0x439c, 0x4383, 0x439d, 0x4384, 0x4399);
    private static final DeviceIds AMD_SB_AMD = DeviceIds.of(0x780f, 0x7809);
    private static final DeviceIds MF_SOLARFLARE = DeviceIds.of(0x0903, 0x0923, 0x0a03);
    private static final DeviceIds MF_INTEL = DeviceIds.of(
            0x10c6, 0x10db, 0x10dd, 0x10e1, 0x10f1, 0x10f7, 0x10f8, 0x10f9, 0x10fa, 0x10fb, 0x10fc, 0x1507, 0x1514,
            0x151c, 0x1529, 0x152a, 0x154d, 0x154f, 0x1551, 0x1558,
            0x1509, 0x150e, 0x150f, 0x1510, 0x1511, 0x1516, 0x1527, // 82580
            0x10c9, 0x10e6, 0x10e7, 0x10e8, 0x150a, 0x150d, 0x1518, 0x1526, // 82576
            0x10a7, 0x10a9, 0x10d6, // 82575
            0x1521, 0x1522, 0x1523, 0x1524, // I350
            0x105e, 0x105f, 0x1060, 0x10d9, // 82571
            0x15b7, 0x15b8); // I219
    private static final DeviceIds QCOM_RP = DeviceIds.of(0x0400, 0x0401, 0x0115, 0x0111, 0x0120);
    private static final DeviceIds INTEL_PCH_RP = pchIds();
    private static final DeviceIds MF_CAVIUM = DeviceIds.of(0xa026, 0xa059, 0xa060);
    private static final DeviceIds XGENE_AMPERE = DeviceIds.of(0xe005, 0xe006, 0xe007, 0xe008, 0xe009, 0xe00a, 0xe00b, 0xe00c);
    private static final DeviceIds MF_BROADCOM = DeviceIds.of(0x16d7, 0x1750, 0x1751, 0x1752, 0x1760, 0x1761, 0x1762, 0x1763);
    private static final DeviceIds LOONGSON_RP = DeviceIds.of(0x3c09, 0x3c19, 0x3c29, 0x7a09, 0x7a19, 0x7a29, 0x7a39, 0x7a49,
            0x7a59, 0x7a69);
    private static final DeviceIds MF_ZHAOXIN = DeviceIds.of(0x3038, 0x3104, 0x9083);
    private static final DeviceIds NXP_RP = DeviceIds.of(0x8d81, 0x8da1, 0x8d83, 0x8d80, 0x8da0, 0x8d82, 0x8d90, 0x8db0, 0x8d92,
            0x8d91, 0x8db1, 0x8d93, 0x8d89, 0x8da9, 0x8d8b, 0x8d88, 0x8da8, 0x8d8a, 0x8d98, 0x8db8, 0x8d9a, 0x8d99, 0x8db9,
            0x8d9b);

    private AcsQuirks() {
    }

    private static DeviceIds pchIds() {
        int[][] ranges = {
            {0x3b42, 0x3b51}, // Ibexpeak
            {0x1c10, 0x1c1f}, // Cougarpoint
            {0x1e10, 0x1e1f}, // Pantherpoint
            {0x8c10, 0x8c1f}, // Lynxpoint-H
            {0x9c10, 0x9c1b}, // Lynxpoint-LP
            {0x9c90, 0x9c9b}, // Wildcat
            {0x8d10, 0x8d1e}, // Wellsburg (X99)
        };
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        for (int[] r : ranges) {
            for (int id = r[0]; id <= r[1]; id++) {
                ids.add(id);
            }
        }
        for (int id = 0x1d10; id <= 0x1d1e; id += 2) { // Patsburg (X79)
            ids.add(id);
        }
        for (int id = 0x8c90; id <= 0x8c9e; id += 2) { // Lynx Point 9 series
            ids.add(id);
        }
        return DeviceIds.of(ids.stream().mapToInt(Integer::intValue).toArray());
    }

    /** pci_dev_specific_acs_enabled(): 1 / 0 when a quirk answers, {@link #NO_QUIRK} otherwise. */
    public static int specificAcsEnabled(Device dev, int req, boolean onRootBus, AcsPolicy policy) {
        int v = dev.vendor();
        int d = dev.deviceId();
        int ret = NO_QUIRK;
        if ((v == VendorIds.ATI && AMD_SB_ATI.contains(d)) || (v == VendorIds.AMD && AMD_SB_AMD.contains(d))) {
            ret = amdSb(dev, req, onRootBus, policy);
        } else if ((v == VendorIds.SOLARFLARE && MF_SOLARFLARE.contains(d)) || (v == VendorIds.INTEL && MF_INTEL.contains(d))) {
            ret = mfEndpoint(req);
        }
        if (ret >= 0) {
            return ret;
        }
        if (v == VendorIds.INTEL) {
            ret = firstAnswer(rciep(dev, req), intelPch(dev, req), intelSptPch(dev, req));
        } else if ((v == VendorIds.QCOM && QCOM_RP.contains(d)) || (v == VendorIds.HXT && d == 0x0401)) {
            ret = rootPortLike(req); // pci_quirk_qcom_rp_acs
        } else if ((v == VendorIds.EMULEX_BE3 && d == 0x0710) || (v == VendorIds.EMULEX && d == 0x0720)) {
            ret = mfEndpoint(req);
        } else if (v == VendorIds.CAVIUM) {
            ret = firstAnswer(cavium(dev, req), MF_CAVIUM.contains(d) ? mfEndpoint(req) : NO_QUIRK);
        } else if ((v == VendorIds.AMCC && d == 0xe004) || (v == VendorIds.AMPERE && XGENE_AMPERE.contains(d))) {
            ret = rootPortLike(req); // pci_quirk_xgene_acs
        } else if (v == VendorIds.BROADCOM && MF_BROADCOM.contains(d)) {
            ret = mfEndpoint(req);
        } else if (v == VendorIds.BROADCOM && d == 0xd714) {
            ret = rootPortLike(req); // pci_quirk_brcm_acs
        } else if (v == VendorIds.LOONGSON && LOONGSON_RP.contains(d)) {
            ret = rootPortLike(req);
        } else if (v == VendorIds.AMAZON_ANNAPURNA_LABS && d == 0x0031) {
            ret = annapurna(dev, req);
        } else if (v == VendorIds.ZHAOXIN) {
            ret = firstAnswer(MF_ZHAOXIN.contains(d) ? mfEndpoint(req) : NO_QUIRK, zhaoxinPorts(dev, req));
        } else if (v == VendorIds.NXP && NXP_RP.contains(d)) {
            ret = rootPortLike(req);
        } else if (v == VendorIds.WANGXUN) {
            ret = wangxun(dev, req);
        }
        if (ret >= 0) {
            return ret;
        }
        return policy.override().map(o -> acsOverride(dev, o)).orElse(NO_QUIRK);
    }

    private static int firstAnswer(int... answers) {
        for (int a : answers) {
            if (a >= 0) {
                return a;
            }
        }
        return NO_QUIRK;
    }

    private static int bool(boolean b) {
        return b ? 1 : 0;
    }

    // pci_quirk_amd_sb_acs(): southbridge multifunction devices on the root bus of a host with an IVRS table.
    private static int amdSb(Device dev, int req, boolean onRootBus, AcsPolicy policy) {
        if (!dev.multifunction() || !onRootBus || !policy.ivrs()) {
            return NO_QUIRK;
        }
        return bool(ctrlEnabled(req & (RR | CR | EC | DT), RR | CR));
    }

    // pci_quirk_mf_endpoint_acs()
    private static int mfEndpoint(int req) {
        return bool(ctrlEnabled(req, SV | TB | RR | CR | UF | DT));
    }

    // pci_quirk_rciep_acs(): Intel RCiEPs only allow translated P2P.
    private static int rciep(Device dev, int req) {
        return dev.pcieType() == PcieType.RC_INTEGRATED_ENDPOINT ? bool(ctrlEnabled(req, SV_RR_CR_UF)) : NO_QUIRK;
    }

    private static int rootPortLike(int req) {
        return bool(ctrlEnabled(req, SV_RR_CR_UF));
    }

    public static boolean intelPchMatch(Device dev) {
        return dev.vendor() == VendorIds.INTEL && dev.pcieType() == PcieType.ROOT_PORT && INTEL_PCH_RP.contains(dev.deviceId());
    }

    // pci_quirk_intel_pch_acs(): only what the enable quirk switched on.
    private static int intelPch(Device dev, int req) {
        if (!intelPchMatch(dev)) {
            return NO_QUIRK;
        }
        return bool(ctrlEnabled(req, dev.hasFlag(Device.FLAG_ACS_ENABLED_QUIRK) ? SV_RR_CR_UF : 0));
    }

    public static boolean intelSptPchMatch(Device dev) {
        if (dev.vendor() != VendorIds.INTEL || dev.pcieType() != PcieType.ROOT_PORT) {
            return false;
        }
        int d = dev.deviceId();
        return (d >= 0xa110 && d <= 0xa11f) || (d >= 0xa167 && d <= 0xa16a) || (d >= 0xa290 && d <= 0xa29f)
                || (d >= 0xa2e7 && d <= 0xa2ee) || (d >= 0x9d10 && d <= 0x9d1b);
    }

    // pci_quirk_intel_spt_pch_acs(): dword registers; the reported ctrl is taken as the value at cap+8.
    private static int intelSptPch(Device dev, int req) {
        if (!intelSptPchMatch(dev) || !dev.hasAcsCap()) {
            return NO_QUIRK;
        }
        return bool(ctrlEnabled(req & (dev.acsCap() | EC), dev.acsCtrl()));
    }

    // pci_quirk_cavium_acs(): ThunderX root ports.
    private static int cavium(Device dev, int req) {
        if (dev.pcieType() != PcieType.ROOT_PORT) {
            return NO_QUIRK;
        }
        int d = dev.deviceId();
        boolean match = (d >= 0xa000 && d <= 0xa7ff) || d == 0xaf84 || d == 0xb884;
        return match ? rootPortLike(req) : NO_QUIRK;
    }

    // pci_quirk_al_acs()
    private static int annapurna(Device dev, int req) {
        if (dev.pcieType() != PcieType.ROOT_PORT) {
            return NO_QUIRK;
        }
        return bool((req & ~SV_RR_CR_UF) == 0);
    }

    // pci_quirk_zhaoxin_pcie_ports_acs(): unlisted Zhaoxin ports answer "not enabled", not "no quirk".
    private static int zhaoxinPorts(Device dev, int req) {
        PcieType t = dev.pcieType();
        if (t != PcieType.ROOT_PORT && t != PcieType.DOWNSTREAM_PORT) {
            return NO_QUIRK;
        }
        int d = dev.deviceId();
        if ((d >= 0x0710 && d <= 0x071e) || d == 0x0721 || (d >= 0x0723 && d <= 0x0752)) {
            return rootPortLike(req);
        }
        return 0;
    }

    // pci_quirk_wangxun_nic_acs(): every other Wangxun device answers "not enabled".
    private static int wangxun(Device dev, int req) {
        int d = dev.deviceId();
        boolean listed = (d >= 0x0100 && d <= 0x010f) || d == 0x1001 || d == 0x2001 || d == 0x5010 || d == 0x5025
                || d == 0x5040 || d == 0x5110 || d == 0x5125 || d == 0x5140;
        return listed ? rootPortLike(req) : 0;
    }

    // pcie_acs_overrides() of the out-of-tree patch [verify]: never for conventional PCI or devices with an ACS cap.
    private static int acsOverride(Device dev, AcsOverrideOptions o) {
        if (!dev.isPcie() || dev.hasAcsCap()) {
            return NO_QUIRK;
        }
        if (o.listsId(dev.vendor(), dev.deviceId())) {
            return 1;
        }
        return switch (dev.pcieType()) {
            case DOWNSTREAM_PORT, ROOT_PORT -> o.downstream() ? 1 : NO_QUIRK;
            case ENDPOINT, UPSTREAM_PORT, LEGACY_ENDPOINT, RC_INTEGRATED_ENDPOINT ->
                    o.multifunction() && dev.multifunction() ? 1 : NO_QUIRK;
            default -> NO_QUIRK;
        };
    }
}

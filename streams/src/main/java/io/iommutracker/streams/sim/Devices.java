package io.iommutracker.streams.sim;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.MsixState;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PcieType;
import io.iommutracker.avro.Window;
import java.util.List;

/** Builders for the PCI functions the simulated fleet is made of (ids from real parts). */
final class Devices {

    private Devices() {
    }

    /** ACS capability bits SV|RR|CR|UF|TB (0x1f | 0x40 for DT); control with SV|RR|CR|UF enabled. */
    static final int ACS_CAP = 0x5f;
    static final int ACS_ON = 0x1d;

    static PciDeviceInfo endpoint(String bdf, int vendor, int device, int classCode, long barBase, long barSize, String driver) {
        return PciDeviceInfo.newBuilder()
                .setBdf(bdf).setVendorId(vendor).setDeviceId(device).setClassCode(classCode).setHeaderType(0)
                .setPcieType(PcieType.ENDPOINT).setCapabilitiesKnown(true).setAcs(null)
                .setBars(List.of(new Bar(0, barBase, barSize, BarKind.MEM64, true)))
                .setBridge(null).setMsi(null).setMsix(new MsixState(true, 16, false)).setCommand(0x6)
                .setDriver(driver).setOwner(new Owner(OwnerKind.HOST, null)).setConfigSpace(null)
                .build();
    }

    static PciDeviceInfo port(String bdf, PcieType type, int primary, int secondary, int subordinate, long memBase,
                              long memLimit, boolean acs) {
        return PciDeviceInfo.newBuilder()
                .setBdf(bdf).setVendorId(0x10b5).setDeviceId(0x8747).setClassCode(0x060400).setHeaderType(1)
                .setPcieType(type).setCapabilitiesKnown(true).setAcs(acs ? new AcsCapability(0x140, ACS_CAP, ACS_ON) : null)
                .setBars(List.of())
                .setBridge(new BridgeInfo(primary, secondary, subordinate, null, new Window(memBase, memLimit), null))
                .setMsi(null).setMsix(null).setCommand(0x7).setDriver("pcieport").setOwner(new Owner(OwnerKind.HOST, null))
                .setConfigSpace(null)
                .build();
    }

    static PciDeviceInfo rootPort(String bdf, int secondary, int subordinate, long memBase, long memLimit) {
        return PciDeviceInfo.newBuilder(port(bdf, PcieType.ROOT_PORT, 0, secondary, subordinate, memBase, memLimit, true))
                .setVendorId(0x8086).setDeviceId(0x347a).build();
    }

    /** An Ampere Altra root port (not one of the X-Gene ids the kernel's ACS quirk matches). */
    static PciDeviceInfo armRootPort(String bdf, int secondary, int subordinate, long memBase, long memLimit) {
        return PciDeviceInfo.newBuilder(port(bdf, PcieType.ROOT_PORT, 0, secondary, subordinate, memBase, memLimit, true))
                .setVendorId(0x1def).setDeviceId(0xe101).build();
    }

    static PciDeviceInfo gpu(String bdf, long base) {
        return endpoint(bdf, 0x10de, 0x2330, 0x030200, base, 0x1000000L, "nvidia");
    }

    static PciDeviceInfo nvme(String bdf, long base) {
        return endpoint(bdf, 0x144d, 0xa80a, 0x010802, base, 0x4000L, "nvme");
    }

    static PciDeviceInfo nic(String bdf, long base, boolean multifunction) {
        return PciDeviceInfo.newBuilder(endpoint(bdf, 0x15b3, 0x101d, 0x020000, base, 0x2000000L, "mlx5_core"))
                .setMultifunction(multifunction).build();
    }

    static PciDeviceInfo vf(String bdf, String pf, long base) {
        return PciDeviceInfo.newBuilder(endpoint(bdf, 0x15b3, 0x101e, 0x020000, base, 0x100000L, "mlx5_core"))
                .setVirtfn(true).setPhysfn(pf).build();
    }
}

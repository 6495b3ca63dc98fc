package io.iommutracker.streams.testing;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.DriverBound;
import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.MsixState;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PcieType;
import io.iommutracker.avro.Rmrr;
import io.iommutracker.avro.Window;
import java.util.ArrayList;
import java.util.List;

/**
 * A realistic Intel VT-d server for alert scenarios over the real emulator:
 * <pre>
 * 00:14.0 xHCI (RMRR, relaxable: USB)
 * 00:01.0 root port ─ 01:00.0 switch upstream ─┬ 02:00.0 downstream ─ 03:00.0 GPU A (BAR 0x80000000, 16 MiB)
 *                                              └ 02:01.0 downstream ─ 04:00.0 GPU B (BAR 0x82000000, 16 MiB)
 * 00:02.0 root port ─ 10:00.0 / 10:00.1 dual-port NIC, multifunction without ACS (one group)
 * 00:03.0 root port ─ 20:00.0 NVMe
 * 00:1c.0 root port ─ 30:00.0 i210 NIC shared with the BMC (RMRR, not relaxable: a NIC)
 * </pre>
 * Every port has ACS with SV|RR|CR|UF enabled at boot, so every endpoint except the NIC pair is alone in its group.
 */
public final class IntelServer {

    private IntelServer() {
    }

    public static final String XHCI = "0000:00:14.0";
    public static final String SWITCH_PORT_A = "0000:02:00.0";
    public static final String SWITCH_PORT_B = "0000:02:01.0";
    public static final String GPU_A = "0000:03:00.0";
    public static final String GPU_B = "0000:04:00.0";
    public static final String NIC0 = "0000:10:00.0";
    public static final String NIC1 = "0000:10:00.1";
    public static final String NVME = "0000:20:00.0";
    public static final String BMC_NIC = "0000:30:00.0";

    public static final long GPU_B_BAR = 0x82000000L;
    public static final long GPU_BAR_SIZE = 0x1000000L;
    /** Port B's memory window: what a request redirected nowhere reaches through the switch. */
    public static final long PORT_B_WINDOW_BASE = 0x82000000L;
    public static final long PORT_B_WINDOW_LIMIT = 0x83ffffffL;
    public static final long BMC_RMRR_BASE = 0x7c000000L;
    public static final long BMC_RMRR_END = 0x7c0fffffL;
    /** The x86 interrupt window every VT-d group reserves (IOAPIC_RANGE_START..END). */
    public static final long MSI_BASE = 0xfee00000L;
    public static final long MSI_END = 0xfeefffffL;

    /** SV|RR|CR|UF|TB|DT advertised; SV|RR|CR|UF enabled (what pci_std_enable_acs() writes). */
    public static final int ACS_CAP = 0x5f;
    public static final int ACS_ON = 0x1d;
    /** Source validation only: requests are no longer redirected upstream (RR and UF cleared). */
    public static final int ACS_SV_ONLY = 0x01;

    public static HostDescribed described() {
        return HostDescribed.newBuilder().setArch("x86_64").setKernelRelease("6.12.57-amd64")
                .setPlatform(IommuPlatform.INTEL_VT_D).setFirmware(FirmwareKind.ACPI).setInterruptRemapping(true)
                .setIsolatedMsi(true).setAllowUnsafeInterrupts(false).setCommandLine("intel_iommu=on iommu=pt")
                .setRmrrs(List.of(new Rmrr(0x7b800000L, 0x7b9fffffL, List.of(XHCI)),
                        new Rmrr(BMC_RMRR_BASE, BMC_RMRR_END, List.of(BMC_NIC))))
                .build();
    }

    /** The description, then every device in enumeration order. */
    public static List<Object> boot() {
        return boot(described());
    }

    public static List<Object> boot(HostDescribed host) {
        List<Object> out = new ArrayList<>();
        out.add(host);
        devices().forEach(d -> out.add(new DeviceAdded(d)));
        return out;
    }

    public static List<PciDeviceInfo> devices() {
        // in bus order, as pci_bus_add_devices() adds them: every bridge before what is below it
        return List.of(
                port("0000:00:01.0", PcieType.ROOT_PORT, 0, 1, 4, 0x80000000L, 0x83ffffffL),
                port("0000:00:02.0", PcieType.ROOT_PORT, 0, 0x10, 0x10, 0x90000000L, 0x93ffffffL),
                port("0000:00:03.0", PcieType.ROOT_PORT, 0, 0x20, 0x20, 0x94000000L, 0x940fffffL),
                endpoint(XHCI, 0x8086, 0xa0ed, 0x0c0330, PcieType.RC_INTEGRATED_ENDPOINT, 0x6000000000L, 0x10000L, "xhci_hcd"),
                port("0000:00:1c.0", PcieType.ROOT_PORT, 0, 0x30, 0x30, 0x95000000L, 0x950fffffL),
                port("0000:01:00.0", PcieType.UPSTREAM_PORT, 1, 2, 4, 0x80000000L, 0x83ffffffL),
                port(SWITCH_PORT_A, PcieType.DOWNSTREAM_PORT, 2, 3, 3, 0x80000000L, 0x81ffffffL),
                port(SWITCH_PORT_B, PcieType.DOWNSTREAM_PORT, 2, 4, 4, PORT_B_WINDOW_BASE, PORT_B_WINDOW_LIMIT),
                endpoint(GPU_A, 0x10de, 0x2330, 0x030200, PcieType.ENDPOINT, 0x80000000L, GPU_BAR_SIZE, "nvidia"),
                endpoint(GPU_B, 0x10de, 0x2330, 0x030200, PcieType.ENDPOINT, GPU_B_BAR, GPU_BAR_SIZE, "nvidia"),
                multifunction(endpoint(NIC0, 0x15b3, 0x101d, 0x020000, PcieType.ENDPOINT, 0x90000000L, 0x2000000L, "mlx5_core")),
                multifunction(endpoint(NIC1, 0x15b3, 0x101d, 0x020000, PcieType.ENDPOINT, 0x92000000L, 0x2000000L, "mlx5_core")),
                endpoint(NVME, 0x144d, 0xa80a, 0x010802, PcieType.ENDPOINT, 0x94000000L, 0x4000L, "nvme"),
                endpoint(BMC_NIC, 0x8086, 0x1533, 0x020000, PcieType.ENDPOINT, 0x95000000L, 0x100000L, "igb"));
    }

    public static DriverBound vfio(String bdf, String vm) {
        return new DriverBound(bdf, "vfio-pci", new Owner(OwnerKind.VFIO, vm));
    }

    static PciDeviceInfo endpoint(String bdf, int vendor, int device, int classCode, PcieType type, long barBase,
                                  long barSize, String driver) {
        return PciDeviceInfo.newBuilder().setBdf(bdf).setVendorId(vendor).setDeviceId(device).setClassCode(classCode)
                .setHeaderType(0).setPcieType(type).setCapabilitiesKnown(true).setAcs(null)
                .setBars(List.of(new Bar(0, barBase, barSize, BarKind.MEM64, true))).setBridge(null).setMsi(null)
                .setMsix(new MsixState(true, 16, false)).setCommand(0x6).setDriver(driver)
                .setOwner(new Owner(OwnerKind.HOST, null)).setConfigSpace(null).build();
    }

    static PciDeviceInfo multifunction(PciDeviceInfo d) {
        return PciDeviceInfo.newBuilder(d).setMultifunction(true).build();
    }

    static PciDeviceInfo port(String bdf, PcieType type, int primary, int secondary, int subordinate, long memBase,
                              long memLimit) {
        boolean root = type == PcieType.ROOT_PORT;
        return PciDeviceInfo.newBuilder().setBdf(bdf).setVendorId(root ? 0x8086 : 0x10b5)
                .setDeviceId(root ? 0x347a : 0x8747).setClassCode(0x060400).setHeaderType(1).setPcieType(type)
                .setCapabilitiesKnown(true)
                .setAcs(type == PcieType.UPSTREAM_PORT ? null : new AcsCapability(0x140, ACS_CAP, ACS_ON))
                .setBars(List.of())
                .setBridge(new BridgeInfo(primary, secondary, subordinate, null, new Window(memBase, memLimit), null))
                .setMsi(null).setMsix(null).setCommand(0x7).setDriver("pcieport").setOwner(new Owner(OwnerKind.HOST, null))
                .setConfigSpace(null).build();
    }
}

package io.iommutracker.emulator.resv;

import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PciDeviceInfo;
import java.util.ArrayList;
import java.util.List;

/** Small builders for hosts and PCI functions used by the reserved-region and VFIO tests. */
public final class Fixtures {

    private Fixtures() {
    }

    public static final int CLASS_ETHERNET = 0x020000;
    public static final int CLASS_VGA = 0x030000;
    public static final int CLASS_XHCI = 0x0c0330;
    public static final int CLASS_ISA_BRIDGE = 0x060100;
    public static final int CLASS_SMBUS = 0x0c0500;
    public static final int CLASS_SATA = 0x010601;
    public static final int CLASS_PCI_BRIDGE = 0x060400;

    public static HostDescribed.Builder host(IommuPlatform platform) {
        return HostDescribed.newBuilder().setPlatform(platform);
    }

    public static HostDescribed.Builder armDt(IommuPlatform platform) {
        return host(platform).setArch("aarch64").setFirmware(FirmwareKind.DEVICE_TREE);
    }

    public static PciDeviceInfo fn(String bdf, int classCode) {
        return PciDeviceInfo.newBuilder().setBdf(bdf).setVendorId(0x8086).setDeviceId(0x1234).setClassCode(classCode).build();
    }

    public static PciDeviceInfo bridge(String bdf, int secondary, int subordinate) {
        return PciDeviceInfo.newBuilder().setBdf(bdf).setVendorId(0x8086).setDeviceId(0x4321)
                .setClassCode(CLASS_PCI_BRIDGE).setHeaderType(1)
                .setBridge(BridgeInfo.newBuilder().setPrimary(0).setSecondary(secondary).setSubordinate(subordinate).build())
                .build();
    }

    /** The merged group list of {@code devices} (none of them behind a bridge). */
    public static List<Region> group(HostDescribed host, PciDeviceInfo... devices) {
        List<List<Region>> perDevice = new ArrayList<>();
        for (PciDeviceInfo device : devices) {
            perDevice.add(ReservedRegions.forDevice(host, device, List.of()));
        }
        return ReservedRegions.forGroup(perDevice);
    }

    public static String sysfs(HostDescribed host, PciDeviceInfo... devices) {
        return ReservedRegions.sysfsText(group(host, devices));
    }

    public static String lines(String... lines) {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line).append('\n');
        }
        return text.toString();
    }
}

package io.iommutracker.emulator.format;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.MsiState;
import io.iommutracker.avro.MsixState;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.model.Bdf;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A function being read from a text capture; becomes an immutable {@link PciDeviceInfo}. */
final class DeviceDraft {

    final Bdf bdf;
    final int line;
    int vendorId;
    int deviceId;
    int subsystemVendorId;
    int subsystemDeviceId;
    int classCode;
    int revision;
    Integer headerType;
    boolean multifunction;
    PcieType pcieType = PcieType.UNKNOWN;
    boolean capabilitiesKnown;
    AcsCapability acs;
    boolean atsEnabled;
    final List<Bar> bars = new ArrayList<>();
    BridgeInfo bridge;
    MsiState msi;
    MsixState msix;
    int command = 6;
    String driver;
    String physfn;
    boolean virtfn;
    byte[] configSpace;

    DeviceDraft(Bdf bdf, int line) {
        this.bdf = bdf;
        this.line = line;
    }

    /** The kernel's header type follows the class when the capture does not show the register. */
    int headerType() {
        if (headerType != null) return headerType;
        int base = classCode >> 8;
        return base == 0x0604 || base == 0x0609 ? 1 : base == 0x0607 ? 2 : 0;
    }

    PciDeviceInfo build() {
        return PciDeviceInfo.newBuilder()
                .setBdf(bdf.toString())
                .setVendorId(vendorId).setDeviceId(deviceId)
                .setSubsystemVendorId(subsystemVendorId).setSubsystemDeviceId(subsystemDeviceId)
                .setClassCode(classCode).setRevision(revision).setHeaderType(headerType())
                .setPcieType(pcieType).setMultifunction(multifunction || bdf.function() > 0)
                .setVirtfn(virtfn).setPhysfn(physfn)
                .setCapabilitiesKnown(capabilitiesKnown).setAcs(acs).setAtsEnabled(atsEnabled)
                .setBars(List.copyOf(bars)).setBridge(bridge).setMsi(msi).setMsix(msix)
                .setCommand(command).setDriver(driver).setOwner(owner(driver))
                .setConfigSpace(configSpace == null ? null : ByteBuffer.wrap(configSpace.clone()))
                .build();
    }

    /** vfio-pci hands the function to user space; any other driver keeps it in the host kernel. */
    static Owner owner(String driver) {
        if (driver == null || driver.isEmpty()) return new Owner(OwnerKind.NONE, null);
        return new Owner(driver.equals("vfio-pci") ? OwnerKind.VFIO : OwnerKind.HOST, null);
    }
}

package io.iommutracker.emulator.synth;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PcieType;
import io.iommutracker.avro.Window;
import java.util.ArrayList;
import java.util.List;

/** A fluent builder of {@link PciDeviceInfo} for simulators and tests: {@code PciDevices.at("00:01.0").rootPort().acsOn().build()}. */
public final class PciDevices {

    /** SV|RR|CR|UF. */
    public static final int ACS_REQ = 0x1d;

    private final PciDeviceInfo.Builder b = PciDeviceInfo.newBuilder();
    private final List<Bar> bars = new ArrayList<>();

    private PciDevices(String bdf) {
        b.setBdf(bdf).setVendorId(0x8086).setDeviceId(0x1234).setClassCode(0x020000).setPcieType(PcieType.ENDPOINT)
                .setOwner(Owner.newBuilder().setKind(OwnerKind.NONE).setId(null).build());
    }

    public static PciDevices at(String bdf) {
        return new PciDevices(bdf);
    }

    public PciDevices ids(int vendor, int device) {
        b.setVendorId(vendor).setDeviceId(device);
        return this;
    }

    public PciDevices classCode(int classCode) {
        b.setClassCode(classCode);
        return this;
    }

    public PciDevices type(PcieType type) {
        b.setPcieType(type);
        return this;
    }

    public PciDevices endpoint() {
        return type(PcieType.ENDPOINT);
    }

    public PciDevices rootPort(int secondary, int subordinate) {
        return type(PcieType.ROOT_PORT).classCode(0x060400).bridge(secondary, subordinate);
    }

    public PciDevices upstreamPort(int secondary, int subordinate) {
        return type(PcieType.UPSTREAM_PORT).classCode(0x060400).bridge(secondary, subordinate);
    }

    public PciDevices downstreamPort(int secondary, int subordinate) {
        return type(PcieType.DOWNSTREAM_PORT).classCode(0x060400).bridge(secondary, subordinate);
    }

    /** A header-type-1 bridge with the given bus numbers (type set separately). */
    public PciDevices bridge(int secondary, int subordinate) {
        b.setHeaderType(1).setBridge(BridgeInfo.newBuilder().setPrimary(0).setSecondary(secondary).setSubordinate(subordinate).build());
        return this;
    }

    public PciDevices memWindow(long base, long limit) {
        BridgeInfo br = b.getBridge();
        b.setBridge(BridgeInfo.newBuilder(br).setMemWindow(new Window(base, limit)).build());
        return this;
    }

    public PciDevices multifunction() {
        b.setMultifunction(true);
        return this;
    }

    public PciDevices virtfn(String physfn) {
        b.setVirtfn(true).setPhysfn(physfn);
        return this;
    }

    public PciDevices acs(int cap, int ctrl) {
        b.setAcs(AcsCapability.newBuilder().setOffset(0x100).setCap(cap).setCtrl(ctrl).build());
        return this;
    }

    /** "ACS+": CAP advertises SV|RR|CR|UF and CTRL has them set. */
    public PciDevices acsOn() {
        return acs(ACS_REQ, ACS_REQ);
    }

    public PciDevices bar(int index, long base, long size) {
        bars.add(Bar.newBuilder().setIndex(index).setBase(base).setSize(size).setKind(BarKind.MEM64).setPrefetchable(false).build());
        return this;
    }

    public PciDevices driver(String driver) {
        b.setDriver(driver).setOwner(Owner.newBuilder().setKind(OwnerKind.HOST).setId(null).build());
        return this;
    }

    public PciDeviceInfo build() {
        return b.setBars(List.copyOf(bars)).build();
    }
}

package io.iommutracker.schemas;

import io.iommutracker.avro.*;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One PciEvent of every payload kind, with every optional part filled, for serde and broker round trips. */
public final class SampleEvents {

    private SampleEvents() {
    }

    public static PciDeviceInfo nvme(String bdf) {
        return PciDeviceInfo.newBuilder()
                .setBdf(bdf).setVendorId(0x144d).setDeviceId(0xa808).setSubsystemVendorId(0x144d).setSubsystemDeviceId(0xa801)
                .setClassCode(0x010802).setRevision(0).setHeaderType(0).setPcieType(PcieType.ENDPOINT)
                .setMultifunction(false).setVirtfn(false).setPhysfn(null).setCapabilitiesKnown(true)
                .setAcs(null).setAtsEnabled(false).setExternalFacing(false)
                .setBars(List.of(new Bar(0, 0xfc000000L, 0x4000L, BarKind.MEM64, false)))
                .setBridge(null)
                .setMsi(new MsiState(false, 1, 32, null))
                .setMsix(new MsixState(true, 33, false))
                .setCommand(0x6).setDriver("nvme").setOwner(new Owner(OwnerKind.HOST, null))
                .setConfigSpace(ByteBuffer.wrap(new byte[] {0x4d, 0x14, 0x08, (byte) 0xa8}))
                .build();
    }

    public static PciDeviceInfo rootPort(String bdf, int secondary, int subordinate) {
        return PciDeviceInfo.newBuilder(nvme(bdf))
                .setVendorId(0x8086).setDeviceId(0x7ab8).setClassCode(0x060400).setHeaderType(1)
                .setPcieType(PcieType.ROOT_PORT).setAcs(new AcsCapability(0x220, 0x5f, 0x1d))
                .setBars(List.of())
                .setBridge(new BridgeInfo(0, secondary, subordinate, new Window(0x3000L, 0x3fffL),
                        new Window(0xfc000000L, 0xfc0fffffL), null))
                .setMsix(null).setDriver("pcieport").setConfigSpace(null)
                .build();
    }

    public static HostDescribed intelHost() {
        return HostDescribed.newBuilder()
                .setArch("x86_64").setKernelRelease("6.12.57-amd64").setPlatform(IommuPlatform.INTEL_VT_D)
                .setFirmware(FirmwareKind.ACPI).setInterruptRemapping(true).setIsolatedMsi(true)
                .setAllowUnsafeInterrupts(false).setCommandLine("intel_iommu=on iommu=pt")
                .setFloppyWorkaround(true).setAmdHtRangeIgnore(false).setIntelPchAcsQuirk(true)
                .setRmrrs(List.of(new Rmrr(0x7b800000L, 0x7b9fffffL, List.of("0000:00:14.0"))))
                .setIvmds(List.of(new Ivmd(0x21, 0x07, 0x100, 0x100, 0xa0000000L, 0x100000L)))
                .setIortRmrs(List.of(new IortRmr(0xe0000000L, 0x100000L, true, false, 0, 0xffff, 0)))
                .setDtReservedMemory(List.of(new DtReservedMemory("fb", 0x90000000L, 0x90000000L, 0x800000L, List.of("0000:00:02.0"))))
                .setVirtioProbeRegions(List.of(new VirtioResvMem(1, 0xfee00000L, 0xfeefffffL, List.of())))
                .setAppleMsiDoorbell(0xfffff000L)
                .setIommuMap(List.of(new RidRange(0, 0, 0xffff)))
                .setApertureBits(48)
                .build();
    }

    /** Sequence 1..N, one event per payload kind in the PciEvent union, in union order. */
    public static List<PciEvent> everyKind(String host) {
        List<Object> payloads = List.of(
                intelHost(),
                new DeviceAdded(nvme("0000:01:00.0")),
                new DeviceRemoved("0000:01:00.0"),
                new BarProgrammed("0000:01:00.0", new Bar(2, 0x4000000000L, 0x100000L, BarKind.MEM64, true)),
                new BridgeWindowChanged("0000:00:1c.0", WindowKind.PREFMEM, new Window(0x4000000000L, 0x40001fffffL)),
                new BridgeBusNumbersChanged("0000:00:1c.0", 2, 5),
                new CommandChanged("0000:01:00.0", 0x2),
                new MsiConfigured("0000:01:00.0", MsiKind.MSIX, true, 8, 0xfee00000L),
                new AcsControlChanged("0000:00:1c.0", 0x19),
                new DriverBound("0000:01:00.0", "vfio-pci", new Owner(OwnerKind.VFIO, "vm-42")),
                new DriverUnbound("0000:01:00.0", "nvme"),
                new DmaMappingsReported("vm-42", List.of("0000:01:00.0"), List.of(new IovaRange(0L, 0x7fffffffL))),
                new HostSnapshot(intelHost(), List.of(rootPort("0000:00:1c.0", 1, 1), nvme("0000:01:00.0"))),
                new Heartbeat(),
                new HostDecommissioned("retired"));
        List<PciEvent> out = new ArrayList<>();
        long seq = 1;
        for (Object p : payloads) {
            out.add(new PciEvent(host, seq, Instant.ofEpochMilli(1_700_000_000_000L + seq), "sample", p));
            seq++;
        }
        return out;
    }

    public static Alert alert() {
        return new Alert("f00d", AlertKind.ISOLATION, AlertStatus.FIRING, Severity.CRITICAL, "host-1",
                List.of("0000:01:00.0", "0000:01:00.1"), "VM vm-42 shares group 7 with host device",
                Map.of("group", "7"), Instant.ofEpochMilli(1L), Instant.ofEpochMilli(2L), null);
    }
}

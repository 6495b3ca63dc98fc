package io.iommutracker.connectors.diff;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.BridgeBusNumbersChanged;
import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.BridgeWindowChanged;
import io.iommutracker.avro.CommandChanged;
import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.DriverBound;
import io.iommutracker.avro.DriverUnbound;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.MsiConfigured;
import io.iommutracker.avro.MsiKind;
import io.iommutracker.avro.MsiState;
import io.iommutracker.avro.MsixState;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PcieType;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.avro.Window;
import io.iommutracker.avro.WindowKind;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class SnapshotDiffTest {

    // a root port 00:1c.0 (bus 01..02) with a switch-less endpoint 01:00.0, a bridge 01:01.0 (bus 02) with 02:00.0
    // below it, and an integrated endpoint 00:02.0
    private static PciDeviceInfo bridge(String bdf, int pri, int sec, int sub) {
        return PciDeviceInfo.newBuilder().setBdf(bdf).setVendorId(0x8086).setDeviceId(0x1234).setClassCode(0x060400)
                .setHeaderType(1).setPcieType(PcieType.ROOT_PORT)
                .setAcs(new AcsCapability(0x220, 0x5f, 0x1d))
                .setBridge(new BridgeInfo(pri, sec, sub, null, new Window(0xfe000000L, 0xfe1fffffL), null))
                .setDriver("pcieport").setOwner(new Owner(OwnerKind.HOST, null)).build();
    }

    private static PciDeviceInfo endpoint(String bdf) {
        return PciDeviceInfo.newBuilder().setBdf(bdf).setVendorId(0x10de).setDeviceId(0x1d01).setClassCode(0x030000)
                .setPcieType(PcieType.ENDPOINT)
                .setBars(List.of(new Bar(0, 0xfe000000L, 0x100000L, BarKind.MEM32, false),
                        new Bar(2, 0xc0000000L, 0x10000000L, BarKind.MEM64, true)))
                .setMsi(new MsiState(false, 1, 1, null))
                .setMsix(new MsixState(false, 8, false))
                .setDriver("nouveau").setOwner(new Owner(OwnerKind.HOST, null)).build();
    }

    private static HostSnapshot host(PciDeviceInfo... devices) {
        return new HostSnapshot(HostDescribed.newBuilder().setPlatform(IommuPlatform.NONE).setKernelRelease("6.1.0").build(), List.of(devices));
    }

    private static HostSnapshot base() {
        return host(bridge("0000:00:1c.0", 0, 1, 2), endpoint("0000:01:00.0"), bridge("0000:01:01.0", 1, 2, 2),
                endpoint("0000:02:00.0"), endpoint("0000:00:02.0"));
    }

    private static HostSnapshot change(HostSnapshot s, String bdf, UnaryOperator<PciDeviceInfo.Builder> f) {
        List<PciDeviceInfo> out = new ArrayList<>();
        for (PciDeviceInfo d : s.getDevices()) {
            out.add(d.getBdf().equals(bdf) ? f.apply(PciDeviceInfo.newBuilder(d)).build() : d);
        }
        return new HostSnapshot(s.getHost(), out);
    }

    private static HostSnapshot without(HostSnapshot s, String... bdfs) {
        List<String> gone = List.of(bdfs);
        return new HostSnapshot(s.getHost(), s.getDevices().stream().filter(d -> !gone.contains(d.getBdf())).toList());
    }

    @Test
    void identicalCapturesHaveNoEvents() {
        assertThat(SnapshotDiff.diff(base(), base())).isEmpty();
    }

    @Test
    void rawConfigSpaceAloneIsNotAChange() {
        HostSnapshot next = change(base(), "0000:01:00.0", b -> b.setConfigSpace(ByteBuffer.wrap(new byte[] {1, 2, 3})));
        assertThat(SnapshotDiff.diff(base(), next)).isEmpty();
    }

    @Test
    void removalsGoDeepestFirstAndAdditionsShallowestFirst() {
        HostSnapshot full = base();
        HostSnapshot pruned = without(full, "0000:01:01.0", "0000:02:00.0", "0000:00:02.0");
        assertThat(SnapshotDiff.diff(full, pruned)).containsExactly(
                new DeviceRemoved("0000:02:00.0"), new DeviceRemoved("0000:01:01.0"), new DeviceRemoved("0000:00:02.0"));
        List<Object> back = SnapshotDiff.diff(pruned, full);
        assertThat(back).extracting(p -> ((DeviceAdded) p).getDevice().getBdf())
                .containsExactly("0000:00:02.0", "0000:01:01.0", "0000:02:00.0");
        assertThat(((DeviceAdded) back.get(2)).getDevice()).isEqualTo(full.getDevices().get(3));
    }

    @Test
    void movedBarIsOneBarProgrammedAndAReleasedBarHasSizeZero() {
        Bar moved = new Bar(0, 0xfd000000L, 0x100000L, BarKind.MEM32, false);
        HostSnapshot next = change(base(), "0000:01:00.0", b -> b.setBars(List.of(moved)));
        assertThat(SnapshotDiff.diff(base(), next)).containsExactly(
                new BarProgrammed("0000:01:00.0", moved),
                new BarProgrammed("0000:01:00.0", new Bar(2, 0L, 0L, BarKind.MEM64, true)));
    }

    @Test
    void acsControlBusNumbersAndWindowsOfABridge() {
        HostSnapshot next = change(base(), "0000:00:1c.0", b -> b
                .setAcs(new AcsCapability(0x220, 0x5f, 0x00))
                .setBridge(new BridgeInfo(0, 1, 3, new Window(0x2000L, 0x2fffL), null, null)));
        assertThat(SnapshotDiff.diff(base(), next)).containsExactly(
                new BridgeBusNumbersChanged("0000:00:1c.0", 1, 3),
                new BridgeWindowChanged("0000:00:1c.0", WindowKind.IO, new Window(0x2000L, 0x2fffL)),
                new BridgeWindowChanged("0000:00:1c.0", WindowKind.MEM, null),
                new AcsControlChanged("0000:00:1c.0", 0x00));
    }

    @Test
    void rebindToVfioIsUnbindThenBindWithTheNewOwner() {
        Owner vfio = new Owner(OwnerKind.VFIO, null);
        HostSnapshot next = change(base(), "0000:02:00.0", b -> b.setDriver("vfio-pci").setOwner(vfio).setCommand(0x406));
        assertThat(SnapshotDiff.diff(base(), next)).containsExactly(
                new DriverUnbound("0000:02:00.0", "nouveau"),
                new CommandChanged("0000:02:00.0", 0x406),
                new DriverBound("0000:02:00.0", "vfio-pci", vfio));
    }

    @Test
    void unbindWithoutNewDriverAndMsiChanges() {
        HostSnapshot next = change(base(), "0000:00:02.0", b -> b.setDriver(null).setOwner(new Owner(OwnerKind.NONE, null))
                .setMsi(new MsiState(true, 4, 1, 0xfee00000L)).setMsix(new MsixState(true, 8, true)));
        assertThat(SnapshotDiff.diff(base(), next)).containsExactly(
                new DriverUnbound("0000:00:02.0", "nouveau"),
                new MsiConfigured("0000:00:02.0", MsiKind.MSI, true, 4, 0xfee00000L),
                new MsiConfigured("0000:00:02.0", MsiKind.MSIX, true, 8, null));
    }

    @Test
    void anEndpointReplacedInItsSlotIsRemovedAndAdded() {
        HostSnapshot next = change(base(), "0000:01:00.0", b -> b.setDeviceId(0x2204));
        PciDeviceInfo replaced = next.getDevices().get(1);
        assertThat(SnapshotDiff.diff(base(), next)).containsExactly(
                new DeviceRemoved("0000:01:00.0"), new DeviceAdded(replaced));
    }

    @Test
    void aBridgeChangeWithoutItsOwnEventResynchronisesTheHost() {
        HostSnapshot next = change(base(), "0000:01:01.0", b -> b.setPcieType(PcieType.DOWNSTREAM_PORT));
        assertThat(SnapshotDiff.diff(base(), next)).containsExactly(next);
    }

    @Test
    void changedHostFactsComeFirst() {
        HostDescribed newer = HostDescribed.newBuilder().setPlatform(IommuPlatform.NONE).setKernelRelease("6.12.0").build();
        HostSnapshot next = new HostSnapshot(newer, without(base(), "0000:00:02.0").getDevices());
        assertThat(SnapshotDiff.diff(base(), next)).containsExactly(newer, new DeviceRemoved("0000:00:02.0"));
    }

    @Test
    void hostEventsAreNumberedWithoutGaps() {
        List<PciEvent> evs = HostEvents.number("h1", "test", Instant.ofEpochMilli(5), 41,
                List.of(new DeviceRemoved("0000:00:02.0"), new DeviceRemoved("0000:00:03.0")));
        assertThat(evs).extracting(PciEvent::getSequence).containsExactly(42L, 43L);
        assertThat(evs).allSatisfy(e -> {
            assertThat(e.getHostId()).isEqualTo("h1");
            assertThat(e.getObservedAt()).isEqualTo(Instant.ofEpochMilli(5));
        });
    }
}

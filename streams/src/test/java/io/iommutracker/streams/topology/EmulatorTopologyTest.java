package io.iommutracker.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.*;
import io.iommutracker.schemas.SampleEvents;
import io.iommutracker.schemas.Topics.DlqHeaders;
import io.iommutracker.streams.engine.EmulatorEngine;
import io.iommutracker.streams.sim.FleetSimulator;
import io.iommutracker.streams.sim.HostKind;
import io.iommutracker.streams.testing.TrackerTestDriver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topology over the real emulator: groups, changes and alerts as the kernel rules make them. */
class EmulatorTopologyTest {

    @TempDir
    Path stateDir;
    TrackerTestDriver t;

    @BeforeEach
    void start() {
        t = new TrackerTestDriver(EmulatorEngine.INSTANCE, Duration.ofMinutes(10), stateDir);
    }

    @AfterEach
    void stop() {
        t.close();
    }

    static final String NIC0 = "0000:10:00.0";
    static final String NIC1 = "0000:10:00.1";

    void bootGpuServer(String host) {
        t.report(host, FleetSimulator.bootstrapPayloads(HostKind.GPU_SERVER).toArray());
    }

    static DriverBound vfio(String bdf, String vm) {
        return new DriverBound(bdf, "vfio-pci", new Owner(OwnerKind.VFIO, vm));
    }

    @Test
    void shouldGroupEverySimulatedHostKindWithoutRejections() {
        for (HostKind kind : HostKind.values()) {
            t.report(kind.name(), FleetSimulator.bootstrapPayloads(kind).toArray());
            HostView v = t.view(kind.name());
            List<String> grouped = v.getKernelGroups().stream().flatMap(g -> g.getDevices().stream()).sorted().toList();
            assertThat(grouped).as(kind.name()).hasSize(v.getDeviceCount()).doesNotHaveDuplicates();
        }
        assertThat(t.deadLetters()).isEmpty();
        // a multifunction NIC without ACS shares one group (pci_dev_acs_enabled() fails, so pci_get_slot() siblings join)
        assertThat(t.view("GPU_SERVER").getKernelGroups()).anyMatch(g -> g.getDevices().containsAll(List.of(NIC0, NIC1)));
        assertThat(t.firing()).isEmpty();
    }

    @Test
    void shouldFireIsolationWhenOneNicFunctionGoesToAVmAndResolveWhenBothDo() {
        bootGpuServer("g1");
        t.report("g1", vfio(NIC0, "vm-1"));
        Alert a = t.firing(AlertKind.ISOLATION).get(0);
        assertThat(a.getDevices()).containsExactly(NIC0, NIC1);

        t.report("g1", vfio(NIC1, "vm-1"));
        assertThat(t.latest(a.getFingerprint()).getStatus()).isEqualTo(AlertStatus.RESOLVED);
        assertThat(t.firing(AlertKind.ISOLATION)).isEmpty();
    }

    @Test
    void shouldFlagStaleGroupWhenDownstreamPortAcsIsClearedAfterProbe() {
        bootGpuServer("g1");
        t.changes();
        t.report("g1", new AcsControlChanged("0000:02:01.0", 0));

        assertThat(t.firing(AlertKind.STALE_GROUP)).isNotEmpty();
        List<IommuChange> changes = t.changes();
        assertThat(changes).noneMatch(c -> c.getView() == ViewKind.KERNEL);
        assertThat(changes).anyMatch(c -> c.getView() == ViewKind.LIVE && c.getKind() == ChangeKind.GROUP_MERGED);

        t.report("g1", new AcsControlChanged("0000:02:01.0", 0x1d));
        assertThat(t.firing(AlertKind.STALE_GROUP)).isEmpty();
        assertThat(t.changes()).anyMatch(c -> c.getView() == ViewKind.LIVE && c.getKind() == ChangeKind.GROUP_SPLIT);
    }

    @Test
    void shouldApplyEveryEventKindAndTombstoneOnDecommission() {
        List<PciEvent> events = SampleEvents.everyKind("s1");
        List<String> rejected = new ArrayList<>();
        for (PciEvent e : events) {
            t.pipe(e);
            for (TestRecord<byte[], byte[]> d : t.deadLetters()) {
                String stage = new String(d.headers().lastHeader(DlqHeaders.STAGE).value(), StandardCharsets.UTF_8);
                assertThat(stage).isEqualTo("APPLY");
                rejected.add(e.getPayload().getClass().getSimpleName());
            }
            if (!(e.getPayload() instanceof HostDecommissioned)) {
                assertThat(t.view("s1").getSequence()).isLessThanOrEqualTo(e.getSequence());
            }
        }
        // the sample's events after DeviceRemoved name a device that is gone: the emulator must say so
        assertThat(rejected).contains("BarProgrammed");
        assertThat(t.view("s1")).isNull();
        assertThat(t.hostState("s1")).isNull();
        assertThat(t.firing()).isEmpty();
    }

    @Test
    void shouldRestoreEmulatedStateFromTheStoreAfterRestart() {
        bootGpuServer("g1");
        HostView before = t.view("g1");
        byte[] stored = t.hostState("g1");
        HostRecord r = HostRecord.fromBytes(stored);
        HostView reread = EmulatorEngine.INSTANCE.fromBytes(r.state()).view();
        assertThat(reread.getKernelGroups()).isEqualTo(before.getKernelGroups());
        assertThat(r.lastSequence()).isEqualTo(before.getSequence());
    }
}

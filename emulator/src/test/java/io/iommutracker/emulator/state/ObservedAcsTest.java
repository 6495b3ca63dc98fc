package io.iommutracker.emulator.state;

import static io.iommutracker.emulator.TestHost.g;
import static io.iommutracker.emulator.synth.PciDevices.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.Heartbeat;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.TestHost;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.synth.PciDevices;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * ACS control words in telemetry are observations of the hardware after the kernel's enumeration-time enabling: the
 * live view uses them as reported, the kernel view the word each device had when it was probed. A snapshot after a
 * telemetry gap resynchronises a running kernel; it is not a reboot.
 */
class ObservedAcsTest {

    private static final int REQ = 0x1d; // SV|RR|CR|UF
    private static final int RR = 0x04;
    private static final HostDescribed INTEL = HostDescribed.newBuilder().setPlatform(IommuPlatform.INTEL_VT_D).build();

    private static final String DSP0 = "0000:02:00.0";
    private static final String DSP1 = "0000:02:01.0";
    private static final String DSP2 = "0000:02:02.0";

    /** Root port, switch with three ACS+ downstream ports, an endpoint below the first two. */
    private static List<PciDeviceInfo> switchWithThreePorts() {
        return Stream.of(at("00:01.0").rootPort(1, 5).acsOn(), at("01:00.0").upstreamPort(2, 5),
                at("02:00.0").downstreamPort(3, 3).acsOn(), at("02:01.0").downstreamPort(4, 4).acsOn(),
                at("02:02.0").downstreamPort(5, 5).acsOn(), at("03:00.0").endpoint(), at("04:00.0").endpoint())
                .map(PciDevices::build).toList();
    }

    private static TestHost booted() {
        return TestHost.describe(INTEL).apply(new HostSnapshot(null, switchWithThreePorts()));
    }

    /** Loses one event, so the host is degraded until a snapshot arrives. */
    private static void gap(TestHost h) {
        h.next(new Heartbeat());
        h.apply(new Heartbeat());
        assertThat(h.state().degraded()).isTrue();
    }

    private static List<PciDeviceInfo> without(List<PciDeviceInfo> devices, String... bdfs) {
        List<Bdf> gone = Stream.of(bdfs).map(Bdf::parse).toList();
        return devices.stream().filter(d -> !gone.contains(Bdf.parse(d.getBdf()))).toList();
    }

    @Test
    void resyncAfterAGapKeepsAnAdministratorsClearedRequestRedirectInTheLiveViewOnly() {
        TestHost h = booted();
        Map<Integer, List<String>> kernel = h.state().kernelGroups();
        assertThat(h.livePartition()).contains(g("02:00.0"), g("03:00.0"));

        h.apply(new AcsControlChanged(DSP0, REQ & ~RR)); // setpci clears RR on DSP0
        assertThat(h.livePartition()).contains(g("02:00.0", "03:00.0"));
        gap(h);

        // The collector's capture shows the cleared word; it is the hardware now, not a firmware value to enable.
        h.apply(new HostSnapshot(INTEL, h.state().devices()));
        assertThat(h.state().degraded()).isFalse();
        assertThat(h.state().device(DSP0).orElseThrow().getAcs().getCtrl()).isEqualTo(REQ & ~RR);
        assertThat(h.livePartition()).contains(g("02:00.0", "03:00.0"));
        assertThat(h.state().kernelGroups()).isEqualTo(kernel);
        assertThat(h.state().probeTimeAcsCtrl(DSP0)).hasValue(REQ);
        assertThat(HostState.fromBytes(h.state().toBytes())).isEqualTo(h.state());
    }

    @Test
    void resyncReleasesWhatLeftFirstThenProbesWhatArrivedAsTheKernelDidDuringTheGap() {
        TestHost h = booted();
        Map<Integer, List<String>> before = h.state().kernelGroups();
        int ep3 = h.groupOf("0000:03:00.0");
        int ep4 = h.groupOf("0000:04:00.0");

        // What the kernel did while telemetry was lost: two unplugs, one hot-add below DSP2.
        TestHost hotplugged = booted();
        hotplugged.apply(new DeviceRemoved("0000:03:00.0")).apply(new DeviceRemoved("0000:04:00.0"))
                .add(at("05:00.0").endpoint());

        gap(h);
        List<PciDeviceInfo> captured = new ArrayList<>(without(switchWithThreePorts(), "0000:03:00.0", "0000:04:00.0"));
        captured.add(at("05:00.0").endpoint().build());
        h.apply(new HostSnapshot(null, captured));

        assertThat(h.state().kernelGroups()).isEqualTo(hotplugged.state().kernelGroups());
        // The new singleton takes the lowest freed id; the other freed id stays free.
        assertThat(h.groupOf("0000:05:00.0")).isEqualTo(Math.min(ep3, ep4));
        assertThat(h.state().kernelGroups()).doesNotContainKey(Math.max(ep3, ep4));
        for (String kept : List.of("0000:00:01.0", "0000:01:00.0", DSP0, DSP1, DSP2)) {
            int id = h.groupOf(kept);
            assertThat(before.get(id)).contains(kept);
        }
    }

    @Test
    void aDeviceArrivingDuringTheGapIsProbedAgainstWhatThePortsAboveHoldNow() {
        TestHost h = booted();
        h.apply(new AcsControlChanged(DSP2, REQ & ~RR));
        int dsp2 = h.groupOf(DSP2);
        gap(h);
        List<PciDeviceInfo> captured = new ArrayList<>(h.state().devices());
        captured.add(at("05:00.0").endpoint().build());
        h.apply(new HostSnapshot(null, captured));
        // Scenario 25's replug, seen through a snapshot: DSP2 no longer isolates what is probed below it.
        assertThat(h.groupOf("0000:05:00.0")).isEqualTo(dsp2);
        assertThat(h.groupOf("0000:03:00.0")).isNotEqualTo(h.groupOf(DSP0));
    }

    @Test
    void aDifferentCardInTheSameSlotIsReleasedAndProbedAgain() {
        TestHost h = booted();
        h.apply(new AcsControlChanged(DSP1, REQ & ~RR));
        int ep4 = h.groupOf("0000:04:00.0");
        int dsp1 = h.groupOf(DSP1);
        assertThat(ep4).isNotEqualTo(dsp1);
        gap(h);
        List<PciDeviceInfo> captured = new ArrayList<>(without(h.state().devices(), "0000:04:00.0"));
        captured.add(at("04:00.0").endpoint().ids(0x10de, 0x2230).build());
        h.apply(new HostSnapshot(null, captured));
        assertThat(h.groupOf("0000:04:00.0")).isEqualTo(dsp1);
        assertThat(h.state().kernelGroups()).doesNotContainKey(ep4);
    }

    @Test
    void aBootCaptureIsProbedWithTheKernelsEnablingWhileTheLiveViewShowsTheCapturedWord() {
        List<PciDeviceInfo> captured = new ArrayList<>(without(switchWithThreePorts(), DSP0));
        captured.add(at("02:00.0").downstreamPort(3, 3).acs(REQ, REQ & ~RR).build());
        TestHost h = TestHost.describe(INTEL).apply(new HostSnapshot(null, captured));
        // pci_std_enable_acs() set RR before the probe whatever the capture shows now.
        assertThat(h.kernelPartition()).contains(g("02:00.0"), g("03:00.0"));
        assertThat(h.state().probeTimeAcsCtrl(DSP0)).hasValue(REQ);
        assertThat(h.livePartition()).contains(g("02:00.0", "03:00.0"));
    }

    @Test
    void aHotAddedPortIsProbedWithItsEnablingButLeavesTheObservedWordToTheLiveView() {
        TestHost h = TestHost.describe(INTEL).add(at("00:01.0").rootPort(1, 5).acsOn(), at("01:00.0").upstreamPort(2, 5));
        h.apply(new DeviceAdded(at("02:00.0").downstreamPort(3, 3).acs(REQ, 0).build()));
        assertThat(h.state().probeTimeAcsCtrl(DSP0)).hasValue(REQ);
        assertThat(h.state().device(DSP0).orElseThrow().getAcs().getCtrl()).isZero();
    }

    @Test
    void aRebootReEnablesWhatAnAdministratorClearedSoTheLiveViewIsolatesAgain() {
        TestHost h = booted();
        h.apply(new AcsControlChanged(DSP0, REQ & ~RR));
        assertThat(h.livePartition()).contains(g("02:00.0", "03:00.0"));
        // A new command line means the host rebooted: the registers were reset and enabled again.
        h.apply(HostDescribed.newBuilder(INTEL).setCommandLine("quiet").build());
        assertThat(h.livePartition()).contains(g("02:00.0"), g("03:00.0"));
        assertThat(h.state().device(DSP0).orElseThrow().getAcs().getCtrl()).isEqualTo(REQ);
    }
}

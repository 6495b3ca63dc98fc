package io.iommutracker.emulator.state;

import static io.iommutracker.emulator.synth.PciDevices.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.HostDecommissioned;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.emulator.EventRejectedException.Reason;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.TestHost;
import io.iommutracker.emulator.synth.SyntheticHost;
import io.iommutracker.avro.Heartbeat;
import org.junit.jupiter.api.Test;

class EventRejectionTest {

    private static TestHost base() {
        return TestHost.of(IommuPlatform.INTEL_VT_D).add(
                at("00:01.0").rootPort(1, 3).acsOn().memWindow(0x8000_0000L, 0x80ff_ffffL),
                at("01:00.0").upstreamPort(2, 3).memWindow(0x8000_0000L, 0x80ff_ffffL),
                at("02:00.0").downstreamPort(3, 3).acsOn().memWindow(0x8000_0000L, 0x800f_ffffL),
                at("03:00.0").endpoint().bar(0, 0x8000_0000L, 0x1000));
    }

    private static Reason reason(TestHost h, Object payload) {
        return h.reject(payload).reason();
    }

    @Test
    void malformedAndUnknownAddresses() {
        TestHost h = base();
        assertThat(reason(h, new DeviceAdded(at("0000:00:20.0").build()))).isEqualTo(Reason.MALFORMED_BDF);
        assertThat(reason(h, new DeviceRemoved("zz:00.0"))).isEqualTo(Reason.MALFORMED_BDF);
        assertThat(reason(h, new DeviceRemoved("0000:09:00.0"))).isEqualTo(Reason.UNKNOWN_DEVICE);
    }

    @Test
    void duplicateAdd() {
        assertThat(reason(base(), new DeviceAdded(at("03:00.0").endpoint().build()))).isEqualTo(Reason.DUPLICATE_DEVICE);
    }

    @Test
    void busInsideAHierarchyWithoutABridge() {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D).add(at("00:01.0").rootPort(1, 1).acsOn(),
                at("00:02.0").rootPort(5, 5).acsOn());
        assertThat(reason(h, new DeviceAdded(at("03:00.0").endpoint().build()))).isEqualTo(Reason.NO_BRIDGE_FOR_BUS);
        // A bus beyond every hierarchy is a new root bus (multi-root hosts, arm64 captures).
        h.add(at("80:00.0").endpoint());
        assertThat(h.state().kernelGroupOf("0000:80:00.0")).isPresent();
    }

    @Test
    void impossiblePortTypes() {
        TestHost h = base();
        assertThat(reason(h, new DeviceAdded(at("00:05.0").downstreamPort(9, 9).build()))).isEqualTo(Reason.IMPOSSIBLE_PORT_TYPE);
        assertThat(reason(h, new DeviceAdded(at("00:06.0").upstreamPort(9, 9).build()))).isEqualTo(Reason.IMPOSSIBLE_PORT_TYPE);
        // A downstream port directly below a root port skips the switch's upstream port.
        TestHost rpOnly = TestHost.of(IommuPlatform.INTEL_VT_D).add(at("00:01.0").rootPort(1, 2).acsOn());
        assertThat(reason(rpOnly, new DeviceAdded(at("01:00.0").downstreamPort(2, 2).build()))).isEqualTo(Reason.IMPOSSIBLE_PORT_TYPE);
    }

    @Test
    void barOutsideTheUpstreamWindow() {
        TestHost h = base();
        Bar outside = Bar.newBuilder().setIndex(0).setBase(0x9000_0000L).setSize(0x1000).setKind(BarKind.MEM64).build();
        assertThat(reason(h, new BarProgrammed("0000:03:00.0", outside))).isEqualTo(Reason.BAR_OUTSIDE_WINDOW);
        assertThat(reason(h, new DeviceAdded(at("03:00.1").endpoint().bar(0, 0x8010_0000L, 0x1000).build())))
                .isEqualTo(Reason.BAR_OUTSIDE_WINDOW);
        Bar inside = Bar.newBuilder().setIndex(0).setBase(0x8008_0000L).setSize(0x1000).setKind(BarKind.MEM64).build();
        h.apply(new BarProgrammed("0000:03:00.0", inside));
        assertThat(h.state().device("0000:03:00.0").orElseThrow().getBars().get(0).getBase()).isEqualTo(0x8008_0000L);
    }

    @Test
    void acsWriteOnADeviceWithoutTheCapability() {
        assertThat(reason(base(), new AcsControlChanged("0000:03:00.0", 0))).isEqualTo(Reason.INVALID_VALUE);
    }

    @Test
    void staleSequencesWrongHostAndDecommissionedHosts() throws Exception {
        TestHost h = base();
        HostState s = h.state();
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(EventRejectedException.class,
                () -> s.apply(SyntheticHost.event("host-1", s.lastSequence(), new Heartbeat()))).reason())
                .isEqualTo(Reason.STALE_SEQUENCE);
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(EventRejectedException.class,
                () -> s.apply(SyntheticHost.event("other", s.lastSequence() + 1, new Heartbeat()))).reason())
                .isEqualTo(Reason.WRONG_HOST);
        h.apply(new HostDecommissioned("retired"));
        assertThat(reason(h, new Heartbeat())).isEqualTo(Reason.HOST_DECOMMISSIONED);
    }

    @Test
    void sequenceGapMarksTheHostDegradedUntilASnapshot() throws Exception {
        HostState s = base().state();
        HostState gapped = s.apply(SyntheticHost.event("host-1", s.lastSequence() + 5, new Heartbeat()));
        assertThat(gapped.degraded()).isTrue();
        HostState resynced = gapped.apply(SyntheticHost.event("host-1", gapped.lastSequence() + 1,
                new io.iommutracker.avro.HostSnapshot(null, gapped.devices())));
        assertThat(resynced.degraded()).isFalse();
        assertThat(resynced.lastSequence()).isEqualTo(s.lastSequence() + 6);
    }
}

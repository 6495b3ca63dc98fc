package io.iommutracker.emulator.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.synth.SyntheticHost;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Counts per-bus recomputations (not time): an event may only touch the buses it can change. */
class IncrementalityTest {

    private static HostState build(int devices) throws Exception {
        HostState s = HostState.empty("big");
        for (PciEvent e : SyntheticHost.events("big", devices)) {
            s = s.apply(e);
        }
        return s;
    }

    private static long recomputations(HostState s, Object payload) throws Exception {
        long before = LiveClusters.BUS_RECOMPUTATIONS.get();
        s.apply(SyntheticHost.event(s.hostId(), s.lastSequence() + 1, payload));
        return LiveClusters.BUS_RECOMPUTATIONS.get() - before;
    }

    @Test
    void leafHotplugRecomputesOnlyItsOwnBus() throws Exception {
        HostState s = build(1024);
        assertThat(s.deviceCount()).isGreaterThanOrEqualTo(1024);
        String leaf = "0000:03:00.3";
        PciDeviceInfo info = s.device(leaf).orElseThrow();
        assertThat(recomputations(s, new DeviceRemoved(leaf))).isEqualTo(1);
        HostState without = s.apply(SyntheticHost.event("big", s.lastSequence() + 1, new DeviceRemoved(leaf)));
        assertThat(recomputations(without, new DeviceAdded(info))).isEqualTo(1);
    }

    @Test
    void acsWriteAtARootPortAloneInItsSlotRecomputesNoBusAndBarMovesNone() throws Exception {
        HostState s = build(1024);
        // a function alone in its slot is tied to no other by its ACS controls: the bus's partition stays
        assertThat(recomputations(s, new AcsControlChanged("0000:00:01.0", 0))).isZero();
        PciDeviceInfo ep = s.device("0000:03:00.0").orElseThrow();
        Bar moved = Bar.newBuilder(ep.getBars().get(0)).setBase(ep.getBars().get(0).getBase() + 0x80_0000L).build();
        assertThat(recomputations(s, new BarProgrammed("0000:03:00.0", moved))).isZero();
    }

    @Test
    void incrementalLiveViewEqualsAFullRecomputation() throws Exception {
        HostState s = build(256);
        s = s.apply(SyntheticHost.event("big", s.lastSequence() + 1, new AcsControlChanged("0000:00:02.0", 0)));
        s = s.apply(SyntheticHost.event("big", s.lastSequence() + 1, new AcsControlChanged("0000:0c:01.0", 0)));
        s = s.apply(SyntheticHost.event("big", s.lastSequence() + 1, new DeviceRemoved("0000:0c:00.0")));
        List<List<String>> incremental = s.liveGroups();
        HostState fresh = HostState.fromBytes(s.toBytes()); // decoding recomputes every bus
        assertThat(fresh.liveGroups()).isEqualTo(incremental);
        // Removing DSP 0c:00.0 took its endpoint 0d:00.x with it; RP 00:02.0 lost ACS: its whole subtree is one live group, while the kernel view kept the boot groups.
        assertThat(incremental).anySatisfy(g -> assertThat(g).contains("0000:00:02.0", "0000:0b:00.0", "0000:0e:00.3"));
        assertThat(s.kernelGroupOf("0000:0e:00.3")).isNotEqualTo(s.kernelGroupOf("0000:00:02.0"));
    }
}

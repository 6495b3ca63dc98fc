package io.iommutracker.emulator.state;

import static io.iommutracker.emulator.synth.PciDevices.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.DmaMappingsReported;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.TestHost;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateCodecTest {

    @Test
    void roundTripKeepsEverythingIncludingFreedIdsAndProbeTimeAcs() throws Exception {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D, "pci=noats").add(
                at("00:01.0").rootPort(1, 4).acsOn(), at("01:00.0").upstreamPort(2, 4),
                at("02:00.0").downstreamPort(3, 3).acsOn(), at("02:01.0").downstreamPort(4, 4).acsOn(),
                at("03:00.0").endpoint(), at("04:00.0").endpoint().multifunction(), at("04:00.1").endpoint(),
                at("05:00.0").ids(0x1b4b, 0x9230));
        h.apply(new AcsControlChanged("0000:02:00.0", 0x19));
        h.apply(new DeviceRemoved("0000:03:00.0"));
        h.apply(new DmaMappingsReported("vm-7", List.of("0000:04:00.0"), List.of(new IovaRange(0x1000L, 0x1fffL))));
        HostState s = h.state();

        HostState back = HostState.fromBytes(s.toBytes());

        assertThat(back).isEqualTo(s);
        assertThat(back.kernelGroups()).isEqualTo(s.kernelGroups());
        assertThat(back.liveGroups()).isEqualTo(s.liveGroups());
        assertThat(back.probeTimeAcsCtrl("0000:02:00.0")).isEqualTo(s.probeTimeAcsCtrl("0000:02:00.0"));
        // The freed id survives: the next new group takes it on both.
        var add = h.next(new DeviceAdded(at("03:00.0").endpoint().build()));
        assertThat(back.apply(add).kernelGroups()).isEqualTo(s.apply(add).kernelGroups());
        assertThat(back.apply(add)).isEqualTo(s.apply(add));
        assertThat(s.apply(add)).isNotEqualTo(s);
    }
}

package io.iommutracker.emulator.state;

import static io.iommutracker.emulator.synth.PciDevices.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.TestHost;
import org.junit.jupiter.api.Test;

/** StateCodec reuses the encoded form of unchanged devices and descriptions; it must never reuse a stale one. */
class StateBytesCacheTest {

    private static TestHost host() {
        return TestHost.of(IommuPlatform.INTEL_VT_D).add(
                at("00:01.0").rootPort(1, 1).acsOn().memWindow(0x8000_0000L, 0x80ff_ffffL),
                at("01:00.0").endpoint().bar(0, 0x8000_0000L, 0x1000), at("01:00.1").endpoint().bar(0, 0x8001_0000L, 0x1000));
    }

    @Test
    void aChangedDeviceIsReencoded() {
        TestHost h = host();
        byte[] first = h.state().toBytes();
        h.apply(new BarProgrammed("0000:01:00.1", new Bar(0, 0x8002_0000L, 0x1000L, BarKind.MEM64, true)));
        HostState s = h.state();
        HostState decoded = HostState.fromBytes(s.toBytes());
        assertThat(decoded.device("0000:01:00.1").orElseThrow().getBars().get(0).getBase()).isEqualTo(0x8002_0000L);
        assertThat(decoded.toBytes()).isEqualTo(s.toBytes()).isNotEqualTo(first);
    }

    @Test
    void aNewDescriptionIsReencoded() {
        TestHost h = host();
        byte[] before = h.state().toBytes();
        HostDescribed d = HostDescribed.newBuilder(h.state().platform().orElseThrow()).setIsolatedMsi(true).build();
        h.apply(d);
        assertThat(HostState.fromBytes(h.state().toBytes()).platform().orElseThrow().getIsolatedMsi()).isTrue();
        assertThat(h.state().toBytes()).isNotEqualTo(before);
    }
}

package io.iommutracker.emulator.p2p;

import static io.iommutracker.emulator.synth.PciDevices.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.HostBridgeWindow;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.P2pHazard;
import io.iommutracker.emulator.TestHost;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.state.HostModel;
import java.util.List;
import org.junit.jupiter.api.Test;

class P2pHazardsTest {

    private static TestHost host() {
        return TestHost.of(IommuPlatform.INTEL_VT_D).add(
                at("00:01.0").rootPort(1, 4).acsOn().memWindow(0x8000_0000L, 0x80ff_ffffL),
                at("01:00.0").upstreamPort(2, 4).memWindow(0x8000_0000L, 0x80ff_ffffL),
                at("02:00.0").downstreamPort(3, 3).acsOn().memWindow(0x8000_0000L, 0x800f_ffffL),
                at("02:01.0").downstreamPort(4, 4).acsOn().memWindow(0x8010_0000L, 0x801f_ffffL),
                at("03:00.0").endpoint().bar(0, 0x8000_0000L, 0x1000), at("04:00.0").endpoint().bar(0, 0x8010_0000L, 0x1000));
    }

    private static List<P2pHazard> hazards(TestHost h, List<IovaRange> mappings) {
        HostModel m = h.state().model();
        return P2pHazards.of(m.topology().device(Bdf.parse("03:00.0")), m.topology(), m.hostPolicy(), mappings);
    }

    @Test
    void isolatingPortsLeaveNoHazard() {
        assertThat(hazards(host(), List.of(new IovaRange(0L, -1L)))).isEmpty();
    }

    @Test
    void portWithoutRequestRedirectExposesSiblingWindowsIntersectedWithMappings() {
        TestHost h = host();
        h.apply(new AcsControlChanged("0000:02:00.0", 0x1d & ~0x04));
        List<P2pHazard> z = hazards(h, List.of(new IovaRange(0x8010_0800L, 0x8020_0000L)));
        assertThat(z).singleElement().satisfies(x -> {
            assertThat(x.getPeer()).isEqualTo("0000:02:01.0");
            assertThat(x.getWindow()).isEqualTo(new IovaRange(0x8010_0000L, 0x801f_ffffL));
            assertThat(x.getOverlap()).isEqualTo(new IovaRange(0x8010_0800L, 0x801f_ffffL));
        });
        assertThat(hazards(h, List.of(new IovaRange(0x1000L, 0x2000L)))).singleElement()
                .satisfies(x -> assertThat(x.getOverlap()).isNull());
    }

    @Test
    void hazardsAreInBusAddressesWhenTheHostBridgeTranslates() {
        TestHost h = host();
        h.apply(new AcsControlChanged("0000:02:00.0", 0x1d & ~0x04));
        HostModel m = h.state().model();
        // CPU 0x8000_0000.. is bus 0x0.. below this host bridge (an arm64 layout: 32-bit bus addresses high in CPU space)
        List<HostBridgeWindow> windows = List.of(new HostBridgeWindow(0, 0, 0x8000_0000L, 0x80ff_ffffL, 0L),
                new HostBridgeWindow(1, 0, 0x8000_0000L, 0x80ff_ffffL, 0x4000_0000L));
        List<P2pHazard> z = P2pHazards.of(m.topology().device(Bdf.parse("03:00.0")), m.topology(), m.hostPolicy(),
                List.of(new IovaRange(0x0010_0800L, 0x0020_0000L), new IovaRange(0x8010_0000L, 0x8010_ffffL)), windows);
        assertThat(z).singleElement().satisfies(x -> {
            assertThat(x.getWindow()).isEqualTo(new IovaRange(0x0010_0000L, 0x001f_ffffL));
            assertThat(x.getOverlap()).isEqualTo(new IovaRange(0x0010_0800L, 0x001f_ffffL));
        });
    }
}

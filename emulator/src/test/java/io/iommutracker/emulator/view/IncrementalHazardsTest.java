package io.iommutracker.emulator.view;

import static io.iommutracker.emulator.synth.PciDevices.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.DmaMappingsReported;
import io.iommutracker.avro.HostBridgeWindow;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.P2pHazard;
import io.iommutracker.emulator.TestHost;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The incremental view's P2P hazards equal a from-scratch build, also where the host bridge translates addresses. */
class IncrementalHazardsTest {

    private static HostView content(HostView v) {
        return HostView.newBuilder(v).setSequence(0).setUpdatedAt(Instant.EPOCH).build();
    }

    @Test
    void hazardsFollowTheHostBridgeOffsetOnTheIncrementalPath() {
        // CPU 0x8000_0000.. is bus 0x0.. below this host bridge (an arm64-like layout)
        HostDescribed described = HostDescribed.newBuilder().setPlatform(IommuPlatform.INTEL_VT_D).setCommandLine("")
                .setHostBridgeWindows(List.of(new HostBridgeWindow(0, 0, 0x8000_0000L, 0x80ff_ffffL, 0L))).build();
        TestHost h = TestHost.describe(described).add(
                at("00:01.0").rootPort(1, 4).acsOn().memWindow(0x8000_0000L, 0x80ff_ffffL),
                at("01:00.0").upstreamPort(2, 4).memWindow(0x8000_0000L, 0x80ff_ffffL),
                at("02:00.0").downstreamPort(3, 3).acsOn().memWindow(0x8000_0000L, 0x800f_ffffL),
                at("02:01.0").downstreamPort(4, 4).acsOn().memWindow(0x8010_0000L, 0x801f_ffffL),
                at("03:00.0").endpoint().bar(0, 0x8000_0000L, 0x1000), at("04:00.0").endpoint().bar(0, 0x8010_0000L, 0x1000));
        ViewMemo memo = new ViewMemo();
        HostViewBuilder.build(h.state().model(), h.state().hostRules(), memo);
        h.apply(new DmaMappingsReported("vm-1", List.of("0000:03:00.0"), List.of(new IovaRange(0x0010_0800L, 0x0020_0000L))));
        HostViewBuilder.build(h.state().model(), h.state().hostRules(), memo);
        h.apply(new AcsControlChanged("0000:02:00.0", 0x1d & ~0x04));

        HostView incremental = HostViewBuilder.build(h.state().model(), h.state().hostRules(), memo);
        HostView scratch = HostViewBuilder.build(h.state().model(), h.state().hostRules());
        assertThat(content(incremental)).isEqualTo(content(scratch));
        List<P2pHazard> hazards = incremental.getHazards();
        assertThat(hazards).singleElement().satisfies(z -> {
            assertThat(z.getPeer()).isEqualTo("0000:02:01.0");
            assertThat(z.getWindow()).isEqualTo(new IovaRange(0x0010_0000L, 0x001f_ffffL));
            assertThat(z.getOverlap()).isEqualTo(new IovaRange(0x0010_0800L, 0x001f_ffffL));
        });
    }
}

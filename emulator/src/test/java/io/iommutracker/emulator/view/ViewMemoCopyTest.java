package io.iommutracker.emulator.view;

import static io.iommutracker.emulator.synth.PciDevices.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.TestHost;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ViewMemoCopyTest {

    private static HostView content(HostView v) {
        return HostView.newBuilder(v).setSequence(0).setUpdatedAt(Instant.EPOCH).build();
    }

    @Test
    void buildingAgainstACopyLeavesTheOriginalAtItsLastView() {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D).add(
                at("00:01.0").rootPort(1, 2).acsOn(), at("00:02.0").rootPort(2, 2).acsOn(),
                at("01:00.0").endpoint().multifunction(), at("01:00.1").endpoint().multifunction(),
                at("02:00.0").endpoint());
        HostState base = h.state();
        ViewMemo memo = new ViewMemo();
        HostViewBuilder.build(base.model(), base.hostRules(), memo);
        IncrementalView primed = memo.last;

        h.apply(new AcsControlChanged("0000:00:01.0", 0));
        HostState next = h.state();
        ViewMemo copy = memo.copy();
        HostView fromCopy = HostViewBuilder.build(next.model(), next.hostRules(), copy);

        assertThat(memo.last).as("the original memo still holds the base view").isSameAs(primed);
        assertThat(copy.last).isNotSameAs(primed);
        assertThat(content(fromCopy)).isEqualTo(content(HostViewBuilder.build(next.model(), next.hostRules())));
        // and the original still derives the same answer from the base
        assertThat(content(HostViewBuilder.build(next.model(), next.hostRules(), memo))).isEqualTo(content(fromCopy));
    }
}

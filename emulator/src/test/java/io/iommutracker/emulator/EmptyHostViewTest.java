package io.iommutracker.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IommuPlatform;
import org.junit.jupiter.api.Test;

class EmptyHostViewTest {

    @Test
    void aHostNothingIsKnownAboutHasAnEmptyViewWithNoIommu() {
        HostView v = HostState.empty("h0").view();
        assertThat(v.getHostId()).isEqualTo("h0");
        assertThat(v.getPlatform()).isEqualTo(IommuPlatform.NONE);
        assertThat(v.getKernelGroups()).isEmpty();
        assertThat(v.getLiveGroups()).isEmpty();
        assertThat(v.getDeviceCount()).isZero();
    }
}

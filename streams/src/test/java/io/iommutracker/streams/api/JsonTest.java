package io.iommutracker.streams.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.ResvRegion;
import io.iommutracker.avro.ResvType;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void addressesAreUnsignedHexEvenAboveTheSignedRange() {
        JsonNode n = Json.avro(new ResvRegion(0x8000000000000000L, -1L, ResvType.RESERVED));
        assertThat(n.path("start").asText()).isEqualTo("0x8000000000000000");
        assertThat(n.path("end").asText()).isEqualTo("0xffffffffffffffff");
        assertThat(n.path("type").asText()).isEqualTo("RESERVED");
    }

    @Test
    void timestampsAreIsoAndNullableUnionsUnwrapped() {
        HostView v = TestViews.view(1, 2);
        JsonNode n = Json.avro(v);
        assertThat(n.path("updatedAt").asText()).isEqualTo(TestViews.T2.toString());
        assertThat(n.path("sequence").asLong()).isEqualTo(14);
        JsonNode gpu = n.path("devices").get(1);
        assertThat(gpu.path("kernelGroup").asInt()).isEqualTo(1);
        assertThat(gpu.path("verdicts").get(0).path("errno").asText()).isEqualTo("EPERM");
        assertThat(n.path("devices").get(0).path("owner").path("id").isNull()).isTrue();
        assertThat(n.path("hazards").get(0).path("overlap").isNull()).isTrue();
    }

    @Test
    void sysfsTextPrintsOneKernelLinePerRegionAndSwMsiAsMsi() {
        String text = HostResources.sysfsText(java.util.List.of(new ResvRegion(0x8000000L, 0x80fffffL, ResvType.SW_MSI),
                new ResvRegion(0xfee00000L, 0xfeefffffL, ResvType.DIRECT_RELAXABLE)));
        assertThat(text).isEqualTo("0x0000000008000000 0x00000000080fffff msi\n0x00000000fee00000 0x00000000feefffff direct-relaxable\n");
    }
}

package io.iommutracker.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.HostView;
import io.iommutracker.schemas.Topics;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class EncodeOnceTest {

    private static HostView view(long seq) {
        return HostView.newBuilder().setHostId("h").setPlatform(io.iommutracker.avro.IommuPlatform.NONE).setSequence(seq).setUpdatedAt(Instant.ofEpochMilli(seq))
                .setKernelGroups(List.of()).setLiveGroups(List.of()).setDevices(List.of()).setUsableIova(List.of())
                .setHazards(List.of()).build();
    }

    @Test
    void theSameInstanceIsEncodedOnceAndOtherInstancesAfresh() {
        EncodeOnce<HostView> serde = new EncodeOnce<>(Topics.HOST_VIEWS.valueSerde());
        HostView a = view(1);
        byte[] first = serde.serializer().serialize("store-changelog", a);
        assertThat(serde.serializer().serialize("views", new RecordHeaders(), a)).isSameAs(first);
        HostView b = view(2);
        byte[] second = serde.serializer().serialize("views", b);
        assertThat(second).isNotSameAs(first);
        assertThat(serde.deserializer().deserialize("views", second)).isEqualTo(b);
        // an equal but distinct instance is not trusted to be the same value
        assertThat(serde.serializer().serialize("views", view(2))).isNotSameAs(second).isEqualTo(second);
        assertThat(serde.serializer().serialize("views", null)).isNull();
    }
}

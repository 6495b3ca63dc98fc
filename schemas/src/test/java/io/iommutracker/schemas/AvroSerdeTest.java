package io.iommutracker.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.PciEvent;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

    private final AvroSerde<PciEvent> serde = new AvroSerde<>(PciEvent.class);

    @Test
    void everyEventKindRoundTrips() {
        List<PciEvent> events = SampleEvents.everyKind("host-a");
        Set<String> kinds = new HashSet<>();
        for (PciEvent e : events) {
            byte[] bytes = serde.serializer().serialize("t", e);
            assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(e);
            kinds.add(e.getPayload().getClass().getSimpleName());
        }
        int unionBranches = PciEvent.getClassSchema().getField("payload").schema().getTypes().size();
        assertThat(kinds).hasSize(unionBranches);
    }

    @Test
    void valuesCarryTheSchemaFingerprint() {
        byte[] bytes = serde.encode("t", SampleEvents.everyKind("h").get(0));
        // single-object encoding: C3 01 marker, then the 8-byte CRC-64-AVRO fingerprint
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
    }

    @Test
    void garbageIsRejectedNamingTopicAndReason() {
        assertThatThrownBy(() -> serde.deserializer().deserialize("pci.telemetry.events", "hello".getBytes()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("pci.telemetry.events")
                .hasMessageContaining("not an Avro single-object encoded PciEvent");
    }

    @Test
    void truncatedBodyIsRejectedNotHalfDecoded() {
        byte[] good = serde.encode("t", SampleEvents.everyKind("host-a").get(1));
        byte[] cut = Arrays.copyOf(good, good.length - 7);
        assertThatThrownBy(() -> serde.decode("pci.telemetry.events", cut))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("pci.telemetry.events")
                .hasMessageContaining("malformed PciEvent body");
    }

    @Test
    void unknownFingerprintIsRejected() {
        byte[] alert = new AvroSerde<>(Alert.class).encode("t", SampleEvents.alert());
        assertThatThrownBy(() -> serde.decode("pci.telemetry.events", alert))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("pci.telemetry.events")
                .hasMessageContaining("unknown PciEvent schema");
    }

    @Test
    void nullIsATombstone() {
        assertThat(serde.decode("t", null)).isNull();
        assertThat(serde.encode("t", null)).isNull();
    }
}

package io.iommutracker.streams.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.DriverBound;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class WhatIfEventsTest {

    private static List<PciEvent> parse(String json) {
        return WhatIfEvents.parse(json.getBytes(StandardCharsets.UTF_8), "h1", 41, Instant.parse("2026-05-01T00:00:00Z"));
    }

    @Test
    void decodesAvroJsonPayloadsAndNumbersThemAfterTheHostsLastEvent() {
        List<PciEvent> events = parse("""
                {"events": [
                  {"AcsControlChanged": {"bdf": "0000:00:1c.0", "ctrl": 29}},
                  {"io.iommutracker.avro.DriverBound": {"bdf": "0000:01:00.0", "driver": "vfio-pci",
                     "owner": {"kind": "VFIO", "id": {"string": "vm-7"}}}}
                ]}""");
        assertThat(events).extracting(PciEvent::getSequence).containsExactly(42L, 43L);
        assertThat(events).allSatisfy(e -> {
            assertThat(e.getHostId()).isEqualTo("h1");
            assertThat(e.getSource()).isEqualTo("what-if");
        });
        assertThat(events.get(0).getPayload()).isEqualTo(new AcsControlChanged("0000:00:1c.0", 29));
        DriverBound bound = (DriverBound) events.get(1).getPayload();
        assertThat(bound.getOwner().getKind()).isEqualTo(OwnerKind.VFIO);
        assertThat(bound.getOwner().getId()).isEqualTo("vm-7");
    }

    @Test
    void aBareArrayIsAcceptedToo() {
        assertThat(parse("[{\"Heartbeat\": {}}]")).hasSize(1);
    }

    @Test
    void rejectsWhatCannotBeAnEventNamingTheIndex() {
        assertThatThrownBy(() -> parse("[{\"Heartbeat\": {}}, {\"AcsControlChanged\": {\"bdf\": 5}}]"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.detail()).startsWith("event 1 (AcsControlChanged)");
                });
        assertThatThrownBy(() -> parse("{\"events\": []}")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> parse("[{\"a\": 1, \"b\": 2}]")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.error()).isEqualTo("bad_event"));
    }
}

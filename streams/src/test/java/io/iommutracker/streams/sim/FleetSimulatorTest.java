package io.iommutracker.streams.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.AlertKind;
import io.iommutracker.avro.AlertStatus;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.Severity;
import io.iommutracker.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class FleetSimulatorTest {

    @Test
    void shouldGenerateTheSameStreamForTheSameSeedWithOccasionalBadRecords() {
        FleetSimulator.Options o = FleetSimulator.Options.defaults().withHosts(50).withBadRecords(0.02, 0.02).withGaps(0.01)
                .withSilences(0.002, java.time.Duration.ofMinutes(15));
        List<FleetSimulator.SimRecord> a = generate(new FleetSimulator(o));
        List<FleetSimulator.SimRecord> b = generate(new FleetSimulator(o));
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).value()).isEqualTo(b.get(i).value());
        }
        assertThat(a).anyMatch(FleetSimulator.SimRecord::garbage);
        assertThat(a).anyMatch(r -> r.event() != null && r.event().getPayload() instanceof DeviceRemoved d
                && d.getBdf().equals("0000:7f:1f.7"));
        assertThat(a.stream().map(FleetSimulator.SimRecord::hostId).distinct().count()).isEqualTo(50);
        // per-host sequences rise by one, except where an event was lost: then a snapshot follows within a few events
        Map<String, Long> last = new java.util.HashMap<>();
        Map<String, Integer> awaitingSnapshot = new java.util.HashMap<>();
        int gaps = 0;
        for (FleetSimulator.SimRecord r : a) {
            if (r.event() == null) {
                continue;
            }
            long expected = last.getOrDefault(r.hostId(), 0L) + 1;
            assertThat(r.event().getSequence()).isBetween(expected, expected + 1);
            if (r.event().getSequence() > expected) {
                gaps++;
                assertThat(awaitingSnapshot).doesNotContainKey(r.hostId());
                awaitingSnapshot.put(r.hostId(), 0);
            } else if (r.event().getPayload() instanceof HostSnapshot) {
                assertThat(awaitingSnapshot.remove(r.hostId())).as("a snapshot only after a gap").isNotNull();
            } else if (awaitingSnapshot.containsKey(r.hostId())) {
                assertThat(awaitingSnapshot.merge(r.hostId(), 1, Integer::sum)).isLessThan(6);
            }
            last.put(r.hostId(), r.event().getSequence());
        }
        assertThat(gaps).isGreaterThan(0);
    }

    @Test
    void shouldPassOverAQuietHostUntilItsSilenceEnds() {
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(6).withBadRecords(0, 0)
                .withSilences(0.001, java.time.Duration.ofMinutes(15)));
        Map<String, Long> lastSeen = new java.util.HashMap<>();
        long longestPause = 0;
        for (int i = 0; i < 6000; i++) {
            long now = 1_000L * i;
            FleetSimulator.SimRecord r = sim.next(now);
            Long before = lastSeen.put(r.hostId(), now);
            if (before != null) {
                longestPause = Math.max(longestPause, now - before);
            }
        }
        // six hosts drawn at random speak every few seconds unless one has gone quiet for its 15 minutes
        assertThat(longestPause).isGreaterThanOrEqualTo(java.time.Duration.ofMinutes(15).toMillis());
        assertThat(lastSeen).hasSize(6);
    }

    static List<FleetSimulator.SimRecord> generate(FleetSimulator sim) {
        List<FleetSimulator.SimRecord> out = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            out.add(sim.next(1_000L * i));
        }
        return out;
    }

    @Test
    void shouldSummariseFiringAlertsByKindAndHostsWithViews() {
        LiveSummary s = new LiveSummary(new java.util.Properties(), java.time.Duration.ofSeconds(1),
                new PrintStream(new ByteArrayOutputStream()));
        s.accept(alert("f1", AlertKind.ISOLATION, AlertStatus.FIRING));
        s.accept(alert("f2", AlertKind.ISOLATION, AlertStatus.FIRING));
        s.accept(alert("f3", AlertKind.STALE_GROUP, AlertStatus.FIRING));
        s.accept(alert("f2", AlertKind.ISOLATION, AlertStatus.RESOLVED));
        s.accept(new ConsumerRecord<>(Topics.HOST_VIEWS.name(), 0, 0, "h1".getBytes(StandardCharsets.UTF_8), new byte[] {1}));
        s.accept(new ConsumerRecord<>(Topics.HOST_VIEWS.name(), 0, 1, "h2".getBytes(StandardCharsets.UTF_8), new byte[] {1}));
        s.accept(new ConsumerRecord<>(Topics.HOST_VIEWS.name(), 0, 2, "h2".getBytes(StandardCharsets.UTF_8), null));

        assertThat(s.line(12.5)).isEqualTo("12.5 events/s | 1 hosts | firing 2: ISOLATION=1 STALE_GROUP=1");
    }

    static Alert alertValue(String fp, AlertKind kind, AlertStatus status) {
        return new Alert(fp, kind, status, Severity.WARNING, "h1", List.of(), "s", Map.of(), Instant.EPOCH, Instant.EPOCH, null);
    }

    static ConsumerRecord<byte[], byte[]> alert(String fp, AlertKind kind, AlertStatus status) {
        Alert a = alertValue(fp, kind, status);
        return new ConsumerRecord<>(Topics.ALERTS.name(), 0, 0, fp.getBytes(StandardCharsets.UTF_8),
                Topics.ALERTS.valueSerde().serializer().serialize(Topics.ALERTS.name(), a));
    }
}

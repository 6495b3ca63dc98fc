package io.iommutracker.streams.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.AlertKind;
import io.iommutracker.avro.AlertStatus;
import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The demo's summary line against the real broker: it counts what is committed on the alert and view topics and the
 * telemetry topic's growth, and leaves no consumer group behind.
 */
class LiveSummaryBrokerTest {

    @Test
    void shouldSummariseCommittedAlertsViewsAndTelemetryRateWithoutJoiningAGroup() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String telemetry = "summary-telemetry-" + run;
        String alerts = "summary-alerts-" + run;
        String views = "summary-views-" + run;
        List<String> groupsBefore;
        try (Admin admin = Admin.create(KafkaFixture.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(telemetry, 3, (short) 1), new NewTopic(alerts, 2, (short) 1),
                    new NewTopic(views, 2, (short) 1))).all().get();
            groupsBefore = groups(admin);
        }
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            p.send(alert(alerts, "fp-1", AlertKind.ISOLATION, AlertStatus.FIRING));
            p.send(alert(alerts, "fp-2", AlertKind.UNSAFE_MSI, AlertStatus.FIRING));
            p.send(alert(alerts, "fp-3", AlertKind.UNSAFE_MSI, AlertStatus.FIRING));
            p.send(alert(alerts, "fp-2", AlertKind.UNSAFE_MSI, AlertStatus.RESOLVED));
            p.send(new ProducerRecord<>(views, bytes("host-a"), new byte[] {1}));
            p.send(new ProducerRecord<>(views, bytes("host-b"), new byte[] {1}));
            p.send(new ProducerRecord<>(views, bytes("host-c"), new byte[] {1}));
            p.send(new ProducerRecord<>(views, bytes("host-b"), null));
            p.flush();
        }

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        LiveSummary summary = new LiveSummary(KafkaFixture.clientProperties(), Duration.ofMillis(500),
                new PrintStream(printed, true, StandardCharsets.UTF_8), telemetry, alerts, views);
        Thread t = new Thread(summary, "live-summary-test");
        t.start();
        List<String> lines = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            // telemetry keeps arriving until a line shows every alert and view and a rate above zero
            while (System.nanoTime() < end) {
                for (int i = 0; i < 50; i++) {
                    p.send(new ProducerRecord<>(telemetry, bytes("host-" + i), bytes("event")));
                }
                p.flush();
                Thread.sleep(100);
                lines = List.of(printed.toString(StandardCharsets.UTF_8).split("\n"));
                if (lines.stream().anyMatch(l -> l.endsWith("| 2 hosts | firing 2: ISOLATION=1 UNSAFE_MSI=1")
                        && !l.startsWith("0.0 "))) {
                    break;
                }
            }
        } finally {
            summary.close();
            t.join(10_000);
        }
        assertThat(t.isAlive()).as("summary thread stopped").isFalse();
        assertThat(lines).as("printed lines").anyMatch(l -> l.matches("[0-9]+\\.[0-9] events/s \\| 2 hosts \\| firing 2: "
                + "ISOLATION=1 UNSAFE_MSI=1") && Double.parseDouble(l.substring(0, l.indexOf(' '))) > 0);
        try (Admin admin = Admin.create(KafkaFixture.clientProperties())) {
            assertThat(groups(admin)).as("consumer groups after the summary ran").isEqualTo(groupsBefore);
        }
    }

    @Test
    void shouldStopWithAReasonWhenATopicIsMissing() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Properties client = KafkaFixture.clientProperties();
        client.put("allow.auto.create.topics", "false");
        LiveSummary summary = new LiveSummary(client, Duration.ofMillis(200),
                new PrintStream(printed, true, StandardCharsets.UTF_8), "absent-t-" + run, "absent-a-" + run, "absent-v-" + run);
        Thread t = new Thread(summary, "live-summary-missing");
        t.setUncaughtExceptionHandler((th, e) -> { });
        t.start();
        t.join(30_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .isEqualTo("live summary stopped: topic 'absent-a-" + run + "' does not exist\n");
    }

    private static List<String> groups(Admin admin) throws Exception {
        return admin.listGroups().all().get().stream().map(GroupListing::groupId).sorted().toList();
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = KafkaFixture.clientProperties();
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private static ProducerRecord<byte[], byte[]> alert(String topic, String fp, AlertKind kind, AlertStatus status) {
        Alert a = FleetSimulatorTest.alertValue(fp, kind, status);
        return new ProducerRecord<>(topic, bytes(fp), Topics.ALERTS.valueSerde().serializer().serialize(topic, a));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

package io.iommutracker.connectors.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.iommutracker.avro.Alert;
import io.iommutracker.avro.AlertStatus;
import io.iommutracker.connectors.runner.ConnectRunner;
import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.kafka.TopicSetup;
import io.iommutracker.schemas.Topics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The alert sink in an in-process Connect worker, delivering to a real Alertmanager. */
class AlertSinkIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void shouldFireThenResolveInARealAlertmanagerAndDeadLetterWhatCannotBeDelivered() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(RealAlertmanager.BINARY),
                "prometheus-alertmanager missing: run .ci/install-peers.sh");
        Path work = KafkaFixture.tempDir("alert-sink");
        String alerts = "alerts-it-" + UUID.randomUUID();
        String dlq = alerts + ".dlq";
        TopicSetup.ensure(KafkaFixture.clientProperties(), List.of(new TopicSetup.Spec(alerts, 1, Map.of()),
                new TopicSetup.Spec(dlq, 1, Map.of())), (short) 1);

        List<JsonNode> notifications = new CopyOnWriteArrayList<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/hook", ex -> {
            notifications.add(JSON.readTree(ex.getRequestBody().readAllBytes()));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        hook.start();
        String fp = "fp-" + UUID.randomUUID();
        Instant first = Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Alert firing = AlertmanagerClientTest.alert(AlertStatus.FIRING);
        firing = Alert.newBuilder(firing).setFingerprint(fp).setFirstSeen(first).setLastSeen(first).build();
        Alert resolved = Alert.newBuilder(firing).setStatus(AlertStatus.RESOLVED).setLastSeen(first.plusSeconds(30))
                .setResolvedAt(first.plusSeconds(30)).build();
        // Alertmanager refuses an alert that ends before it starts: not retriable, so it goes to the DLQ
        Alert impossible = Alert.newBuilder(resolved).setFingerprint("fp-impossible").setResolvedAt(first.minusSeconds(3600))
                .build();

        try (RealAlertmanager am = new RealAlertmanager(work, URI.create("http://127.0.0.1:" + hook.getAddress().getPort() + "/hook"));
             ConnectRunner runner = ConnectRunner.start(ConnectRunner.Options.of(KafkaFixture.bootstrapServers(), work,
                     Optional.of(am.url())).withTopics("unused-telemetry-" + UUID.randomUUID(), alerts, dlq));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaFixture.clientProperties(),
                     new StringSerializer(), new ByteArraySerializer())) {
            send(producer, alerts, fp, firing);
            await(() -> alertIn(am, fp).map(a -> a.get("status").get("state").asText().equals("active")).orElse(false));
            JsonNode got = alertIn(am, fp).orElseThrow();
            assertThat(got.get("labels").get("alertname").asText()).isEqualTo("ISOLATION");
            assertThat(got.get("labels").get("host").asText()).isEqualTo("h1");
            assertThat(got.get("labels").get("severity").asText()).isEqualTo("critical");
            assertThat(got.get("labels").get("devices").asText()).isEqualTo("0000:01:00.0,0000:01:00.1");
            assertThat(got.get("annotations").get("summary").asText()).isEqualTo(firing.getSummary());
            assertThat(Instant.parse(got.get("startsAt").asText())).isEqualTo(first);

            send(producer, alerts, fp, resolved);
            producer.send(new ProducerRecord<>(alerts, "garbage", "not avro".getBytes(StandardCharsets.UTF_8))).get();
            send(producer, alerts, "fp-impossible", impossible);
            // GET /api/v2/alerts lists only unresolved alerts: ours leaves it, and the webhook is told it resolved
            await(() -> alertIn(am, fp).isEmpty() && notified(notifications, fp, "resolved"));
            assertThat(notified(notifications, fp, "firing")).isTrue();

            List<ConsumerRecord<byte[], byte[]>> dead = readAll(dlq, 2);
            assertThat(dead).hasSize(2);
            assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("not avro");
            assertThat(header(dead.get(0), "__connect.errors.exception.message")).contains("cannot decode");
            assertThat(header(dead.get(1), "__connect.errors.exception.message")).contains("rejected", "400");
            assertThat(alertIn(am, "fp-impossible")).isEmpty();
        } finally {
            hook.stop(0);
        }
    }

    private static void send(KafkaProducer<String, byte[]> p, String topic, String key, Alert a) throws Exception {
        p.send(new ProducerRecord<>(topic, key, Topics.ALERTS.valueSerde().serializer().serialize(topic, a))).get();
    }

    private static Optional<JsonNode> alertIn(RealAlertmanager am, String fp) {
        try {
            for (JsonNode a : JSON.readTree(am.get("/api/v2/alerts"))) {
                if (fp.equals(a.get("labels").path("fingerprint").asText())) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean notified(List<JsonNode> notifications, String fp, String status) {
        return notifications.stream().flatMap(n -> toList(n.get("alerts")).stream())
                .anyMatch(a -> fp.equals(a.get("labels").path("fingerprint").asText()) && status.equals(a.get("status").asText()));
    }

    private static List<JsonNode> toList(JsonNode arr) {
        List<JsonNode> out = new ArrayList<>();
        arr.forEach(out::add);
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + WAIT);
            }
            Thread.sleep(200);
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int atLeast) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaFixture.clientProperties(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (out.size() < atLeast && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(250)).forEach(out::add);
            }
        }
        return out;
    }
}

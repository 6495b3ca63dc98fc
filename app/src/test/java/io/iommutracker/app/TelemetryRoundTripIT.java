package io.iommutracker.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.PciEvent;
import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.kafka.TopicSetup;
import io.iommutracker.schemas.SampleEvents;
import io.iommutracker.schemas.Topic;
import io.iommutracker.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class TelemetryRoundTripIT {

    @Test
    void shouldCarryEveryEventKindThroughARealBrokerUnchanged() throws Exception {
        Topic<String, PciEvent> telemetry = Topics.TELEMETRY;
        Properties props = KafkaFixture.clientProperties();
        // a fresh topic with the registry's settings, so reruns on one broker do not see old records
        String topic = telemetry.name() + "-" + UUID.randomUUID();
        TopicSetup.ensure(props, List.of(new TopicSetup.Spec(topic, 3, telemetry.config())), (short) 1);

        List<PciEvent> sent = SampleEvents.everyKind("host-rt");
        Properties pp = new Properties();
        pp.putAll(props);
        pp.setProperty("enable.idempotence", "true");
        try (var producer = new KafkaProducer<>(pp, telemetry.keySerde().serializer(), telemetry.valueSerde().serializer())) {
            for (PciEvent e : sent) {
                producer.send(new ProducerRecord<>(topic, e.getHostId(), e)).get();
            }
        }

        Properties cp = new Properties();
        cp.putAll(props);
        cp.setProperty("group.id", "rt-" + UUID.randomUUID());
        cp.setProperty("auto.offset.reset", "earliest");
        List<PciEvent> got = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(cp, telemetry.keySerde().deserializer(), telemetry.valueSerde().deserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (got.size() < sent.size() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, PciEvent> r : consumer.poll(Duration.ofMillis(200))) {
                    assertThat(r.key()).isEqualTo("host-rt");
                    got.add(r.value());
                }
            }
        }
        // one key, so one partition, so the broker keeps the order
        assertThat(got).containsExactlyElementsOf(sent);
    }
}

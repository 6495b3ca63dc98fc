package io.iommutracker.connectors.runner;

import io.iommutracker.avro.PciEvent;
import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.kafka.TopicSetup;
import io.iommutracker.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** A fresh single-partition telemetry topic on the test broker, read back from the beginning. */
public final class TelemetryTopic {

    private final String name;

    public TelemetryTopic(String prefix) {
        name = prefix + "-" + UUID.randomUUID();
        TopicSetup.ensure(KafkaFixture.clientProperties(), List.of(new TopicSetup.Spec(name, 1, Map.of())), (short) 1);
    }

    public String name() {
        return name;
    }

    /** Every event on the topic, waiting up to {@code timeout} for at least {@code atLeast} of them. */
    public List<PciEvent> read(int atLeast, Duration timeout) {
        Properties p = KafkaFixture.clientProperties();
        List<PciEvent> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(name, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(250))) {
                    PciEvent e = Topics.TELEMETRY.valueSerde().deserializer().deserialize(name, r.value());
                    if (!e.getHostId().equals(r.key())) {
                        throw new AssertionError("key " + r.key() + " is not the host of " + e);
                    }
                    out.add(e);
                }
                if (out.size() >= atLeast && c.position(tp) >= c.endOffsets(List.of(tp)).get(tp)) {
                    break;
                }
            }
        }
        return out;
    }
}

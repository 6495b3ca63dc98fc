package io.iommutracker.streams.it;

import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.kafka.TopicSetup;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.TrackerApp;
import io.iommutracker.streams.sim.FleetSimulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Broker-side helpers of the integration tests: produce, wait for an application to catch up, read committed output. */
final class Cluster {

    private Cluster() {
    }

    static void ensureTopics() {
        TopicSetup.ensure(KafkaFixture.clientProperties(), TrackerApp.topicSpecs(), (short) 1);
    }

    static void produce(List<FleetSimulator.SimRecord> records) {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(FleetSimulator.producerProperties(KafkaFixture.clientProperties()))) {
            for (FleetSimulator.SimRecord r : records) {
                p.send(FleetSimulator.toProducerRecord(r));
            }
            p.flush();
        }
    }

    static List<FleetSimulator.SimRecord> generate(FleetSimulator sim, int n, long t0) {
        List<FleetSimulator.SimRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(sim.next(t0 + i * 10L));
        }
        return out;
    }

    /** Whether the application has committed every telemetry record produced so far. */
    static boolean caughtUp(String applicationId) {
        try (Admin admin = Admin.create(KafkaFixture.clientProperties())) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> ask = new java.util.HashMap<>();
            for (int p = 0; p < Topics.TELEMETRY.partitions(); p++) {
                ask.put(new TopicPartition(Topics.TELEMETRY.name(), p), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(ask).all().get();
            for (var e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                if (e.getValue().offset() > 0 && (c == null || c.offset() < e.getValue().offset())) {
                    return false;
                }
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    /** Every committed record of a topic, from the beginning to the current end. */
    static List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        return read(topic, "read_committed");
    }

    static List<ConsumerRecord<byte[], byte[]>> read(String topic, String isolation) {
        Properties p = KafkaFixture.clientProperties();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}

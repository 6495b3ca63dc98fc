package io.iommutracker.streams.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.streams.topology.InputLog;
import io.iommutracker.streams.topology.KafkaInputLog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a starting task reads back is the input between the asked offset and the offset its application's group
 * committed, from the real broker: no more (records after the committed position are the task's to process), no less,
 * and what retention deleted is reported, not silently skipped.
 */
class KafkaInputLogTest {

    static final String TOPIC = "input-log-" + UUID.randomUUID();
    static final int RECORDS = 60;

    @BeforeAll
    static void topic() throws Exception {
        try (Admin admin = Admin.create(KafkaFixture.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
        }
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 1, 1_000L + i, bytes("host-" + (i % 3)), bytes("event " + i)));
            }
            producer.flush();
        }
    }

    static KafkaProducer<byte[], byte[]> producer() {
        Properties p = KafkaFixture.clientProperties();
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Map<String, Object> app(String id) {
        Map<String, Object> c = new HashMap<>();
        c.put(StreamsConfig.APPLICATION_ID_CONFIG, id);
        c.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers());
        c.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return c;
    }

    static void commit(String group, int partition, long offset) throws Exception {
        try (Admin admin = Admin.create(KafkaFixture.clientProperties())) {
            admin.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(TOPIC, partition),
                    new OffsetAndMetadata(offset))).all().get();
        }
    }

    record Read(InputLog.Summary summary, List<InputLog.Entry> entries) {
        List<Long> offsets() {
            return entries.stream().map(InputLog.Entry::offset).toList();
        }
    }

    static Read read(String app, int partition, long from) {
        List<InputLog.Entry> got = new ArrayList<>();
        InputLog.Summary s = new KafkaInputLog(Duration.ofSeconds(30)).read(app(app), TOPIC, partition, from, got::add);
        return new Read(s, got);
    }

    static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long o = from; o < to; o++) {
            out.add(o);
        }
        return out;
    }

    @Test
    void shouldReadFromTheAskedOffsetUpToTheCommittedPositionOnly() throws Exception {
        String app = "input-log-app-" + UUID.randomUUID();
        commit(app, 1, 42);
        Read r = read(app, 1, 10);
        assertThat(r.offsets()).isEqualTo(range(10, 42));
        assertThat(r.summary()).isEqualTo(new InputLog.Summary(10, 42, 32));
        InputLog.Entry e = r.entries().get(5);
        assertThat(new String(e.key(), StandardCharsets.UTF_8)).isEqualTo("host-" + (15 % 3));
        assertThat(new String(e.value(), StandardCharsets.UTF_8)).isEqualTo("event 15");
        assertThat(e.timestamp()).isEqualTo(1_015L);
        // asked at or past the committed position: nothing to replay
        assertThat(read(app, 1, 42).entries()).isEmpty();
        assertThat(read(app, 1, 50).entries()).isEmpty();
    }

    @Test
    void shouldReadNothingWhenTheGroupCommittedNothingForThePartition() throws Exception {
        String app = "input-log-app-" + UUID.randomUUID();
        Read none = read(app, 1, 0);
        assertThat(none.entries()).isEmpty();
        assertThat(none.summary().committed()).isEqualTo(-1);
        commit(app, 1, 20);
        assertThat(read(app, 0, 0).summary().committed()).as("another partition").isEqualTo(-1);
    }

    @Test
    void shouldReportRecordsThatRetentionDeletedBeforeTheAskedOffsetWasRead() throws Exception {
        String topicApp = "input-log-app-" + UUID.randomUUID();
        commit(topicApp, 1, RECORDS);
        // a second topic partition would race the other tests: delete in a topic of its own
        String own = TOPIC + "-retention";
        try (Admin admin = Admin.create(KafkaFixture.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(own, 1, (short) 1))).all().get();
        }
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>(own, 0, bytes("h"), bytes("e" + i)));
            }
            producer.flush();
        }
        try (Admin admin = Admin.create(KafkaFixture.clientProperties())) {
            admin.deleteRecords(Map.of(new TopicPartition(own, 0), RecordsToDelete.beforeOffset(12))).all().get();
            admin.alterConsumerGroupOffsets(topicApp, Map.of(new TopicPartition(own, 0), new OffsetAndMetadata(25)))
                    .all().get();
        }
        List<InputLog.Entry> got = new ArrayList<>();
        InputLog.Summary s = new KafkaInputLog(Duration.ofSeconds(30)).read(app(topicApp), own, 0, 5, got::add);
        assertThat(s.first()).as("the first offset still there").isEqualTo(12);
        assertThat(got.stream().map(InputLog.Entry::offset).toList()).isEqualTo(range(12, 25));
    }
}

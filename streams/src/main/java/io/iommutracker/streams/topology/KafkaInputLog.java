package io.iommutracker.streams.topology;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a task's already-consumed input back from the cluster with a consumer of its own, configured as Streams'
 * restore consumer is (bootstrap servers, security, {@code restore.consumer.*} overrides, read_committed under
 * exactly-once). The end is the offset the application's group committed for the partition, asked with a stable
 * read: under exactly-once that is exactly the input the task's stores reflect.
 */
public final class KafkaInputLog implements InputLog {

    private static final Logger log = LoggerFactory.getLogger(KafkaInputLog.class);
    public static final KafkaInputLog INSTANCE = new KafkaInputLog(Duration.ofMinutes(2));

    private final Duration limit;

    public KafkaInputLog(Duration limit) {
        this.limit = limit;
    }

    @Override
    public Summary read(Map<String, Object> appConfigs, String topic, int partition, long from, Consumer<Entry> sink) {
        StreamsConfig config = new StreamsConfig(appConfigs);
        String application = config.getString(StreamsConfig.APPLICATION_ID_CONFIG);
        Map<String, Object> props = config.getRestoreConsumerConfigs(application + "-input-replay-" + partition);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, application);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // a fetch past the end waits this long at the broker, and close() waits for it (500 ms by default)
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        TopicPartition tp = new TopicPartition(topic, partition);
        long deadline = System.nanoTime() + limit.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            OffsetAndMetadata committed = consumer.committed(Set.of(tp), limit).get(tp);
            if (committed == null) {
                return new Summary(from, -1, 0);
            }
            long end = committed.offset();
            long first = Math.max(from, consumer.beginningOffsets(List.of(tp), limit).get(tp));
            if (first >= end) {
                return new Summary(first, end, 0);
            }
            consumer.assign(List.of(tp));
            consumer.seek(tp, first);
            long records = 0;
            long lastReport = System.nanoTime();
            while (consumer.position(tp, limit) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                    if (r.offset() >= end) {
                        break;
                    }
                    sink.accept(new Entry(r.offset(), r.key(), r.value(), r.timestamp()));
                    records++;
                }
                long now = System.nanoTime();
                if (now - deadline > 0) {
                    throw new IllegalStateException(String.format(
                            "replaying %s: read %d records up to offset %d of [%d, %d) in %s, which is the limit",
                            tp, records, consumer.position(tp), first, end, limit));
                }
                if (now - lastReport > 5_000_000_000L) {
                    log.info("replaying {}: at offset {} of [{}, {}), {} records", tp, consumer.position(tp), first, end,
                            records);
                    lastReport = now;
                }
            }
            return new Summary(first, end, records);
        }
    }
}

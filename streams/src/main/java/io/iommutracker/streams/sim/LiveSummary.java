package io.iommutracker.streams.sim;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.AlertKind;
import io.iommutracker.avro.AlertStatus;
import io.iommutracker.schemas.Topics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Prints one line per period: telemetry events/s (growth of the telemetry topic's end offsets), hosts with a view, and
 * firing alerts by kind — read from {@code iommu.alerts} and {@code iommu.host.views} with read_committed, so it shows
 * what downstream consumers see.
 */
public final class LiveSummary implements Runnable, AutoCloseable {

    private final Properties client;
    private final Duration period;
    private final PrintStream out;
    private volatile boolean stopped;
    private final Map<String, AlertKind> firing = new HashMap<>();
    private final Set<String> hosts = new HashSet<>();

    public LiveSummary(Properties clientProperties, Duration period, PrintStream out) {
        this.client = clientProperties;
        this.period = period;
        this.out = out;
    }

    /** Runs until {@link #close()}; meant for its own thread. */
    @Override
    public void run() {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "iommu-tracker-summary-" + UUID.randomUUID());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(Topics.ALERTS.name(), Topics.HOST_VIEWS.name()));
            List<TopicPartition> telemetry = new ArrayList<>();
            for (int i = 0; i < Topics.TELEMETRY.partitions(); i++) {
                telemetry.add(new TopicPartition(Topics.TELEMETRY.name(), i));
            }
            long lastEnd = total(c.endOffsets(telemetry));
            long lastAt = System.nanoTime();
            long due = lastAt + period.toNanos();
            while (!stopped) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    accept(r);
                }
                if (System.nanoTime() >= due) {
                    long end = total(c.endOffsets(telemetry));
                    long now = System.nanoTime();
                    double rate = (end - lastEnd) / ((now - lastAt) / 1e9);
                    out.println(line(rate));
                    lastEnd = end;
                    lastAt = now;
                    due = now + period.toNanos();
                }
            }
        }
    }

    private static long total(Map<TopicPartition, Long> ends) {
        return ends.values().stream().mapToLong(Long::longValue).sum();
    }

    void accept(ConsumerRecord<byte[], byte[]> r) {
        String key = r.key() == null ? "" : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
        if (r.topic().equals(Topics.HOST_VIEWS.name())) {
            if (r.value() == null) {
                hosts.remove(key);
            } else {
                hosts.add(key);
            }
            return;
        }
        if (r.value() == null) {
            firing.remove(key);
            return;
        }
        Alert a = Topics.ALERTS.valueSerde().deserializer().deserialize(r.topic(), r.value());
        if (a.getStatus() == AlertStatus.FIRING) {
            firing.put(a.getFingerprint(), a.getKind());
        } else {
            firing.remove(a.getFingerprint());
        }
    }

    /** The summary line, e.g. {@code 512.0 events/s | 200 hosts | firing 37: ISOLATION=12 STALE_GROUP=25}. */
    String line(double eventsPerSecond) {
        Map<AlertKind, Long> byKind = new EnumMap<>(AlertKind.class);
        firing.values().forEach(k -> byKind.merge(k, 1L, Long::sum));
        String kinds = byKind.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
        return String.format("%.1f events/s | %d hosts | firing %d%s", eventsPerSecond, hosts.size(), firing.size(),
                kinds.isEmpty() ? "" : ": " + kinds);
    }

    @Override
    public void close() {
        stopped = true;
    }
}

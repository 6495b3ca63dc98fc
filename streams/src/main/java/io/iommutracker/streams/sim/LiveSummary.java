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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
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
    private final String telemetryTopic;
    private final String alertsTopic;
    private final String viewsTopic;

    public LiveSummary(Properties clientProperties, Duration period, PrintStream out) {
        this(clientProperties, period, out, Topics.TELEMETRY.name(), Topics.ALERTS.name(), Topics.HOST_VIEWS.name());
    }

    /** Over other topics of the same kinds (tests on a shared broker). */
    LiveSummary(Properties clientProperties, Duration period, PrintStream out, String telemetryTopic, String alertsTopic,
                String viewsTopic) {
        this.client = clientProperties;
        this.period = period;
        this.out = out;
        this.telemetryTopic = telemetryTopic;
        this.alertsTopic = alertsTopic;
        this.viewsTopic = viewsTopic;
    }

    /**
     * Runs until {@link #close()}; meant for its own thread. The consumer is assigned every partition of the two topics
     * and joins no group (nothing is left behind on the broker); the telemetry rate comes from an admin client's
     * end offsets, because a read_committed consumer asked for the end of partitions it is not assigned answers with a
     * warning per partition each time.
     */
    @Override
    public void run() {
        Properties p = new Properties();
        p.putAll(client);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try {
            summarise(p);
        } catch (RuntimeException e) {
            out.println("live summary stopped: " + e.getMessage());
            throw e;
        }
    }

    private void summarise(Properties p) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             Admin admin = Admin.create(adminProperties(client))) {
            List<TopicPartition> read = new ArrayList<>();
            for (String topic : List.of(alertsTopic, viewsTopic)) {
                partitions(c, topic).forEach(tp -> read.add(tp));
            }
            c.assign(read);
            c.seekToBeginning(read);
            Map<TopicPartition, OffsetSpec> telemetry = new HashMap<>();
            partitions(c, telemetryTopic).forEach(tp -> telemetry.put(tp, OffsetSpec.latest()));
            long lastEnd = total(admin, telemetry);
            long lastAt = System.nanoTime();
            long due = lastAt + period.toNanos();
            while (!stopped) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    accept(r);
                }
                if (System.nanoTime() >= due) {
                    long end = total(admin, telemetry);
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

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> c, String topic) {
        List<PartitionInfo> info = c.partitionsFor(topic);
        if (info == null || info.isEmpty()) {
            throw new IllegalStateException("topic '" + topic + "' does not exist");
        }
        return info.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    }

    /** The client settings an admin client accepts (consumer-only keys would each be logged as unknown). */
    private static Properties adminProperties(Properties client) {
        Properties a = new Properties();
        for (String name : client.stringPropertyNames()) {
            if (AdminClientConfig.configNames().contains(name)) {
                a.put(name, client.getProperty(name));
            }
        }
        return a;
    }

    private static long total(Admin admin, Map<TopicPartition, OffsetSpec> partitions) {
        try {
            return admin.listOffsets(partitions).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the telemetry topic's end offsets", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the telemetry topic's end offsets: " + e.getMessage(), e);
        }
    }

    void accept(ConsumerRecord<byte[], byte[]> r) {
        String key = r.key() == null ? "" : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
        if (r.topic().equals(viewsTopic)) {
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

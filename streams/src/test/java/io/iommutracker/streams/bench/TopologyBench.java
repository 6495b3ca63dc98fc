package io.iommutracker.streams.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.TrackerConfig;
import io.iommutracker.streams.TrackerTopology;
import io.iommutracker.streams.sim.FleetSimulator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * The tracker topology's own cost per event, without a broker: the real processor, stores (RocksDB, caches,
 * versioned history) and serdes under TopologyTestDriver, over simulated fleet telemetry. On demand only:
 * {@code -Dtest=TopologyBench -Dbench.events=N}.
 */
class TopologyBench {

    @Test
    void shouldReportTopologyEventsPerSecond() throws Exception {
        int n = Integer.getInteger("bench.events", 20_000);
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(200));
        List<TestRecord<byte[], byte[]>> records = new ArrayList<>();
        long t = 1_700_000_000_000L;
        for (int i = 0; i < 2 * n; i++) {
            FleetSimulator.SimRecord r = sim.next(t += 5);
            records.add(new TestRecord<>(r.key(), r.value(), Instant.ofEpochMilli(r.timestamp())));
        }
        TrackerConfig config = TrackerConfig.defaults("dummy:9092").withApplicationId("topology-bench")
                .withStateDir(KafkaFixture.tempDir("topology-bench"));
        try (TopologyTestDriver driver = new TopologyTestDriver(TrackerTopology.buildTopology(config), config.streamsConfig(),
                Instant.ofEpochMilli(t))) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic(Topics.TELEMETRY.name(),
                    Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
            // the first half warms up the JIT and the hosts; the second half is measured
            for (int i = 0; i < n; i++) {
                in.pipeInput(records.get(i));
            }
            long t0 = System.nanoTime();
            for (int i = n; i < 2 * n; i++) {
                in.pipeInput(records.get(i));
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("topology: %.0f events/s%n", n / secs);
            assertThat(driver.createOutputTopic(Topics.HOST_VIEWS.name(), Serdes.String().deserializer(),
                    Serdes.ByteArray().deserializer()).getQueueSize()).isPositive();
        }
    }
}

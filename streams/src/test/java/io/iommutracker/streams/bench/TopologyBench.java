package io.iommutracker.streams.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.TrackerConfig;
import io.iommutracker.streams.TrackerTopology;
import io.iommutracker.streams.sim.FleetSimulator;
import java.time.Duration;
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
 * {@code -Dtest=TopologyBench -Dbench.events=N -Dbench.rate=EVENTS_PER_SECOND}. Event time advances at the given fleet
 * rate (default 20,000 events/s over 200 hosts, as in the load driver) and the driver's wall clock follows it, so
 * per-host spacing and wall-clock punctuations are those of a live run at that rate.
 */
class TopologyBench {

    @Test
    void shouldReportTopologyEventsPerSecond() throws Exception {
        int n = Integer.getInteger("bench.events", 20_000);
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(200));
        int rate = Integer.getInteger("bench.rate", 20_000);
        List<TestRecord<byte[], byte[]>> records = new ArrayList<>();
        long t0ms = 1_700_000_000_000L;
        long t = t0ms;
        for (int i = 0; i < 2 * n; i++) {
            t = t0ms + (long) i * 1000 / rate;
            FleetSimulator.SimRecord r = sim.next(t);
            records.add(new TestRecord<>(r.key(), r.value(), Instant.ofEpochMilli(r.timestamp())));
        }
        TrackerConfig config = TrackerConfig.defaults("dummy:9092").withApplicationId("topology-bench")
                .withStateDir(KafkaFixture.tempDir("topology-bench"));
        try (TopologyTestDriver driver = new TopologyTestDriver(TrackerTopology.buildTopology(config), config.streamsConfig(),
                Instant.ofEpochMilli(t0ms))) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic(Topics.TELEMETRY.name(),
                    Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
            // the first half warms up the JIT and the hosts; the second half is measured
            long[] wall = {t0ms};
            for (int i = 0; i < n; i++) {
                pipe(driver, in, records.get(i), wall);
            }
            long t0 = System.nanoTime();
            for (int i = n; i < 2 * n; i++) {
                pipe(driver, in, records.get(i), wall);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("topology: %.0f events/s%n", n / secs);
            assertThat(driver.createOutputTopic(Topics.HOST_VIEWS.name(), Serdes.String().deserializer(),
                    Serdes.ByteArray().deserializer()).getQueueSize()).isPositive();
        }
    }

    /** Pipes one record, first moving the driver's wall clock up to its event time (wall-clock punctuations run). */
    private static void pipe(TopologyTestDriver driver, TestInputTopic<byte[], byte[]> in, TestRecord<byte[], byte[]> r,
                             long[] wall) {
        long at = r.timestamp();
        if (at > wall[0]) {
            driver.advanceWallClockTime(Duration.ofMillis(at - wall[0]));
            wall[0] = at;
        }
        in.pipeInput(r);
    }
}

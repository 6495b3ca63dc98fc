package io.iommutracker.streams.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.kafka.KafkaFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * What the segment interval of the view history (a RocksDB versioned store, 30-day retention) costs: one host whose
 * view changes every second (one version per second, 3 KB each, as the simulated fleet's hosts do at the default view
 * resolution), its put time as versions pile up, then as-of reads 1, 30 and 100 minutes back. On demand only:
 * {@code -Dtest=HistoryStoreBench [-Dbench.segments=0,1,5,60] [-Dbench.versions=7200]} (segments in minutes; 0 is
 * Kafka's default for the retention, 30 h). Prints the figures; asserts only that every as-of read found its version.
 */
class HistoryStoreBench {

    private static final long T0 = 1_700_000_000_000L;
    private static final int VALUE_BYTES = 3_000;
    private static final int PUTS_PER_RECORD = 200;

    @Test
    void shouldReportPutAndAsOfCostPerSegmentInterval() throws Exception {
        int versions = Integer.getInteger("bench.versions", 7_200);
        for (String m : System.getProperty("bench.segments", "0,1,5,60").split(",")) {
            long minutes = Long.parseLong(m.trim());
            List<String> lines = run(minutes, versions);
            lines.forEach(System.out::println);
        }
    }

    private static List<String> run(long segmentMinutes, int versions) throws Exception {
        String label = segmentMinutes == 0 ? "Kafka's default (30 h)" : segmentMinutes + " min";
        List<String> out = new ArrayList<>();
        Topology t = new Topology();
        t.addSource("in", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), "in");
        t.addProcessor("put", () -> new Processor<String, byte[], Void, Void>() {
            private VersionedKeyValueStore<String, byte[]> history;
            private long n;
            private long since = System.nanoTime();

            @Override
            public void init(ProcessorContext<Void, Void> context) {
                history = context.getStateStore("history");
            }

            @Override
            public void process(Record<String, byte[]> r) {
                for (int i = 0; i < PUTS_PER_RECORD && n < versions; i++) {
                    history.put(r.key(), r.value(), T0 + n * 1000);
                    n++;
                    if (n % 1800 == 0) {
                        long now = System.nanoTime();
                        out.add(String.format("history segment %s: versions %,d: %.0f us per put (last 1,800)", label, n,
                                (now - since) / 1e3 / 1800));
                        since = now;
                    }
                }
                if (n == versions) {
                    long last = T0 + (n - 1) * 1000;
                    for (long back : new long[] {1, 30, 100}) {
                        long g0 = System.nanoTime();
                        int found = 0;
                        for (int k = 0; k < 100; k++) {
                            found += history.get(r.key(), last - back * 60_000 - k * 1000) == null ? 0 : 1;
                        }
                        out.add(String.format("history segment %s: as-of %d min back: %.0f us per read", label, back,
                                (System.nanoTime() - g0) / 1e3 / 100));
                        assertThat(found).as("as-of %d min back", back).isEqualTo(100);
                    }
                    n++;
                }
            }
        }, "in");
        t.addStateStore(Stores.versionedKeyValueStoreBuilder(segmentMinutes == 0
                        ? Stores.persistentVersionedKeyValueStore("history", Duration.ofDays(30))
                        : Stores.persistentVersionedKeyValueStore("history", Duration.ofDays(30), Duration.ofMinutes(segmentMinutes)),
                Serdes.String(), Serdes.ByteArray()), "put");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "history-bench");
        p.put(StreamsConfig.STATE_DIR_CONFIG, KafkaFixture.tempDir("history-bench").toString());
        try (TopologyTestDriver d = new TopologyTestDriver(t, p)) {
            var in = d.createInputTopic("in", Serdes.String().serializer(), Serdes.ByteArray().serializer());
            for (int i = 0; i <= versions / PUTS_PER_RECORD; i++) {
                in.pipeInput("host", new byte[VALUE_BYTES]);
            }
        }
        return out;
    }
}

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
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.RocksDbWindowBytesStoreSupplier;
import org.junit.jupiter.api.Test;

/**
 * What the segment interval of the view history (a RocksDB versioned store, 30-day retention) costs: one host whose
 * view changes every second (one version per second, 3 KB each, as the simulated fleet's hosts do at the default view
 * resolution), its put time as versions pile up, then as-of reads 1, 30 and 100 minutes back. On demand only:
 * {@code -Dtest=HistoryStoreBench [-Dbench.segments=0,1,5,60,w] [-Dbench.versions=7200]} (segments in minutes; 0 is
 * Kafka's default for the retention, 30 h; {@code w} is the window store the tracker uses since session 9, with its
 * default one-day segments, read as {@link io.iommutracker.streams.ViewHistory} reads it: the latest version at or
 * before the time, then the next one for its end). Prints the figures; asserts only that every as-of read found its
 * version.
 */
class HistoryStoreBench {

    private static final long T0 = 1_700_000_000_000L;
    private static final int VALUE_BYTES = 3_000;
    private static final int PUTS_PER_RECORD = 200;

    @Test
    void shouldReportPutAndAsOfCostPerSegmentInterval() throws Exception {
        int versions = Integer.getInteger("bench.versions", 7_200);
        for (String m : System.getProperty("bench.segments", "0,1,5,60,w").split(",")) {
            List<String> lines = m.trim().equals("w") ? run(-1, versions) : run(Long.parseLong(m.trim()), versions);
            lines.forEach(System.out::println);
        }
    }

    /** The version at or before {@code time}, and the next one's start, as ViewHistory reads them. */
    private static byte[] asOf(WindowStore<String, byte[]> s, String key, long time) {
        byte[] v;
        try (WindowStoreIterator<byte[]> it = s.backwardFetch(key, 0L, time)) {
            v = it.hasNext() ? it.next().value : null;
        }
        try (WindowStoreIterator<byte[]> it = s.fetch(key, time + 1, Long.MAX_VALUE)) {
            if (it.hasNext()) {
                it.next();
            }
        }
        return v;
    }

    private static List<String> run(long segmentMinutes, int versions) throws Exception {
        boolean window = segmentMinutes < 0;
        String label = window ? "window store, 1 day" : segmentMinutes == 0 ? "Kafka's default (30 h)" : segmentMinutes + " min";
        List<String> out = new ArrayList<>();
        Topology t = new Topology();
        t.addSource("in", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), "in");
        t.addProcessor("put", () -> new Processor<String, byte[], Void, Void>() {
            private VersionedKeyValueStore<String, byte[]> history;
            private WindowStore<String, byte[]> windowed;
            private long n;
            private long since = System.nanoTime();

            @Override
            public void init(ProcessorContext<Void, Void> context) {
                if (window) {
                    windowed = context.getStateStore("history");
                } else {
                    history = context.getStateStore("history");
                }
            }

            @Override
            public void process(Record<String, byte[]> r) {
                for (int i = 0; i < PUTS_PER_RECORD && n < versions; i++) {
                    if (window) {
                        windowed.put(r.key(), r.value(), T0 + n * 1000);
                    } else {
                        history.put(r.key(), r.value(), T0 + n * 1000);
                    }
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
                            found += (window ? asOf(windowed, r.key(), last - back * 60_000 - k * 1000)
                                    : history.get(r.key(), last - back * 60_000 - k * 1000)) == null ? 0 : 1;
                        }
                        out.add(String.format("history segment %s: as-of %d min back: %.0f us per read", label, back,
                                (System.nanoTime() - g0) / 1e3 / 100));
                        assertThat(found).as("as-of %d min back", back).isEqualTo(100);
                    }
                    n++;
                }
            }
        }, "in");
        if (window) {
            t.addStateStore(Stores.windowStoreBuilder(new RocksDbWindowBytesStoreSupplier("history", Duration.ofDays(30).toMillis(),
                    Duration.ofDays(1).toMillis(), 1L, false, RocksDbWindowBytesStoreSupplier.WindowStoreTypes.DEFAULT_WINDOW_STORE),
                    Serdes.String(), Serdes.ByteArray()), "put");
        } else {
            t.addStateStore(Stores.versionedKeyValueStoreBuilder(segmentMinutes == 0
                            ? Stores.persistentVersionedKeyValueStore("history", Duration.ofDays(30))
                            : Stores.persistentVersionedKeyValueStore("history", Duration.ofDays(30), Duration.ofMinutes(segmentMinutes)),
                    Serdes.String(), Serdes.ByteArray()), "put");
        }
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

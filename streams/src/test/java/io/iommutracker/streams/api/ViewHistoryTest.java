package io.iommutracker.streams.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.HostView;
import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.StoreNames;
import io.iommutracker.streams.ViewHistory;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The view history's reads over the store the tracker writes: the version valid at a time and when it ended, a
 * decommission ending a host's views, the versions within a range, and the latest view standing in for versions the
 * retention dropped.
 */
class ViewHistoryTest {

    private static final long T = 1_700_000_000_000L;
    private static final Duration RETENTION = Duration.ofDays(1);

    private TopologyTestDriver driver;
    private TestInputTopic<String, String> in;
    private WindowStore<String, HostView> store;
    /** The views written, by "host@time": what the latest-view store would hold is the last one per host. */
    private final Map<String, HostView> latest = new HashMap<>();

    @BeforeEach
    void start() {
        Topology t = new Topology();
        t.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
        // value "gone" records a decommission, anything else a view with that value as its sequence
        t.addProcessor("put", ApiTestTopology.<String>historyWriter(r -> r.value().equals("gone") ? ViewHistory.GONE
                : view(r.key(), Long.parseLong(r.value()), r.timestamp())), "in");
        t.addStateStore(ViewHistory.storeBuilder(RETENTION, RETENTION.dividedBy(64), Topics.HOST_VIEWS.valueSerde()), "put");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "view-history-test");
        p.put(StreamsConfig.STATE_DIR_CONFIG, KafkaFixture.tempDir("view-history").toString());
        driver = new TopologyTestDriver(t, p);
        in = driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
        store = driver.getWindowStore(StoreNames.HOST_VIEW_HISTORY);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private HostView view(String host, long sequence, long at) {
        HostView v = HostView.newBuilder(TestViews.view(0, 1)).setHostId(host).setSequence(sequence)
                .setUpdatedAt(Instant.ofEpochMilli(at)).build();
        latest.put(host, v);
        return v;
    }

    private void put(String host, String value, long at) {
        in.pipeInput(host, value, at);
    }

    /** Host h: views 1 and 2, a decommission, then view 3, a second apart from T + 1 s. */
    private void fourVersions() {
        put("h", "1", T + 1000);
        put("h", "2", T + 2000);
        put("h", "gone", T + 3000);
        put("h", "3", T + 4000);
    }

    private Optional<VersionedRecord<HostView>> asOf(String host, long at) {
        return ViewHistory.asOf(store, host, at, () -> latest.get(host));
    }

    private static String describe(VersionedRecord<HostView> r) {
        return r.value().getSequence() + "@" + (r.timestamp() - T) + "-" + r.validTo().map(v -> String.valueOf(v - T)).orElse("");
    }

    @Test
    void shouldAnswerTheVersionValidAtATimeAndWhenItEnded() {
        fourVersions();
        put("other", "9", T + 2500);

        assertThat(asOf("h", T + 500)).as("before the first version").isEmpty();
        assertThat(asOf("h", T + 1000).map(ViewHistoryTest::describe)).contains("1@1000-2000");
        assertThat(asOf("h", T + 1999).map(ViewHistoryTest::describe)).contains("1@1000-2000");
        assertThat(asOf("h", T + 2500).map(ViewHistoryTest::describe)).as("ended by the decommission").contains("2@2000-3000");
        assertThat(asOf("h", T + 3500)).as("decommissioned then").isEmpty();
        assertThat(asOf("h", T + 9000).map(ViewHistoryTest::describe)).as("the latest, still valid").contains("3@4000-");
        assertThat(asOf("other", T + 3000).map(ViewHistoryTest::describe)).contains("9@2500-");
        assertThat(asOf("nobody", T + 3000)).isEmpty();
    }

    @Test
    void shouldListTheVersionsValidWithinARangeOldestFirst() {
        fourVersions();

        assertThat(ViewHistory.versions(store, "h", T + 1500, T + 4500)).map(ViewHistoryTest::describe)
                .containsExactly("1@1000-2000", "2@2000-3000", "3@4000-");
        assertThat(ViewHistory.versions(store, "h", T + 2500, T + 3500)).map(ViewHistoryTest::describe)
                .as("the version valid at the start, ended by the decommission inside the range")
                .containsExactly("2@2000-3000");
        assertThat(ViewHistory.versions(store, "h", T + 100, T + 1000)).map(ViewHistoryTest::describe)
                .as("a version starting at the range's end, ended by one after it").containsExactly("1@1000-2000");
        assertThat(ViewHistory.versions(store, "h", T, T + 500)).isEmpty();
    }

    @Test
    void shouldAnswerFromTheLatestViewOnceTheRetentionDroppedItsVersion() {
        put("quiet", "1", T);
        put("h", "5", T + 100);
        // another host's version three retentions later moves the store's time on: the old segments go
        long later = T + 3 * RETENTION.toMillis();
        put("busy", "7", later);

        List<VersionedRecord<HostView>> kept = ViewHistory.versions(store, "quiet", T, later);
        assertThat(kept).as("the quiet host's only version fell out of the retention").isEmpty();
        latest.remove("h");
        assertThat(asOf("quiet", later).map(ViewHistoryTest::describe))
                .as("its latest view, not newer than the time, still answers").contains("1@0-");
        assertThat(asOf("quiet", T - 1)).as("but not for a time before it").isEmpty();
        assertThat(asOf("h", later)).as("no latest view to fall back on").isEmpty();
    }
}

package io.iommutracker.streams.testing;

import io.iommutracker.avro.*;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.StoreNames;
import io.iommutracker.streams.ViewHistory;
import io.iommutracker.streams.TrackerConfig;
import io.iommutracker.streams.TrackerTopology;
import io.iommutracker.streams.engine.HostEngine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Domain test driver over {@link TopologyTestDriver}: tests read as "this host reports these events, expect these
 * groups / changes / alerts". Sequences and event times are assigned per host unless given.
 */
public final class TrackerTestDriver implements AutoCloseable {

    public static final long T0 = 1_700_000_000_000L;

    private final TopologyTestDriver driver;
    private final TestInputTopic<byte[], byte[]> input;
    private final TestOutputTopic<String, HostView> views;
    private final TestOutputTopic<String, IommuChange> changes;
    private final TestOutputTopic<String, Alert> alerts;
    private final TestOutputTopic<byte[], byte[]> dlq;
    /** What the topology wrote into its own input: evaluation ticks. */
    private final TestOutputTopic<byte[], byte[]> ticks;
    private final Map<String, Long> sequences = new TreeMap<>();
    private final Map<String, Alert> alertLog = new TreeMap<>();
    private final List<Alert> alertHistory = new ArrayList<>();
    private final List<IommuChange> changeLog = new ArrayList<>();
    private final List<PciEvent> eventLog = new ArrayList<>();
    private long clock = T0;
    private final Duration resolution;

    public TrackerTestDriver(HostEngine engine, Duration silentTimeout, Path stateDir) {
        this(engine, silentTimeout, stateDir, UnaryOperator.identity());
    }

    /**
     * With a changed configuration, e.g. {@code c -> c.withHostCache(0)}. Every event is evaluated on its own unless
     * the tuning sets an evaluation window ({@link #flush} then lets wall-clock time pass, so that the idle task's
     * tick closes the windows left open).
     */
    public TrackerTestDriver(HostEngine engine, Duration silentTimeout, Path stateDir, UnaryOperator<TrackerConfig> tune) {
        TrackerConfig config = tune.apply(TrackerConfig.defaults("dummy:9092").withApplicationId("tracker-test")
                .withStateDir(stateDir).withSilentTimeout(silentTimeout).withEvaluationWindow(Duration.ZERO));
        this.resolution = config.viewResolution();
        Properties props = config.streamsConfig();
        driver = new TopologyTestDriver(TrackerTopology.buildTopology(config, engine), props, Instant.ofEpochMilli(T0));
        input = driver.createInputTopic(Topics.TELEMETRY.name(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        views = driver.createOutputTopic(Topics.HOST_VIEWS.name(), Serdes.String().deserializer(), Topics.HOST_VIEWS.valueSerde().deserializer());
        changes = driver.createOutputTopic(Topics.CHANGES.name(), Serdes.String().deserializer(), Topics.CHANGES.valueSerde().deserializer());
        alerts = driver.createOutputTopic(Topics.ALERTS.name(), Serdes.String().deserializer(), Topics.ALERTS.valueSerde().deserializer());
        dlq = driver.createOutputTopic(Topics.DEAD_LETTER.name(), Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
        ticks = driver.createOutputTopic(Topics.TELEMETRY.name(), Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
    }

    /** The evaluation ticks the topology wrote into the telemetry topic since the last call (it consumed them too). */
    public List<TestRecord<byte[], byte[]>> ticks() {
        return ticks.readRecordsToList();
    }

    /** Reports payloads for a host with the next sequences, one second apart. */
    public TrackerTestDriver report(String host, Object... payloads) {
        for (Object p : payloads) {
            long seq = sequences.merge(host, 1L, Long::sum);
            pipe(new PciEvent(host, seq, Instant.ofEpochMilli(clock += 1000), "test", p));
        }
        return this;
    }

    /** Reports one payload at an explicit sequence (gaps, replays). */
    public TrackerTestDriver reportAt(String host, long sequence, Object payload) {
        sequences.merge(host, sequence, Math::max);
        pipe(new PciEvent(host, sequence, Instant.ofEpochMilli(clock += 1000), "test", payload));
        return this;
    }

    public TrackerTestDriver advance(Duration d) {
        clock += d.toMillis();
        return this;
    }

    public void pipe(PciEvent e) {
        eventLog.add(e);
        byte[] value = Topics.TELEMETRY.valueSerde().serializer().serialize(Topics.TELEMETRY.name(), e);
        pipeRaw(e.getHostId().getBytes(StandardCharsets.UTF_8), value, e.getObservedAt().toEpochMilli());
    }

    public void pipeRaw(byte[] key, byte[] value, long timestamp) {
        input.pipeInput(new TestRecord<>(key, value, Instant.ofEpochMilli(timestamp)));
        drain();
    }

    private void drain() {
        for (TestRecord<String, Alert> r : alerts.readRecordsToList()) {
            alertLog.put(r.key(), r.value());
            alertHistory.add(r.value());
        }
        changeLog.addAll(changes.readValuesToList());
    }

    /**
     * Lets the wall clock pass one view resolution, so that the wall-clock punctuation writes every host's pending
     * checkpoint and latest view. The view readers below do this first: they read what a reader sees once the events
     * are a resolution old.
     */
    public TrackerTestDriver flush() {
        driver.advanceWallClockTime(resolution.isZero() ? Duration.ofMillis(1) : resolution);
        drain();
        return this;
    }

    /** Lets the wall clock pass {@code d}: the wall-clock punctuations due in it run. */
    public TrackerTestDriver passWallClock(Duration d) {
        driver.advanceWallClockTime(d);
        drain();
        return this;
    }

    public List<TestRecord<String, HostView>> viewRecords() {
        flush();
        return views.readRecordsToList();
    }

    /** The view records written so far, without letting time pass. */
    public List<TestRecord<String, HostView>> publishedViewRecords() {
        return views.readRecordsToList();
    }

    public List<IommuChange> changes() {
        drain();
        List<IommuChange> out = List.copyOf(changeLog);
        changeLog.clear();
        return out;
    }

    public List<TestRecord<byte[], byte[]>> deadLetters() {
        return dlq.readRecordsToList();
    }

    /** Every alert record emitted so far, in order. */
    public List<Alert> alertRecords() {
        drain();
        return List.copyOf(alertHistory);
    }

    /** Every alert record of one kind emitted so far, in order. */
    public List<Alert> alertRecords(AlertKind kind) {
        return alertRecords().stream().filter(a -> a.getKind() == kind).toList();
    }

    /** The lifecycle records of one alert, in order. */
    public List<Alert> history(String fingerprint) {
        return alertRecords().stream().filter(a -> a.getFingerprint().equals(fingerprint)).toList();
    }

    /** Every event piped so far, in order: replaying them into a fresh driver must give the same output. */
    public List<PciEvent> eventLog() {
        return List.copyOf(eventLog);
    }

    public List<Alert> firing() {
        drain();
        return alertLog.values().stream().filter(a -> a.getStatus() == AlertStatus.FIRING).toList();
    }

    public List<Alert> firing(AlertKind kind) {
        return firing().stream().filter(a -> a.getKind() == kind).toList();
    }

    public Alert latest(String fingerprint) {
        drain();
        return alertLog.get(fingerprint);
    }

    public HostView view(String host) {
        flush();
        return publishedView(host);
    }

    /** The latest view as stored now, without letting time pass: may lag the events by up to a resolution. */
    public HostView publishedView(String host) {
        KeyValueStore<String, HostView> s = driver.getKeyValueStore(StoreNames.HOST_VIEWS);
        return s.get(host);
    }

    public HostView viewAsOf(String host, long time) {
        flush();
        WindowStore<String, HostView> s = driver.getWindowStore(StoreNames.HOST_VIEW_HISTORY);
        return ViewHistory.asOf(s, host, time, () -> publishedView(host)).map(VersionedRecord::value).orElse(null);
    }

    public byte[] hostState(String host) {
        flush();
        KeyValueStore<String, byte[]> s = driver.getKeyValueStore(StoreNames.HOST_STATE);
        return s.get(host);
    }

    public Alert storedAlert(String fingerprint) {
        KeyValueStore<String, Alert> s = driver.getKeyValueStore(StoreNames.ALERTS);
        return s.get(fingerprint);
    }

    public long now() {
        return clock;
    }

    @Override
    public void close() {
        driver.close();
    }
}

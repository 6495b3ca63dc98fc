package io.iommutracker.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.HostDecommissioned;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.schemas.AvroSerde;
import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.StoreNames;
import io.iommutracker.streams.ViewHistory;
import io.iommutracker.streams.engine.EmulatorEngine;
import io.iommutracker.streams.sim.FleetSimulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.Test;

/**
 * A host is its checkpoint plus the events consumed since, which only the input keeps: rebuilding it from the
 * checkpoint and the input read back, after a restart, or from the checkpoint alone after an eviction, must give
 * exactly what the uninterrupted working copy gives, and a view left pending by a restart must still be published.
 * The processor runs on a {@link MockProcessorContext} over store instances that outlive it, as a restarted task finds
 * its stores restored from the changelogs, and reads back what the harness piped (all of it committed).
 */
class CheckpointReplayTest {

    static final Duration RESOLUTION = Duration.ofMillis(250);
    static final long T0 = 1_700_000_000_000L;

    /** Stores that survive processors; one processor at a time runs over them. */
    static final class Harness {
        final KeyValueStore<String, byte[]> states = kv(StoreNames.HOST_STATE, Serdes.ByteArray());
        final KeyValueStore<String, HostView> views = kv(StoreNames.HOST_VIEWS, Topics.HOST_VIEWS.valueSerde());
        final KeyValueStore<String, io.iommutracker.avro.Alert> alerts = kv(StoreNames.ALERTS, Topics.ALERTS.valueSerde());
        final WindowStore<String, HostView> history = ViewHistory.storeBuilder(Duration.ofDays(30), Duration.ofDays(1),
                Topics.HOST_VIEWS.valueSerde()).withLoggingDisabled().build();
        final Duration resolution;
        final Duration window;
        final int cache;
        final Path dir;
        /** Streams settings besides the application id and bootstrap (the processing guarantee...). */
        final Map<String, String> configs;
        /** HOST_SILENT's timeout (zero: off); its stream-time punctuations run as the records' timestamps pass them. */
        final Duration silent;
        long streamTime = -1;
        /** When each stream-time punctuator of the current processor is next due. */
        final Map<MockProcessorContext.CapturedPunctuator, Long> streamPunctuations = new java.util.IdentityHashMap<>();
        final List<String> changes = new ArrayList<>();
        /** The input partition as piped: offset i is element i. */
        final List<InputLog.Entry> input = new ArrayList<>();
        /** Offsets below this are gone, as retention deletes them. */
        long retainedFrom;
        int replayReads;
        /** The offset the last read back started from. */
        long lastFrom = -1;
        final List<String> alertLog = new ArrayList<>();
        final Map<String, HostView> viewLog = new TreeMap<>();
        int replayedHosts;
        /** The input offset the task committed (a read back stops there); -1: everything piped. */
        long committed = -1;
        MockProcessorContext<Object, Object> context;
        HostProcessor processor;
        long wall = T0;
        long offset;

        Harness(String name, Duration resolution, int cache) {
            this(name, resolution, Duration.ZERO, cache);
        }

        Harness(String name, Duration resolution, Duration window, int cache) {
            this(name, resolution, window, cache, Map.of());
        }

        Harness(String name, Duration resolution, Duration window, int cache, Map<String, String> configs) {
            this(name, resolution, window, cache, configs, Duration.ZERO);
        }

        Harness(String name, Duration resolution, Duration window, int cache, Map<String, String> configs,
                Duration silent) {
            this.configs = configs;
            this.silent = silent;
            this.resolution = resolution;
            this.window = window;
            this.cache = cache;
            this.dir = KafkaFixture.tempDir("checkpoint-tail-" + name);
            start(true);
        }

        private static <V> KeyValueStore<String, V> kv(String name, org.apache.kafka.common.serialization.Serde<V> serde) {
            return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), serde)
                    .withLoggingDisabled().build();
        }

        /** A new processor over the same stores, as after a crash: nothing of the old one's memory survives. */
        void restart() {
            drain();
            start(false);
            replayedHosts += processor.replayedHosts();
        }

        /** The input read back: everything piped so far was committed. */
        InputLog.Summary read(String topic, int partition, long from, java.util.function.Consumer<InputLog.Entry> sink) {
            assertThat(topic).isEqualTo(Topics.TELEMETRY.name());
            assertThat(partition).isZero();
            replayReads++;
            lastFrom = from;
            long first = Math.max(from, retainedFrom);
            long end = committed < 0 ? input.size() : committed;
            for (long o = first; o < end; o++) {
                sink.accept(input.get((int) o));
            }
            return new InputLog.Summary(first, end, Math.max(0, end - first));
        }

        private void start(boolean initStores) {
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, "checkpoint-tail");
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
            p.putAll(configs);
            context = new MockProcessorContext<>(p, new TaskId(0, 0), dir.toFile());
            for (StateStore s : List.<StateStore>of(states, views, alerts, history)) {
                if (initStores) {
                    s.init(context.getStateStoreContext(), s);
                }
                context.addStateStore(s);
            }
            context.setCurrentSystemTimeMs(wall);
            streamPunctuations.clear();
            // no working copies kept: no decoded alert records either, every one is read back from the stores
            processor = new HostProcessor(EmulatorEngine.INSTANCE, silent, resolution, window, cache,
                    (configs, topic, partition, from, sink) -> read(topic, partition, from, sink),
                    cache == 0 ? 0 : HostProcessor.LATEST_ALERTS);
            processor.init(context);
        }

        void pipe(FleetSimulator.SimRecord r) {
            wall = Math.max(wall, r.timestamp());
            context.setCurrentSystemTimeMs(wall);
            input.add(new InputLog.Entry(offset, r.key(), r.value(), r.timestamp()));
            context.setRecordMetadata(Topics.TELEMETRY.name(), 0, offset++);
            processor.process(new Record<>(r.key(), r.value(), r.timestamp()));
            drain();
            punctuateStreamTime(r.timestamp());
        }

        /** Runs the stream-time punctuations the record's timestamp makes due, as a task does after a record. */
        private void punctuateStreamTime(long timestamp) {
            streamTime = Math.max(streamTime, timestamp);
            for (MockProcessorContext.CapturedPunctuator p : context.scheduledPunctuators()) {
                if (p.getType() != PunctuationType.STREAM_TIME || p.cancelled()) {
                    continue;
                }
                long every = p.getInterval().toMillis();
                long due = streamPunctuations.computeIfAbsent(p, k -> streamTime + every);
                if (streamTime >= due) {
                    streamPunctuations.put(p, streamTime + every);
                    p.getPunctuator().punctuate(streamTime);
                    drain();
                }
            }
        }

        /** Consumes the input again from an offset, as a consumer does from its committed position after a crash. */
        void redeliver(long from) {
            long end = offset;
            for (long o = from; o < end; o++) {
                InputLog.Entry e = input.get((int) o);
                context.setRecordMetadata(Topics.TELEMETRY.name(), 0, o);
                processor.process(new Record<>(e.key(), e.value(), e.timestamp()));
                drain();
                punctuateStreamTime(e.timestamp());
            }
        }

        /** Lets wall-clock time pass and runs the wall-clock punctuations that are due. */
        void tick(Duration d) {
            wall += d.toMillis();
            context.setCurrentSystemTimeMs(wall);
            for (MockProcessorContext.CapturedPunctuator p : context.scheduledPunctuators()) {
                if (p.getType() == PunctuationType.WALL_CLOCK_TIME && !p.cancelled()) {
                    p.getPunctuator().punctuate(wall);
                }
            }
            drain();
        }

        /** Drains the forwards; a tick goes back into the input, as the broker would have it. */
        private void drain() {
            List<Record<?, ?>> ticks = new ArrayList<>();
            for (MockProcessorContext.CapturedForward<?, ?> f : context.forwarded()) {
                Record<?, ?> r = f.record();
                switch (f.childName().orElseThrow()) {
                    case Sinks.TICKS -> ticks.add(r);
                    case Sinks.CHANGES -> changes.add(r.value().toString());
                    case Sinks.ALERTS -> alertLog.add(r.value().toString());
                    case Sinks.VIEWS -> viewLog.put((String) r.key(), (HostView) r.value());
                    default -> {
                    }
                }
            }
            context.resetForwards();
            for (Record<?, ?> t : ticks) {
                byte[] key = (byte[]) t.key();
                byte[] value = (byte[]) t.value();
                input.add(new InputLog.Entry(offset, key, value, t.timestamp()));
                context.setRecordMetadata(Topics.TELEMETRY.name(), 0, offset++);
                processor.process(new Record<>(key, value, t.timestamp()));
                drain();
            }
        }

        /** What the stores hold now (the changelogs as of a commit), and the way to put it back: run the answer. */
        Runnable snapshot() {
            Map<String, byte[]> s = copy(states);
            Map<String, HostView> v = copy(views);
            Map<String, io.iommutracker.avro.Alert> a = copy(alerts);
            List<KeyValue<Windowed<String>, HostView>> h = new ArrayList<>();
            try (KeyValueIterator<Windowed<String>, HostView> it = history.all()) {
                it.forEachRemaining(h::add);
            }
            return () -> {
                refill(states, s);
                refill(views, v);
                refill(alerts, a);
                List<KeyValue<Windowed<String>, HostView>> now = new ArrayList<>();
                try (KeyValueIterator<Windowed<String>, HostView> it = history.all()) {
                    it.forEachRemaining(now::add);
                }
                now.forEach(kv -> history.put(kv.key.key(), null, kv.key.window().start()));
                h.forEach(kv -> history.put(kv.key.key(), kv.value, kv.key.window().start()));
            };
        }

        private static <V> Map<String, V> copy(KeyValueStore<String, V> store) {
            Map<String, V> out = new TreeMap<>();
            try (KeyValueIterator<String, V> it = store.all()) {
                it.forEachRemaining(kv -> out.put(kv.key, kv.value));
            }
            return out;
        }

        private static <V> void refill(KeyValueStore<String, V> store, Map<String, V> content) {
            copy(store).keySet().forEach(store::delete);
            content.forEach(store::put);
        }

        Map<String, HostView> storedViews() {
            Map<String, HostView> out = new TreeMap<>();
            try (KeyValueIterator<String, HostView> it = views.all()) {
                it.forEachRemaining(kv -> out.put(kv.key, kv.value));
            }
            return out;
        }

        Map<String, String> checkpoints() {
            Map<String, String> out = new TreeMap<>();
            try (KeyValueIterator<String, byte[]> it = states.all()) {
                it.forEachRemaining(kv -> {
                    if (StoreNames.PROGRESS_KEY.equals(kv.key)) {
                        return;
                    }
                    HostRecord r = HostRecord.fromBytes(kv.value);
                    out.put(kv.key, r.lastSequence() + " " + r.gap() + " " + r.facts() + " " + r.firing() + " "
                            + r.viewSequence() + " " + r.offset() + " " + java.util.Arrays.hashCode(r.state()));
                });
            }
            return out;
        }

        HostView asOf(String host, long time) {
            return ViewHistory.asOf(history, host, time, () -> views.get(host)).map(VersionedRecord::value).orElse(null);
        }
    }

    static Map<String, String> content(Map<String, HostView> views) {
        Map<String, String> out = new TreeMap<>();
        views.forEach((h, v) -> out.put(h, v.getDevices() + " " + v.getKernelGroups() + " " + v.getLiveGroups() + " "
                + v.getUsableIova() + " " + v.getHazards() + " " + v.getDegraded()));
        return out;
    }

    static List<FleetSimulator.SimRecord> fleet(int hosts, int n, long spacing) {
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(hosts).withSeed(42));
        List<FleetSimulator.SimRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(sim.next(T0 + i * spacing));
        }
        return out;
    }

    @Test
    void shouldRebuildFromCheckpointAndInputExactlyAsTheUninterruptedWorkingCopy() {
        // 8 hosts, 5 ms apart: a host gets an event every ~40 ms, so most events wait for a checkpoint
        List<FleetSimulator.SimRecord> records = fleet(8, 1500, 5);
        Harness steady = new Harness("steady", RESOLUTION, 4096);
        Harness restarted = new Harness("restarted", RESOLUTION, 4096);
        Harness evicting = new Harness("evicting", RESOLUTION, 0);
        for (int i = 0; i < records.size(); i++) {
            steady.pipe(records.get(i));
            restarted.pipe(records.get(i));
            evicting.pipe(records.get(i));
            if (i % 97 == 96) {
                restarted.restart();
            }
        }
        for (Harness h : List.of(steady, restarted, evicting)) {
            h.tick(RESOLUTION);
        }
        assertThat(restarted.replayedHosts).as("restarts found hosts with events to replay").isGreaterThan(10);
        assertThat(evicting.replayReads).as("no restart, nothing read back").isZero();
        assertThat(steady.changes).isNotEmpty();
        assertThat(steady.alertLog).isNotEmpty();
        for (Harness h : List.of(restarted, evicting)) {
            assertThat(h.changes).isEqualTo(steady.changes);
            assertThat(h.alertLog).isEqualTo(steady.alertLog);
            assertThat(h.storedViews()).isEqualTo(steady.storedViews());
            assertThat(h.viewLog).isEqualTo(steady.viewLog);
            assertThat(h.checkpoints()).isEqualTo(steady.checkpoints());
        }
        for (Harness h : List.of(steady, restarted, evicting)) {
            assertThat(h.processor.pendingHosts()).as("every host flushed").isZero();
            assertThat(h.checkpoints().values()).as("checkpoints name their last input record")
                    .allMatch(c -> Long.parseLong(c.split(" ")[c.split(" ").length - 2]) >= 0);
        }
    }

    @Test
    void shouldCloseEvaluationWindowsAtTheSameRecordsAfterRestarts() {
        // 8 hosts, 2 ms apart, 50-ms windows: a window holds ~3 events; every 300 records the task idles long enough
        // to write a tick, which goes into the input the restarts read back
        List<FleetSimulator.SimRecord> records = fleet(8, 1500, 2);
        Duration window = Duration.ofMillis(50);
        Harness each = new Harness("window-none", RESOLUTION, 4096);
        Harness steady = new Harness("window-steady", RESOLUTION, window, 4096);
        Harness restarted = new Harness("window-restarted", RESOLUTION, window, 4096);
        Harness evicting = new Harness("window-evicting", RESOLUTION, window, 0);
        List<Harness> windowed = List.of(steady, restarted, evicting);
        int openAtRestart = 0;
        for (int i = 0; i < records.size(); i++) {
            each.pipe(records.get(i));
            for (Harness h : windowed) {
                h.pipe(records.get(i));
            }
            if (i % 97 == 96) {
                restarted.restart();
                openAtRestart += restarted.processor.openWindows();
            }
            if (i % 300 == 299) {
                for (Harness h : windowed) {
                    h.tick(window.multipliedBy(2));
                }
            }
        }
        for (Harness h : List.of(each, steady, restarted, evicting)) {
            h.tick(RESOLUTION);
            h.tick(RESOLUTION);
        }
        assertThat(openAtRestart).as("restarts rebuilt open windows from the input").isPositive();
        assertThat(steady.input.size()).as("ticks written into the input").isGreaterThan(records.size());
        assertThat(steady.changes).isNotEmpty();
        assertThat(steady.changes.size()).as("fewer evaluations, fewer changes").isLessThan(each.changes.size());
        // the same hosts in the end (stamped with a window's last event, not always with the one that changed them)
        assertThat(content(steady.storedViews())).isEqualTo(content(each.storedViews()));
        for (Harness h : List.of(restarted, evicting)) {
            assertThat(h.input.size()).isEqualTo(steady.input.size());
            assertThat(h.changes).isEqualTo(steady.changes);
            assertThat(h.alertLog).isEqualTo(steady.alertLog);
            assertThat(h.storedViews()).isEqualTo(steady.storedViews());
            assertThat(h.viewLog).isEqualTo(steady.viewLog);
            assertThat(h.checkpoints()).isEqualTo(steady.checkpoints());
        }
        for (Harness h : windowed) {
            assertThat(h.processor.openWindows()).as("every window closed").isZero();
            assertThat(h.processor.pendingHosts()).as("every host flushed").isZero();
        }
    }

    @Test
    void shouldPublishThePendingLatestViewAfterOneResolutionEvenAcrossARestart() {
        List<FleetSimulator.SimRecord> records = fleet(1, 400, 20);
        // the reference publishes every view at once
        Harness exact = new Harness("exact", Duration.ZERO, 4096);
        Harness coarse = new Harness("coarse", RESOLUTION, 4096);
        int pendingSeen = 0;
        for (FleetSimulator.SimRecord r : records) {
            exact.pipe(r);
            coarse.pipe(r);
            if (!coarse.storedViews().equals(exact.storedViews())) {
                pendingSeen++;
                if (pendingSeen % 2 == 0) {
                    // a crash with the latest view pending: the new processor must still publish it
                    coarse.restart();
                }
                coarse.tick(RESOLUTION);
                assertThat(coarse.storedViews()).as("latest view one resolution later").isEqualTo(exact.storedViews());
                assertThat(coarse.viewLog).isEqualTo(exact.viewLog);
                String host = r.hostId();
                long at = exact.storedViews().get(host).getUpdatedAt().toEpochMilli();
                assertThat(coarse.asOf(host, at)).isEqualTo(exact.asOf(host, at));
            }
        }
        assertThat(pendingSeen).as("views that waited for the punctuation").isGreaterThan(5);
        assertThat(coarse.changes).isEqualTo(exact.changes);
        assertThat(coarse.alertLog).isEqualTo(exact.alertLog);
    }

    @Test
    void shouldNotReplayTheEventsOfAnEarlierLifeOfAHostBackUnderTheSameId() {
        // the same host twice, with different events at the same sequences and the same times after the host's
        // (re)start: each life is a checkpoint and then 30 events (5 ms apart, within a resolution) waiting for the
        // next, so the first life's events would follow the second's checkpoint by sequence alone: only the input
        // offset in the checkpoint keeps the second life's rebuilds exact
        List<FleetSimulator.SimRecord> first = fleet(1, 60, 5).stream().filter(r -> !r.garbage()).limit(31).toList();
        FleetSimulator.SimRecord lastOfFirst = first.get(first.size() - 1);
        String host = lastOfFirst.hostId();
        long retiredAt = lastOfFirst.timestamp() + 20;
        long offset = retiredAt + 1000 - T0;
        FleetSimulator.SimRecord decommission = record(new PciEvent(host, lastOfFirst.event().getSequence() + 1,
                Instant.ofEpochMilli(retiredAt), "test", new HostDecommissioned("retired")));
        FleetSimulator other = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(1).withSeed(7));
        List<FleetSimulator.SimRecord> second = new ArrayList<>();
        while (second.size() < first.size()) {
            FleetSimulator.SimRecord r = other.next(T0);
            if (!r.garbage()) {
                PciEvent like = first.get(second.size()).event();
                second.add(record(PciEvent.newBuilder(r.event()).setHostId(host).setSequence(like.getSequence())
                        .setObservedAt(like.getObservedAt().plusMillis(offset)).build()));
            }
        }
        Harness steady = new Harness("second-life-steady", RESOLUTION, 4096);
        Harness restarted = new Harness("second-life-restarted", RESOLUTION, 4096);
        for (Harness h : List.of(steady, restarted)) {
            first.forEach(h::pipe);
            h.tick(RESOLUTION);
            h.pipe(decommission);
        }
        for (FleetSimulator.SimRecord r : second) {
            steady.pipe(r);
            restarted.pipe(r);
            restarted.restart();
        }
        steady.tick(RESOLUTION);
        restarted.tick(RESOLUTION);
        assertThat(steady.changes).isNotEmpty();
        assertThat(restarted.changes).isEqualTo(steady.changes);
        assertThat(restarted.alertLog).isEqualTo(steady.alertLog);
        assertThat(restarted.checkpoints()).isEqualTo(steady.checkpoints());
        assertThat(restarted.storedViews()).isEqualTo(steady.storedViews());
    }

    @Test
    void shouldStartTheReplayAfterWhatEveryCheckpointHasNotAtAQuietHostsOldCheckpoint() {
        // one host's single event long ago, then another host busy: the first host's checkpoint stays at its offset,
        // while every event up to the last punctuation is in some checkpoint
        List<FleetSimulator.SimRecord> records = fleet(2, 400, 5).stream().filter(r -> !r.garbage()).toList();
        String quiet = records.get(0).hostId();
        List<FleetSimulator.SimRecord> busy = records.stream().filter(r -> !r.hostId().equals(quiet)).toList();
        Harness steady = new Harness("quiet-steady", RESOLUTION, 4096);
        Harness h = new Harness("quiet", RESOLUTION, 4096);
        for (Harness x : List.of(steady, h)) {
            x.pipe(records.get(0));
            busy.subList(0, 150).forEach(x::pipe);
            x.tick(RESOLUTION);
            busy.subList(150, 170).forEach(x::pipe);
        }
        long quietCheckpoint = HostRecord.fromBytes(h.states.get(quiet)).offset();
        assertThat(quietCheckpoint).isZero();
        h.restart();
        assertThat(h.lastFrom).as("the replay starts after the last punctuation's mark, not at the quiet host")
                .isGreaterThan(150);
        assertThat(h.replayedHosts).as("the busy host's events since its checkpoint").isEqualTo(1);
        for (Harness x : List.of(steady, h)) {
            busy.subList(170, busy.size()).forEach(x::pipe);
            x.pipe(records.stream().filter(r -> r.hostId().equals(quiet)).skip(1).findFirst().orElseThrow());
            x.tick(RESOLUTION);
        }
        assertThat(h.changes).isEqualTo(steady.changes);
        assertThat(h.alertLog).isEqualTo(steady.alertLog);
        assertThat(h.checkpoints()).isEqualTo(steady.checkpoints());
    }

    @Test
    void shouldReportASequenceGapForAHostWhoseEventsSinceItsCheckpointRetentionDeleted() {
        // one host, 5 ms apart: its first event is checkpointed, the next ones wait for the resolution
        List<FleetSimulator.SimRecord> records = fleet(1, 60, 5).stream().filter(r -> !r.garbage()).limit(30).toList();
        Harness h = new Harness("retention", RESOLUTION, 4096);
        records.subList(0, 20).forEach(h::pipe);
        String host = records.get(0).hostId();
        long checkpointed = HostRecord.fromBytes(h.states.get(host)).lastSequence();
        assertThat(checkpointed).as("events wait after the checkpoint").isLessThan(records.get(19).event().getSequence());
        h.retainedFrom = h.input.size();
        h.restart();
        assertThat(h.replayedHosts).as("nothing left to replay").isZero();
        int before = h.alertLog.size();
        h.pipe(records.get(20));
        List<String> raised = h.alertLog.subList(before, h.alertLog.size());
        assertThat(raised).as("the host is behind by the lost events and says so")
                .anyMatch(a -> a.contains("\"TELEMETRY_GAP\"") && a.contains("\"FIRING\"")
                        && a.contains("\"expected\": \"" + (checkpointed + 1) + "\""));
        h.tick(RESOLUTION);
        assertThat(h.storedViews().get(host).getDegraded()).isTrue();
    }

    static FleetSimulator.SimRecord record(PciEvent e) {
        @SuppressWarnings("unchecked")
        AvroSerde<PciEvent> serde = (AvroSerde<PciEvent>) Topics.TELEMETRY.valueSerde();
        return new FleetSimulator.SimRecord(e.getHostId(), e.getHostId().getBytes(StandardCharsets.UTF_8),
                serde.encode(Topics.TELEMETRY.name(), e), e.getObservedAt().toEpochMilli(), e);
    }
}

package io.iommutracker.connectors.source;

import io.iommutracker.avro.Heartbeat;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.connectors.Version;
import io.iommutracker.connectors.diff.HostEvents;
import io.iommutracker.connectors.diff.SnapshotDiff;
import io.iommutracker.emulator.format.CaptureParseException;
import io.iommutracker.emulator.format.Captures;
import io.iommutracker.schemas.AvroSerde;
import io.iommutracker.schemas.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the captures of its share of hosts in time order and emits their events.
 *
 * <p>Offsets: one source partition per (spool, host); the offset is the time of the host's last emitted capture and the
 * sequence of its last event. Only the last event of a capture carries the capture's offset (the others carry the
 * previous one), so a capture counts as done only when all of its events are delivered. A capture with no change emits
 * a Heartbeat, which moves the offset on. After a crash Connect (at-least-once) may re-emit the events of the captures
 * after the committed offset; they are the same events with the same sequence numbers, which consumers skip.
 */
public final class TelemetrySourceTask extends SourceTask {

    private static final Logger log = LoggerFactory.getLogger(TelemetrySourceTask.class);
    private static final AvroSerde<PciEvent> SERDE = (AvroSerde<PciEvent>) Topics.TELEMETRY.valueSerde();
    private static final String OFFSET_TIME = "time";
    private static final String OFFSET_SEQUENCE = "sequence";
    private static final long HOUSEKEEPING_EVERY_MS = 30_000;

    /** What the task has emitted for one host: the capture time, the last sequence and that capture's snapshot. */
    private record Cursor(Instant time, long sequence, HostSnapshot snapshot) {
        static final Cursor NONE = new Cursor(null, 0, null);
    }

    private TelemetrySourceConnectorConfig config;
    private Spool spool;
    private SnapshotStore store;
    private String source;
    private final Map<String, Cursor> cursors = new HashMap<>();
    private final Object wakeup = new Object();
    private volatile boolean stopping;
    private volatile boolean housekeepingDue = true;
    private long lastHousekeeping;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new TelemetrySourceConnectorConfig(props);
        spool = new Spool(config.spoolDir());
        store = new SnapshotStore(spool.state());
        source = config.eventSource(props.getOrDefault("name", "telemetry-source"));
        stopping = false;
        log.info("telemetry source task {}/{} reads spool {}", config.taskIndex(), config.taskCount(), spool.root());
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        try {
            Map<CaptureName, List<Spool.Entry>> captures = scan();
            if (housekeepingDue || System.currentTimeMillis() - lastHousekeeping > HOUSEKEEPING_EVERY_MS) {
                housekeepingDue = false;
                lastHousekeeping = System.currentTimeMillis();
                housekeeping(captures);
            }
            List<SourceRecord> out = new ArrayList<>();
            int read = 0;
            Instant now = Instant.now();
            Set<String> blocked = new HashSet<>();
            for (Map.Entry<CaptureName, List<Spool.Entry>> c : captures.entrySet()) {
                if (read >= config.maxCapturesPerPoll()) {
                    break;
                }
                String host = c.getKey().hostId();
                if (blocked.contains(host)) {
                    continue;
                }
                Cursor cursor = cursor(host);
                if (cursor.time != null && !c.getKey().time().isAfter(cursor.time)) {
                    continue; // emitted already, or late: housekeeping sorts them out once offsets are committed
                }
                if (!settled(c.getValue(), now)) {
                    // a later capture of this host must wait too, or it would overtake this one
                    blocked.add(host);
                    continue;
                }
                read++;
                out.addAll(emit(c.getKey(), c.getValue(), cursor));
            }
            if (!out.isEmpty()) {
                return out;
            }
        } catch (IOException e) {
            throw new ConnectException("cannot read spool " + spool.root() + ": " + e.getMessage(), e);
        }
        synchronized (wakeup) {
            if (!stopping) {
                wakeup.wait(config.pollIntervalMillis());
            }
        }
        return null;
    }

    private boolean settled(List<Spool.Entry> entries, Instant now) {
        long limit = now.toEpochMilli() - config.settleMillis();
        return entries.stream().allMatch(e -> e.modified().toEpochMilli() <= limit);
    }

    /** The captures of this task's hosts, host by host in time order; misnamed entries go to failed/. */
    private Map<CaptureName, List<Spool.Entry>> scan() throws IOException {
        Map<CaptureName, List<Spool.Entry>> out = new TreeMap<>();
        for (Spool.Entry e : spool.entries()) {
            CaptureName c;
            try {
                c = CaptureName.parse(e.name());
            } catch (IllegalArgumentException bad) {
                if (config.taskIndex() == 0) {
                    log.warn("spool entry {} rejected: {}", e.path(), bad.getMessage());
                    spool.moveToFailed(e.path(), bad.getMessage());
                }
                continue;
            }
            if (Math.floorMod(c.hostId().hashCode(), config.taskCount()) == config.taskIndex()) {
                out.computeIfAbsent(c, k -> new ArrayList<>()).add(e);
            }
        }
        return out;
    }

    private List<SourceRecord> emit(CaptureName c, List<Spool.Entry> entries, Cursor cursor) throws IOException {
        List<Path> paths = entries.stream().map(Spool.Entry::path).toList();
        HostSnapshot snapshot;
        try {
            snapshot = Captures.read(paths);
        } catch (CaptureParseException | IOException | RuntimeException e) {
            // one bad capture must not stop the host or the fleet: it is parked with its reason, the next one diffs
            // against the last good capture
            String reason = "capture " + c.key() + " of host " + c.hostId() + " cannot be read: "
                    + (e instanceof CaptureParseException ? e.getMessage() : e.toString());
            log.warn("{}; moved to {}", reason, spool.failed());
            for (Path p : paths) {
                spool.moveToFailed(p, reason);
            }
            return List.of();
        }
        List<Object> payloads = cursor.snapshot == null
                ? List.of(snapshot)
                : SnapshotDiff.diff(cursor.snapshot, snapshot);
        if (payloads.isEmpty()) {
            payloads = List.of(new Heartbeat());
        }
        List<PciEvent> events = HostEvents.number(c.hostId(), source, c.time(), cursor.sequence, payloads);
        store.write(c.hostId(), c.time(), snapshot);

        Map<String, ?> partition = partition(c.hostId());
        Map<String, ?> previous = offset(cursor.time, cursor.sequence);
        List<SourceRecord> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            PciEvent ev = events.get(i);
            Map<String, ?> offset = i == events.size() - 1 ? offset(c.time(), ev.getSequence()) : previous;
            out.add(new SourceRecord(partition, offset, config.topic(), null, Schema.STRING_SCHEMA, c.hostId(),
                    Schema.BYTES_SCHEMA, SERDE.encode(config.topic(), ev)));
        }
        cursors.put(c.hostId(), new Cursor(c.time(), events.get(events.size() - 1).getSequence(), snapshot));
        log.info("capture {} of host {}: {} event(s), sequences {}..{}", c.key(), c.hostId(), events.size(),
                events.get(0).getSequence(), events.get(events.size() - 1).getSequence());
        return out;
    }

    private Map<String, ?> partition(String hostId) {
        return Map.of("spool", spool.root().toString(), "host", hostId);
    }

    private static Map<String, ?> offset(Instant time, long sequence) {
        return Map.of(OFFSET_TIME, time == null ? -1L : time.toEpochMilli(), OFFSET_SEQUENCE, sequence);
    }

    /** What the committed offsets say about the host, with the snapshot kept for that capture. */
    private Cursor committed(String hostId) throws IOException {
        Map<String, Object> o = context.offsetStorageReader().offset(partition(hostId));
        if (o == null || ((Number) o.get(OFFSET_TIME)).longValue() < 0) {
            return Cursor.NONE;
        }
        Instant t = Instant.ofEpochMilli(((Number) o.get(OFFSET_TIME)).longValue());
        long seq = ((Number) o.get(OFFSET_SEQUENCE)).longValue();
        HostSnapshot s = store.read(hostId, t).orElse(null);
        if (s == null) {
            log.warn("host {}: no kept snapshot for its last capture {}; its next capture is emitted as a HostSnapshot",
                    hostId, t.toEpochMilli());
        }
        return new Cursor(t, seq, s);
    }

    private Cursor cursor(String hostId) {
        Cursor c = cursors.get(hostId);
        if (c == null) {
            try {
                c = committed(hostId);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            cursors.put(hostId, c);
        }
        return c;
    }

    /**
     * Moves captures at or before each host's committed offset out of the spool: to done/ when this task emitted them
     * (their snapshot is kept), to failed/ when they arrived after a later capture of the host had been emitted. Then
     * drops the snapshots no restart can need.
     */
    private void housekeeping(Map<CaptureName, List<Spool.Entry>> captures) throws IOException {
        Map<String, Instant> committedTimes = new HashMap<>();
        for (Map.Entry<CaptureName, List<Spool.Entry>> c : captures.entrySet()) {
            String host = c.getKey().hostId();
            Instant committed = committedTimes.computeIfAbsent(host, h -> {
                try {
                    Cursor k = committed(h);
                    return k.time == null ? Instant.MIN : k.time;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            Instant t = c.getKey().time();
            if (t.isAfter(committed)) {
                continue;
            }
            boolean emitted = store.has(host, t);
            for (Spool.Entry e : c.getValue()) {
                if (emitted) {
                    spool.moveToDone(e.path());
                } else {
                    String reason = "capture " + c.getKey().key() + " of host " + host + " arrived after its later"
                            + " capture " + committed.toEpochMilli() + " had been emitted; a host's captures must"
                            + " arrive in time order";
                    log.warn(reason);
                    spool.moveToFailed(e.path(), reason);
                }
            }
        }
        for (Map.Entry<String, Instant> h : committedTimes.entrySet()) {
            if (!h.getValue().equals(Instant.MIN)) {
                store.deleteOlderThan(h.getKey(), h.getValue());
            }
        }
    }

    /** Called once offsets are flushed: the next poll moves what they cover to done/. */
    @Override
    public void commit() {
        housekeepingDue = true;
    }

    @Override
    public void stop() {
        stopping = true;
        synchronized (wakeup) {
            wakeup.notifyAll();
        }
    }
}

package io.iommutracker.streams.topology;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.Heartbeat;
import io.iommutracker.avro.HostDecommissioned;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IommuChange;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.schemas.AvroSerde;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.StoreNames;
import io.iommutracker.streams.alerts.AlertReconciler;
import io.iommutracker.streams.alerts.AlertRules;
import io.iommutracker.streams.alerts.Condition;
import io.iommutracker.streams.engine.HostEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-host aggregate: orders each host's events by sequence, applies them to the emulated host, and emits the
 * changes and the alert lifecycle records that follow (per event) and the view (per host, at most about once per view
 * resolution). Changes and alerts are timestamped with event time (observedAt), so a replay emits the same records.
 *
 * <p><b>State layout.</b> A host is a checkpoint in {@code HOST_STATE} ({@link HostRecord}: the emulator's bytes and the
 * header) plus a tail in {@code HOST_TAIL} ({@link HostTail}: one entry per event consumed since, its raw bytes with the
 * header after it, under the host and the event's slot in the tail). Per event the processor writes that one entry, an
 * O(event) write whose bytes reach the changelog once; it writes a checkpoint, the latest view
 * ({@code HOST_VIEWS}, {@code HOST_VIEW_HISTORY}, {@code iommu.host.views}) and starts a new tail (slot 0 again, the old
 * slots left to be overwritten) when the host's last checkpoint is a view resolution old in event time, when the tail is
 * full, or on the wall-clock punctuation that flushes every host with a tail. Checkpoint and latest view are therefore
 * written together and agree with each other; the working copy in memory ({@link Live}) is ahead of them by the tail. A
 * host not in memory (restart, rebalance, eviction) is rebuilt from checkpoint + the slots that chain from it; at
 * start-up every host whose first slot chains is rebuilt and flushed, so a crash cannot leave a latest view unpublished.
 *
 * <p>The working copies live exactly as long as the task's processor: Streams closes a task (dirty on an aborted
 * transaction) and initialises it again before it processes, and both empty them, so they never outlive a rollback.
 *
 * <p>HOST_SILENT uses STREAM-TIME punctuation: a host is silent when the partition's stream time (the largest record
 * timestamp seen, which producers set to observedAt) passes its last event time plus the configured timeout. This keeps
 * replays deterministic; the price is that a partition receiving no records at all does not advance and raises nothing.
 */
final class HostProcessor implements Processor<byte[], byte[], Object, Object> {

    private static final Logger log = LoggerFactory.getLogger(HostProcessor.class);
    private static final AvroSerde<PciEvent> EVENTS = (AvroSerde<PciEvent>) Topics.TELEMETRY.valueSerde();
    /** A host's tail is checkpointed at this many events or bytes, whatever the resolution: bounds a rebuild. */
    static final int TAIL_EVENTS = 64;
    static final int TAIL_BYTES = 64 * 1024;
    /** A host busy without its event time advancing (a stuck clock) is still written every this many resolutions. */
    static final int MAX_PENDING = 4;
    /** Alert records kept decoded in memory (a firing alert is read on every evaluation of its host). */
    static final int LATEST_ALERTS = 16_384;

    private final HostEngine engine;
    private final Duration silentTimeout;
    private final long resolution;
    private final int workingCopies;
    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, byte[]> states;
    private KeyValueStore<String, byte[]> tails;
    private KeyValueStore<String, HostView> views;
    private VersionedKeyValueStore<String, HostView> history;
    private KeyValueStore<String, Alert> alerts;
    /** Deserialised hosts, least recently used first; a miss rebuilds from checkpoint + tail. */
    private Map<String, Live> cache;
    /**
     * Hosts with a tail, whose checkpoint and maybe latest view wait for a flush, in the order they got one, with
     * the wall-clock time they did.
     */
    private Map<String, Long> pending;
    /**
     * The latest lifecycle record of recently used fingerprints, as in {@code ALERTS}: reconciling reads the record of
     * every firing alert, and decoding it from the store each time cost more than the rules. Same lifetime as
     * {@link #cache}.
     */
    private Map<String, Alert> latestAlerts;

    /**
     * One host's working copy. Mutable on purpose: it is owned by the task's thread and changed by every event, and
     * what must survive is written to the stores, never this object.
     */
    private static final class Live {
        HostEngine.Host host;
        /** {@code host.toBytes()} while host is unchanged since, else null. */
        byte[] stateBytes;
        HostFacts facts;
        long lastSequence;
        long lastEventAt;
        HostRecord.Gap gap;
        boolean silent;
        Set<String> firing;
        /** The conditions last reconciled and the firing set that reconciliation left (identity marks "unchanged"). */
        List<Condition> conditions;
        Set<String> conditionsFiring;
        HostView view;
        boolean viewPublished;
        /** lastSequence of the stored checkpoint, or -1 before the first. */
        long checkpointSequence = -1;
        /** lastEventAt at the stored checkpoint. */
        long flushedAt;
        /** Wall-clock time of the last event processed (not rebuilt): a host quiet for a resolution is flushed. */
        long lastEventWall;
        /** Entries in the tail since the checkpoint (the next one's slot) and their bytes. */
        int tailEntries;
        int tailBytes;
    }

    HostProcessor(HostEngine engine, Duration silentTimeout, Duration viewResolution, int workingCopies) {
        this.engine = engine;
        this.silentTimeout = silentTimeout;
        this.resolution = viewResolution.toMillis();
        this.workingCopies = workingCopies;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.states = context.getStateStore(StoreNames.HOST_STATE);
        this.tails = context.getStateStore(StoreNames.HOST_TAIL);
        this.views = context.getStateStore(StoreNames.HOST_VIEWS);
        this.history = context.getStateStore(StoreNames.HOST_VIEW_HISTORY);
        this.alerts = context.getStateStore(StoreNames.ALERTS);
        this.pending = new LinkedHashMap<>();
        this.latestAlerts = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Alert> eldest) {
                return size() > LATEST_ALERTS;
            }
        };
        this.cache = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Live> eldest) {
                return size() > workingCopies;
            }
        };
        if (!silentTimeout.isZero() && !silentTimeout.isNegative()) {
            long every = Math.max(1000, Math.min(60_000, silentTimeout.toMillis() / 4));
            context.schedule(Duration.ofMillis(every), PunctuationType.STREAM_TIME, this::checkSilentHosts);
        }
        if (resolution > 0) {
            context.schedule(Duration.ofMillis(resolution), PunctuationType.WALL_CLOCK_TIME, this::flushPending);
        }
        // a tail left by the previous owner of this task (crash, rebalance) holds events whose checkpoint and view
        // are not written yet: rebuild those hosts now, the first punctuation writes them. A host has a tail when its
        // first slot chains from its checkpoint (slots of older tails stay in the store until overwritten).
        List<String> tailed = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = tails.all()) {
            it.forEachRemaining(kv -> {
                int slot = HostTail.slotOf(kv.key);
                if (slot < 0) {
                    // format 1 kept a host's whole tail under its id: those events are not replayed
                    log.warn("ignoring host-tail entry '{}' of an older layout", kv.key);
                } else if (slot == 0) {
                    byte[] checkpoint = states.get(HostTail.hostOf(kv.key));
                    if (checkpoint != null && HostTail.chains(kv.value, HostRecord.sequenceOf(checkpoint))) {
                        tailed.add(HostTail.hostOf(kv.key));
                    }
                }
            });
        }
        tailed.forEach(this::live);
    }

    @Override
    public void close() {
        cache.clear();
        pending.clear();
        latestAlerts.clear();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        PciEvent event;
        try {
            event = EVENTS.decode(Topics.TELEMETRY.name(), record.value());
        } catch (SerializationException e) {
            deadLetter(record, DeadLetters.Stage.DECODE, e.getMessage());
            return;
        }
        if (event == null) {
            deadLetter(record, DeadLetters.Stage.DECODE, "null value: telemetry records always carry an event");
            return;
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (!event.getHostId().equals(key)) {
            deadLetter(record, DeadLetters.Stage.DECODE, "record key '" + key + "' is not the event's hostId '"
                    + event.getHostId() + "': the host's events would lose their order");
            return;
        }
        String host = event.getHostId();
        Live live = live(host);
        long last = live == null ? 0 : live.lastSequence;
        if (event.getSequence() <= last) {
            log.debug("host {}: skipping sequence {} (already at {})", host, event.getSequence(), last);
            return;
        }
        long at = event.getObservedAt().toEpochMilli();
        HostRecord.Gap gap = live == null ? null : live.gap;
        if (event.getPayload() instanceof HostSnapshot) {
            gap = null;
        } else if (event.getSequence() > last + 1 && gap == null) {
            gap = new HostRecord.Gap(last + 1, event.getSequence(), at);
            log.warn("host {}: telemetry gap, expected sequence {} got {}", host, last + 1, event.getSequence());
        }
        if (event.getPayload() instanceof HostDecommissioned) {
            decommission(host, live, event, at);
            return;
        }
        HostEngine.Host state = live == null ? engine.empty(host) : live.host;
        HostView before = live == null ? null : live.view;
        HostFacts facts = live == null ? HostFacts.NONE : live.facts;
        HostEngine.Host next = state;
        boolean applied = false;
        try {
            // a heartbeat carries nothing to apply: skip the emulator and keep the stored bytes
            if (!(event.getPayload() instanceof Heartbeat) || live == null) {
                next = state.apply(event);
                facts = facts.after(event);
                applied = true;
            }
        } catch (EventRejectedException e) {
            deadLetter(record, DeadLetters.Stage.APPLY, e.getMessage());
        } catch (RuntimeException e) {
            // an emulator defect on one event must not stop the fleet: the event goes to the DLQ, the host keeps its state
            log.error("host {}: emulator failed on sequence {}", host, event.getSequence(), e);
            deadLetter(record, DeadLetters.Stage.APPLY, "emulator failure: " + e);
        }
        HostView view = before;
        if (live == null || before == null || before.getDegraded() != (gap != null)
                || (next != state && next.viewMayDiffer(state, event))) {
            HostView candidate = stamped(next.view(), host, event.getSequence(), at, gap != null);
            if (before == null || !ViewDiff.sameContent(before, candidate)) {
                view = candidate;
                for (IommuChange c : ViewDiff.diff(host, before, view, event.getSequence(), at)) {
                    context.forward(new Record<>(host, c, at), Sinks.CHANGES);
                }
            }
        }
        Set<String> firing = live == null ? Set.of() : live.firing;
        // what the tail entry is written against (the host before this event, as a rebuild will have it)
        HostTail.Before tailBefore = live == null ? null
                : new HostTail.Before(live.firing, live.view.getSequence(), live.view.getUpdatedAt().toEpochMilli());
        // the rules read only the view, the facts and the gap: when none changed, the last evaluation still holds
        // (unless HOST_SILENT fired since, which this event resolves)
        boolean sameInputs = live != null && !live.silent && view == before && facts == live.facts
                && Objects.equals(gap, live.gap);
        List<Condition> conditions = live == null ? null : live.conditions;
        if (!sameInputs) {
            List<Condition> now = AlertRules.evaluate(host, view, facts, gap, null);
            // the rules answer with the very list reconciled last while nothing changed: then there is nothing to emit
            // (unless the firing set changed since, by HOST_SILENT)
            if (now != conditions || live.conditionsFiring != firing) {
                AlertReconciler.Outcome outcome = AlertReconciler.reconcile(firing, now, this::latestAlert, at);
                publishAlerts(outcome.emit(), at);
                firing = outcome.firing();
            }
            conditions = now;
        }
        if (live == null) {
            live = new Live();
            cache.put(host, live);
        }
        if (next != live.host) {
            live.host = next;
            live.stateBytes = null;
        }
        live.facts = facts;
        live.lastSequence = event.getSequence();
        live.lastEventAt = at;
        live.lastEventWall = context.currentSystemTimeMs();
        live.gap = gap;
        live.silent = false;
        live.firing = firing;
        live.conditions = conditions;
        live.conditionsFiring = firing;
        if (view != live.view) {
            live.view = view;
            live.viewPublished = false;
        }
        if (live.checkpointSequence < 0 || live.tailEntries >= TAIL_EVENTS || live.tailBytes >= TAIL_BYTES
                || resolution <= 0 || at - live.flushedAt >= resolution) {
            flush(host, live);
        } else {
            byte[] entry = HostTail.encode(new HostTail.Entry(last, live.lastSequence, at, gap, false, firing,
                    view.getSequence(), view.getUpdatedAt().toEpochMilli(), applied, record.value()), tailBefore);
            tails.put(HostTail.key(host, live.tailEntries), entry);
            live.tailEntries++;
            live.tailBytes += entry.length;
            pending.putIfAbsent(host, live.lastEventWall);
        }
    }

    /** The working copy of a host, rebuilt from checkpoint + tail when not in memory; null for an unknown host. */
    private Live live(String host) {
        Live live = cache.get(host);
        if (live == null) {
            live = rebuild(host);
            if (live != null) {
                cache.put(host, live);
            }
        }
        return live;
    }

    /** Checkpoint, then every tail entry that chains from it, applied in order as the processor applied them. */
    private Live rebuild(String host) {
        byte[] stored = states.get(host);
        if (stored == null) {
            return null;
        }
        HostRecord r = HostRecord.fromBytes(stored);
        Live l = new Live();
        l.host = engine.fromBytes(r.state());
        l.stateBytes = r.state();
        l.facts = r.facts();
        l.lastSequence = r.lastSequence();
        l.lastEventAt = r.lastEventAt();
        l.gap = r.gap();
        l.silent = r.silent();
        l.firing = r.firing();
        l.checkpointSequence = r.lastSequence();
        l.flushedAt = r.lastEventAt();
        long viewSeq = r.viewSequence();
        long viewAt = r.viewAt();
        // slot after slot while each entry follows the state so far: the first that does not is an older tail's
        for (int n = 0; n < TAIL_EVENTS; n++) {
            byte[] slot = tails.get(HostTail.key(host, n));
            if (!HostTail.chains(slot, l.lastSequence)) {
                break;
            }
            HostTail.Entry e = HostTail.decode(slot, new HostTail.Before(l.firing, viewSeq, viewAt));
            if (e.applied()) {
                replay(host, l, e.event());
            }
            l.lastSequence = e.lastSequence();
            l.lastEventAt = e.lastEventAt();
            l.gap = e.gap();
            l.silent = e.silent();
            l.firing = e.firing();
            viewSeq = e.viewSequence();
            viewAt = e.viewAt();
            l.tailEntries++;
            l.tailBytes += slot.length;
        }
        if (l.tailEntries > 0) {
            pending.putIfAbsent(host, 0L);
        }
        // the view's content is the state's (events since its stamp did not change it); its degraded flag follows the gap
        l.view = stamped(l.host.view(), host, viewSeq, viewAt, l.gap != null);
        l.viewPublished = viewSeq == r.viewSequence();
        return l;
    }

    private void replay(String host, Live l, byte[] raw) {
        PciEvent event = EVENTS.decode(Topics.TELEMETRY.name(), raw);
        try {
            HostEngine.Host next = l.host.apply(event);
            if (next != l.host) {
                l.host = next;
                l.stateBytes = null;
            }
            l.facts = l.facts.after(event);
        } catch (EventRejectedException | RuntimeException e) {
            // it applied the first time: only a changed emulator gets here, and the event stays consumed
            log.error("host {}: sequence {} no longer applies on rebuild", host, event.getSequence(), e);
        }
    }

    /** Writes the host's checkpoint and, when it changed, its latest view; empties its tail. */
    private void flush(String host, Live l) {
        if (l.stateBytes == null) {
            l.stateBytes = l.host.toBytes();
        }
        HostView view = l.view;
        long viewAt = view.getUpdatedAt().toEpochMilli();
        states.put(host, new HostRecord(l.lastSequence, l.lastEventAt, l.gap, l.silent, l.facts, l.firing,
                view.getSequence(), viewAt, l.stateBytes).toBytes());
        if (!l.viewPublished) {
            views.put(host, view);
            history.put(host, view, viewAt);
            context.forward(new Record<>(host, view, viewAt), Sinks.VIEWS);
            l.viewPublished = true;
        }
        // the tail's slots stay: the next tail overwrites them, and until then they no longer chain
        l.checkpointSequence = l.lastSequence;
        l.flushedAt = l.lastEventAt;
        l.tailEntries = 0;
        l.tailBytes = 0;
        pending.remove(host);
    }

    /**
     * Wall-clock punctuation: a host with a tail gets its checkpoint and latest view written when it has been quiet
     * for a resolution, or pending for {@link #MAX_PENDING} resolutions. A host still busy is left to the event-time
     * rule in {@link #process}, which writes it once per resolution of event time however fast the events are
     * processed (a catch-up after downtime included).
     */
    private void flushPending(long now) {
        List<String> due = new ArrayList<>();
        pending.forEach((host, since) -> {
            Live l = cache.get(host);
            if (l == null || now - l.lastEventWall >= resolution || now - since >= MAX_PENDING * resolution) {
                due.add(host);
            }
        });
        for (String host : due) {
            Live l = live(host);
            if (l != null) {
                flush(host, l);
            }
            pending.remove(host);
        }
    }

    /** The view stamped with an event; a shallow copy, the engine's lists are shared and never changed. */
    private static HostView stamped(HostView view, String host, long sequence, long at, boolean degraded) {
        return new HostView(host, sequence, Instant.ofEpochMilli(at), view.getPlatform(), degraded,
                view.getDeviceCount(), view.getKernelGroups(), view.getLiveGroups(), view.getDevices(), view.getUsableIova(),
                view.getHazards());
    }


    /** The latest lifecycle record of a fingerprint, or null. */
    private Alert latestAlert(String fingerprint) {
        Alert a = latestAlerts.get(fingerprint);
        if (a == null) {
            a = alerts.get(fingerprint);
            if (a != null) {
                latestAlerts.put(fingerprint, a);
            }
        }
        return a;
    }

    private void publishAlerts(List<Alert> emit, long at) {
        for (Alert a : emit) {
            alerts.put(a.getFingerprint(), a);
            latestAlerts.put(a.getFingerprint(), a);
            context.forward(new Record<>(a.getFingerprint(), a, at), Sinks.ALERTS);
        }
    }

    /** Resolves every alert of the host, releases its groups, then tombstones its view and drops its state. */
    private void decommission(String host, Live live, PciEvent event, long at) {
        Set<String> firing = live == null ? Set.of() : live.firing;
        publishAlerts(AlertReconciler.reconcile(firing, List.of(), this::latestAlert, at).emit(), at);
        HostView before = live == null ? null : live.view;
        for (IommuChange c : ViewDiff.diff(host, before, null, event.getSequence(), at)) {
            context.forward(new Record<>(host, c, at), Sinks.CHANGES);
        }
        List<String> hostAlerts = new ArrayList<>();
        try (KeyValueIterator<String, Alert> it = alerts.all()) {
            while (it.hasNext()) {
                KeyValue<String, Alert> kv = it.next();
                if (host.equals(kv.value.getHostId())) {
                    hostAlerts.add(kv.key);
                }
            }
        }
        hostAlerts.forEach(alerts::delete);
        hostAlerts.forEach(latestAlerts::remove);
        views.delete(host);
        history.delete(host, at);
        states.delete(host);
        // every slot, not only the current tail's: a host back under this id restarts its sequences and could chain
        for (int n = 0; n < TAIL_EVENTS; n++) {
            tails.delete(HostTail.key(host, n));
        }
        cache.remove(host);
        pending.remove(host);
        context.forward(new Record<>(host, null, at), Sinks.VIEWS);
        log.info("host {} decommissioned at sequence {}", host, event.getSequence());
    }

    /** Raises HOST_SILENT for hosts whose last event is older than the timeout in stream time. */
    private void checkSilentHosts(long streamTime) {
        List<String> hosts = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = states.all()) {
            it.forEachRemaining(kv -> hosts.add(kv.key));
        }
        for (String host : hosts) {
            Live l = live(host);
            if (l == null || l.silent || l.lastEventAt + silentTimeout.toMillis() > streamTime) {
                continue;
            }
            // the alert's time is derived from event time, not from when the punctuation happened to run
            long at = l.lastEventAt + silentTimeout.toMillis();
            List<Condition> conditions = AlertRules.evaluate(host, l.view, l.facts, l.gap, l.lastEventAt);
            AlertReconciler.Outcome outcome = AlertReconciler.reconcile(l.firing, conditions, this::latestAlert, at);
            publishAlerts(outcome.emit(), at);
            l.silent = true;
            l.firing = outcome.firing();
            // not an event: nothing to put in the tail, the checkpoint carries it
            flush(host, l);
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, DeadLetters.Stage stage, String reason) {
        log.warn("dead-lettering a telemetry record ({}): {}", stage, reason);
        context.forward(DeadLetters.of(record, context.recordMetadata(), stage, reason), Sinks.DEAD_LETTER);
    }
}

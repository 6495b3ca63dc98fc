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
 * view, the changes and the alert lifecycle records that follow. Everything it emits is timestamped with event time
 * (observedAt), so a replay emits the same records.
 *
 * <p>HOST_SILENT uses STREAM-TIME punctuation: a host is silent when the partition's stream time (the largest record
 * timestamp seen, which producers set to observedAt) passes its last event time plus the configured timeout. This keeps
 * replays deterministic; the price is that a partition receiving no records at all does not advance and raises nothing.
 */
final class HostProcessor implements Processor<byte[], byte[], Object, Object> {

    private static final Logger log = LoggerFactory.getLogger(HostProcessor.class);
    private static final AvroSerde<PciEvent> EVENTS = (AvroSerde<PciEvent>) Topics.TELEMETRY.valueSerde();
    private static final int CACHE_HOSTS = Integer.getInteger("iommutracker.streams.hostCache", 4096);

    private final HostEngine engine;
    private final Duration silentTimeout;
    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, byte[]> states;
    private KeyValueStore<String, HostView> views;
    private VersionedKeyValueStore<String, HostView> history;
    private KeyValueStore<String, Alert> alerts;
    /**
     * Deserialised hot hosts (record, emulator state, last view), so an event costs no decoding; valid only while the
     * stored sequence matches (a rolled-back transaction changes it). Rebuilt from the stores on a miss.
     */
    private Map<String, Cached> cache;

    private record Cached(HostRecord record, HostEngine.Host host, HostView view) {
    }

    HostProcessor(HostEngine engine, Duration silentTimeout) {
        this.engine = engine;
        this.silentTimeout = silentTimeout;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.states = context.getStateStore(StoreNames.HOST_STATE);
        this.views = context.getStateStore(StoreNames.HOST_VIEWS);
        this.history = context.getStateStore(StoreNames.HOST_VIEW_HISTORY);
        this.alerts = context.getStateStore(StoreNames.ALERTS);
        this.cache = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > CACHE_HOSTS || CACHE_HOSTS == 0;
            }
        };
        if (!silentTimeout.isZero() && !silentTimeout.isNegative()) {
            long every = Math.max(1000, Math.min(60_000, silentTimeout.toMillis() / 4));
            context.schedule(Duration.ofMillis(every), PunctuationType.STREAM_TIME, this::checkSilentHosts);
        }
    }

    @Override
    public void close() {
        cache.clear();
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
        byte[] raw = states.get(host);
        // the working copy is good while the store still holds the record it was made with (an aborted transaction
        // rolls the store back, and a rebuilt task starts with an empty cache); comparing sequences reads 8 bytes
        Cached cached = raw == null ? null : cache.get(host);
        if (cached != null && cached.record().lastSequence() != HostRecord.sequenceOf(raw)) {
            cached = null;
        }
        HostRecord prior = raw == null ? null : cached != null ? cached.record() : HostRecord.fromBytes(raw);
        long last = prior == null ? 0 : prior.lastSequence();
        if (event.getSequence() <= last) {
            log.debug("host {}: skipping sequence {} (already at {})", host, event.getSequence(), last);
            return;
        }
        long at = event.getObservedAt().toEpochMilli();
        HostRecord.Gap gap = prior == null ? null : prior.gap();
        if (event.getPayload() instanceof HostSnapshot) {
            gap = null;
        } else if (event.getSequence() > last + 1 && gap == null) {
            gap = new HostRecord.Gap(last + 1, event.getSequence(), at);
            log.warn("host {}: telemetry gap, expected sequence {} got {}", host, last + 1, event.getSequence());
        }
        if (event.getPayload() instanceof HostDecommissioned) {
            decommission(host, prior, event, at);
            return;
        }
        HostEngine.Host state;
        HostView before;
        if (cached != null) {
            state = cached.host();
            before = cached.view();
        } else {
            state = prior == null ? engine.empty(host) : engine.fromBytes(prior.state());
            before = views.get(host);
        }
        byte[] stateBytes = prior == null ? null : prior.state();
        HostFacts facts = prior == null ? HostFacts.NONE : prior.facts();
        HostEngine.Host next = state;
        try {
            // a heartbeat carries nothing to apply: skip the emulator and keep the stored bytes
            if (!(event.getPayload() instanceof Heartbeat) || prior == null) {
                next = state.apply(event);
                facts = facts.after(event);
            }
        } catch (EventRejectedException e) {
            deadLetter(record, DeadLetters.Stage.APPLY, e.getMessage());
        } catch (RuntimeException e) {
            // an emulator defect on one event must not stop the fleet: the event goes to the DLQ, the host keeps its state
            log.error("host {}: emulator failed on sequence {}", host, event.getSequence(), e);
            deadLetter(record, DeadLetters.Stage.APPLY, "emulator failure: " + e);
        }
        HostView view = before;
        if (prior == null || before == null || before.getDegraded() != (gap != null)
                || (next != state && next.viewMayDiffer(state, event))) {
            view = stamped(next.view(), event, gap != null);
            if (before == null || !sameContent(before, view)) {
                publishView(host, before, view, event.getSequence(), at);
            } else {
                view = before;
            }
        }
        Set<String> firing = prior == null ? Set.of() : prior.firing();
        // the rules read only the view, the facts and the gap: when none changed, the last evaluation still holds
        // (unless HOST_SILENT fired since, which this event resolves)
        boolean sameInputs = prior != null && !prior.silent() && view == before && facts == prior.facts()
                && Objects.equals(gap, prior.gap());
        if (!sameInputs) {
            List<Condition> conditions = AlertRules.evaluate(host, view, facts, gap, null);
            AlertReconciler.Outcome outcome = AlertReconciler.reconcile(firing, conditions, alerts::get, at);
            publishAlerts(outcome.emit(), at);
            firing = outcome.firing();
        }
        byte[] nextBytes = next == state && stateBytes != null ? stateBytes : next.toBytes();
        HostRecord updated = new HostRecord(event.getSequence(), at, gap, false, facts, firing, nextBytes);
        states.put(host, updated.toBytes());
        cache.put(host, new Cached(updated, next, view));
    }

    /** The view stamped with the event; a shallow copy, the engine's lists are shared and never changed. */
    private static HostView stamped(HostView view, PciEvent event, boolean degraded) {
        return new HostView(event.getHostId(), event.getSequence(), event.getObservedAt(), view.getPlatform(), degraded,
                view.getDeviceCount(), view.getKernelGroups(), view.getLiveGroups(), view.getDevices(), view.getUsableIova(),
                view.getHazards());
    }

    /** Equal but for the stamp (sequence, time). */
    private static boolean sameContent(HostView a, HostView b) {
        return a.getDegraded() == b.getDegraded() && a.getDeviceCount() == b.getDeviceCount()
                && Objects.equals(a.getHostId(), b.getHostId()) && Objects.equals(a.getPlatform(), b.getPlatform())
                && a.getKernelGroups().equals(b.getKernelGroups()) && a.getLiveGroups().equals(b.getLiveGroups())
                && a.getDevices().equals(b.getDevices()) && a.getUsableIova().equals(b.getUsableIova())
                && a.getHazards().equals(b.getHazards());
    }

    private void publishView(String host, HostView before, HostView view, long sequence, long at) {
        views.put(host, view);
        history.put(host, view, at);
        context.forward(new Record<>(host, view, at), Sinks.VIEWS);
        for (IommuChange c : ViewDiff.diff(host, before, view, sequence, at)) {
            context.forward(new Record<>(host, c, at), Sinks.CHANGES);
        }
    }

    private void publishAlerts(List<Alert> emit, long at) {
        for (Alert a : emit) {
            alerts.put(a.getFingerprint(), a);
            context.forward(new Record<>(a.getFingerprint(), a, at), Sinks.ALERTS);
        }
    }

    /** Resolves every alert of the host, releases its groups, then tombstones its view and drops its state. */
    private void decommission(String host, HostRecord prior, PciEvent event, long at) {
        Set<String> firing = prior == null ? Set.of() : prior.firing();
        publishAlerts(AlertReconciler.reconcile(firing, List.of(), alerts::get, at).emit(), at);
        HostView before = views.get(host);
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
        views.delete(host);
        history.delete(host, at);
        states.delete(host);
        cache.remove(host);
        context.forward(new Record<>(host, null, at), Sinks.VIEWS);
        log.info("host {} decommissioned at sequence {}", host, event.getSequence());
    }

    /** Raises HOST_SILENT for hosts whose last event is older than the timeout in stream time. */
    private void checkSilentHosts(long streamTime) {
        List<KeyValue<String, HostRecord>> silent = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = states.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                Cached c = cache.get(kv.key);
                HostRecord r = c != null && c.record().lastSequence() == HostRecord.sequenceOf(kv.value) ? c.record()
                        : HostRecord.fromBytes(kv.value);
                if (!r.silent() && r.lastEventAt() + silentTimeout.toMillis() <= streamTime) {
                    silent.add(KeyValue.pair(kv.key, r));
                }
            }
        }
        for (KeyValue<String, HostRecord> kv : silent) {
            HostRecord r = kv.value;
            // the alert's time is derived from event time, not from when the punctuation happened to run
            long at = r.lastEventAt() + silentTimeout.toMillis();
            List<Condition> conditions = AlertRules.evaluate(kv.key, views.get(kv.key), r.facts(), r.gap(), r.lastEventAt());
            AlertReconciler.Outcome outcome = AlertReconciler.reconcile(r.firing(), conditions, alerts::get, at);
            publishAlerts(outcome.emit(), at);
            HostRecord updated = new HostRecord(r.lastSequence(), r.lastEventAt(), r.gap(), true, r.facts(), outcome.firing(),
                    r.state());
            states.put(kv.key, updated.toBytes());
            // same sequence, new record: the working copy must follow, its sequence check would not notice
            cache.computeIfPresent(kv.key, (k, c) -> new Cached(updated, c.host(), c.view()));
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, DeadLetters.Stage stage, String reason) {
        log.warn("dead-lettering a telemetry record ({}): {}", stage, reason);
        context.forward(DeadLetters.of(record, context.recordMetadata(), stage, reason), Sinks.DEAD_LETTER);
    }
}

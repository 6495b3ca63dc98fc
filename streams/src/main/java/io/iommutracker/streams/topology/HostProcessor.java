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
import io.iommutracker.streams.ViewHistory;
import io.iommutracker.streams.alerts.AlertReconciler;
import io.iommutracker.streams.alerts.AlertRules;
import io.iommutracker.streams.alerts.Condition;
import io.iommutracker.streams.engine.HostEngine;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-host aggregate: orders each host's events by sequence, applies them to the emulated host, and emits the
 * changes and the alert lifecycle records that follow (per event) and the view (per host, at most about once per view
 * resolution). Changes and alerts are timestamped with event time (observedAt), so a replay emits the same records.
 *
 * <p><b>State layout.</b> A host is a checkpoint in {@code HOST_STATE} ({@link HostRecord}: the emulator's bytes, the
 * header and the input offset of the last record folded in) plus the events consumed since, which are nowhere but in
 * the input topic: per event the processor writes nothing to its stores but the alerts it changes. It writes a
 * checkpoint and the latest view ({@code HOST_VIEWS}, {@code HOST_VIEW_HISTORY}, {@code iommu.host.views}) when the
 * host's last checkpoint is a view resolution old in event time, when {@link #PENDING_EVENTS} events or
 * {@link #PENDING_BYTES} bytes wait, or on the wall-clock punctuation that flushes every pending host. Checkpoint and
 * latest view are therefore written together and agree with each other; the working copy in memory ({@link Live}) is
 * ahead of them by the pending events, and a pending host is never evicted from memory. A task that starts (restart,
 * rebalance, crash) reads its partition of the input back from its progress mark ({@code PROGRESS_KEY} in
 * {@code HOST_STATE}: the offset up to which every event is in some checkpoint, written after them at each
 * punctuation, so that even without transactions its changelog never has it ahead of them) to the position the task
 * committed ({@link InputLog}) and replays, without writing or forwarding anything, each record after its host's
 * checkpoint, exactly as {@link #process} consumed it the first time (under exactly-once the committed position and
 * the stores are one transaction's, so those are exactly the events the stores miss); the hosts it rebuilds are
 * flushed at the first punctuation, so a crash cannot leave a latest view unpublished. Input deleted by retention
 * before it was replayed leaves its hosts behind: their next event opens a sequence gap, and TELEMETRY_GAP says so.
 *
 * <p><b>At least once.</b> Without a transaction a commit sends the stores' changelog records, then waits for every
 * record sent, then commits the input position; a crash inside the wait could leave a checkpoint (or an alert's
 * latest record) on the broker and the changes and alerts of its events not, and the restarted task would skip those
 * events as seen. Under at_least_once the processor therefore holds every store write ({@link WriteBehind}) until a
 * producer flush that began after it completed ({@link ProducerFlushes}): its outputs are then on the broker. Hosts
 * whose writes are held stay in memory; a restart finds the older checkpoint and replays or consumes again what
 * followed it (repeating outputs, as at-least-once may; losing none).
 *
 * <p>The working copies live exactly as long as the task's processor: Streams closes a task (dirty on an aborted
 * transaction) and initialises it again before it processes, and both empty them, so they never outlive a rollback.
 *
 * <p><b>Evaluation windows</b> (a window W > 0; zero evaluates every event on its own). Every event is ordered,
 * checked and applied at once, but a host's evaluation ({@link #evaluate}: view, changes, alert rules, checkpoint when
 * due) is made once for its events within W of record time. Windows end only at records of the input: before a
 * record whose timestamp takes the task's stream time past a window's end ({@link #advance}), or at a tick, which a
 * task idle for W with windows open writes into its own input partition ({@link #tick}, {@link Ticks}). A replay
 * therefore ends them at the same records; the progress mark carries the stream time it starts from, and a host
 * with an open window is not checkpointed (its checkpoint is always an evaluated state).
 *
 * <p>HOST_SILENT uses STREAM-TIME punctuation: a host is silent when the partition's stream time (the largest record
 * timestamp seen, which producers set to observedAt) passes its last event time plus the configured timeout. This keeps
 * replays deterministic; the price is that a partition receiving no records at all does not advance and raises nothing.
 */
final class HostProcessor implements Processor<byte[], byte[], Object, Object> {

    private static final Logger log = LoggerFactory.getLogger(HostProcessor.class);
    private static final AvroSerde<PciEvent> EVENTS = (AvroSerde<PciEvent>) Topics.TELEMETRY.valueSerde();
    /** A host is checkpointed at this many events or bytes since its checkpoint, whatever the resolution. */
    static final int PENDING_EVENTS = 64;
    static final int PENDING_BYTES = 64 * 1024;
    /** A host busy without its event time advancing (a stuck clock) is still written every this many resolutions. */
    static final int MAX_PENDING = 4;
    /** Alert records kept decoded in memory (a firing alert is read on every evaluation of its host). */
    static final int LATEST_ALERTS = 16_384;
    /** A window holding this many events is evaluated at once, whatever the stream time (a clock standing still). */
    static final int WINDOW_EVENTS = 256;
    /** A tick not back after this long (its transaction aborted) is written again. */
    static final long TICK_RETRY_MS = 2_000;
    /** Dead-letter log lines a task writes per {@link #DEAD_LETTER_LOG_PERIOD} at most; the rest are counted. */
    static final int DEAD_LETTER_LOG_BURST = 5;
    static final Duration DEAD_LETTER_LOG_PERIOD = Duration.ofSeconds(10);

    private final HostEngine engine;
    private final Duration silentTimeout;
    private final long resolution;
    /** The evaluation window in milliseconds of record time; 0 evaluates each event on its own. */
    private final long window;
    private final int workingCopies;
    private final int decodedAlerts;
    private final InputLog input;
    private final LogLimit deadLetterLog = new LogLimit(DEAD_LETTER_LOG_BURST, DEAD_LETTER_LOG_PERIOD);
    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, byte[]> states;
    /** The largest input offset this processor consumed or replayed, or -1. */
    private long lastOffset = -1;
    /** The progress mark last put in {@link #states}. */
    private long progressWritten = -1;
    /** The task's stream time: the largest record timestamp consumed or replayed (a mark restores it), or -1. */
    private long streamTime = -1;
    /** {@link #streamTime} before the record being consumed. */
    private long streamTimeBefore = -1;
    /** Open evaluation windows by closing time, then opening order; an entry whose host no longer has it is stale. */
    private PriorityQueue<Window> windows;
    private long windowsOpened;
    /** Hosts with an open window. */
    private int openWindows;
    /** Events consumed (live, not replayed) and evaluations made of them, since init: logged at close. */
    private long eventsConsumed;
    private long evaluations;
    /** Wall-clock time the last record was processed: a task idle for a window with windows open writes a tick. */
    private long lastRecordWall;
    /** Wall-clock time of the tick written and not yet consumed, or -1. */
    private long tickSentAt = -1;
    private KeyValueStore<String, HostView> views;
    private WindowStore<String, HostView> history;
    private KeyValueStore<String, Alert> alerts;
    /**
     * Deserialised hosts, least recently used first; a miss rebuilds from the checkpoint. Holds every pending host,
     * so it may exceed {@link #workingCopies} by them until they are flushed.
     */
    private Map<String, Live> cache;
    /**
     * Hosts with events since their checkpoint, whose checkpoint and maybe latest view wait for a flush, in the order
     * they got one, with the wall-clock time they did.
     */
    private Map<String, Long> pending;
    /** Hosts rebuilt by the replay at init (for tests and the log). */
    private int replayedHosts;
    /**
     * The latest lifecycle record of recently used fingerprints, as in {@code ALERTS}: reconciling reads the record of
     * every firing alert, and decoding it from the store each time cost more than the rules. Same lifetime as
     * {@link #cache}.
     */
    private Map<String, Alert> latestAlerts;
    /**
     * The store writes: at once, or under at_least_once held until the outputs forwarded before them are acknowledged
     * ({@link WriteBehind}), so that no changelog holds a checkpoint, alert or view whose outputs a crash could lose.
     */
    private WriteBehind writes;
    /** Hosts whose checkpoint write is held, with its tag: kept in memory, as the store does not have them yet. */
    private Map<String, Long> heldHosts;
    /** Decommissioned hosts whose deletes are held, with their tag: the store's checkpoint is no longer theirs. */
    private Map<String, Long> heldGone;
    /** Alert records whose store write is held: the latest record of their fingerprint. */
    private Map<String, Alert> heldAlerts;

    private record Window(long closesAt, long id, String host) {
    }

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
        /** Wall-clock time of the last event processed (not replayed): a host quiet for a resolution is flushed. */
        long lastEventWall;
        /** Input offset of the last record consumed for the host, or -1. */
        long offset = -1;
        /** Input offset of the first event since the checkpoint, or -1. */
        long pendingFrom = -1;
        /** Stream time before the record at pendingFrom was consumed: a replay from there starts at it. */
        long pendingFromStreamTime = -1;
        /** Events consumed since the checkpoint and their bytes. */
        int pendingEvents;
        int pendingBytes;
        /** Id of the host's open evaluation window, or -1 when every event consumed has been evaluated. */
        long window = -1;
        int windowEvents;
        /** Whether an event since the last evaluation may have changed the view. */
        boolean viewMayDiffer;
        /** The facts and the gap the last evaluation saw ({@link #view} is the view it made). */
        HostFacts evaluatedFacts = HostFacts.NONE;
        HostRecord.Gap evaluatedGap;
    }

    HostProcessor(HostEngine engine, Duration silentTimeout, Duration viewResolution, Duration evaluationWindow,
                  int workingCopies, InputLog input) {
        this(engine, silentTimeout, viewResolution, evaluationWindow, workingCopies, input, LATEST_ALERTS);
    }

    /** With {@code decodedAlerts} alert records kept decoded instead of {@link #LATEST_ALERTS} (tests: 0 reads them back). */
    HostProcessor(HostEngine engine, Duration silentTimeout, Duration viewResolution, Duration evaluationWindow,
                  int workingCopies, InputLog input, int decodedAlerts) {
        this.decodedAlerts = decodedAlerts;
        this.engine = engine;
        this.silentTimeout = silentTimeout;
        this.resolution = viewResolution.toMillis();
        this.window = evaluationWindow.toMillis();
        this.workingCopies = workingCopies;
        this.input = input;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.states = context.getStateStore(StoreNames.HOST_STATE);
        this.views = context.getStateStore(StoreNames.HOST_VIEWS);
        this.history = context.getStateStore(StoreNames.HOST_VIEW_HISTORY);
        this.alerts = context.getStateStore(StoreNames.ALERTS);
        this.pending = new LinkedHashMap<>();
        this.windows = new PriorityQueue<>(Comparator.comparingLong(Window::closesAt).thenComparingLong(Window::id));
        this.latestAlerts = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Alert> eldest) {
                return size() > decodedAlerts;
            }
        };
        // access-ordered; trimmed by trim() once the event's host is settled, never while it is being worked on
        this.cache = new LinkedHashMap<>(256, 0.75f, true);
        this.writes = writesFor(context);
        this.heldHosts = new HashMap<>();
        this.heldGone = new HashMap<>();
        this.heldAlerts = new HashMap<>();
        if (!silentTimeout.isZero() && !silentTimeout.isNegative()) {
            long every = Math.max(1000, Math.min(60_000, silentTimeout.toMillis() / 4));
            context.schedule(Duration.ofMillis(every), PunctuationType.STREAM_TIME, this::checkSilentHosts);
        }
        if (resolution > 0) {
            context.schedule(Duration.ofMillis(resolution), PunctuationType.WALL_CLOCK_TIME, this::flushPending);
        } else {
            // every event is checkpointed at once: only the progress mark is left to write
            context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, now -> {
                writes.release();
                writeProgress();
            });
        }
        if (window > 0) {
            context.schedule(Duration.ofMillis(Math.max(10, window)), PunctuationType.WALL_CLOCK_TIME, this::tick);
        }
        context.schedule(DEAD_LETTER_LOG_PERIOD, PunctuationType.WALL_CLOCK_TIME,
                now -> logHeldDeadLetters(deadLetterLog.drain(now)));
        replay();
    }

    /**
     * Under at_least_once a commit sends the stores' changelog records before it waits for the outputs, so a crash
     * inside it can keep a checkpoint and lose the changes and alerts of the events in it (their sequences are then
     * skipped as seen). The processor holds its writes until a producer flush after them completed, when it can count
     * them ({@link ProducerFlushes}, which {@code TrackerApp} sets up).
     */
    private WriteBehind writesFor(ProcessorContext<Object, Object> context) {
        Map<String, Object> configs = context.appConfigs();
        if (!StreamsConfig.AT_LEAST_ONCE.equals(configs.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))) {
            return WriteBehind.immediate();
        }
        if ("true".equals(String.valueOf(configs.get(ProducerFlushes.COUNTED_CONFIG)))) {
            return WriteBehind.afterFlush(ProducerFlushes::completed);
        }
        log.warn("task {}: at_least_once without counted producer flushes ({} is not true): a crash inside a commit may "
                + "keep checkpoints whose changes and alerts it lost; run the topology through TrackerApp, or give "
                + "KafkaStreams a ProducerFlushes.Supplier and set {}=true", context.taskId(),
                ProducerFlushes.COUNTED_CONFIG, ProducerFlushes.COUNTED_CONFIG);
        return WriteBehind.immediate();
    }

    /**
     * Rebuilds every host whose checkpoint is older than the task's committed input position by replaying the input
     * after it (see the class comment). Nothing is written or forwarded: the first punctuation flushes those hosts.
     */
    private void replay() {
        Map<String, Long> checkpointed = new HashMap<>();
        int unknown = 0;
        long from = Long.MAX_VALUE;
        try (KeyValueIterator<String, byte[]> it = states.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (StoreNames.PROGRESS_KEY.equals(kv.key)) {
                    continue;
                }
                long offset = HostRecord.offsetOf(kv.value);
                if (offset < 0) {
                    unknown++;
                    continue;
                }
                checkpointed.put(kv.key, offset);
                from = Math.min(from, offset + 1);
            }
        }
        if (unknown > 0) {
            log.warn("{} hosts have checkpoints of an older format without an input offset: events consumed after "
                    + "them are not replayed (their next event reports a sequence gap)", unknown);
        }
        // a host quiet for a long time has an old checkpoint but nothing after it: the mark, not the oldest checkpoint,
        // bounds how far back the replay starts; the stream time there lets the windows close where they closed
        byte[] stored = states.get(StoreNames.PROGRESS_KEY);
        if (stored != null) {
            ByteBuffer b = ByteBuffer.wrap(stored);
            long mark = b.getLong();
            // with windows, every record after the mark is read, if only for its timestamp: the stream time
            from = window > 0 ? mark + 1 : Math.max(from, mark + 1);
            progressWritten = mark;
            streamTime = b.remaining() >= Long.BYTES ? b.getLong() : -1;
        }
        if (checkpointed.isEmpty()) {
            return;
        }
        int partition = context.taskId().partition();
        long started = System.nanoTime();
        Set<String> rebuilt = new HashSet<>();
        InputLog.Summary read = input.read(context.appConfigs(), Topics.TELEMETRY.name(), partition, from, e -> {
            if (Ticks.isTickKey(e.key())) {
                advance(e.timestamp(), Ticks.malformed(e.key(), e.value()) == null, false);
                return;
            }
            advance(e.timestamp(), false, false);
            String host = e.key() == null ? null : new String(e.key(), StandardCharsets.UTF_8);
            Long checkpoint = host == null ? null : checkpointed.get(host);
            if (checkpoint == null || e.offset() <= checkpoint) {
                return;
            }
            PciEvent event;
            try {
                event = EVENTS.decode(Topics.TELEMETRY.name(), e.value());
            } catch (SerializationException ex) {
                return; // dead-lettered when it was consumed
            }
            if (event == null || !event.getHostId().equals(host)) {
                return;
            }
            if (consume(event, e.value(), e.offset(), e.timestamp(), null)) {
                rebuilt.add(host);
            }
        });
        if (read.first() > from) {
            log.warn("task {}: input offsets [{}, {}) of partition {} are gone (retention) and cannot be replayed: the "
                    + "hosts checkpointed before them report a sequence gap on their next event", context.taskId(), from,
                    read.first(), partition);
        }
        if (read.committed() < 0) {
            log.warn("task {}: the application has no committed position for partition {}: nothing replayed",
                    context.taskId(), partition);
        }
        replayedHosts = rebuilt.size();
        lastOffset = Math.max(lastOffset, read.committed() - 1);
        log.info("task {}: replayed {} input records from offset {} to {} in {} ms, {} of {} hosts had events after "
                        + "their checkpoint", context.taskId(), read.records(), read.first(), read.committed(),
                (System.nanoTime() - started) / 1_000_000, rebuilt.size(), checkpointed.size());
    }

    /** Hosts the last {@link #init} rebuilt from the input. */
    int replayedHosts() {
        return replayedHosts;
    }

    /** Hosts with events since their checkpoint. */
    int pendingHosts() {
        return pending.size();
    }

    /** Store writes held until a producer flush (at_least_once). */
    int heldWrites() {
        return writes.size();
    }

    /** Hosts with an open evaluation window. */
    int openWindows() {
        return openWindows;
    }

    @Override
    public void close() {
        logHeldDeadLetters(deadLetterLog.drain(Long.MAX_VALUE));
        if (eventsConsumed > 0) {
            log.info("task {}: {} events consumed in {} evaluations ({} per evaluation)", context.taskId(),
                    eventsConsumed, evaluations, String.format("%.1f", (double) eventsConsumed / Math.max(1, evaluations)));
        }
        cache.clear();
        pending.clear();
        // held writes are dropped: the next owner of the task replays the input after the checkpoints it finds
        writes.clear();
        heldHosts.clear();
        heldGone.clear();
        heldAlerts.clear();
        windows.clear();
        openWindows = 0;
        latestAlerts.clear();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        writes.release();
        long offset = context.recordMetadata().map(m -> m.offset()).orElse(-1L);
        lastOffset = Math.max(lastOffset, offset);
        lastRecordWall = context.currentSystemTimeMs();
        if (Ticks.isTickKey(record.key())) {
            String bad = Ticks.malformed(record.key(), record.value());
            advance(record.timestamp(), bad == null, true);
            if (bad != null) {
                deadLetter(record, DeadLetters.Stage.DECODE, bad);
            }
            return;
        }
        advance(record.timestamp(), false, true);
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
        if (StoreNames.PROGRESS_KEY.equals(event.getHostId())) {
            deadLetter(record, DeadLetters.Stage.DECODE, "host id \"\\u0000input-progress\" is reserved for the "
                    + "tracker's own bookkeeping");
            return;
        }
        consume(event, record.value(), offset, record.timestamp(), record);
    }

    /**
     * Before a record (live or replayed): the stream time moves to its timestamp, and every window that ends by then is
     * evaluated, or every open window when the record is a tick. Windows therefore close at the same record whenever
     * the input is consumed again.
     */
    private void advance(long timestamp, boolean tick, boolean emit) {
        streamTimeBefore = streamTime;
        if (timestamp > streamTime) {
            streamTime = timestamp;
        }
        if (tick) {
            tickSentAt = -1;
        }
        if (openWindows == 0) {
            windows.clear();
            return;
        }
        long upTo = tick ? Long.MAX_VALUE : streamTime;
        boolean any = false;
        while (!windows.isEmpty() && windows.peek().closesAt() <= upTo) {
            Window w = windows.poll();
            Live l = cache.get(w.host());
            if (l != null && l.window == w.id()) {
                evaluate(w.host(), l, emit);
                any = true;
            }
        }
        if (emit && any) {
            trim();
        }
    }

    /**
     * Wall-clock punctuation: a task with open windows that has had no record for a window writes a tick into its
     * own input partition; consuming it closes them. Under exactly-once it is visible once the transaction commits.
     */
    private void tick(long now) {
        if (openWindows == 0 || now - lastRecordWall < window || (tickSentAt >= 0 && now - tickSentAt < TICK_RETRY_MS)) {
            return;
        }
        int partition = context.taskId().partition();
        long at = Math.max(0, streamTime);
        context.forward(new Record<>(Ticks.key(partition), Ticks.value(partition, at), at), Sinks.TICKS);
        tickSentAt = now;
    }

    /**
     * Applies a decoded event to its host, and evaluates the host (view, changes, alerts) now or when its window
     * closes. With {@code record} null it is a replay at init of an event consumed before: the same steps and the same
     * working copy, but nothing is written, forwarded or logged as news.
     *
     * @param timestamp the record's timestamp, which windows are measured in
     * @return whether the event consumed a sequence of its host
     */
    private boolean consume(PciEvent event, byte[] raw, long offset, long timestamp, Record<byte[], byte[]> record) {
        boolean emit = record != null;
        String host = event.getHostId();
        Live live = live(host);
        long last = live == null ? 0 : live.lastSequence;
        if (event.getSequence() <= last) {
            log.debug("host {}: skipping sequence {} (already at {})", host, event.getSequence(), last);
            return false;
        }
        long at = event.getObservedAt().toEpochMilli();
        HostRecord.Gap gap = live == null ? null : live.gap;
        if (event.getPayload() instanceof HostSnapshot) {
            gap = null;
        } else if (event.getSequence() > last + 1 && gap == null) {
            gap = new HostRecord.Gap(last + 1, event.getSequence(), at);
            if (emit) {
                log.warn("host {}: telemetry gap, expected sequence {} got {}", host, last + 1, event.getSequence());
            }
        }
        if (event.getPayload() instanceof HostDecommissioned) {
            if (emit) {
                decommission(host, live, event, at);
            } else {
                // its transaction deleted the checkpoint the replay started from: only an at-least-once restart
                // can get here, and the record will be consumed again
                forget(host);
            }
            return true;
        }
        boolean fresh = live == null;
        if (fresh) {
            live = new Live();
            live.host = engine.empty(host);
            live.facts = HostFacts.NONE;
            cache.put(host, live);
        }
        HostEngine.Host state = live.host;
        HostEngine.Host next = state;
        HostFacts facts = live.facts;
        try {
            // a heartbeat carries nothing to apply: skip the emulator and keep the stored bytes
            if (!(event.getPayload() instanceof Heartbeat) || fresh) {
                next = state.apply(event);
                facts = facts.after(event);
            }
        } catch (EventRejectedException e) {
            if (emit) {
                deadLetter(record, DeadLetters.Stage.APPLY, e.getMessage());
            }
        } catch (RuntimeException e) {
            // an emulator defect on one event must not stop the fleet: the event goes to the DLQ, the host keeps its state
            if (emit) {
                log.error("host {}: emulator failed on sequence {}", host, event.getSequence(), e);
                deadLetter(record, DeadLetters.Stage.APPLY, "emulator failure: " + e);
            }
        }
        if (next != state) {
            live.viewMayDiffer |= next.viewMayDiffer(state, event);
            live.host = next;
            live.stateBytes = null;
        }
        live.facts = facts;
        live.lastSequence = event.getSequence();
        live.lastEventAt = at;
        if (emit) {
            live.lastEventWall = context.currentSystemTimeMs();
        }
        live.offset = offset;
        live.gap = gap;
        if (live.pendingEvents == 0) {
            live.pendingFrom = offset;
            live.pendingFromStreamTime = streamTimeBefore;
        }
        live.pendingEvents++;
        live.pendingBytes += raw.length;
        if (emit) {
            eventsConsumed++;
        }
        // a host's first event, an event later than its window (already past in stream time) and every event without
        // windows are evaluated at once; else the event joins the host's window, or opens one
        boolean now = window <= 0 || live.checkpointSequence < 0;
        if (!now && live.window < 0) {
            long closesAt = timestamp + window;
            if (closesAt <= streamTime) {
                now = true;
            } else {
                live.window = windowsOpened++;
                live.windowEvents = 1;
                openWindows++;
                windows.add(new Window(closesAt, live.window, host));
            }
        } else if (!now && ++live.windowEvents >= WINDOW_EVENTS) {
            now = true;
        }
        if (now) {
            evaluate(host, live, emit);
        } else {
            pending.putIfAbsent(host, emit ? live.lastEventWall : 0L);
        }
        if (emit) {
            trim();
        }
        return true;
    }

    /**
     * Evaluates a host over every event consumed since its last evaluation: its view (when one of them may have changed
     * it), the changes from the last view, the alert rules (when their inputs changed); then closes its window and
     * writes its checkpoint when due. Stamped with its last event (sequence, observedAt).
     */
    private void evaluate(String host, Live live, boolean emit) {
        if (emit) {
            evaluations++;
        }
        if (live.window >= 0) {
            live.window = -1;
            live.windowEvents = 0;
            openWindows--;
        }
        long at = live.lastEventAt;
        long sequence = live.lastSequence;
        HostRecord.Gap gap = live.gap;
        HostView before = live.view;
        HostView view = before;
        if (before == null || before.getDegraded() != (gap != null) || live.viewMayDiffer) {
            HostView candidate = stamped(live.host.view(), host, sequence, at, gap != null);
            if (before == null || !ViewDiff.sameContent(before, candidate)) {
                view = candidate;
                if (emit) {
                    for (IommuChange c : ViewDiff.diff(host, before, view, sequence, at)) {
                        context.forward(new Record<>(host, c, at), Sinks.CHANGES);
                    }
                }
            }
        }
        live.viewMayDiffer = false;
        Set<String> firing = live.firing == null ? Set.of() : live.firing;
        // the rules read only the view, the facts and the gap: when none changed, the last evaluation still holds
        // (unless HOST_SILENT fired since, which this event resolves)
        boolean sameInputs = before != null && !live.silent && view == before && live.facts == live.evaluatedFacts
                && Objects.equals(gap, live.evaluatedGap);
        if (!sameInputs) {
            List<Condition> now = AlertRules.evaluate(host, view, live.facts, gap, null);
            // the rules answer with the very list reconciled last while nothing changed: then there is nothing to emit
            // (unless the firing set changed since, by HOST_SILENT)
            if (now != live.conditions || live.conditionsFiring != firing) {
                AlertReconciler.Outcome outcome = AlertReconciler.reconcile(firing, now, this::latestAlert, at);
                if (emit) {
                    publishAlerts(outcome.emit(), at);
                } else if (writes.holding()) {
                    // a replayed event's alert records were sent before the committed position, but their store
                    // writes, held, may have died with the task: the firing set rebuilt here needs them
                    storeAlerts(outcome.emit());
                }
                firing = outcome.firing();
            }
            live.conditions = now;
        }
        live.firing = firing;
        live.conditionsFiring = firing;
        live.silent = false;
        live.evaluatedFacts = live.facts;
        live.evaluatedGap = gap;
        if (view != live.view) {
            live.view = view;
            live.viewPublished = false;
        }
        if (emit && (live.checkpointSequence < 0 || live.pendingEvents >= PENDING_EVENTS
                || live.pendingBytes >= PENDING_BYTES || resolution <= 0 || at - live.flushedAt >= resolution)) {
            flush(host, live);
        } else {
            // a replayed host waits for the first punctuation (its live copy was never flushed past this event)
            pending.putIfAbsent(host, emit ? live.lastEventWall : 0L);
        }
    }

    /** Drops a host's working copy, open window included. */
    private void forget(String host) {
        Live l = cache.remove(host);
        if (l != null && l.window >= 0) {
            l.window = -1;
            openWindows--;
        }
        pending.remove(host);
    }

    /** The working copy of a host, rebuilt from its checkpoint when not in memory; null for an unknown host. */
    private Live live(String host) {
        Live live = cache.get(host);
        if (live == null && !heldGone.containsKey(host)) {
            live = rebuild(host);
            if (live != null) {
                cache.put(host, live);
            }
        }
        return live;
    }

    /** The host as its checkpoint has it (a host not in memory has no events since). */
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
        l.evaluatedFacts = l.facts;
        l.evaluatedGap = l.gap;
        l.offset = r.offset();
        // the view's content is the state's (events since its stamp did not change it); its degraded flag follows the gap
        l.view = stamped(l.host.view(), host, r.viewSequence(), r.viewAt(), l.gap != null);
        l.viewPublished = true;
        return l;
    }

    /** Writes the host's checkpoint and, when it changed, its latest view; the host is no longer pending. */
    private void flush(String host, Live l) {
        if (l.stateBytes == null) {
            l.stateBytes = l.host.toBytes();
        }
        HostView view = l.view;
        long viewAt = view.getUpdatedAt().toEpochMilli();
        byte[] checkpoint = new HostRecord(l.lastSequence, l.lastEventAt, l.gap, l.silent, l.facts, l.firing,
                view.getSequence(), viewAt, l.stateBytes, l.offset).toBytes();
        boolean publish = !l.viewPublished;
        if (publish) {
            context.forward(new Record<>(host, view, viewAt), Sinks.VIEWS);
            l.viewPublished = true;
        }
        Long tag = writes.tag();
        if (writes.holding()) {
            heldHosts.put(host, tag);
        }
        writes.write(() -> {
            states.put(host, checkpoint);
            if (publish) {
                views.put(host, view);
                history.put(host, view, viewAt);
            }
            heldHosts.remove(host, tag);
        });
        l.checkpointSequence = l.lastSequence;
        l.flushedAt = l.lastEventAt;
        l.pendingFrom = -1;
        l.pendingEvents = 0;
        l.pendingBytes = 0;
        pending.remove(host);
    }

    /**
     * Wall-clock punctuation: a pending host gets its checkpoint and latest view written when it has been quiet
     * for a resolution, or pending for {@link #MAX_PENDING} resolutions. A host still busy is left to the event-time
     * rule in {@link #process}, which writes it once per resolution of event time however fast the events are
     * processed (a catch-up after downtime included).
     */
    private void flushPending(long now) {
        writes.release();
        List<String> due = new ArrayList<>();
        pending.forEach((host, since) -> {
            Live l = cache.get(host);
            // a host with an open window is written once it is evaluated
            if (l == null || (l.window < 0 && (now - l.lastEventWall >= resolution
                    || now - since >= MAX_PENDING * resolution))) {
                due.add(host);
            }
        });
        for (String host : due) {
            Live l = cache.get(host);
            if (l != null) {
                flush(host, l);
            }
            pending.remove(host);
        }
        trim();
        writeProgress();
    }

    /**
     * Records how far back a replay must start: before the first event of the oldest pending host, or after the last
     * record consumed when none is pending. Written with the checkpoints, so it is committed (or rolled back) with
     * them; a mark older than the truth only makes a replay read more.
     */
    private void writeProgress() {
        long mark = lastOffset;
        long time = streamTime;
        for (String host : pending.keySet()) {
            Live l = cache.get(host);
            if (l != null && l.pendingFrom >= 0 && l.pendingFrom - 1 < mark) {
                mark = l.pendingFrom - 1;
                time = l.pendingFromStreamTime;
            }
        }
        if (mark >= 0 && mark != progressWritten) {
            byte[] value = ByteBuffer.allocate(2 * Long.BYTES).putLong(mark).putLong(time).array();
            // after the checkpoints it vouches for, held or not: the writes keep their order
            writes.write(() -> states.put(StoreNames.PROGRESS_KEY, value));
            progressWritten = mark;
        }
    }


    /**
     * Drops working copies beyond {@link #workingCopies}, least recently used first, but never a pending host's: its
     * events since the checkpoint are nowhere else in memory.
     */
    private void trim() {
        if (cache.size() > workingCopies) {
            Iterator<Map.Entry<String, Live>> it = cache.entrySet().iterator();
            while (cache.size() > workingCopies && it.hasNext()) {
                String host = it.next().getKey();
                if (!pending.containsKey(host) && !heldHosts.containsKey(host)) {
                    it.remove();
                }
            }
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
            a = heldAlerts.get(fingerprint);
            if (a == null) {
                a = alerts.get(fingerprint);
            }
            if (a != null) {
                latestAlerts.put(fingerprint, a);
            }
        }
        return a;
    }

    private void publishAlerts(List<Alert> emit, long at) {
        for (Alert a : emit) {
            context.forward(new Record<>(a.getFingerprint(), a, at), Sinks.ALERTS);
        }
        storeAlerts(emit);
    }

    /** Makes the records their fingerprints' latest, in memory and (at once or held) in the store. */
    private void storeAlerts(List<Alert> records) {
        for (Alert a : records) {
            String fingerprint = a.getFingerprint();
            latestAlerts.put(fingerprint, a);
            if (writes.holding()) {
                heldAlerts.put(fingerprint, a);
                writes.write(() -> {
                    alerts.put(fingerprint, a);
                    heldAlerts.remove(fingerprint, a);
                });
            } else {
                alerts.put(fingerprint, a);
            }
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
        Set<String> hostAlerts = new TreeSet<>();
        try (KeyValueIterator<String, Alert> it = alerts.all()) {
            while (it.hasNext()) {
                KeyValue<String, Alert> kv = it.next();
                if (host.equals(kv.value.getHostId())) {
                    hostAlerts.add(kv.key);
                }
            }
        }
        heldAlerts.forEach((fingerprint, a) -> {
            if (host.equals(a.getHostId())) {
                hostAlerts.add(fingerprint);
            }
        });
        hostAlerts.forEach(latestAlerts::remove);
        hostAlerts.forEach(heldAlerts::remove);
        Long tag = writes.tag();
        if (writes.holding()) {
            heldGone.put(host, tag);
        }
        writes.write(() -> {
            hostAlerts.forEach(alerts::delete);
            views.delete(host);
            history.put(host, ViewHistory.GONE, at);
            states.delete(host);
            heldGone.remove(host, tag);
        });
        forget(host);
        context.forward(new Record<>(host, null, at), Sinks.VIEWS);
        log.info("host {} decommissioned at sequence {}", host, event.getSequence());
    }

    /** Raises HOST_SILENT for hosts whose last event is older than the timeout in stream time. */
    private void checkSilentHosts(long streamTime) {
        writes.release();
        Set<String> hosts = new TreeSet<>();
        try (KeyValueIterator<String, byte[]> it = states.all()) {
            it.forEachRemaining(kv -> hosts.add(kv.key));
        }
        // hosts whose first checkpoint is held are in memory only
        hosts.addAll(heldHosts.keySet());
        hosts.remove(StoreNames.PROGRESS_KEY);
        for (String host : hosts) {
            Live l = live(host);
            // a host with an open window has just been heard from
            if (l == null || l.silent || l.window >= 0 || l.lastEventAt + silentTimeout.toMillis() > streamTime) {
                continue;
            }
            // the alert's time is derived from event time, not from when the punctuation happened to run
            long at = l.lastEventAt + silentTimeout.toMillis();
            List<Condition> conditions = AlertRules.evaluate(host, l.view, l.facts, l.gap, l.lastEventAt);
            AlertReconciler.Outcome outcome = AlertReconciler.reconcile(l.firing, conditions, this::latestAlert, at);
            publishAlerts(outcome.emit(), at);
            l.silent = true;
            l.firing = outcome.firing();
            // not an event, so not in the input to replay: the checkpoint carries it
            flush(host, l);
        }
        trim();
    }

    /** Tells the dead-letter lines held back, if any, in one line. */
    private void logHeldDeadLetters(long held) {
        if (held > 0) {
            log.warn("task {}: {} more telemetry records dead-lettered without a log line each (at most {} lines per {} s"
                    + " and task): {} has each with its reason", context.taskId(), held, DEAD_LETTER_LOG_BURST,
                    DEAD_LETTER_LOG_PERIOD.toSeconds(), Topics.DEAD_LETTER.name());
        }
    }

    /**
     * Sends a record to the dead-letter topic with its reason. The log gets a line for the first few per period (a
     * source of garbage would otherwise fill it at its own rate); the topic gets every one.
     */
    private void deadLetter(Record<byte[], byte[]> record, DeadLetters.Stage stage, String reason) {
        long held = deadLetterLog.admit(context.currentSystemTimeMs());
        if (held == 0) {
            log.warn("dead-lettering a telemetry record ({}): {}", stage, reason);
        } else if (held > 0) {
            log.warn("dead-lettering a telemetry record ({}): {} (and {} more since the last such line, not logged one by"
                    + " one: {} has each with its reason)", stage, reason, held, Topics.DEAD_LETTER.name());
        }
        context.forward(DeadLetters.of(record, context.recordMetadata(), stage, reason), Sinks.DEAD_LETTER);
    }
}

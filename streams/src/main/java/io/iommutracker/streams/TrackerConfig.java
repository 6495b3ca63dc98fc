package io.iommutracker.streams;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Everything the tracker needs to run. Immutable; {@code with*} methods return a changed copy.
 *
 * @param bootstrapServers       Kafka bootstrap servers
 * @param applicationId          Streams application id (consumer group, internal topic prefix); default "iommu-tracker"
 * @param stateDir               where RocksDB state lives; default ./data/streams
 * @param processingGuarantee    "exactly_once_v2" (default) or "at_least_once"
 * @param applicationServer      host:port this instance's query API listens on (application.server), or null
 * @param silentTimeout          HOST_SILENT fires when a host sends nothing for this long, measured in STREAM TIME (event
 *                               time of the partition, deterministic under replay); zero disables it; default 10 minutes
 * @param historyRetention       how far back as-of reads of {@link StoreNames#HOST_VIEW_HISTORY} reach; default 30 days
 * @param historySegment         the segment interval of {@link StoreNames#HOST_VIEW_HISTORY}: versions expire a segment
 *                               at a time (so up to the retention plus a segment is kept), and each segment is a RocksDB
 *                               instance, hence at least 1/64 of the retention. Recording a version costs the same
 *                               whatever it is (see {@link ViewHistory}). Changing it for an existing state directory
 *                               needs that directory wiped (the store is restored from its changelog). Default 1 day,
 *                               or the retention when that is shorter
 * @param viewResolution         the history resolution: a host's latest view ({@link StoreNames#HOST_VIEWS},
 *                               {@code iommu.host.views}), its history version and its checkpoint are written at most
 *                               about once per this interval of event time (a wall-clock punctuation at the same
 *                               interval writes those of hosts quiet for a resolution or pending for four). The view
 *                               written is the host's latest, so an as-of read between two versions sees the older
 *                               one: as-of reads are exact to this resolution, and the latest view lags the events by
 *                               about this much at most. Changes and alerts are not affected (every event). Zero
 *                               writes them on every event. Default 1 s
 * @param evaluationWindow       how much event time of one host's telemetry is folded in before its view, changes and
 *                               alerts are evaluated: a host's first event after an evaluation opens a window of this
 *                               length (record timestamps); the host is evaluated once, over all its events in the
 *                               window, when the partition's stream time reaches the window's end, when the window
 *                               holds {@code HostProcessor.WINDOW_EVENTS} events, or at an evaluation tick that an idle
 *                               task writes into its own input partition (so that where a window ended is in the log,
 *                               and a replay closes it at the same record). A busy host costs one evaluation per window
 *                               instead of one per event; a state that lasted less than a window within it is not
 *                               reported. A host's first event and late events (window already past in stream time)
 *                               are evaluated at once. Zero evaluates every event on its own, as ARCHITECTURE.md describes; a
 *                               window needs WRITE on the telemetry topic (checked at start). Default 0
 * @param hostCache              deserialised hosts kept in memory per task, besides those with events since their
 *                               checkpoint (never evicted); a host not kept is rebuilt from its checkpoint on its next
 *                               event. Default 4096
 * @param topicReplicationFactor replication factor of the topics the app creates (and of its internal topics); default 1
 * @param extra                  further Kafka client / Streams properties (e.g. security settings), applied last
 */
public record TrackerConfig(String bootstrapServers, String applicationId, Path stateDir, String processingGuarantee,
                            String applicationServer, Duration silentTimeout, Duration historyRetention,
                            Duration historySegment, Duration viewResolution, Duration evaluationWindow, int hostCache,
                            short topicReplicationFactor, Map<String, String> extra) {

    public static final String DEFAULT_APPLICATION_ID = "iommu-tracker";
    public static final Path DEFAULT_STATE_DIR = Path.of("data", "streams");
    public static final Duration DEFAULT_VIEW_RESOLUTION = Duration.ofSeconds(1);
    public static final Duration DEFAULT_EVALUATION_WINDOW = Duration.ZERO;
    /** The longest evaluation window accepted: longer would hold alerts back for longer than anyone would want. */
    public static final Duration MAX_EVALUATION_WINDOW = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HISTORY_SEGMENT = Duration.ofDays(1);
    /** Segments (RocksDB instances) per retention at most: the segment interval is at least retention / this. */
    public static final int MAX_HISTORY_SEGMENTS = 64;
    public static final int DEFAULT_HOST_CACHE = Integer.getInteger("iommutracker.streams.hostCache", 4096);
    /**
     * The commit interval under at_least_once unless {@code commit.interval.ms} is set: the tracker's store writes wait
     * for the commit after them (see {@code WriteBehind}), so the stores and the query API lag by up to an interval,
     * and a crash repeats up to an interval of outputs; Kafka Streams' own default there is 30 s.
     */
    public static final Duration AT_LEAST_ONCE_COMMIT_INTERVAL = Duration.ofSeconds(1);

    public TrackerConfig {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers: required");
        }
        if (!StreamsConfig.EXACTLY_ONCE_V2.equals(processingGuarantee) && !StreamsConfig.AT_LEAST_ONCE.equals(processingGuarantee)) {
            throw new IllegalArgumentException("processingGuarantee: expected exactly_once_v2 or at_least_once, got "
                    + processingGuarantee);
        }
        if (historySegment.compareTo(historyRetention) > 0
                || historySegment.compareTo(historyRetention.dividedBy(MAX_HISTORY_SEGMENTS)) < 0 || historySegment.isZero()) {
            throw new IllegalArgumentException("historySegment: must be between 1/" + MAX_HISTORY_SEGMENTS
                    + " of the history retention (" + historyRetention + ") and the retention, got " + historySegment);
        }
        if (viewResolution.isNegative()) {
            throw new IllegalArgumentException("viewResolution: must not be negative, got " + viewResolution);
        }
        if (evaluationWindow.isNegative() || evaluationWindow.compareTo(MAX_EVALUATION_WINDOW) > 0) {
            throw new IllegalArgumentException("evaluationWindow: must be between 0 and " + MAX_EVALUATION_WINDOW
                    + ", got " + evaluationWindow);
        }
        if (hostCache < 0) {
            throw new IllegalArgumentException("hostCache: must not be negative, got " + hostCache);
        }
        extra = Map.copyOf(extra);
    }

    private static Duration clamp(Duration d, Duration min, Duration max) {
        return d.compareTo(max) > 0 ? max : d.compareTo(min) < 0 ? min : d;
    }

    public static TrackerConfig defaults(String bootstrapServers) {
        return new TrackerConfig(bootstrapServers, DEFAULT_APPLICATION_ID, DEFAULT_STATE_DIR,
                StreamsConfig.EXACTLY_ONCE_V2, null, Duration.ofMinutes(10), Duration.ofDays(30),
                DEFAULT_HISTORY_SEGMENT, DEFAULT_VIEW_RESOLUTION, DEFAULT_EVALUATION_WINDOW, DEFAULT_HOST_CACHE,
                (short) 1, Map.of());
    }

    public TrackerConfig withApplicationId(String id) {
        return new TrackerConfig(bootstrapServers, id, stateDir, processingGuarantee, applicationServer, silentTimeout,
                historyRetention, historySegment, viewResolution, evaluationWindow, hostCache, topicReplicationFactor,
                extra);
    }

    public TrackerConfig withStateDir(Path dir) {
        return new TrackerConfig(bootstrapServers, applicationId, dir, processingGuarantee, applicationServer,
                silentTimeout, historyRetention, historySegment, viewResolution, evaluationWindow, hostCache,
                topicReplicationFactor, extra);
    }

    public TrackerConfig withProcessingGuarantee(String guarantee) {
        return new TrackerConfig(bootstrapServers, applicationId, stateDir, guarantee, applicationServer, silentTimeout,
                historyRetention, historySegment, viewResolution, evaluationWindow, hostCache, topicReplicationFactor,
                extra);
    }

    /** host:port of this instance's query API, published to other instances as application.server. */
    public TrackerConfig withApplicationServer(String hostPort) {
        return new TrackerConfig(bootstrapServers, applicationId, stateDir, processingGuarantee, hostPort,
                silentTimeout, historyRetention, historySegment, viewResolution, evaluationWindow, hostCache,
                topicReplicationFactor, extra);
    }

    public TrackerConfig withSilentTimeout(Duration timeout) {
        return new TrackerConfig(bootstrapServers, applicationId, stateDir, processingGuarantee, applicationServer,
                timeout, historyRetention, historySegment, viewResolution, evaluationWindow, hostCache,
                topicReplicationFactor, extra);
    }

    public TrackerConfig withHistoryRetention(Duration retention) {
        return new TrackerConfig(bootstrapServers, applicationId, stateDir, processingGuarantee, applicationServer,
                silentTimeout, retention, clamp(historySegment, retention.dividedBy(MAX_HISTORY_SEGMENTS), retention),
                viewResolution, evaluationWindow, hostCache, topicReplicationFactor, extra);
    }

    public TrackerConfig withHistorySegment(Duration segment) {
        return new TrackerConfig(bootstrapServers, applicationId, stateDir, processingGuarantee, applicationServer,
                silentTimeout, historyRetention, segment, viewResolution, evaluationWindow, hostCache,
                topicReplicationFactor, extra);
    }

    public TrackerConfig withViewResolution(Duration resolution) {
        return new TrackerConfig(bootstrapServers, applicationId, stateDir, processingGuarantee, applicationServer,
                silentTimeout, historyRetention, historySegment, resolution, evaluationWindow, hostCache,
                topicReplicationFactor, extra);
    }

    public TrackerConfig withEvaluationWindow(Duration window) {
        return new TrackerConfig(bootstrapServers, applicationId, stateDir, processingGuarantee, applicationServer,
                silentTimeout, historyRetention, historySegment, viewResolution, window, hostCache,
                topicReplicationFactor, extra);
    }

    public TrackerConfig withHostCache(int hosts) {
        return new TrackerConfig(bootstrapServers, applicationId, stateDir, processingGuarantee, applicationServer,
                silentTimeout, historyRetention, historySegment, viewResolution, evaluationWindow, hosts,
                topicReplicationFactor, extra);
    }

    public TrackerConfig withTopicReplicationFactor(short rf) {
        return new TrackerConfig(bootstrapServers, applicationId, stateDir, processingGuarantee, applicationServer,
                silentTimeout, historyRetention, historySegment, viewResolution, evaluationWindow, hostCache, rf,
                extra);
    }

    public TrackerConfig withExtra(Map<String, String> more) {
        Map<String, String> all = new TreeMap<>(extra);
        all.putAll(more);
        return new TrackerConfig(bootstrapServers, applicationId, stateDir, processingGuarantee, applicationServer,
                silentTimeout, historyRetention, historySegment, viewResolution, evaluationWindow, hostCache,
                topicReplicationFactor, all);
    }

    /** Adds every property of a Java properties file (client security settings, Streams tuning...). */
    public TrackerConfig withExtraPropertiesFile(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read client properties file " + file, e);
        }
        Map<String, String> more = new TreeMap<>();
        p.stringPropertyNames().forEach(n -> more.put(n, p.getProperty(n)));
        return withExtra(more);
    }

    /** Properties for plain clients (admin, producers, consumers) against the same cluster. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.putAll(extra);
        return p;
    }

    public Properties streamsConfig() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, Short.toString(topicReplicationFactor));
        if (applicationServer != null) {
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        }
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        // the record cache folds a host's checkpoint, view and alert updates of one commit interval into one changelog
        // write: room for every hot host's (the 10 MB default evicts, i.e. writes, early with a few hundred large hosts)
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.toString(64L * 1024 * 1024));
        // each task reads one partition of one topic, so there is no other partition to wait for; with the default (0)
        // Kafka Streams formats a log line for a task's empty partition (String.format) at every check whether the task
        // can process, even with the log level off: ~3% of the stream thread in the benchmark's profiles (session 11)
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        // no global stores here, so this changes nothing but Kafka Streams' warning (at every start) that it is off
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        if (StreamsConfig.AT_LEAST_ONCE.equals(processingGuarantee)) {
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(AT_LEAST_ONCE_COMMIT_INTERVAL.toMillis()));
        }
        p.putAll(extra);
        return p;
    }
}

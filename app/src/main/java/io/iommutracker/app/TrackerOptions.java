package io.iommutracker.app;

import io.iommutracker.streams.TrackerConfig;
import io.iommutracker.streams.api.ApiConfig;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options of the Streams application and its query API, shared by run and demo. */
final class TrackerOptions {

    @Option(names = "--partitions", defaultValue = "8", description = "Partitions of the topics created (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--application-id", defaultValue = TrackerConfig.DEFAULT_APPLICATION_ID,
            description = "Kafka Streams application id; instances with the same id share the partitions (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Kafka Streams state directory (default: <data-dir>/streams).")
    Path stateDir;

    @Option(names = "--processing-guarantee", defaultValue = "exactly_once_v2",
            description = "exactly_once_v2 or at_least_once (default: ${DEFAULT-VALUE}).")
    String processingGuarantee;

    @Option(names = "--silent-after", defaultValue = "10m", paramLabel = "DURATION",
            description = "Raise HOST_SILENT when a host's events stop for this long, measured in event time (default: ${DEFAULT-VALUE}).")
    String silentAfter;

    @Option(names = "--view-resolution", defaultValue = "1s", paramLabel = "DURATION",
            description = "A host's latest view, its checkpoint, its history version and its iommu.host.views record are "
                    + "written at most once per this much event time (changes and alerts still go out on every event); "
                    + "as-of reads are exact to this resolution; 0ms writes on every event (default: ${DEFAULT-VALUE}).")
    String viewResolution;

    @Option(names = "--evaluation-window", defaultValue = "0ms", paramLabel = "DURATION",
            description = "A host's events within this much record time are evaluated together: its view, changes and "
                    + "alerts once per window instead of once per event (a state that lasted less than a window inside "
                    + "it is not reported); an idle partition's windows close within about a window plus a commit "
                    + "interval, by a tick the tracker writes into the partition, so a window needs WRITE on "
                    + "pci.telemetry.events; 0ms evaluates every event on its own; at most 10s (default: ${DEFAULT-VALUE}).")
    String evaluationWindow;

    @Option(names = "--history-retention", defaultValue = "30d", paramLabel = "DURATION",
            description = "How far back as-of reads and device history reach (default: ${DEFAULT-VALUE}).")
    String historyRetention;

    @Option(names = "--history-segment", paramLabel = "DURATION",
            description = "Segment interval of the view history store: versions expire a segment at a time (up to the "
                    + "retention plus a segment is kept) and each segment is a RocksDB instance, so it must be at least "
                    + "1/64 of --history-retention; recording a version costs the same whatever it is; changing it needs "
                    + "the state directory wiped (default: 1d, or the history retention when that is shorter).")
    String historySegment;

    @Option(names = "--commit-interval", paramLabel = "DURATION",
            description = "How often Kafka Streams commits (commit.interval.ms). Under exactly_once_v2 nothing the tracker "
                    + "writes (changes, alerts) is visible to read_committed consumers before the commit, so this is a floor "
                    + "on alert latency; shorter costs more transactions, i.e. broker work and throughput "
                    + "(default: 100ms under exactly_once_v2, Kafka Streams' own; 1s under at_least_once, where the "
                    + "stores and the query API wait for the commit after the events and a crash repeats up to an "
                    + "interval of outputs).")
    String commitInterval;

    @Option(names = "--stream-threads", defaultValue = "1", paramLabel = "N",
            description = "Kafka Streams threads of this instance: each works on its own partitions, so one instance can "
                    + "use up to min(N, --partitions) cores; threads beyond the partitions it owns stay idle "
                    + "(default: ${DEFAULT-VALUE}).")
    int streamThreads;

    @Option(names = "--http-host", defaultValue = "127.0.0.1", description = "Address the query API listens on (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Option(names = "--http-port", defaultValue = "8080", description = "Port of the query API; 0 = any free port (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--advertised-host", paramLabel = "HOST",
            description = "Host name other instances use to reach this one's API (default: --http-host, or the host name when that is 0.0.0.0).")
    String advertisedHost;

    private Duration evaluationWindow(Duration window) {
        if (window.compareTo(TrackerConfig.MAX_EVALUATION_WINDOW) > 0) {
            throw new IllegalArgumentException("--evaluation-window " + evaluationWindow + ": must be at most "
                    + TrackerConfig.MAX_EVALUATION_WINDOW.toSeconds() + "s (alerts wait up to a window)");
        }
        return window;
    }

    TrackerConfig trackerConfig(String bootstrap, Path dataDir, KafkaOptions kafka, int apiPort) {
        TrackerConfig c = TrackerConfig.defaults(bootstrap)
                .withApplicationId(applicationId)
                .withStateDir(stateDir != null ? stateDir : dataDir.resolve("streams"))
                .withProcessingGuarantee(processingGuarantee)
                .withSilentTimeout(AgentCommand.parseDuration("--silent-after", silentAfter))
                .withViewResolution(AgentCommand.parseDuration("--view-resolution", viewResolution))
                .withEvaluationWindow(evaluationWindow(AgentCommand.parseDuration("--evaluation-window", evaluationWindow)))
                .withHistoryRetention(AgentCommand.parseDuration("--history-retention", historyRetention))
                .withApplicationServer(advertised() + ":" + apiPort)
                .withTopicReplicationFactor(kafka.replicationFactor);
        if (historySegment != null) {
            Duration segment = AgentCommand.parseDuration("--history-segment", historySegment);
            Duration least = c.historyRetention().dividedBy(TrackerConfig.MAX_HISTORY_SEGMENTS);
            if (segment.compareTo(least) < 0 || segment.isZero() || segment.compareTo(c.historyRetention()) > 0) {
                throw new IllegalArgumentException("--history-segment " + historySegment + ": must be between "
                        + least + " (1/" + TrackerConfig.MAX_HISTORY_SEGMENTS + " of --history-retention) and "
                        + "--history-retention (" + c.historyRetention() + ")");
            }
            c = c.withHistorySegment(segment);
        }
        if (commitInterval != null) {
            Duration every = AgentCommand.parseDuration("--commit-interval", commitInterval);
            if (every.isZero()) {
                throw new IllegalArgumentException("--commit-interval " + commitInterval + ": must be positive");
            }
            c = c.withExtra(java.util.Map.of("commit.interval.ms", Long.toString(every.toMillis())));
        }
        if (streamThreads < 1) {
            throw new IllegalArgumentException("--stream-threads " + streamThreads + ": must be at least 1");
        }
        c = c.withExtra(java.util.Map.of("num.stream.threads", Integer.toString(streamThreads)));
        if (kafka.kafkaConfig != null) {
            c = c.withExtraPropertiesFile(kafka.kafkaConfig);
        }
        return c;
    }

    ApiConfig apiConfig(int port) {
        return ApiConfig.of(httpHost, port).withAdvertised(advertised(), port);
    }

    /** How other instances reach this one: --advertised-host, else the listen address unless it is the wildcard. */
    private String advertised() {
        return advertisedHost != null ? advertisedHost : "0.0.0.0".equals(httpHost) ? hostName() : httpHost;
    }

    /** The API port: the one asked for, or a free one when 0 (so application.server can name it before start). */
    int resolvePort() {
        if (httpPort != 0) {
            return httpPort;
        }
        try (var s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }
}

package io.iommutracker.streams.bench;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.AlertStatus;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.kafka.EmbeddedKafka;
import io.iommutracker.kafka.TopicSetup;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.TrackerApp;
import io.iommutracker.streams.TrackerConfig;
import io.iommutracker.streams.TrackerTopology;
import io.iommutracker.streams.sim.FleetSimulator;
import io.iommutracker.streams.topology.ProducerFlushes;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Benchmark: on one broker and with the same serdes and processing guarantee, measures (1) end-to-end throughput of the
 * tracker topology and of an identity passthrough over the same preloaded fleet telemetry, after untimed runs of
 * each (JIT warm-up: two of the passthrough, {@code -Dbench.trackerWarmups=N} of the tracker, default 2; the last of
 * each right before its timed run) and, for each, a warm-up share of the events, and (2) event→output latency
 * (p50/p99) at half the tracker's measured maximum rate: event→alert for the tracker, event→record for the
 * passthrough, each after an untimed real-time run at that rate. Every timed phase starts once the JIT's compile queue
 * has drained, and reports the compilers' share of a core while it ran ({@link JitSettle}); each latency phase reports
 * how much input the application had not committed when its producer stopped (whether it kept up with the rate). Goals: tracker ≥ 0.8 × passthrough; tracker p99 ≤ 200 ms.
 */
public final class LoadDriver {

    private static final Logger log = LoggerFactory.getLogger(LoadDriver.class);

    /**
     * @param bootstrap   a broker to use, or null to start an embedded one under {@code workDir}
     * @param events      preloaded events for the throughput phase
     * @param warmup      share of them processed before the clock starts
     * @param latencyRun  how long each latency phase is measured, after {@code -Dbench.latencyWarmupSeconds} (default 5)
     *                    at the same rate that are not
     */
    public record Options(String bootstrap, Path workDir, int hosts, int events, double warmup, Duration latencyRun,
                          String guarantee) {
        public static Options defaults() {
            return new Options(null, Path.of("target", "bench"), 200, 1_000_000, 0.2, Duration.ofSeconds(20), "exactly_once_v2");
        }
    }

    /**
     * Latency percentiles in milliseconds, with what the topology wrote during the phase, for {@code events} input
     * events (null writes: not measured), and the CPU its client threads spent per input event in the phase (in real
     * time a host's view and checkpoint are written about once per view resolution, which a preloaded backlog, whose
     * event times are milliseconds apart, hardly ever triggers: this is the cost the latency phase runs at).
     * {@code behind}: telemetry offsets the application had not committed when the producer stopped, a measure of
     * whether it kept up with the rate (under exactly-once up to a commit interval's worth is normal), or -1.
     */
    public record Latency(int samples, double p50, double p99, long events, LoadDriverWrites writes,
                          double cpuMicrosPerEvent, double jitShare, long behind, Stages stages, CpuSplit split) {
        /** {@link #behind} in milliseconds of input at {@code rate} events/s. */
        public double behindMillis(double rate) {
            return behind < 0 ? Double.NaN : 1000.0 * behind / rate;
        }
    }

    /**
     * Where an output's latency went, split at the time the broker appended it (the measured output topics are created
     * with {@code message.timestamp.type=LogAppendTime}): {@code toBroker}, event time to append, is the input's wait,
     * the processing and the producer's batching (under exactly-once, up to the commit that flushes it); {@code
     * toReader}, append to read, is the transaction's end (markers, last stable offset) and the reader's fetch.
     */
    public record Stages(double toBrokerP50, double toBrokerP99, double toReaderP50, double toReaderP99) {
        static Stages of(List<Long> toBroker, List<Long> toReader) {
            Latency a = percentiles(toBroker);
            Latency b = percentiles(toReader);
            return new Stages(a.p50(), a.p99(), b.p50(), b.p99());
        }
    }

    /**
     * One topology's throughput phase: events/s (wall clock) and the CPU time its client threads (stream thread, producer
     * and consumer I/O threads; not the broker) spent per event, which other processes on the machine do not inflate;
     * {@code jitShare}: the JIT compilers' time during the timed part, as a share of one core (see {@link JitSettle});
     * {@code split}: the whole machine's CPU per event in the timed part.
     */
    public record Rate(double eventsPerSecond, double cpuMicrosPerEvent, String appId, long events,
                       LoadDriverWrites writes, double allocatedBytesPerEvent, double jitShare, CpuSplit split) {
    }

    /**
     * @param trackerSweep the tracker's event→alert latency at further shares of its measured rate (share → latency),
     *                     from {@code -Dbench.latencyShares=0.25,0.75}; empty by default
     */
    public record Figures(Rate tracker, Rate passthrough, double latencyRate, Latency trackerAlertLatency,
                          Latency passthroughLatency, Map<Double, Latency> trackerSweep) {
        public double trackerEventsPerSecond() {
            return tracker.eventsPerSecond();
        }

        public double passthroughEventsPerSecond() {
            return passthrough.eventsPerSecond();
        }

        public double ratio() {
            return trackerEventsPerSecond() / passthroughEventsPerSecond();
        }

        /** The throughput ratio the CPU costs imply: passthrough CPU per event over tracker CPU per event. */
        public double cpuRatio() {
            return passthrough.cpuMicrosPerEvent() / tracker.cpuMicrosPerEvent();
        }

        public void print(PrintStream out) {
            out.printf("throughput  tracker %.0f events/s | passthrough %.0f events/s | ratio %.2f (goal >= 0.80)%n",
                    trackerEventsPerSecond(), passthroughEventsPerSecond(), ratio());
            out.printf("client cpu per event  tracker %.1f us | passthrough %.1f us | ratio %.2f%n",
                    tracker.cpuMicrosPerEvent(), passthrough.cpuMicrosPerEvent(), cpuRatio());
            out.printf("cpu per event, throughput phase (us)  tracker: %s%n    passthrough: %s%n", tracker.split().describe(),
                    passthrough.split().describe());
            out.printf("client heap allocation per event  tracker %.0f B | passthrough %.0f B%n",
                    tracker.allocatedBytesPerEvent(), passthrough.allocatedBytesPerEvent());
            out.printf("JIT compilers during the timed phases (share of one core)  tracker %.0f%% | passthrough %.0f%%"
                            + " | tracker latency %.0f%% | passthrough latency %.0f%%%n", 100 * tracker.jitShare(),
                    100 * passthrough.jitShare(), 100 * trackerAlertLatency.jitShare(), 100 * passthroughLatency.jitShare());
            out.printf("latency at %.0f events/s  tracker event->alert p50 %.0f ms p99 %.0f ms (%d alerts; goal p99 <= 200 ms)"
                            + " | passthrough p50 %.0f ms p99 %.0f ms (%d records)%n", latencyRate,
                    trackerAlertLatency.p50(), trackerAlertLatency.p99(), trackerAlertLatency.samples(),
                    passthroughLatency.p50(), passthroughLatency.p99(), passthroughLatency.samples());
            Stages ts = trackerAlertLatency.stages();
            Stages ps = passthroughLatency.stages();
            if (ts != null && ps != null) {
                out.printf("latency split at the broker's append  tracker event->append p50 %.0f p99 %.0f ms, append->read"
                                + " p50 %.0f p99 %.0f ms | passthrough event->append p50 %.0f p99 %.0f ms, append->read p50 %.0f"
                                + " p99 %.0f ms%n", ts.toBrokerP50(), ts.toBrokerP99(), ts.toReaderP50(), ts.toReaderP99(),
                        ps.toBrokerP50(), ps.toBrokerP99(), ps.toReaderP50(), ps.toReaderP99());
            }
            out.printf("input not yet committed when the latency phase's producer stopped  tracker %d offsets (%.0f ms of"
                            + " input) | passthrough %d (%.0f ms)%n", trackerAlertLatency.behind(),
                    trackerAlertLatency.behindMillis(latencyRate), passthroughLatency.behind(),
                    passthroughLatency.behindMillis(latencyRate));
            List<String> skip = List.of(Topics.TELEMETRY.name());
            tracker.writes().print(out, "tracker", tracker.appId(), tracker.events(), skip);
            passthrough.writes().print(out, "passthrough", passthrough.appId(), passthrough.events(), skip);
            out.printf("bytes per event  tracker %.0f | passthrough %.0f | ratio %.2f%n",
                    tracker.writes().totalBytes(skip) / (double) tracker.events(),
                    passthrough.writes().totalBytes(skip) / (double) passthrough.events(),
                    tracker.writes().totalBytes(skip) / (double) tracker.events()
                            / (passthrough.writes().totalBytes(skip) / (double) passthrough.events()));
            out.printf("client cpu per event, latency phase  tracker %.1f us | passthrough %.1f us%n",
                    trackerAlertLatency.cpuMicrosPerEvent(), passthroughLatency.cpuMicrosPerEvent());
            if (trackerAlertLatency.split() != null && passthroughLatency.split() != null) {
                out.printf("cpu per event, latency phase (us)  tracker: %s%n    passthrough: %s%n",
                        trackerAlertLatency.split().describe(), passthroughLatency.split().describe());
            }
            trackerSweep.forEach((share, l) -> out.printf(
                    "tracker latency at %.0f%% of its rate (%.0f events/s): event->alert p50 %.0f ms p99 %.0f ms (%d alerts),"
                            + " %.1f us client cpu per event%n", share * 100, share * trackerEventsPerSecond(), l.p50(), l.p99(),
                    l.samples(), l.cpuMicrosPerEvent()));
            if (trackerAlertLatency.writes() != null) {
                trackerAlertLatency.writes().print(out, "tracker, latency phase", tracker.appId(),
                        trackerAlertLatency.events(), skip);
            }
        }
    }

    private final Options options;
    private final Properties client = new Properties();
    /**
     * Partitions of every topic the run creates ({@code -Dbench.partitions}, default the tracker's 8): a transaction
     * touches each output and changelog partition its commit interval wrote to, so this sets the broker's work per
     * commit (batches, then transaction markers).
     */
    private final int partitions = Integer.getInteger("bench.partitions", Topics.DEFAULT_PARTITIONS);
    private Admin admin;
    /** Whether the measured output topics carry the broker's append time (see {@link Stages}). */
    private boolean splitAtAppend;

    private boolean appendTime(String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                ConfigEntry e = admin.describeConfigs(List.of(r)).all().get().get(r).get("message.timestamp.type");
                return e != null && "LogAppendTime".equals(e.value());
            } catch (ExecutionException e) {
                // a topic just created may not be known to every part of the broker yet
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private LoadDriver(Options options, String bootstrap) {
        this.options = options;
        client.put("bootstrap.servers", bootstrap);
    }

    public static Figures run(Options options) throws Exception {
        EmbeddedKafka broker = null;
        String bootstrap = options.bootstrap();
        if (bootstrap == null) {
            // -Dbench.broker.NAME=VALUE sets the embedded broker's setting NAME
            Map<String, String> overrides = new HashMap<>();
            System.getProperties().stringPropertyNames().stream().filter(n -> n.startsWith("bench.broker."))
                    .forEach(n -> overrides.put(n.substring("bench.broker.".length()), System.getProperty(n)));
            broker = EmbeddedKafka.start(Files.createDirectories(options.workDir()).resolve("kafka-" + UUID.randomUUID()),
                    0, overrides);
            bootstrap = broker.bootstrapServers();
        }
        try {
            LoadDriver d = new LoadDriver(options, bootstrap);
            try (Admin a = Admin.create(d.client)) {
                d.admin = a;
                return d.measure();
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    private Figures measure() throws Exception {
        if (partitions < 1) {
            throw new IllegalArgumentException("bench.partitions: must be at least 1, got " + partitions);
        }
        List<TopicSetup.Spec> specs = new ArrayList<>();
        // the two topics whose latency is measured carry the broker's append time, which splits it (Stages)
        Map<String, String> appendTime = Map.of("message.timestamp.type", "LogAppendTime");
        TrackerApp.topicSpecs().forEach(t -> {
            Map<String, String> c = t.config();
            if (t.name().equals(Topics.ALERTS.name())) {
                c = new HashMap<>(c);
                c.putAll(appendTime);
            }
            specs.add(new TopicSetup.Spec(t.name(), partitions, c));
        });
        specs.add(new TopicSetup.Spec(PassthroughTopology.OUTPUT, partitions, appendTime));
        specs.add(new TopicSetup.Spec(PassthroughTopology.DEAD_LETTER, partitions, Map.of()));
        TopicSetup.ensure(client, specs, (short) 1);
        // topics that existed before (a cluster given) keep their own timestamps: then there is no split to report
        splitAtAppend = appendTime(Topics.ALERTS.name()) && appendTime(PassthroughTopology.OUTPUT);
        if (!splitAtAppend) {
            log.warn("{} or {} does not have message.timestamp.type=LogAppendTime: latency is not split at the append",
                    Topics.ALERTS.name(), PassthroughTopology.OUTPUT);
        }
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(options.hosts()));
        long start = offsets(null);
        produceAll(sim, options.events());
        long end = offsets(null);

        String passId = "bench-pass-" + UUID.randomUUID();
        String trackId = "bench-tracker-" + UUID.randomUUID();
        // an untimed passthrough run first: the JVM compiles the client, serde and Streams paths both topologies share,
        // which the passthrough's short warm-up share (a fraction of a second) would otherwise pay for alone
        throughput(PassthroughTopology.buildTopology(), "bench-warmup-" + UUID.randomUUID(), start, end);
        // and an untimed tracker run, for the same reason: the emulator's and the alert rules' code takes far longer
        // to compile than the passthrough's (EngineBench: ~19k events per CPU-second in its first 40,000 events, ~60k
        // after 200,000), and the tracker's warm-up share alone left it measured half-interpreted
        int trackerWarmups = Integer.getInteger("bench.trackerWarmups", 2);
        for (int i = 0; i < trackerWarmups - 1; i++) {
            trackerWarmup(start, end);
        }
        // each topology's last untimed run comes right before its timed one, so that neither is timed straight after
        // the other's runs. (The passthrough's timed runs still have the compilers near a whole core: C1 compiles of
        // client, broker and log4j code, streams/README, session 8; still so in session 12, when it no longer logged a
        // stack trace per bad record. Its rate is therefore if anything understated.)
        throughput(PassthroughTopology.buildTopology(), "bench-warmup-" + UUID.randomUUID(), start, end);
        JitSettle.await("the passthrough's timed run");
        Rate pass = throughput(PassthroughTopology.buildTopology(), passId, start, end);
        if (trackerWarmups > 0) {
            trackerWarmup(start, end);
        }
        JitSettle.await("the tracker's timed run");
        Rate track = throughput(TrackerTopology.buildTopology(config(trackId)), trackId, start, end);

        double rate = Math.max(10, track.eventsPerSecond() / 2);
        // an untimed real-time run of each first: the latency phase runs code the preloaded backlog hardly does (the
        // per-resolution flush of each host's checkpoint and view, small polls and commits), and the JIT compiled it
        // during the measured seconds otherwise (the compilers took 60-100% of a core in the tracker's latency phase)
        Duration warmRun = Duration.ofSeconds(Long.getLong("bench.latencyWarmupRunSeconds", 30));
        if (!warmRun.isZero()) {
            log.info("untimed real-time runs of {} s at {} events/s (-Dbench.latencyWarmupRunSeconds)", warmRun.toSeconds(),
                    String.format("%.0f", rate));
            trackerLatency(trackId, sim, rate, warmRun);
            latency(PassthroughTopology.buildTopology(), passId, PassthroughTopology.OUTPUT, sim, rate,
                    LoadDriver::observedAt, r -> "record", warmRun);
        }
        JitSettle.await("the tracker's latency phase");
        Latency trackerLatency = trackerLatency(trackId, sim, rate, options.latencyRun());
        JitSettle.await("the passthrough's latency phase");
        Latency passLatency = latency(PassthroughTopology.buildTopology(), passId, PassthroughTopology.OUTPUT, sim, rate,
                LoadDriver::observedAt, r -> "record", options.latencyRun());
        Map<Double, Latency> sweep = new TreeMap<>();
        for (String share : System.getProperty("bench.latencyShares", "").split(",")) {
            if (!share.isBlank()) {
                double x = Double.parseDouble(share.trim());
                if (!(x > 0 && x <= 1)) {
                    throw new IllegalArgumentException("bench.latencyShares: each share must be in (0, 1], got " + share);
                }
                JitSettle.await("the tracker's latency phase at " + share.trim());
                sweep.put(x, trackerLatency(trackId, sim, Math.max(10, track.eventsPerSecond() * x), options.latencyRun()));
            }
        }
        return new Figures(track, pass, rate, trackerLatency, passLatency, sweep);
    }

    private void trackerWarmup(long start, long end) throws Exception {
        String warmId = "bench-tracker-warmup-" + UUID.randomUUID();
        throughput(TrackerTopology.buildTopology(config(warmId)), warmId, start, end);
    }

    /** The tracker's event→alert latency at {@code rate}: an alert's own time is the event time of what raised it. */
    private Latency trackerLatency(String trackId, FleetSimulator sim, double rate, Duration run) throws Exception {
        return latency(TrackerTopology.buildTopology(config(trackId)), trackId, Topics.ALERTS.name(), sim, rate,
                r -> {
                    Alert a = Topics.ALERTS.valueSerde().deserializer().deserialize(r.topic(), r.value());
                    return (a.getStatus() == AlertStatus.RESOLVED ? a.getResolvedAt() : a.getLastSeen()).toEpochMilli();
                }, r -> {
                    Alert a = Topics.ALERTS.valueSerde().deserializer().deserialize(r.topic(), r.value());
                    return a.getKind() + "/" + a.getStatus();
                }, run);
    }

    /** A passthrough output's event time: its event's observedAt (the record's own timestamp is the append time). */
    private static long observedAt(ConsumerRecord<byte[], byte[]> r) {
        PciEvent e = (PciEvent) Topics.TELEMETRY.valueSerde().deserializer().deserialize(r.topic(), r.value());
        return e.getObservedAt().toEpochMilli();
    }

    private TrackerConfig config(String appId) {
        return TrackerConfig.defaults(client.getProperty("bootstrap.servers")).withApplicationId(appId)
                .withStateDir(options.workDir().resolve("state-" + appId)).withProcessingGuarantee(options.guarantee())
                .withViewResolution(Duration.ofMillis(Long.getLong("bench.viewResolutionMs",
                        TrackerConfig.DEFAULT_VIEW_RESOLUTION.toMillis())))
                .withEvaluationWindow(Duration.ofMillis(Long.getLong("bench.evaluationWindowMs",
                        TrackerConfig.DEFAULT_EVALUATION_WINDOW.toMillis())))
                .withExtra(tuning());
    }

    /**
     * Streams settings to try without a code change, for both topologies alike: every system property
     * {@code bench.streams.NAME=VALUE} becomes the Streams setting NAME (e.g. {@code -Dbench.streams.commit.interval.ms=50}).
     */
    private static Map<String, String> tuning() {
        Map<String, String> out = new HashMap<>();
        String prefix = "bench.streams.";
        for (String n : System.getProperties().stringPropertyNames()) {
            if (n.startsWith(prefix)) {
                out.put(n.substring(prefix.length()), System.getProperty(n));
            }
        }
        return out;
    }

    private Properties streamsProps(String appId) {
        Properties p = config(appId).streamsConfig();
        // the clients TrackerApp runs with (under at_least_once the tracker holds its store writes by their flushes)
        p.put(ProducerFlushes.COUNTED_CONFIG, "true");
        return p;
    }

    private void produceAll(FleetSimulator sim, int n) {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(FleetSimulator.producerProperties(client))) {
            for (int i = 0; i < n; i++) {
                p.send(FleetSimulator.toProducerRecord(sim.next(System.currentTimeMillis())));
            }
            p.flush();
        }
    }

    /** Events/s between the warm-up mark and the end of the preloaded range, from the application's committed offsets. */
    private Rate throughput(Topology topology, String appId, long start, long end) throws Exception {
        long warm = start + (long) ((end - start) * options.warmup());
        LoadDriverWrites before = LoadDriverWrites.snapshot(admin);
        KafkaStreams streams = new KafkaStreams(topology, streamsProps(appId), new ProducerFlushes.Supplier());
        try {
            streams.start();
            long t0 = 0;
            long c0 = 0;
            long cpu0 = 0;
            long alloc0 = 0;
            long jit0 = 0;
            long stream0 = 0;
            CpuSplit.Meter split0 = null;
            while (true) {
                long c = offsets(appId);
                long now = System.nanoTime();
                if (t0 == 0 && c >= warm) {
                    t0 = now;
                    c0 = c;
                    cpu0 = clientCpuNanos(appId);
                    alloc0 = clientAllocatedBytes(appId);
                    jit0 = JitSettle.compileMillis();
                    stream0 = streamThreadCpuNanos(appId);
                    split0 = CpuSplit.start(appId);
                }
                if (split0 != null) {
                    split0.sample();
                }
                if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                    throw new IllegalStateException(appId + " stopped: " + streams.state());
                }
                if (c >= end) {
                    double secs = (now - t0) / 1e9;
                    long events = Math.max(1, c - c0);
                    double cpu = (clientCpuNanos(appId) - cpu0) / 1e3 / events;
                    double alloc = (clientAllocatedBytes(appId) - alloc0) / (double) events;
                    double jit = JitSettle.share(jit0, now - t0);
                    CpuSplit split = split0.stop(events);
                    log.info("{} throughput phase: stream thread on CPU {}% of the wall time", appId,
                            String.format("%.0f", 100.0 * (streamThreadCpuNanos(appId) - stream0) / (now - t0)));
                    log.info("{} throughput phase: cpu per event (us) {}; other threads most: {}", appId,
                            split.describe(), split.describeOthers());
                    logLoopMetrics(appId, streams);
                    // the broker's appends may trail the committed offsets by a moment: let them land
                    Thread.sleep(500);
                    return new Rate(events / Math.max(secs, 1e-3), cpu, appId, end - start,
                            LoadDriverWrites.snapshot(admin).since(before), alloc, jit, split);
                }
                Thread.sleep(50);
            }
        } finally {
            leave(streams);
        }
    }

    /** CPU time of every live thread of this application's clients (their names carry the application id). */
    private static long clientCpuNanos(String appId) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().contains(appId)) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
            }
        }
        return sum;
    }

    /** CPU time of the application's stream threads alone. */
    private static long streamThreadCpuNanos(String appId) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().contains(appId) && t.getName().contains("StreamThread") && !t.getName().contains("producer")) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
            }
        }
        return sum;
    }

    /** Heap bytes allocated by the same threads: what the collectors, which share the cores, must clean up. */
    private static long clientAllocatedBytes(String appId) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().contains(appId)) {
                sum += Math.max(0, mx.getThreadAllocatedBytes(t.getId()));
            }
        }
        return sum;
    }

    private static void leave(KafkaStreams streams) {
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
    }

    private Latency latency(Topology topology, String appId, String outputTopic, FleetSimulator sim, double rate,
                            ToLongFunction<ConsumerRecord<byte[], byte[]>> eventTime,
                            Function<ConsumerRecord<byte[], byte[]>, String> label, Duration run) throws Exception {
        Properties cp = new Properties();
        cp.putAll(client);
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-reader-" + UUID.randomUUID());
        // -Dbench.reader.NAME=VALUE sets the measuring reader's consumer setting NAME
        System.getProperties().stringPropertyNames().stream().filter(n -> n.startsWith("bench.reader."))
                .forEach(n -> cp.put(n.substring("bench.reader.".length()), System.getProperty(n)));
        List<Long> samples = Collections.synchronizedList(new ArrayList<>());
        List<Long> toBroker = new ArrayList<>();
        List<Long> toReader = new ArrayList<>();
        Map<String, List<Long>> byLabel = new TreeMap<>();
        Map<Long, List<Long>> bySecond = new TreeMap<>();
        LoadDriverWrites before = null;
        long inputBefore = 0;
        LoadDriverWrites written = null;
        long events = 0;
        long behind = -1;
        long cpuBefore = 0;
        double cpu = Double.NaN;
        double jit = Double.NaN;
        CpuSplit split = null;
        KafkaStreams streams = new KafkaStreams(topology, streamsProps(appId), new ProducerFlushes.Supplier());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            streams.start();
            while (streams.state() != KafkaStreams.State.RUNNING) {
                Thread.sleep(50);
            }
            long caughtUp = offsets(null);
            while (offsets(appId) < caughtUp) {
                Thread.sleep(50);
            }
            List<TopicPartition> parts = consumer.partitionsFor(outputTopic).stream()
                    .map(i -> new TopicPartition(outputTopic, i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position);
            // the first seconds at the new rate are not measured: a fresh instance rebuilds its working copies and memos
            // from the stores and compiles the real-time paths (the per-second maxima below show it)
            long warmupNanos = Duration.ofSeconds(Long.getLong("bench.latencyWarmupSeconds", 5)).toNanos();
            long streamCpuBefore = 0;
            long wallBefore = 0;
            long jitBefore = 0;
            boolean measuring = false;
            CpuSplit.Meter split0 = null;
            Thread producer = new Thread(() -> {
                try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(FleetSimulator.producerProperties(client))) {
                    long interval = (long) (1e9 / rate);
                    long due = System.nanoTime();
                    long stop = due + warmupNanos + run.toNanos();
                    while (System.nanoTime() < stop) {
                        LockSupport.parkNanos(due - System.nanoTime());
                        p.send(FleetSimulator.toProducerRecord(sim.next(System.currentTimeMillis())));
                        due += interval;
                    }
                }
            }, "bench-producer");
            long phaseStart = System.nanoTime();
            producer.start();
            long drainUntil = Long.MAX_VALUE;
            while (System.currentTimeMillis() < drainUntil) {
                if (!measuring && System.nanoTime() - phaseStart >= warmupNanos) {
                    measuring = true;
                    before = LoadDriverWrites.snapshot(admin);
                    inputBefore = offsets(null);
                    cpuBefore = clientCpuNanos(appId);
                    streamCpuBefore = streamThreadCpuNanos(appId);
                    wallBefore = System.nanoTime();
                    jitBefore = JitSettle.compileMillis();
                    split0 = CpuSplit.start(appId);
                }
                if (split0 != null) {
                    // the load's producer threads end before the phase does: keep their time
                    split0.sample();
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    long read = System.currentTimeMillis();
                    long event = eventTime.applyAsLong(r);
                    long ms = read - event;
                    if (measuring) {
                        samples.add(ms);
                        toBroker.add(r.timestamp() - event);
                        toReader.add(read - r.timestamp());
                        byLabel.computeIfAbsent(label.apply(r), k -> new ArrayList<>()).add(ms);
                    }
                    bySecond.computeIfAbsent((System.nanoTime() - phaseStart) / 1_000_000_000L, k -> new ArrayList<>()).add(ms);
                }
                if (!producer.isAlive() && drainUntil == Long.MAX_VALUE) {
                    drainUntil = System.currentTimeMillis() + 2000;
                    // kept up, or fell behind: then the percentiles measure a queue, not the pipeline
                    behind = offsets(null) - offsets(appId);
                    log.info("{} latency phase: {} telemetry offsets not yet committed when the producer stopped ({} ms of"
                            + " input at {} events/s)", appId, behind, String.format("%.0f", 1000.0 * behind / rate),
                            String.format("%.0f", rate));
                }
            }
            written = LoadDriverWrites.snapshot(admin).since(before);
            events = offsets(null) - inputBefore;
            cpu = (clientCpuNanos(appId) - cpuBefore) / 1e3 / Math.max(1, events);
            jit = JitSettle.share(jitBefore, System.nanoTime() - wallBefore);
            split = split0 == null ? null : split0.stop(events);
            if (split != null) {
                log.info("{} latency phase: cpu per event (us) {}; other threads most: {}", appId, split.describe(),
                        split.describeOthers());
            }
            // how busy the stream thread was: near 100% its queue, not the commit interval, sets the latency
            log.info("{} latency phase: stream thread on CPU {}% of the wall time", appId,
                    String.format("%.0f", 100.0 * (streamThreadCpuNanos(appId) - streamCpuBefore) / (System.nanoTime() - wallBefore)));
            logLoopMetrics(appId, streams);
        } finally {
            leave(streams);
        }
        // when the tail happened: a start-up transient, or spread over the run
        StringBuilder seconds = new StringBuilder();
        bySecond.forEach((sec, v) -> seconds.append(' ').append(sec).append("s:").append(Collections.max(v)));
        log.info("{} latency max per second of the phase, warm-up included (ms):{}", appId, seconds);
        // which kinds of output make the tail
        byLabel.forEach((k, v) -> {
            Latency l = percentiles(v);
            log.info("{} latency {}: {} samples, p50 {} ms, p99 {} ms, max {} ms", appId, k, l.samples(), l.p50(), l.p99(),
                    Collections.max(v));
        });
        Latency l = percentiles(samples);
        Stages stages = splitAtAppend ? Stages.of(toBroker, toReader) : null;
        if (stages != null) {
            log.info("{} latency split at the broker's append: event->append p50 {} p99 {} ms, append->read p50 {} p99 {}"
                    + " ms", appId, stages.toBrokerP50(), stages.toBrokerP99(), stages.toReaderP50(), stages.toReaderP99());
        }
        return new Latency(l.samples(), l.p50(), l.p99(), events, written, cpu, jit, behind, stages, split);
    }

    /** Stream-thread loop metrics that break an end-to-end latency down: where the thread's time went, commit cost. */
    private static final List<String> LOOP_METRICS = List.of("process-ratio", "punctuate-ratio", "commit-ratio",
            "poll-ratio", "commit-latency-avg", "commit-latency-max", "punctuate-latency-avg", "punctuate-latency-max",
            "poll-records-avg", "process-records-avg", "commit-rate", "commit-total", "poll-rate");
    /** The stream thread's producer: what a commit waits for (flush, offsets, the transaction's end) and retries. */
    private static final List<String> PRODUCER_METRICS = List.of("txn-commit-time-ns-total", "txn-send-offsets-time-ns-total",
            "flush-time-ns-total", "txn-begin-time-ns-total", "record-retry-total", "record-error-total",
            "request-latency-avg", "request-latency-max", "batch-size-avg", "records-per-request-avg", "request-total",
            "produce-throttle-time-max");

    private static void logLoopMetrics(String appId, KafkaStreams streams) {
        Map<String, Double> values = new TreeMap<>();
        streams.metrics().forEach((name, metric) -> {
            boolean loop = name.group().equals("stream-thread-metrics") && LOOP_METRICS.contains(name.name())
                    || name.group().equals("producer-metrics") && PRODUCER_METRICS.contains(name.name());
            boolean e2e = name.name().startsWith("record-e2e-latency") && name.group().equals("stream-processor-node-metrics");
            if ((loop || e2e) && metric.metricValue() instanceof Double d && !d.isNaN()) {
                String key = e2e ? name.name() + "[" + name.tags().get("processor-node-id") + "]" : name.name();
                values.merge(key, d, e2e && name.name().endsWith("max") ? Math::max : (a, b) -> (a + b) / 2);
            }
        });
        log.info("{} stream-thread loop: {}", appId, values);
    }

    private static Latency percentiles(List<Long> samples) {
        if (samples.isEmpty()) {
            return new Latency(0, Double.NaN, Double.NaN, 0, null, Double.NaN, Double.NaN, -1, null, null);
        }
        List<Long> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        return new Latency(sorted.size(), sorted.get((int) (0.5 * (sorted.size() - 1))),
                sorted.get((int) (0.99 * (sorted.size() - 1))), 0, null, Double.NaN, Double.NaN, -1, null, null);
    }

    /** The sum of committed offsets of a group on the telemetry topic, or its end offsets when {@code group} is null. */
    private long offsets(String group) throws Exception {
        {
            if (group == null) {
                Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
                for (int p = 0; p < partitions; p++) {
                    ask.put(new TopicPartition(Topics.TELEMETRY.name(), p), OffsetSpec.latest());
                }
                return admin.listOffsets(ask).all().get().values().stream().mapToLong(i -> i.offset()).sum();
            }
            Map<TopicPartition, OffsetAndMetadata> c = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            return c.entrySet().stream().filter(e -> e.getKey().topic().equals(Topics.TELEMETRY.name()))
                    .mapToLong(e -> e.getValue() == null ? 0 : e.getValue().offset()).sum();
        }
    }

    /** {@code LoadDriver [bootstrap-servers]}: runs the benchmark and prints the figures. */
    public static void main(String[] args) throws Exception {
        Options o = Options.defaults();
        if (args.length > 0) {
            o = new Options(args[0], o.workDir(), o.hosts(), o.events(), o.warmup(), o.latencyRun(), o.guarantee());
        }
        run(o).print(System.out);
    }
}

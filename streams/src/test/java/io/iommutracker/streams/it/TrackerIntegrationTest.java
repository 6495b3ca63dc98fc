package io.iommutracker.streams.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IommuChange;
import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.schemas.Topics;
import io.iommutracker.schemas.Topics.DlqHeaders;
import io.iommutracker.streams.StoreNames;
import io.iommutracker.streams.TrackerApp;
import io.iommutracker.streams.TrackerConfig;
import io.iommutracker.streams.engine.EmulatorEngine;
import io.iommutracker.streams.sim.FleetSimulator;
import io.iommutracker.streams.testing.TrackerTestDriver;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tracker on a real broker: scale-out, crash recovery under exactly-once, and poison pills. */
class TrackerIntegrationTest {

    // event times must be recent: output topics have time retention, and records older than it are deleted at once
    static final long T0 = System.currentTimeMillis() - 3_600_000L;

    @BeforeAll
    static void topics() {
        Cluster.ensureTopics();
    }

    /** The evaluation window of the scale test: the harder case (windows, ticks, their replay). */
    static final Duration WINDOW = Duration.ofMillis(20);

    static TrackerConfig config(String appId) {
        return TrackerConfig.defaults(KafkaFixture.bootstrapServers()).withApplicationId(appId)
                .withStateDir(KafkaFixture.tempDir("state-" + appId)).withSilentTimeout(Duration.ZERO)
                .withExtra(Map.of("commit.interval.ms", "100"));
    }

    /**
     * A test's own hosts (their ids start with ns), the records they send (bad ones at the given share) and the
     * application id of its tracker.
     */
    record Scenario(String ns, List<FleetSimulator.SimRecord> records, String appId) {
        static Scenario of(String prefix, int hosts, double bad, int n) {
            String ns = prefix + UUID.randomUUID().toString().substring(0, 6) + "-";
            FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(hosts).withNamespace(ns)
                    .withBadRecords(bad, bad));
            return new Scenario(ns, Cluster.generate(sim, n, T0), "it-" + prefix + UUID.randomUUID());
        }
    }

    /** What one uninterrupted, single-threaded run of the same topology makes of the same records. */
    record Expected(Map<String, HostView> views, Map<String, List<String>> changes, Map<String, List<String>> alerts,
                    int deadLetters) {
    }

    /**
     * What uninterrupted runs of the topology make of the telemetry topic as committed, one per partition as the tasks
     * of a real run (a task's stream time and its evaluation windows are its partition's), with the configuration's
     * evaluation window; the outputs of the hosts in {@code ns}. The topic as read holds everything the real runs
     * consumed, other tests' records and the evaluation ticks included, so the windows close at the same records.
     */
    static Expected expected(String ns, Path dir, Duration window) {
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> byPartition = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : Cluster.readCommitted(Topics.TELEMETRY.name())) {
            byPartition.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r);
        }
        Map<String, HostView> views = new TreeMap<>();
        Map<String, List<String>> changes = new TreeMap<>();
        Map<String, List<String>> alerts = new TreeMap<>();
        int dlq = 0;
        for (Map.Entry<Integer, List<ConsumerRecord<byte[], byte[]>>> p : byPartition.entrySet()) {
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(p.getValue());
            records.sort(java.util.Comparator.comparingLong(ConsumerRecord::offset));
            java.util.Set<String> hosts = new java.util.TreeSet<>();
            try (TrackerTestDriver t = new TrackerTestDriver(EmulatorEngine.INSTANCE, Duration.ZERO,
                    dir.resolve("p" + p.getKey()), c -> c.withEvaluationWindow(window))) {
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    t.pipeRaw(r.key(), r.value(), r.timestamp());
                    String host = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    if (host.startsWith(ns) && r.value() != null) {
                        hosts.add(host);
                    }
                }
                dlq += (int) t.deadLetters().stream()
                        .filter(r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).startsWith(ns)).count();
                for (IommuChange c : t.changes()) {
                    if (c.getHostId().startsWith(ns)) {
                        changes.computeIfAbsent(c.getHostId(), k -> new ArrayList<>()).add(c.toString());
                    }
                }
                for (Alert a : t.alertRecords()) {
                    if (a.getHostId().startsWith(ns)) {
                        alerts.computeIfAbsent(a.getFingerprint(), k -> new ArrayList<>()).add(a.toString());
                    }
                }
                for (String h : hosts) {
                    HostView v = t.view(h);
                    if (v != null) {
                        views.put(h, v);
                    }
                }
            }
        }
        return new Expected(views, changes, alerts, dlq);
    }

    /**
     * Waits until the application has committed the whole telemetry topic and stays so for a second: an idle task
     * with windows open writes a tick into its partition (within a window, visible at its next commit), and only
     * once that is consumed are its last events evaluated.
     */
    static void awaitQuiet(String appId, Duration timeout) throws InterruptedException {
        Cluster.await("caught up", timeout, () -> Cluster.caughtUp(appId));
        Thread.sleep(1000);
        Cluster.await("caught up with its evaluation ticks", Duration.ofSeconds(30), () -> Cluster.caughtUp(appId));
    }

    static Map<String, List<String>> committedChanges(String namespace) {
        Map<String, List<String>> out = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : Cluster.readCommitted(Topics.CHANGES.name())) {
            IommuChange c = Topics.CHANGES.valueSerde().deserializer().deserialize(r.topic(), r.value());
            if (c.getHostId().startsWith(namespace)) {
                out.computeIfAbsent(c.getHostId(), k -> new ArrayList<>()).add(c.toString());
            }
        }
        return out;
    }

    static Map<String, List<String>> committedAlerts(String namespace) {
        Map<String, List<String>> out = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : Cluster.readCommitted(Topics.ALERTS.name())) {
            Alert a = Topics.ALERTS.valueSerde().deserializer().deserialize(r.topic(), r.value());
            if (a.getHostId().startsWith(namespace)) {
                out.computeIfAbsent(a.getFingerprint(), k -> new ArrayList<>()).add(a.toString());
            }
        }
        return out;
    }

    static HostView query(List<TrackerApp> apps, String host) {
        for (TrackerApp app : apps) {
            KafkaStreams s = app.streams();
            {
                ReadOnlyKeyValueStore<String, HostView> store = s.store(StoreQueryParameters.fromNameAndType(
                        StoreNames.HOST_VIEWS, QueryableStoreTypes.<String, HostView>keyValueStore()));
                HostView v = store.get(host);
                if (v != null) {
                    return v;
                }
            }
        }
        return null;
    }

    /** Whether the host's latest view is the one of {@code sequence}; false while a rebalance closes the stores. */
    private static boolean publishedAt(List<TrackerApp> apps, String host, long sequence) {
        try {
            HostView v = query(apps, host);
            return v != null && v.getSequence() == sequence;
        } catch (InvalidStateStoreException e) {
            return false;
        }
    }

    @Test
    void shouldShareEightPartitionsBetweenTwoInstancesWithEveryHostViewRight() throws Exception {
        Scenario run = Scenario.of("scale-", 24, 0, 1200);
        String ns = run.ns();
        List<FleetSimulator.SimRecord> records = run.records();
        String appId = run.appId();
        List<TrackerApp> apps = List.of(new TrackerApp(config(appId).withEvaluationWindow(WINDOW)).start(),
                new TrackerApp(config(appId).withEvaluationWindow(WINDOW)).start());
        try {
            Cluster.await("both instances running", Duration.ofSeconds(60),
                    () -> apps.stream().allMatch(a -> a.state() == KafkaStreams.State.RUNNING));
            Cluster.produce(records);
            awaitQuiet(appId, Duration.ofSeconds(90));
            Cluster.await("stable", Duration.ofSeconds(30), () -> apps.stream().allMatch(a -> a.state() == KafkaStreams.State.RUNNING));
            for (TrackerApp a : apps) {
                assertThat(a.streams().metadataForLocalThreads().stream().mapToInt(m -> m.activeTasks().size()).sum())
                        .as("each instance owns some of the 8 partitions").isBetween(1, 7);
            }
            Expected exp = expected(ns, KafkaFixture.tempDir("expected-scale"), WINDOW);
            // a host's latest view is written at most once per view resolution, so "caught up" (offsets committed) can
            // come a resolution before the last views: wait until every host's view carries its last sequence
            Cluster.await("latest views published", Duration.ofSeconds(30), () -> exp.views().entrySet().stream()
                    .allMatch(e -> publishedAt(apps, e.getKey(), e.getValue().getSequence())));
            for (Map.Entry<String, HostView> e : exp.views().entrySet()) {
                HostView actual = query(apps, e.getKey());
                assertThat(actual).as(e.getKey()).isNotNull();
                assertThat(actual.getKernelGroups()).as(e.getKey()).isEqualTo(e.getValue().getKernelGroups());
                assertThat(actual.getLiveGroups()).as(e.getKey()).isEqualTo(e.getValue().getLiveGroups());
                assertThat(actual.getDevices()).as(e.getKey()).isEqualTo(e.getValue().getDevices());
                assertThat(actual.getSequence()).as(e.getKey()).isEqualTo(e.getValue().getSequence());
            }
        } finally {
            apps.forEach(TrackerApp::close);
        }
    }

    /** Per event (the default) and with evaluation windows, whose ends the restarted task must find in the input. */
    @ParameterizedTest(name = "evaluation window {0} ms")
    @ValueSource(longs = {0, 20})
    void shouldResumeWithoutDuplicatesAfterCrash(long windowMs) throws Exception {
        Duration window = Duration.ofMillis(windowMs);
        Scenario run = Scenario.of("crash-", 16, 0.01, 4000);
        String ns = run.ns();
        List<FleetSimulator.SimRecord> records = run.records();
        String appId = run.appId();
        Path state = KafkaFixture.tempDir("crash-state");

        Process first = spawn(appId, state, window);
        try {
            Cluster.produce(records.subList(0, 2000));
            Cluster.await("some progress", Duration.ofSeconds(90), () -> !committedChanges(ns).isEmpty());
            Thread feeder = new Thread(() -> Cluster.produce(records.subList(2000, records.size())));
            feeder.start();
            Thread.sleep(300);
            first.destroyForcibly().waitFor();
            feeder.join();
            assertThat(Cluster.caughtUp(appId)).as("killed before it finished").isFalse();
        } finally {
            first.destroyForcibly();
        }
        String childLog = takeOver(appId, state, window);
        // the restarted instance's tasks with checkpoints read the input back from the broker (how many hosts had events
        // after their checkpoint depends on where the kill fell; CheckpointReplayTest covers the replay's exactness)
        Matcher replayed = Pattern.compile("task \\S+: replayed (\\d+) input records .*?, (\\d+) of \\d+ hosts had events")
                .matcher(childLog);
        int tasks = 0;
        int hosts = 0;
        while (replayed.find()) {
            tasks++;
            hosts += Integer.parseInt(replayed.group(2));
        }
        assertThat(tasks).as("tasks that read their input back after the crash (%d hosts rebuilt)", hosts).isPositive();
        Expected exp = expected(ns, KafkaFixture.tempDir("expected-crash"), window);
        assertThat(exp.alerts()).isNotEmpty();
        Map<String, List<String>> actual = committedChanges(ns);
        diagnose(actual, exp.changes());
        assertThat(actual).isEqualTo(exp.changes());
        assertThat(committedAlerts(ns)).isEqualTo(exp.alerts());
    }

    /**
     * The other processing guarantee on a real broker: without a failure, at_least_once makes the same changes, alerts
     * and dead letters as the reference, once each, per event and with evaluation windows (whose ticks are then
     * written outside any transaction).
     */
    @ParameterizedTest(name = "evaluation window {0} ms")
    @ValueSource(longs = {0, 20})
    void shouldMakeTheSameOutputsUnderAtLeastOnce(long windowMs) throws Exception {
        Duration window = Duration.ofMillis(windowMs);
        Scenario run = Scenario.of("alos" + windowMs + "-", 8, 0.02, 1500);
        String ns = run.ns();
        List<FleetSimulator.SimRecord> records = run.records();
        String appId = run.appId();
        try (TrackerApp app = new TrackerApp(config(appId).withProcessingGuarantee("at_least_once")
                .withEvaluationWindow(window)).start()) {
            assertThat(app.streams().state()).isNotEqualTo(KafkaStreams.State.ERROR);
            Cluster.produce(records);
            awaitQuiet(appId, Duration.ofSeconds(90));
        }
        Expected exp = expected(ns, KafkaFixture.tempDir("expected-alos"), window);
        assertThat(exp.alerts()).isNotEmpty();
        long deadLetters = Cluster.readCommitted(Topics.DEAD_LETTER.name()).stream()
                .filter(r -> new String(r.key(), StandardCharsets.UTF_8).startsWith(ns)).count();
        assertThat(deadLetters).isEqualTo(exp.deadLetters()).isPositive();
        Map<String, List<String>> actual = committedChanges(ns);
        diagnose(actual, exp.changes());
        assertThat(actual).isEqualTo(exp.changes());
        assertThat(committedAlerts(ns)).isEqualTo(exp.alerts());
    }

    /**
     * The crash at_least_once has to survive, made to happen: the first instance's producer stops sending the output
     * records after a few commits while it still sends the changelogs', and halts inside the next commit once those
     * are on the broker ({@link LosingProducer}); a second instance takes over from the committed position. Every
     * change and alert of the reference must be on the topics (at least once: repeats allowed, nothing foreign).
     */
    @Test
    void shouldLoseNoOutputWhenAnAtLeastOnceCommitDiesAfterItsChangelogsReachedTheBroker() throws Exception {
        Scenario run = Scenario.of("alos-crash-", 16, 0.01, 4000);
        List<FleetSimulator.SimRecord> records = run.records();
        Path state = KafkaFixture.tempDir("alos-crash-state");
        Cluster.produce(records.subList(0, 1000));
        // it starts to lose outputs once it sent 300, so some input is always left when it does
        Process first = spawn(run.appId(), state, Duration.ZERO, "at_least_once", "300");
        try {
            int fed = 1000;
            for (; fed < records.size() && first.isAlive(); fed += 250) {
                Cluster.produce(records.subList(fed, fed + 250));
                Thread.sleep(250);
            }
            assertThat(first.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("the first instance halted").isTrue();
            assertThat(first.exitValue()).isEqualTo(LosingProducer.EXIT_CODE);
            assertThat(Cluster.caughtUp(run.appId())).as("halted before it finished").isFalse();
            Cluster.produce(records.subList(fed, records.size()));
        } finally {
            first.destroyForcibly();
        }
        String childLog = takeOver(run.appId(), state, Duration.ZERO, "at_least_once");
        Matcher halted = Pattern.compile("halting inside flush \\d+ with (\\d+) output records never sent").matcher(childLog);
        assertThat(halted.find()).as("the first instance's log says it halted").isTrue();
        assertThat(Integer.parseInt(halted.group(1))).as("outputs lost at the crash").isPositive();
        Expected exp = expected(run.ns(), KafkaFixture.tempDir("expected-alos-crash"), Duration.ZERO);
        assertThat(exp.alerts()).isNotEmpty();
        Map<String, List<String>> changes = committedChanges(run.ns());
        Map<String, List<String>> alerts = committedAlerts(run.ns());
        assertThat(difference(exp.changes(), changes)).as("changes never on the topic").isEmpty();
        assertThat(difference(exp.alerts(), alerts)).as("alert records never on the topic").isEmpty();
        assertThat(difference(changes, exp.changes())).as("changes not made by the reference").isEmpty();
        assertThat(difference(alerts, exp.alerts())).as("alert records not made by the reference").isEmpty();
        long deadLetters = Cluster.readCommitted(Topics.DEAD_LETTER.name()).stream()
                .filter(r -> new String(r.key(), StandardCharsets.UTF_8).startsWith(run.ns())).count();
        assertThat(deadLetters).isGreaterThanOrEqualTo(exp.deadLetters());
        org.slf4j.LoggerFactory.getLogger(TrackerIntegrationTest.class).info(
                "at_least_once crash: {} output records lost at the halt; changes {} on the topic for {} expected, alerts {} for {}",
                halted.group(1), changes.values().stream().mapToInt(List::size).sum(),
                exp.changes().values().stream().mapToInt(List::size).sum(),
                alerts.values().stream().mapToInt(List::size).sum(), exp.alerts().values().stream().mapToInt(List::size).sum());
    }

    /** The records of {@code a} that {@code b} does not have, whatever their order and repeats (at least once). */
    static java.util.Set<String> difference(Map<String, List<String>> a, Map<String, List<String>> b) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        a.values().forEach(out::addAll);
        b.values().forEach(out::removeAll);
        return out;
    }

    /** On a mismatch, logs where the first difference is and every copy of it on the topic, committed or not. */
    static void diagnose(Map<String, List<String>> actual, Map<String, List<String>> expected) {
        for (String host : expected.keySet()) {
            List<String> a = actual.getOrDefault(host, List.of());
            List<String> e = expected.get(host);
            if (a.equals(e)) {
                continue;
            }
            int i = 0;
            while (i < Math.min(a.size(), e.size()) && a.get(i).equals(e.get(i))) {
                i++;
            }
            org.slf4j.LoggerFactory.getLogger(TrackerIntegrationTest.class).error("host {}: first difference at #{} of {}/{}:\n expected {}\n actual   {}",
                    host, i, e.size(), a.size(), i < e.size() ? e.get(i) : "-", i < a.size() ? a.get(i) : "-");
            for (ConsumerRecord<byte[], byte[]> r : Cluster.read(Topics.CHANGES.name(), "read_uncommitted")) {
                IommuChange c = Topics.CHANGES.valueSerde().deserializer().deserialize(r.topic(), r.value());
                if (c.getHostId().equals(host) && c.getSequence() <= 3) {
                    org.slf4j.LoggerFactory.getLogger(TrackerIntegrationTest.class).error("uncommitted view p{}@{}: {}", r.partition(), r.offset(), c);
                }
            }
            return;
        }
    }

    /**
     * A second instance in its own process takes over the application after the first died, runs until it has
     * consumed everything and stops; returns the log of both.
     */
    static String takeOver(String appId, Path state, Duration window, String... more) throws Exception {
        Process second = spawn(appId, state, window, more);
        try {
            awaitQuiet(appId, Duration.ofSeconds(120));
        } finally {
            second.destroy();
            second.waitFor();
        }
        return Files.readString(KafkaFixture.buildDir().resolve("crash-child-" + appId + ".log"));
    }

    static Process spawn(String appId, Path state, Duration window, String... more) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.iommutracker",
                "-Diommutracker.streams.hostCache=" + Integer.getInteger("iommutracker.streams.hostCache", 4096),
                "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(),
                KafkaFixture.bootstrapServers(), appId, state.toString(), Long.toString(window.toMillis())));
        command.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectErrorStream(true);
        // appended: a restarted child logs after the first
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(
                KafkaFixture.buildDir().resolve("crash-child-" + appId + ".log").toFile()));
        return pb.start();
    }

    @Test
    void shouldDeadLetterPoisonPillsWithReasonsAndProcessTheRest() throws Exception {
        Scenario run = Scenario.of("poison-", 6, 0.05, 600);
        String ns = run.ns();
        List<FleetSimulator.SimRecord> records = run.records();
        long garbage = records.stream().filter(FleetSimulator.SimRecord::garbage).count();
        String appId = run.appId();
        try (TrackerApp app = new TrackerApp(config(appId)).start()) {
            Cluster.produce(records);
            awaitQuiet(appId, Duration.ofSeconds(90));
        }
        List<ConsumerRecord<byte[], byte[]>> dlq = Cluster.readCommitted(Topics.DEAD_LETTER.name()).stream()
                .filter(r -> new String(r.key(), StandardCharsets.UTF_8).startsWith(ns)).toList();
        Expected exp = expected(ns, KafkaFixture.tempDir("expected-poison"), Duration.ZERO);
        assertThat(garbage).isPositive();
        assertThat(dlq).hasSize(exp.deadLetters());
        assertThat(dlq.stream().filter(r -> header(r, DlqHeaders.STAGE).equals("DECODE")).count()).isEqualTo(garbage);
        assertThat(dlq).anyMatch(r -> header(r, DlqHeaders.REASON).startsWith("UNKNOWN_DEVICE"));
        for (ConsumerRecord<byte[], byte[]> r : dlq) {
            assertThat(header(r, DlqHeaders.SOURCE_TOPIC)).isEqualTo(Topics.TELEMETRY.name());
            assertThat(Integer.parseInt(header(r, DlqHeaders.SOURCE_PARTITION))).isBetween(0, 7);
            assertThat(Long.parseLong(header(r, DlqHeaders.SOURCE_OFFSET))).isNotNegative();
        }
        assertThat(committedChanges(ns)).isEqualTo(exp.changes());
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }
}

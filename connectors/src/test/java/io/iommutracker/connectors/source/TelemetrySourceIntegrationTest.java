package io.iommutracker.connectors.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iommutracker.avro.Heartbeat;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.connectors.runner.ConnectRunner;
import io.iommutracker.connectors.runner.TelemetryTopic;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.format.Captures;
import io.iommutracker.kafka.KafkaFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The telemetry source in an in-process Connect worker on the real test broker, fed with real lspci dumps. */
class TelemetrySourceIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(TelemetrySourceIntegrationTest.class);
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static List<Path> realDumps() throws Exception {
        Path dir = Path.of(TelemetrySourceIntegrationTest.class.getResource("/realdata/NOTE.md").toURI()).getParent();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith("__lspci-vvnn.txt")).sorted().toList();
        }
    }

    /** Writes under a temporary name and renames, as the spool contract asks. */
    static void drop(Path spool, String name, String text) throws Exception {
        Path tmp = spool.resolve("." + name);
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, spool.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    private static Map<String, List<PciEvent>> byHost(List<PciEvent> events) {
        return events.stream().collect(Collectors.groupingBy(PciEvent::getHostId, LinkedHashMap::new, Collectors.toList()));
    }

    @Test
    void shouldEmitSnapshotThenExactDiffOfEachRealDumpAndResumeWithoutDuplicatesAfterRestart() throws Exception {
        TelemetryTopic topic = new TelemetryTopic("telemetry-source-it");
        Path work = KafkaFixture.tempDir("telemetry-source");
        ConnectRunner.Options options = ConnectRunner.Options.of(KafkaFixture.bootstrapServers(), work, Optional.empty())
                .withTopics(topic.name(), "unused-alerts", "unused-alerts-dlq");
        Path spool = options.spoolDir();

        Map<String, HostSnapshot> firstSnapshots = new LinkedHashMap<>();
        Map<String, LspciEdit> edits = new LinkedHashMap<>();
        List<Path> dumps = realDumps();
        assertThat(dumps).hasSize(6);
        for (int i = 0; i < dumps.size(); i++) {
            String host = "host" + i;
            String text = Files.readString(dumps.get(i), StandardCharsets.ISO_8859_1);
            Path parsed = Files.writeString(work.resolve(host + "-first.txt"), text, StandardCharsets.ISO_8859_1);
            HostSnapshot first = Captures.read(List.of(parsed));
            firstSnapshots.put(host, first);
            LspciEdit edit = LspciEdit.of(text, first);
            log.info("{} ({}): {}", host, dumps.get(i).getFileName(), edit.edits());
            edits.put(host, edit);
        }

        int expectedCount;
        try (ConnectRunner runner = ConnectRunner.start(options)) {
            for (String host : firstSnapshots.keySet()) {
                int i = Integer.parseInt(host.substring(4));
                drop(spool, host + "__1714557600000__lspci.txt", Files.readString(dumps.get(i), StandardCharsets.ISO_8859_1));
            }
            // first captures before second ones: a host's captures are read in time order anyway, this only spreads the load
            assertThat(topic.read(firstSnapshots.size(), WAIT)).hasSize(firstSnapshots.size());
            for (Map.Entry<String, LspciEdit> e : edits.entrySet()) {
                drop(spool, e.getKey() + "__2024-05-01T10:05:00Z__lspci.txt", e.getValue().text());
            }
            expectedCount = firstSnapshots.size() + edits.values().stream().mapToInt(e -> e.expected().size()).sum();
            List<PciEvent> events = topic.read(expectedCount, WAIT);
            assertThat(events).hasSize(expectedCount);
            Map<String, List<PciEvent>> hosts = byHost(events);
            for (Map.Entry<String, HostSnapshot> h : firstSnapshots.entrySet()) {
                List<PciEvent> evs = hosts.get(h.getKey());
                LspciEdit edit = edits.get(h.getKey());
                assertThat(evs).as(h.getKey()).extracting(PciEvent::getSequence)
                        .containsExactlyElementsOf(Stream.iterate(1L, s -> s + 1).limit(evs.size()).toList());
                assertThat(evs.get(0).getPayload()).as(h.getKey() + " first capture").isEqualTo(h.getValue());
                assertThat(evs.get(0).getObservedAt().toEpochMilli()).isEqualTo(1714557600000L);
                assertThat(evs.subList(1, evs.size())).as(h.getKey() + " after " + edit.edits())
                        .extracting(PciEvent::getPayload).containsExactlyInAnyOrderElementsOf(edit.expected());
                assertThat(evs.get(1).getPayload().getClass().getSimpleName()).isEqualTo("DeviceRemoved");
                assertThat(evs.get(1).getObservedAt().toString()).isEqualTo("2024-05-01T10:05:00Z");
                assertThat(evs).allMatch(e -> e.getSource().equals(ConnectRunner.SOURCE_NAME));
                applyInEmulatorIfAvailable(h.getKey(), evs);
            }
            // once offsets are committed the captures leave the spool for done/
            awaitDone(spool, 2 * firstSnapshots.size());
        }

        try (ConnectRunner again = ConnectRunner.start(options)) {
            Thread.sleep(6_000); // a few poll rounds and offset flushes
            assertThat(topic.read(expectedCount, Duration.ofSeconds(5))).as("nothing re-emitted after restart")
                    .hasSize(expectedCount);
            // the restarted task diffs against the kept snapshot: an unchanged capture is one Heartbeat, next sequence
            drop(spool, "host0__1714558000000__lspci.txt", edits.get("host0").text());
            List<PciEvent> all = topic.read(expectedCount + 1, WAIT);
            assertThat(all).hasSize(expectedCount + 1);
            PciEvent last = all.get(all.size() - 1);
            assertThat(last.getHostId()).isEqualTo("host0");
            assertThat(last.getPayload()).isInstanceOf(Heartbeat.class);
            assertThat(last.getSequence()).isEqualTo(1 + edits.get("host0").expected().size() + 1);
        }
    }

    @Test
    void shouldParkUnreadableAndMisnamedCapturesWithAReasonAndRejectABadSpoolAtSubmit() throws Exception {
        TelemetryTopic topic = new TelemetryTopic("telemetry-source-failed");
        Path work = KafkaFixture.tempDir("telemetry-failed");
        ConnectRunner.Options options = ConnectRunner.Options.of(KafkaFixture.bootstrapServers(), work, Optional.empty())
                .withTopics(topic.name(), "unused-alerts", "unused-alerts-dlq");
        try (ConnectRunner runner = ConnectRunner.start(options)) {
            Path spool = options.spoolDir();
            drop(spool, "bad1__1000__notes.txt", "this is not a capture\nnor is this\n");
            drop(spool, "lspci-without-host.txt", "00:00.0 Host bridge [0600]: x [8086:1234]\n");
            Path failed = spool.resolve(Spool.FAILED);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline && !(Files.exists(failed.resolve("bad1__1000__notes.txt.reason"))
                    && Files.exists(failed.resolve("lspci-without-host.txt.reason")))) {
                Thread.sleep(200);
            }
            assertThat(Files.readString(failed.resolve("bad1__1000__notes.txt.reason")))
                    .contains("bad1", "notes.txt");
            assertThat(Files.readString(failed.resolve("lspci-without-host.txt.reason"))).contains("<hostId>__<time>__");
            assertThat(failed.resolve("bad1__1000__notes.txt")).exists();
            assertThat(topic.read(0, Duration.ofSeconds(2))).isEmpty();

            Map<String, String> bad = new LinkedHashMap<>(ConnectRunner.sourceConfig(options));
            bad.put(TelemetrySourceConnectorConfig.SPOOL_DIR, work.resolve("no-such-dir").toString());
            assertThatThrownBy(() -> runner.putConnector("bad-source", bad))
                    .hasMessageContaining("spool.dir").hasMessageContaining("no such directory");
        }
    }

    private static void awaitDone(Path spool, int count) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<String> done = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            done.clear();
            if (Files.isDirectory(spool.resolve(Spool.DONE))) {
                try (Stream<Path> s = Files.list(spool.resolve(Spool.DONE))) {
                    s.forEach(p -> done.add(p.getFileName().toString()));
                }
            }
            if (done.size() >= count) {
                break;
            }
            Thread.sleep(250);
        }
        assertThat(done).hasSize(count);
        try (Stream<Path> s = Files.list(spool)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsOnly(Spool.DONE, Spool.STATE);
        }
    }

    /** When the emulator core is there, every host's events must apply in order. */
    private static void applyInEmulatorIfAvailable(String host, List<PciEvent> events) throws Exception {
        HostState s;
        try {
            s = HostState.empty(host);
        } catch (UnsupportedOperationException notYet) {
            log.warn("emulator core not merged yet: events of {} not applied", host);
            return;
        }
        for (PciEvent e : events) {
            s = s.apply(e);
        }
    }
}

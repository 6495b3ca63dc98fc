package io.iommutracker.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.*;
import io.iommutracker.schemas.SampleEvents;
import io.iommutracker.schemas.Topics.DlqHeaders;
import io.iommutracker.streams.testing.BusGroupEngine;
import io.iommutracker.streams.testing.TrackerTestDriver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topology's Kafka-facing behaviour (ordering, DLQ, views, changes, alert lifecycle) over a bus-group stand-in emulator. */
class TrackerTopologyTest {

    @TempDir
    Path stateDir;
    TrackerTestDriver t;

    @BeforeEach
    void start() {
        t = new TrackerTestDriver(BusGroupEngine.INSTANCE, Duration.ofMinutes(1), stateDir);
    }

    @AfterEach
    void stop() {
        t.close();
    }

    static HostDescribed host(boolean isolatedMsi, boolean allowUnsafe, List<RidRange> iommuMap) {
        return HostDescribed.newBuilder(SampleEvents.intelHost()).setIsolatedMsi(isolatedMsi)
                .setAllowUnsafeInterrupts(allowUnsafe).setIommuMap(iommuMap).build();
    }

    static HostDescribed safeHost() {
        return host(true, false, List.of());
    }

    static DeviceAdded nvme(String bdf) {
        return new DeviceAdded(SampleEvents.nvme(bdf));
    }

    static DriverBound vfio(String bdf, String vm) {
        return new DriverBound(bdf, "vfio-pci", new Owner(OwnerKind.VFIO, vm));
    }

    static String header(TestRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldPublishGroupsAndFormationChangesForAddedDevices() {
        t.report("h1", safeHost(), nvme("0000:01:00.0"), nvme("0000:01:00.1"), nvme("0000:02:00.0"));

        HostView v = t.view("h1");
        assertThat(v.getKernelGroups()).extracting(GroupView::getId).containsExactly(1, 2);
        assertThat(v.getKernelGroups().get(0).getDevices()).containsExactly("0000:01:00.0", "0000:01:00.1");
        assertThat(v.getSequence()).isEqualTo(4);
        List<IommuChange> changes = t.changes();
        assertThat(changes).filteredOn(c -> c.getKind() == ChangeKind.GROUP_FORMED && c.getView() == ViewKind.KERNEL)
                .extracting(IommuChange::getGroups).containsExactly(List.of(1), List.of(2));
        assertThat(changes).filteredOn(c -> c.getKind() == ChangeKind.DEVICE_MOVED && c.getView() == ViewKind.KERNEL)
                .singleElement().satisfies(c -> {
                    assertThat(c.getDevices()).containsExactly("0000:01:00.1");
                    assertThat(c.getAfter()).contains("group 1: 0000:01:00.0", "group 1: 0000:01:00.1");
                });
    }

    @Test
    void shouldSkipDuplicatesAndReplaysWithoutOutput() {
        t.report("h1", safeHost(), nvme("0000:01:00.0"), new Heartbeat());
        t.viewRecords();
        t.changes();

        t.reportAt("h1", 2, nvme("0000:01:00.0"));
        t.reportAt("h1", 3, new DeviceRemoved("0000:01:00.0"));

        assertThat(t.viewRecords()).isEmpty();
        assertThat(t.changes()).isEmpty();
        assertThat(t.deadLetters()).isEmpty();
        assertThat(t.view("h1").getDeviceCount()).isEqualTo(1);
        assertThat(t.view("h1").getSequence()).isEqualTo(2);
    }

    @Test
    void shouldRaiseGapAlertUntilSnapshotResynchronises() {
        t.report("h1", safeHost(), nvme("0000:01:00.0"));
        t.reportAt("h1", 5, nvme("0000:02:00.0"));

        assertThat(t.view("h1").getDegraded()).isTrue();
        Alert gap = t.firing(AlertKind.TELEMETRY_GAP).get(0);
        assertThat(gap.getEvidence()).containsEntry("expected", "3").containsEntry("got", "5");
        t.reportAt("h1", 6, nvme("0000:03:00.0"));
        assertThat(t.firing(AlertKind.TELEMETRY_GAP)).hasSize(1);
        assertThat(t.latest(gap.getFingerprint()).getFirstSeen()).isEqualTo(gap.getFirstSeen());

        t.reportAt("h1", 9, new HostSnapshot(safeHost(), List.of(SampleEvents.nvme("0000:01:00.0"))));

        assertThat(t.firing(AlertKind.TELEMETRY_GAP)).isEmpty();
        assertThat(t.latest(gap.getFingerprint()).getStatus()).isEqualTo(AlertStatus.RESOLVED);
        assertThat(t.view("h1").getDegraded()).isFalse();
        assertThat(t.view("h1").getDeviceCount()).isEqualTo(1);
        assertThat(t.changes()).anyMatch(c -> c.getKind() == ChangeKind.GROUP_RELEASED && c.getGroups().contains(3));
    }

    @Test
    void shouldDeadLetterUndecodableAndInapplicableRecordsAndKeepProcessing() {
        t.report("h1", safeHost());
        t.pipeRaw("h1".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3, 4, 5}, t.now());
        t.report("h1", new DeviceRemoved("0000:7f:1f.7"));
        t.pipeRaw("not-h3".getBytes(StandardCharsets.UTF_8), io.iommutracker.schemas.Topics.TELEMETRY.valueSerde()
                .serializer().serialize("x", new PciEvent("h3", 1L, java.time.Instant.ofEpochMilli(t.now()), "t", new Heartbeat())), t.now());
        t.report("h1", nvme("0000:01:00.0"));

        List<TestRecord<byte[], byte[]>> dlq = t.deadLetters();
        assertThat(dlq).hasSize(3);
        assertThat(dlq.get(0).value()).containsExactly(1, 2, 3, 4, 5);
        assertThat(header(dlq.get(0), DlqHeaders.STAGE)).isEqualTo("DECODE");
        assertThat(header(dlq.get(0), DlqHeaders.REASON)).contains("pci.telemetry.events");
        assertThat(header(dlq.get(0), DlqHeaders.SOURCE_TOPIC)).isEqualTo("pci.telemetry.events");
        assertThat(header(dlq.get(0), DlqHeaders.SOURCE_OFFSET)).isEqualTo("1");
        assertThat(header(dlq.get(1), DlqHeaders.STAGE)).isEqualTo("APPLY");
        assertThat(header(dlq.get(1), DlqHeaders.REASON)).contains("UNKNOWN_DEVICE");
        assertThat(new String(dlq.get(1).key(), StandardCharsets.UTF_8)).isEqualTo("h1");
        assertThat(header(dlq.get(2), DlqHeaders.REASON)).contains("not-h3");
        // the rejected event consumed its sequence: the next one is not a gap
        assertThat(t.firing(AlertKind.TELEMETRY_GAP)).isEmpty();
        assertThat(t.view("h1").getDeviceCount()).isEqualTo(1);
    }

    /**
     * A source of garbage at the input's rate: every record reaches the dead-letter topic, but the log gets a line for
     * the first few per period, then one line counting the rest (when the next period lets a line through, or the
     * period's punctuation tells them).
     */
    @Test
    void shouldDeadLetterEveryRecordOfAFloodButLogOnlyTheFirstFewAndACount() {
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.apache.logging.log4j.core.Logger logger = (org.apache.logging.log4j.core.Logger)
                org.apache.logging.log4j.LogManager.getLogger(HostProcessor.class);
        org.apache.logging.log4j.core.Appender capture = new org.apache.logging.log4j.core.appender.AbstractAppender(
                "dead-letter-capture", null, null, true, org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
            @Override
            public void append(org.apache.logging.log4j.core.LogEvent event) {
                lines.add(event.getMessage().getFormattedMessage());
            }
        };
        capture.start();
        logger.addAppender(capture);
        try {
            t.report("h1", safeHost());
            int flood = 40;
            for (int i = 0; i < flood; i++) {
                t.pipeRaw("h1".getBytes(StandardCharsets.UTF_8), new byte[] {9, 9, (byte) i}, t.now());
            }
            assertThat(t.deadLetters()).hasSize(flood);
            List<String> logged = lines.stream().filter(l -> l.contains("dead-letter")).toList();
            assertThat(logged).hasSize(HostProcessor.DEAD_LETTER_LOG_BURST);
            // the period's punctuation counts the rest
            t.passWallClock(HostProcessor.DEAD_LETTER_LOG_PERIOD);
            logged = lines.stream().filter(l -> l.contains("dead-letter")).toList();
            assertThat(logged).hasSize(HostProcessor.DEAD_LETTER_LOG_BURST + 1);
            assertThat(logged.get(logged.size() - 1))
                    .contains((flood - HostProcessor.DEAD_LETTER_LOG_BURST) + " more telemetry records dead-lettered")
                    .contains("pci.telemetry.dlq");
            // the events go on being processed, and a later bad record is logged again
            t.report("h1", nvme("0000:01:00.0"));
            assertThat(t.view("h1").getDeviceCount()).isEqualTo(1);
            t.pipeRaw("h1".getBytes(StandardCharsets.UTF_8), new byte[] {7}, t.now());
            assertThat(lines.stream().filter(l -> l.contains("dead-lettering")).count())
                    .isEqualTo(HostProcessor.DEAD_LETTER_LOG_BURST + 1);
        } finally {
            logger.removeAppender(capture);
            capture.stop();
        }
    }

    @Test
    void shouldDeadLetterAHostIdReservedForTheTrackersBookkeeping() {
        t.report("h1", safeHost());
        String reserved = io.iommutracker.streams.StoreNames.PROGRESS_KEY;
        t.pipe(new PciEvent(reserved, 1L, java.time.Instant.ofEpochMilli(t.now()), "t", new Heartbeat()));
        t.report("h1", nvme("0000:01:00.0"));

        List<TestRecord<byte[], byte[]>> dlq = t.deadLetters();
        assertThat(dlq).hasSize(1);
        assertThat(header(dlq.get(0), DlqHeaders.STAGE)).isEqualTo("DECODE");
        assertThat(header(dlq.get(0), DlqHeaders.REASON)).contains("reserved");
        assertThat(new String(dlq.get(0).key(), StandardCharsets.UTF_8)).isEqualTo(reserved);
        assertThat(t.view("h1").getDeviceCount()).isEqualTo(1);
    }

    @Test
    void shouldFireIsolationWhileAssignedDeviceSharesLiveGroupWithHostDevice() {
        t.report("h1", safeHost(), nvme("0000:01:00.0"), nvme("0000:01:00.1"), vfio("0000:01:00.0", "vm-1"));

        Alert a = t.firing(AlertKind.ISOLATION).get(0);
        assertThat(a.getDevices()).containsExactly("0000:01:00.0", "0000:01:00.1");
        assertThat(a.getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.getFirstSeen().toEpochMilli()).isEqualTo(t.now());
        assertThat(t.storedAlert(a.getFingerprint())).isEqualTo(a);

        t.report("h1", new Heartbeat(), vfio("0000:01:00.1", "vm-1"));

        assertThat(t.firing(AlertKind.ISOLATION)).isEmpty();
        Alert resolved = t.latest(a.getFingerprint());
        assertThat(resolved.getStatus()).isEqualTo(AlertStatus.RESOLVED);
        assertThat(resolved.getResolvedAt().toEpochMilli()).isEqualTo(t.now());
        assertThat(t.alertRecords()).filteredOn(x -> x.getKind() == AlertKind.ISOLATION).hasSize(2);

        t.report("h1", vfio("0000:01:00.1", "vm-2"));
        assertThat(t.firing(AlertKind.ISOLATION)).extracting(Alert::getFingerprint).contains(a.getFingerprint());
    }

    @Test
    void shouldFlagStaleGroupWhenAcsIsDisabledAfterProbeAndClearItWhenRestored() {
        t.report("h1", safeHost(), new DeviceAdded(SampleEvents.rootPort("0000:00:1c.0", 1, 1)), nvme("0000:01:00.0"), nvme("0000:02:00.0"));
        t.changes();

        t.report("h1", new AcsControlChanged("0000:00:1c.0", 0));

        Alert stale = t.firing(AlertKind.STALE_GROUP).get(0);
        assertThat(stale.getEvidence()).containsEntry("kernelGroups", "0,1,2");
        assertThat(t.changes()).filteredOn(c -> c.getView() == ViewKind.LIVE)
                .anyMatch(c -> c.getKind() == ChangeKind.GROUP_MERGED && c.getGroups().containsAll(List.of(0, 1, 2)))
                .noneMatch(c -> c.getView() == ViewKind.KERNEL);

        t.report("h1", new AcsControlChanged("0000:00:1c.0", 0x1d));

        assertThat(t.firing(AlertKind.STALE_GROUP)).isEmpty();
        assertThat(t.changes()).anyMatch(c -> c.getKind() == ChangeKind.GROUP_SPLIT && c.getView() == ViewKind.LIVE);
    }

    @Test
    void shouldAlertOnDirectRegionsAndConflictingDmaMappingsOfAssignedDevice() {
        t.report("h1", safeHost(), nvme("0000:00:14.0"), vfio("0000:00:14.0", "vm-1"));
        assertThat(t.firing(AlertKind.REQUIRE_DIRECT)).singleElement()
                .satisfies(a -> assertThat(a.getDevices()).containsExactly("0000:00:14.0"));

        t.report("h1", new DmaMappingsReported("vm-1", List.of("0000:00:14.0"), List.of(new IovaRange(0x7b000000L, 0x7b8fffffL))));
        assertThat(t.firing(AlertKind.RESERVED_CONFLICT)).singleElement()
                .satisfies(a -> assertThat(a.getEvidence()).containsKey("region 0x000000007b800000 0x000000007b9fffff direct"));

        t.report("h1", new DmaMappingsReported("vm-1", List.of("0000:00:14.0"), List.of(new IovaRange(0x0L, 0xfffffffL))));
        assertThat(t.firing(AlertKind.RESERVED_CONFLICT)).isEmpty();
        t.report("h1", new DriverUnbound("0000:00:14.0", "vfio-pci"));
        assertThat(t.firing(AlertKind.REQUIRE_DIRECT)).isEmpty();
    }

    @Test
    void shouldFlagUnsafeMsiUntilHostAllowsUnsafeInterrupts() {
        t.report("h1", host(false, false, List.of()), nvme("0000:01:00.0"), vfio("0000:01:00.0", "vm-1"));
        assertThat(t.firing(AlertKind.UNSAFE_MSI)).hasSize(1);

        t.report("h1", host(false, true, List.of()));
        assertThat(t.firing(AlertKind.UNSAFE_MSI)).isEmpty();
    }

    @Test
    void shouldFlagDevicesOutsideTheIommuMap() {
        t.report("h1", host(true, false, List.of(new RidRange(0, 0x0000, 0x00ff))), nvme("0000:00:02.0"), nvme("0000:01:00.0"));
        assertThat(t.firing(AlertKind.IOMMU_BYPASS)).singleElement()
                .satisfies(a -> assertThat(a.getEvidence()).containsEntry("rid", "0x0100"));

        t.report("h1", new DeviceRemoved("0000:01:00.0"));
        assertThat(t.firing(AlertKind.IOMMU_BYPASS)).isEmpty();
    }

    @Test
    void shouldRaiseHostSilentInStreamTimeAndResolveWhenHostSpeaksAgain() {
        t.report("quiet", safeHost());
        long lastQuiet = t.now();
        t.advance(Duration.ofMinutes(3));
        t.report("busy", safeHost(), new Heartbeat());

        Alert silent = t.firing(AlertKind.HOST_SILENT).stream().filter(a -> a.getHostId().equals("quiet")).findFirst().orElseThrow();
        assertThat(silent.getFirstSeen().toEpochMilli()).isEqualTo(lastQuiet + 60_000);

        t.report("quiet", new Heartbeat());
        assertThat(t.latest(silent.getFingerprint()).getStatus()).isEqualTo(AlertStatus.RESOLVED);
    }

    @Test
    void shouldResolveAlertsAndTombstoneViewsWhenHostIsDecommissioned() {
        t.report("h1", safeHost(), nvme("0000:01:00.0"), nvme("0000:01:00.1"), vfio("0000:01:00.0", "vm-1"));
        Alert a = t.firing(AlertKind.ISOLATION).get(0);
        t.viewRecords();
        t.changes();

        t.report("h1", new HostDecommissioned("retired"));

        assertThat(t.latest(a.getFingerprint()).getStatus()).isEqualTo(AlertStatus.RESOLVED);
        List<TestRecord<String, HostView>> views = t.viewRecords();
        assertThat(views).last().satisfies(r -> assertThat(r.value()).isNull());
        assertThat(t.view("h1")).isNull();
        assertThat(t.hostState("h1")).isNull();
        assertThat(t.storedAlert(a.getFingerprint())).isNull();
        assertThat(t.viewAsOf("h1", t.now())).isNull();
        assertThat(t.changes()).anyMatch(c -> c.getKind() == ChangeKind.GROUP_RELEASED && c.getView() == ViewKind.KERNEL);
    }

    @Test
    void shouldAnswerAsOfReadsFromViewHistory() {
        t.report("h1", safeHost(), nvme("0000:01:00.0"));
        long before = t.now();
        t.report("h1", nvme("0000:02:00.0"));

        assertThat(t.viewAsOf("h1", before).getDeviceCount()).isEqualTo(1);
        assertThat(t.viewAsOf("h1", t.now()).getDeviceCount()).isEqualTo(2);
    }
}

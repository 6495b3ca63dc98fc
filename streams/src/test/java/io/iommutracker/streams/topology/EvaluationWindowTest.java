package io.iommutracker.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AlertKind;
import io.iommutracker.avro.ChangeKind;
import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.Heartbeat;
import io.iommutracker.avro.HostDecommissioned;
import io.iommutracker.avro.IommuChange;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.avro.ViewKind;
import io.iommutracker.schemas.SampleEvents;
import io.iommutracker.schemas.Topics;
import io.iommutracker.schemas.Topics.DlqHeaders;
import io.iommutracker.streams.StoreNames;
import io.iommutracker.streams.testing.BusGroupEngine;
import io.iommutracker.streams.testing.TrackerTestDriver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluation windows: a host's events within a window of record time are evaluated once, when the partition's stream
 * time passes the window's end or when a tick the idle task wrote into its own input comes back.
 */
class EvaluationWindowTest {

    static final long T = TrackerTestDriver.T0;
    static final Duration WINDOW = Duration.ofMillis(100);

    @TempDir
    Path stateDir;
    TrackerTestDriver t;

    @BeforeEach
    void start() {
        t = new TrackerTestDriver(BusGroupEngine.INSTANCE, Duration.ZERO, stateDir, c -> c.withEvaluationWindow(WINDOW));
    }

    @AfterEach
    void stop() {
        t.close();
    }

    void at(long time, String host, long sequence, Object payload) {
        t.pipe(new PciEvent(host, sequence, Instant.ofEpochMilli(time), "test", payload));
    }

    /** The devices of the kernel groups formed. */
    static List<String> formed(List<IommuChange> changes) {
        return changes.stream().filter(c -> c.getKind() == ChangeKind.GROUP_FORMED && c.getView() == ViewKind.KERNEL)
                .flatMap(c -> c.getDevices().stream()).toList();
    }

    @Test
    void shouldEvaluateAHostOnceForTheEventsOfItsWindow() {
        at(T, "h1", 1, TrackerTopologyTest.safeHost());
        // a host's first event is evaluated at once
        assertThat(t.view("h1").getSequence()).isEqualTo(1);
        t.changes();

        at(T + 1000, "h1", 2, TrackerTopologyTest.nvme("0000:01:00.0"));
        at(T + 1010, "h1", 3, new DeviceRemoved("0000:01:00.0"));
        at(T + 1020, "h1", 4, TrackerTopologyTest.nvme("0000:02:00.0"));
        assertThat(t.changes()).as("the window is open until stream time reaches %d", T + 1100).isEmpty();

        // another host's record moves the stream time past the window's end: h1 is evaluated before it is consumed
        at(T + 1100, "h2", 1, TrackerTopologyTest.safeHost());
        List<IommuChange> changes = t.changes();
        assertThat(changes).filteredOn(c -> c.getHostId().equals("h1")).isNotEmpty()
                .allSatisfy(c -> {
                    assertThat(c.getSequence()).as("stamped with the window's last event").isEqualTo(4);
                    assertThat(c.getAt().toEpochMilli()).isEqualTo(T + 1020);
                });
        // the device that came and went within the window never formed a group
        assertThat(formed(changes.stream().filter(c -> c.getHostId().equals("h1")).toList()))
                .contains("0000:02:00.0").doesNotContain("0000:01:00.0");
        assertThat(t.ticks()).as("no tick: the stream time closed the window").isEmpty();
        assertThat(t.view("h1").getDeviceCount()).isEqualTo(1);
    }

    @Test
    void shouldCloseTheWindowsOfAnIdleTaskWithATickWrittenIntoItsInput() {
        at(T, "h1", 1, TrackerTopologyTest.safeHost());
        t.changes();
        at(T + 1000, "h1", 2, TrackerTopologyTest.nvme("0000:01:00.0"));
        assertThat(t.changes()).isEmpty();

        t.flush(); // wall-clock time passes with no record: the task writes a tick, consumes it, evaluates h1

        assertThat(formed(t.changes())).containsExactly("0000:01:00.0");
        List<TestRecord<byte[], byte[]>> ticks = t.ticks();
        assertThat(ticks).singleElement().satisfies(r -> {
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(StoreNames.TICK_PREFIX + "0");
            PciEvent e = (PciEvent) Topics.TELEMETRY.valueSerde().deserializer().deserialize(Topics.TELEMETRY.name(), r.value());
            assertThat(e.getPayload()).isInstanceOf(Heartbeat.class);
            assertThat(r.timestamp()).as("stamped with the stream time, which it does not move").isEqualTo(T + 1000);
        });
        assertThat(t.deadLetters()).isEmpty();
        t.flush();
        assertThat(t.ticks()).as("no window open, no tick").isEmpty();
    }

    @Test
    void shouldEvaluateALateEventAtOnce() {
        at(T, "h1", 1, TrackerTopologyTest.safeHost());
        at(T + 5000, "h2", 1, TrackerTopologyTest.safeHost());
        t.changes();

        // its window would have ended before the stream time: nothing is waiting for it
        at(T + 1000, "h1", 2, TrackerTopologyTest.nvme("0000:01:00.0"));

        assertThat(formed(t.changes())).containsExactly("0000:01:00.0");
    }

    @Test
    void shouldFoldNoMoreThanAWindowsWorthOfEvents() {
        at(T, "h1", 1, TrackerTopologyTest.safeHost());
        t.changes();
        // a clock standing still: the stream time never reaches the window's end, the event count closes it
        for (int i = 0; i < HostProcessor.WINDOW_EVENTS; i++) {
            at(T + 1000, "h1", 2 + i, new Heartbeat());
        }
        at(T + 1000, "h1", 2 + HostProcessor.WINDOW_EVENTS, TrackerTopologyTest.nvme("0000:01:00.0"));
        assertThat(t.changes()).as("the window that closed held only heartbeats").isEmpty();
        for (int i = 1; i < HostProcessor.WINDOW_EVENTS; i++) {
            at(T + 1000, "h1", 2 + HostProcessor.WINDOW_EVENTS + i, new Heartbeat());
        }
        assertThat(formed(t.changes())).containsExactly("0000:01:00.0");
    }

    @Test
    void shouldDeadLetterTelemetryUnderAKeyReservedForTicks() {
        at(T, "h1", 1, TrackerTopologyTest.safeHost());
        String reserved = StoreNames.TICK_PREFIX + "0";
        at(T + 10, reserved, 1, new DeviceAdded(SampleEvents.nvme("0000:01:00.0")));

        List<TestRecord<byte[], byte[]>> dlq = t.deadLetters();
        assertThat(dlq).singleElement().satisfies(r -> {
            assertThat(new String(r.headers().lastHeader(DlqHeaders.REASON).value(), StandardCharsets.UTF_8))
                    .contains("reserved for the tracker's evaluation ticks");
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(reserved);
        });
        assertThat(t.firing(AlertKind.TELEMETRY_GAP)).isEmpty();
    }

    @Test
    void shouldDropAnOpenWindowWhenItsHostIsDecommissioned() {
        at(T, "h1", 1, TrackerTopologyTest.safeHost());
        at(T + 500, "h1", 2, TrackerTopologyTest.nvme("0000:01:00.0"));
        at(T + 1000, "h1", 3, TrackerTopologyTest.nvme("0000:02:00.0"));
        assertThat(formed(t.changes())).as("the first window, closed by the next event's time").containsExactly("0000:01:00.0");

        at(T + 1010, "h1", 4, new HostDecommissioned("retired"));

        // the open window's event is never evaluated: the host goes from its last evaluated view to nothing
        List<IommuChange> changes = t.changes();
        assertThat(formed(changes)).isEmpty();
        assertThat(changes).filteredOn(c -> c.getKind() == ChangeKind.GROUP_RELEASED && c.getView() == ViewKind.KERNEL)
                .singleElement().satisfies(c -> {
                    assertThat(c.getDevices()).containsExactly("0000:01:00.0");
                    assertThat(c.getSequence()).isEqualTo(4);
                });
        assertThat(t.hostState("h1")).isNull();
        t.flush();
        assertThat(t.ticks()).as("no window left open").isEmpty();
        assertThat(t.changes()).isEmpty();
    }
}

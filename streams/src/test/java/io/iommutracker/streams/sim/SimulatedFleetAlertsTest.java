package io.iommutracker.streams.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.AlertKind;
import io.iommutracker.avro.AlertStatus;
import io.iommutracker.streams.engine.EmulatorEngine;
import io.iommutracker.streams.testing.TrackerTestDriver;
import io.iommutracker.schemas.Topics.DlqHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The simulated fleet, over the real emulator, shows every alert kind firing and resolving as time goes by. */
class SimulatedFleetAlertsTest {

    private static final Logger log = LoggerFactory.getLogger(SimulatedFleetAlertsTest.class);

    @TempDir
    Path stateDir;

    /** 18 hosts (every kind at least twice), 5000 events one second apart: about 83 minutes of fleet time. */
    @Test
    void shouldFireAndResolveEveryAlertKindOverTime() {
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(18).withBadRecords(0, 0)
                .withGaps(0.005).withSilences(0.001, Duration.ofMinutes(15)));
        Map<AlertKind, Integer> fired = new EnumMap<>(AlertKind.class);
        Map<AlertKind, Integer> resolved = new EnumMap<>(AlertKind.class);
        List<String> reasons;
        try (TrackerTestDriver t = new TrackerTestDriver(EmulatorEngine.INSTANCE, Duration.ofMinutes(10), stateDir)) {
            for (int i = 0; i < 5000; i++) {
                FleetSimulator.SimRecord r = sim.next(TrackerTestDriver.T0 + 1000L * i);
                t.pipeRaw(r.key(), r.value(), r.timestamp());
            }
            List<Alert> records = t.alertRecords();
            for (Alert a : records) {
                (a.getStatus() == AlertStatus.FIRING ? fired : resolved).merge(a.getKind(), 1, Integer::sum);
            }
            reasons = t.deadLetters().stream()
                    .map(d -> new String(d.headers().lastHeader(DlqHeaders.REASON).value(), StandardCharsets.UTF_8)).toList();
            log.info("fired {} resolved {} dead letters {}", fired, resolved, reasons);
        }
        assertThat(reasons).as("the simulator's own events are all valid").isEmpty();
        assertThat(fired.keySet()).containsExactlyInAnyOrder(AlertKind.values());
        assertThat(resolved.keySet()).containsExactlyInAnyOrder(AlertKind.values());
    }
}

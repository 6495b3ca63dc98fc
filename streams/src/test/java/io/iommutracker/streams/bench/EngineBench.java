package io.iommutracker.streams.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.streams.engine.EmulatorEngine;
import io.iommutracker.streams.engine.HostEngine;
import io.iommutracker.streams.sim.FleetSimulator;
import io.iommutracker.streams.topology.ViewDiff;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emulator's share of the tracker's per-event work, without Kafka: apply, view (when it may differ) and diff over
 * simulated fleet telemetry. On demand only (not a *Test): {@code -Dtest=EngineBench -Dbench.events=N}; profile it with
 * {@code JAVA_TOOL_OPTIONS=-XX:StartFlightRecording=filename=...}.
 */
class EngineBench {

    private static final Logger log = LoggerFactory.getLogger(EngineBench.class);

    @Test
    void shouldReportEngineEventsPerSecond() {
        int n = Integer.getInteger("bench.events", 20_000);
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(200));
        List<PciEvent> events = new ArrayList<>();
        long t = 1_700_000_000_000L;
        while (events.size() < n) {
            FleetSimulator.SimRecord r = sim.next(t += 5);
            if (!r.garbage()) {
                events.add(r.event());
            }
        }
        for (int round = 0; round < 3; round++) {
            Map<String, HostEngine.Host> hosts = new HashMap<>();
            Map<String, HostView> views = new HashMap<>();
            long changes = 0;
            long t0 = System.nanoTime();
            for (PciEvent e : events) {
                HostEngine.Host before = hosts.computeIfAbsent(e.getHostId(), EmulatorEngine.INSTANCE::empty);
                HostEngine.Host next;
                try {
                    next = before.apply(e);
                } catch (EventRejectedException ex) {
                    continue;
                }
                hosts.put(e.getHostId(), next);
                HostView old = views.get(e.getHostId());
                if (old == null || next.viewMayDiffer(before, e)) {
                    HostView v = next.view();
                    changes += ViewDiff.diff(e.getHostId(), old, v, e.getSequence(), 0).size();
                    views.put(e.getHostId(), v);
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            log.info("engine round {}: {} events in {} s = {} events/s ({} changes)", round, events.size(),
                    String.format("%.2f", secs), String.format("%.0f", events.size() / secs), changes);
            System.out.printf("engine round %d: %.0f events/s (%d changes)%n", round, events.size() / secs, changes);
            assertThat(changes).isPositive();
        }
    }
}

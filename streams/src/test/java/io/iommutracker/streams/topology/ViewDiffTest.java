package io.iommutracker.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IommuChange;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.streams.engine.EmulatorEngine;
import io.iommutracker.streams.engine.HostEngine;
import io.iommutracker.streams.sim.FleetSimulator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Diffing only the groups that changed gives exactly the changes of diffing every group. */
class ViewDiffTest {

    @Test
    void shouldFindTheSameChangesWhenOnlyChangedGroupsAreDiffed() {
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(10));
        Map<String, HostEngine.Host> hosts = new HashMap<>();
        Map<String, HostView> views = new HashMap<>();
        long t = 1_700_000_000_000L;
        int nonEmpty = 0;
        for (int i = 0; i < 4000; i++) {
            FleetSimulator.SimRecord r = sim.next(t += 7);
            if (r.garbage()) {
                continue;
            }
            String host = r.hostId();
            HostEngine.Host next;
            try {
                next = hosts.computeIfAbsent(host, EmulatorEngine.INSTANCE::empty).apply(r.event());
            } catch (EventRejectedException e) {
                continue;
            }
            hosts.put(host, next);
            HostView after = next.view();
            HostView before = views.put(host, after);
            long seq = r.event().getSequence();
            List<IommuChange> restricted = ViewDiff.diff(host, before, after, seq, t);
            assertThat(restricted).isEqualTo(ViewDiff.diff(host, before, after, seq, t, false));
            if (before != null && !restricted.isEmpty()) {
                nonEmpty++;
            }
        }
        // the comparison covered real changes after the first view, not only empty diffs
        assertThat(nonEmpty).isGreaterThan(20);
    }

    @Test
    void shouldLeaveOutGroupsThatAreTheSameOnBothSides() {
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(1));
        HostEngine.Host host = EmulatorEngine.INSTANCE.empty(sim.hostIds().get(0));
        long t = 1_700_000_000_000L;
        for (int i = 0; i < 50; i++) {
            try {
                FleetSimulator.SimRecord r = sim.next(t += 7);
                host = r.garbage() ? host : host.apply(r.event());
            } catch (EventRejectedException e) {
                // a rejected event leaves the host as it was
            }
        }
        HostView v = host.view();
        assertThat(v.getKernelGroups()).isNotEmpty();
        assertThat(ViewDiff.changed(v.getKernelGroups(), v.getKernelGroups())).isEmpty();
        assertThat(ViewDiff.changed(v.getKernelGroups(), List.of())).isEqualTo(v.getKernelGroups());
    }
}

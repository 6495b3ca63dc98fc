package io.iommutracker.streams.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.emulator.HostState;
import io.iommutracker.streams.sim.FleetSimulator;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The engine's memoised views are the views the emulator builds from scratch, event after event. */
class EmulatorEngineMemoTest {

    @Test
    void shouldBuildTheSameViewAsAFreshBuildAfterEveryEvent() {
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(12));
        Map<String, HostEngine.Host> engines = new HashMap<>();
        Map<String, HostState> fresh = new HashMap<>();
        long t = 1_700_000_000_000L;
        int compared = 0;
        int differentFromLast = 0;
        Map<String, HostView> last = new HashMap<>();
        while (compared < 3000) {
            FleetSimulator.SimRecord r = sim.next(t += 7);
            if (r.garbage()) {
                continue;
            }
            PciEvent e = r.event();
            Twin step = Twin.apply(engines, fresh, e);
            if (step == null) {
                continue;
            }
            HostView memoised = step.next().view();
            assertThat(memoised).isEqualTo(step.plainNext().view());
            if (!memoised.equals(last.put(e.getHostId(), memoised))) {
                differentFromLast++;
            }
            compared++;
        }
        // the comparison covered views that changed, not only repeats of one view
        assertThat(differentFromLast).isGreaterThan(compared / 2);
    }

    /**
     * The incremental derivation over a long run of the whole simulated fleet (hot-plugs, ACS flips, binds, DMA
     * reports, BAR moves, snapshots after gaps): after every event its view equals one built from scratch, and so
     * does the view of the version before, built after the newer one (derivations go both ways).
     */
    @Test
    void shouldMatchAFreshBuildOverALongFleetRunInBothDirections() {
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(60).withGaps(0.002));
        Map<String, HostEngine.Host> engines = new HashMap<>();
        Map<String, HostState> fresh = new HashMap<>();
        long t = 1_700_000_000_000L;
        int compared = 0;
        int backwards = 0;
        while (compared < 20_000) {
            FleetSimulator.SimRecord r = sim.next(t += 3);
            if (r.garbage()) {
                continue;
            }
            PciEvent e = r.event();
            Twin step = Twin.apply(engines, fresh, e);
            if (step == null) {
                continue;
            }
            HostEngine.Host before = step.before();
            HostEngine.Host next = step.next();
            HostState plain = step.plain();
            HostState plainNext = step.plainNext();
            assertThat(next.view()).as("event %d of %s", e.getSequence(), e.getHostId()).isEqualTo(plainNext.view());
            if (compared % 7 == 0) {
                assertThat(before.view()).as("back to %s", e.getHostId()).isEqualTo(plain.view());
                assertThat(next.view()).isEqualTo(plainNext.view());
                backwards++;
            }
            compared++;
        }
        assertThat(backwards).isGreaterThan(1000);
    }

    @Test
    void shouldReusePiecesOfTheLastViewAfterAnEventThatTouchesOneDevice() {
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(1));
        HostEngine.Host host = EmulatorEngine.INSTANCE.empty(sim.hostIds().get(0));
        long t = 1_700_000_000_000L;
        HostView previous = null;
        int sharedGroups = 0;
        for (int i = 0; i < 400; i++) {
            FleetSimulator.SimRecord r = sim.next(t += 7);
            if (r.garbage()) {
                continue;
            }
            try {
                host = host.apply(r.event());
            } catch (EventRejectedException ex) {
                continue;
            }
            HostView v = host.view();
            if (previous != null && !v.getKernelGroups().isEmpty() && !previous.getKernelGroups().isEmpty()
                    && v.getKernelGroups().get(0) == previous.getKernelGroups().get(0)) {
                sharedGroups++;
            }
            previous = v;
        }
        // an unchanged group is the very same object as in the last view: that is what makes diffs cheap
        assertThat(sharedGroups).isGreaterThan(100);
    }

    /** One event applied both to the memoised engine and to a plain emulator state; null when the event is rejected. */
    private record Twin(HostEngine.Host before, HostEngine.Host next, HostState plain, HostState plainNext) {
        static Twin apply(Map<String, HostEngine.Host> engines, Map<String, HostState> fresh, PciEvent e) {
            HostEngine.Host before = engines.computeIfAbsent(e.getHostId(), EmulatorEngine.INSTANCE::empty);
            HostState plain = fresh.computeIfAbsent(e.getHostId(), HostState::empty);
            Twin t;
            try {
                t = new Twin(before, before.apply(e), plain, plain.apply(e));
            } catch (EventRejectedException ex) {
                return null;
            }
            engines.put(e.getHostId(), t.next());
            fresh.put(e.getHostId(), t.plainNext());
            return t;
        }
    }
}

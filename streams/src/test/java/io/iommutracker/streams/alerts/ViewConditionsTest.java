package io.iommutracker.streams.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AlertKind;
import io.iommutracker.avro.DeviceView;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.streams.engine.EmulatorEngine;
import io.iommutracker.streams.engine.HostEngine;
import io.iommutracker.streams.sim.FleetSimulator;
import io.iommutracker.streams.topology.HostFacts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The memoised rule evaluation gives the conditions of an evaluation from scratch, in the same order. */
class ViewConditionsTest {

    private record Host(HostEngine.Host state, HostView view, HostFacts facts) {
    }

    @Test
    void shouldEqualAnEvaluationFromScratchOverALongFleetRun() {
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(40));
        Map<String, Host> hosts = new HashMap<>();
        long t = 1_700_000_000_000L;
        int evaluated = 0;
        int firing = 0;
        int backwards = 0;
        int unchanged = 0;
        int sameObject = 0;
        while (evaluated < 15_000) {
            FleetSimulator.SimRecord r = sim.next(t += 3);
            if (r.garbage()) {
                continue;
            }
            PciEvent e = r.event();
            String id = e.getHostId();
            Host h = hosts.get(id);
            HostEngine.Host before = h == null ? EmulatorEngine.INSTANCE.empty(id) : h.state();
            HostEngine.Host next;
            try {
                next = before.apply(e);
            } catch (EventRejectedException ex) {
                continue;
            }
            HostFacts facts = (h == null ? HostFacts.NONE : h.facts()).after(e);
            HostView view = next.view();
            List<Condition> previous = h == null ? null : AlertRules.evaluate(id, h.view(), h.facts(), null, null);
            List<Condition> memoised = ViewConditions.of(id, view, facts);
            assertThat(memoised).as("event %d of %s", e.getSequence(), id).isEqualTo(AlertRules.fromScratch(id, view, facts));
            // evaluate: sorted by fingerprint, and the very same list object while nothing changed
            List<Condition> sorted = AlertRules.evaluate(id, view, facts, null, null);
            assertThat(sorted).isEqualTo(AlertRules.byFingerprint(new ArrayList<>(AlertRules.fromScratch(id, view, facts))));
            assertThat(AlertRules.evaluate(id, view, facts, null, null)).isSameAs(sorted);
            if (previous != null && previous.equals(sorted)) {
                unchanged++;
                sameObject += previous == sorted ? 1 : 0;
            }
            if (h != null && evaluated % 5 == 0) {
                // an older view after a newer one: the memo must notice it is not the view it holds
                assertThat(ViewConditions.of(id, h.view(), h.facts())).isEqualTo(AlertRules.fromScratch(id, h.view(), h.facts()));
                assertThat(ViewConditions.of(id, view, facts)).isEqualTo(memoised);
                backwards++;
            }
            firing += memoised.size();
            hosts.put(id, new Host(next, view, facts));
            evaluated++;
        }
        // the run raised conditions of several kinds, not an empty list compared with an empty list
        assertThat(firing).isGreaterThan(evaluated / 2);
        assertThat(backwards).isGreaterThan(1000);
        // most events leave a host's conditions as they were; the memo then answers with the list it gave before
        assertThat(unchanged).isGreaterThan(evaluated / 2);
        assertThat(sameObject).isGreaterThan(unchanged / 2);
    }

    /**
     * A member's device view changes while its live group stays the very same object (an owner change): the group's
     * isolation condition must follow, whether the device views name their groups (found by id) or not (found by
     * scanning the members).
     */
    @Test
    void shouldReevaluateAGroupWhoseMemberChangedInPlace() {
        for (boolean named : new boolean[] {true, false}) {
            String host = "in-place-" + named;
            Integer group = named ? 7 : null;
            GroupView g = new GroupView(7, List.of("0000:05:00.0", "0000:05:00.1"), List.of(), false, true);
            DeviceView guest = new DeviceView("0000:05:00.0", group, group, "vfio-pci", new Owner(OwnerKind.VFIO, "vm-1"), List.of());
            DeviceView hostNic = new DeviceView("0000:05:00.1", group, group, "igb", new Owner(OwnerKind.HOST, null), List.of());
            DeviceView sameVm = new DeviceView("0000:05:00.1", group, group, "vfio-pci", new Owner(OwnerKind.VFIO, "vm-1"), List.of());
            List<GroupView> groups = List.of(g);
            HostView shared = view(host, groups, List.of(guest, hostNic));
            HostView isolated = view(host, groups, List.of(guest, sameVm));

            assertThat(ViewConditions.of(host, shared, HostFacts.NONE)).extracting(Condition::kind).contains(AlertKind.ISOLATION);
            List<Condition> after = ViewConditions.of(host, isolated, HostFacts.NONE);
            assertThat(after).as("named %s", named).isEqualTo(AlertRules.fromScratch(host, isolated, HostFacts.NONE))
                    .extracting(Condition::kind).doesNotContain(AlertKind.ISOLATION);
            assertThat(ViewConditions.of(host, shared, HostFacts.NONE)).extracting(Condition::kind).contains(AlertKind.ISOLATION);
        }
    }

    private static HostView view(String host, List<GroupView> groups, List<DeviceView> devices) {
        return HostView.newBuilder().setHostId(host).setSequence(1).setUpdatedAt(java.time.Instant.EPOCH)
                .setPlatform(IommuPlatform.INTEL_VT_D).setDegraded(false).setDeviceCount(devices.size())
                .setKernelGroups(groups).setLiveGroups(groups).setDevices(devices).setUsableIova(List.of())
                .setHazards(List.of()).build();
    }
}

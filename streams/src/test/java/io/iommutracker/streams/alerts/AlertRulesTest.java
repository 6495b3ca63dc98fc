package io.iommutracker.streams.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.*;
import io.iommutracker.streams.topology.HostFacts;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Rules the stand-in engine cannot reach (P2P hazards), and the lifecycle's no-repeat guarantee. */
class AlertRulesTest {

    static HostView view(List<P2pHazard> hazards, OwnerKind ownerKind) {
        Owner owner = new Owner(ownerKind, ownerKind == OwnerKind.HOST ? null : "vm-7");
        List<DeviceView> devices = List.of(new DeviceView("0000:03:00.0", 3, 3, "vfio-pci", owner, List.of()),
                new DeviceView("0000:04:00.0", 4, 4, "nvidia", new Owner(OwnerKind.HOST, null), List.of()));
        List<GroupView> groups = List.of(new GroupView(3, List.of("0000:03:00.0"), List.of(), false, true),
                new GroupView(4, List.of("0000:04:00.0"), List.of(), false, true));
        return HostView.newBuilder().setHostId("h").setSequence(1).setUpdatedAt(Instant.EPOCH).setPlatform(IommuPlatform.INTEL_VT_D)
                .setKernelGroups(groups).setLiveGroups(groups).setDevices(devices).setHazards(hazards).build();
    }

    static P2pHazard hazard(IovaRange overlap) {
        return new P2pHazard("0000:03:00.0", "0000:04:00.0", new IovaRange(0x80000000L, 0x80ffffffL), overlap);
    }

    @Test
    void shouldRaiseP2pHazardOnlyForAssignedDeviceWithOverlappingMappings() {
        HostFacts facts = HostFacts.NONE;
        List<Condition> hit = AlertRules.evaluate("h", view(List.of(hazard(new IovaRange(0x80000000L, 0x8000ffffL))), OwnerKind.VFIO),
                new HostFacts(true, false, List.of(), java.util.Map.of()), null, null);
        assertThat(hit).extracting(Condition::kind).containsExactly(AlertKind.P2P_HAZARD);
        assertThat(hit.get(0).devices()).containsExactly("0000:03:00.0", "0000:04:00.0");

        assertThat(AlertRules.evaluate("h", view(List.of(hazard(null)), OwnerKind.VFIO), facts, null, null))
                .extracting(Condition::kind).doesNotContain(AlertKind.P2P_HAZARD);
        assertThat(AlertRules.evaluate("h", view(List.of(hazard(new IovaRange(1L, 2L))), OwnerKind.HOST), facts, null, null))
                .isEmpty();
    }

    @Test
    void shouldEmitOnlyOnStartChangeAndResolution() {
        Condition c = AlertRules.evaluate("h", view(List.of(hazard(new IovaRange(0x80000000L, 0x8000ffffL))), OwnerKind.VFIO),
                new HostFacts(true, false, List.of(), java.util.Map.of()), null, null).get(0);
        AlertReconciler.Outcome first = AlertReconciler.reconcile(Set.of(), List.of(c), fp -> null, 10);
        Alert fired = first.emit().get(0);
        assertThat(fired.getStatus()).isEqualTo(AlertStatus.FIRING);

        AlertReconciler.Outcome again = AlertReconciler.reconcile(first.firing(), List.of(c), fp -> fired, 20);
        assertThat(again.emit()).isEmpty();

        AlertReconciler.Outcome gone = AlertReconciler.reconcile(again.firing(), List.of(), fp -> fired, 30);
        assertThat(gone.emit()).singleElement().satisfies(a -> {
            assertThat(a.getStatus()).isEqualTo(AlertStatus.RESOLVED);
            assertThat(a.getFirstSeen().toEpochMilli()).isEqualTo(10);
            assertThat(a.getResolvedAt().toEpochMilli()).isEqualTo(30);
        });
        assertThat(gone.firing()).isEmpty();
        assertThat(c.fingerprint()).isEqualTo(Fingerprints.of(AlertKind.P2P_HAZARD, "h", "0000:03:00.0->0000:04:00.0"));
    }
}

package io.iommutracker.streams.topology;

import static io.iommutracker.streams.testing.IntelServer.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.*;
import io.iommutracker.streams.alerts.Fingerprints;
import io.iommutracker.streams.engine.EmulatorEngine;
import io.iommutracker.streams.testing.IntelServer;
import io.iommutracker.streams.testing.TrackerTestDriver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every alert kind fired by realistic telemetry over the REAL emulator, and resolved when its cause goes away: the
 * lifecycle records (kind, status, severity, devices, a fingerprint stable from fire to resolve, firstSeen / lastSeen /
 * resolvedAt in event time) and, where the views move, the IommuChange records.
 */
class EmulatorAlertsTest {

    static final String HOST = "srv-1";
    static final Duration SILENT_AFTER = Duration.ofMinutes(10);

    @TempDir
    Path stateDir;
    @TempDir
    Path replayDir;
    TrackerTestDriver t;

    @BeforeEach
    void start() {
        t = new TrackerTestDriver(EmulatorEngine.INSTANCE, SILENT_AFTER, stateDir);
    }

    @AfterEach
    void stop() {
        t.close();
    }

    void boot() {
        t.report(HOST, IntelServer.boot().toArray());
        assertThat(t.deadLetters()).isEmpty();
        assertThat(t.firing()).isEmpty();
        t.changes();
    }

    /** The alert of this kind and subject, checked to have just fired at the current event time. */
    Alert fired(AlertKind kind, String subject) {
        return fired(kind, subject, t.now());
    }

    /** The alert of this kind and subject, checked to be firing since {@code at} with nothing changed since. */
    Alert fired(AlertKind kind, String subject, long at) {
        Alert a = t.latest(Fingerprints.of(kind, HOST, subject));
        assertThat(a).as("%s on %s", kind, subject).isNotNull();
        assertThat(a.getStatus()).isEqualTo(AlertStatus.FIRING);
        assertThat(a.getKind()).isEqualTo(kind);
        assertThat(a.getHostId()).isEqualTo(HOST);
        assertThat(a.getFirstSeen().toEpochMilli()).isEqualTo(at);
        assertThat(a.getLastSeen()).isEqualTo(a.getFirstSeen());
        assertThat(a.getResolvedAt()).isNull();
        assertThat(t.storedAlert(a.getFingerprint())).isEqualTo(a);
        return a;
    }

    /** The alert's latest record resolves the firing one at the current event time and keeps its identity. */
    Alert resolved(Alert firing) {
        Alert r = t.latest(firing.getFingerprint());
        assertThat(r.getStatus()).as("%s", firing.getKind()).isEqualTo(AlertStatus.RESOLVED);
        assertThat(r.getResolvedAt().toEpochMilli()).isEqualTo(t.now());
        assertThat(r.getFirstSeen()).isEqualTo(firing.getFirstSeen());
        assertThat(r.getLastSeen()).isEqualTo(firing.getLastSeen());
        assertThat(r.getKind()).isEqualTo(firing.getKind());
        assertThat(r.getSeverity()).isEqualTo(firing.getSeverity());
        assertThat(r.getDevices()).isEqualTo(firing.getDevices());
        assertThat(r.getHostId()).isEqualTo(firing.getHostId());
        assertThat(t.firing(firing.getKind())).extracting(Alert::getFingerprint).doesNotContain(firing.getFingerprint());
        return r;
    }

    int kernelGroupOf(String bdf) {
        return t.view(HOST).getDevices().stream().filter(d -> d.getBdf().equals(bdf)).findFirst().orElseThrow().getKernelGroup();
    }

    long addedAt(String bdf) {
        return t.eventLog().stream().filter(e -> e.getPayload() instanceof DeviceAdded a && a.getDevice().getBdf().equals(bdf))
                .findFirst().orElseThrow().getObservedAt().toEpochMilli();
    }

    static DmaMappingsReported mappings(String vm, String bdf, long... startEndPairs) {
        List<IovaRange> ranges = new ArrayList<>();
        for (int i = 0; i < startEndPairs.length; i += 2) {
            ranges.add(new IovaRange(startEndPairs[i], startEndPairs[i + 1]));
        }
        return new DmaMappingsReported(vm, List.of(bdf), ranges);
    }

    @Test
    void isolationFiresForOneNicFunctionInAVmUpdatesWithItsPeerAndResolvesWhenBothShareTheVm() {
        boot();
        t.report(HOST, vfio(NIC0, "vm-1"));
        Alert a = fired(AlertKind.ISOLATION, NIC0);
        assertThat(a.getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.getDevices()).containsExactly(NIC0, NIC1);
        assertThat(a.getEvidence()).containsEntry("owner", "VFIO:vm-1 (vfio-pci)").containsEntry("peer " + NIC1, "HOST (mlx5_core)");
        // the group is now owned: its usable IOVA appears
        assertThat(t.changes()).anyMatch(c -> c.getKind() == ChangeKind.IOVA_CHANGED && c.getGroups().contains(kernelGroupOf(NIC0)));

        // the peer goes to another VM: still not isolated; the same alert carries the new evidence, firstSeen kept
        t.report(HOST, vfio(NIC1, "vm-2"));
        Alert updated = t.latest(a.getFingerprint());
        assertThat(updated.getStatus()).isEqualTo(AlertStatus.FIRING);
        assertThat(updated.getFirstSeen()).isEqualTo(a.getFirstSeen());
        assertThat(updated.getLastSeen().toEpochMilli()).isEqualTo(t.now());
        assertThat(updated.getEvidence()).containsEntry("peer " + NIC1, "VFIO:vm-2 (vfio-pci)");
        Alert other = fired(AlertKind.ISOLATION, NIC1);
        assertThat(other.getDevices()).containsExactly(NIC1, NIC0);

        t.report(HOST, vfio(NIC1, "vm-1"));
        resolved(updated);
        resolved(other);
        assertThat(t.firing()).isEmpty();
        assertThat(t.history(a.getFingerprint())).extracting(Alert::getStatus)
                .containsExactly(AlertStatus.FIRING, AlertStatus.FIRING, AlertStatus.RESOLVED);
    }

    @Test
    void staleGroupFiresWhenSwitchPortAcsIsClearedAfterProbeAndResolvesWhenRestored() {
        boot();
        t.report(HOST, vfio(GPU_A, "vm-1"));
        assertThat(t.firing()).isEmpty();
        int portGroup = kernelGroupOf(SWITCH_PORT_A);
        int gpuGroup = kernelGroupOf(GPU_A);
        List<GroupView> kernelBefore = t.view(HOST).getKernelGroups();
        t.changes();

        t.report(HOST, new AcsControlChanged(SWITCH_PORT_A, ACS_SV_ONLY));
        String ids = Math.min(portGroup, gpuGroup) + "," + Math.max(portGroup, gpuGroup);
        Alert a = fired(AlertKind.STALE_GROUP, "kernel-groups:" + ids);
        // an assigned device is among the members: the VM's isolation is what went stale
        assertThat(a.getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.getDevices()).containsExactly(SWITCH_PORT_A, GPU_A);
        assertThat(a.getEvidence()).containsEntry("kernelGroups", ids);
        // the kernel does not regroup what it already probed; only the live view merges
        assertThat(t.view(HOST).getKernelGroups()).isEqualTo(kernelBefore);
        List<IommuChange> merged = t.changes();
        assertThat(merged).noneMatch(c -> c.getView() == ViewKind.KERNEL);
        assertThat(merged).filteredOn(c -> c.getKind() == ChangeKind.GROUP_MERGED).singleElement().satisfies(c -> {
            assertThat(c.getView()).isEqualTo(ViewKind.LIVE);
            assertThat(c.getDevices()).containsExactlyInAnyOrder(SWITCH_PORT_A, GPU_A);
        });
        // the port is a bridge: sharing the live group with it does not break the VM's isolation
        assertThat(t.firing(AlertKind.ISOLATION)).isEmpty();

        t.report(HOST, new AcsControlChanged(SWITCH_PORT_A, ACS_ON));
        resolved(a);
        assertThat(t.changes()).filteredOn(c -> c.getKind() == ChangeKind.GROUP_SPLIT).singleElement()
                .satisfies(c -> assertThat(c.getView()).isEqualTo(ViewKind.LIVE));
    }

    @Test
    void reservedConflictFiresForMappingsOverTheMsiWindowOrAnRmrrAndResolvesWhenTheyMoveAway() {
        boot();
        t.report(HOST, vfio(NVME, "vm-1"));
        // a VMM that maps the guest's low 4 GiB 1:1 without leaving the interrupt window out
        t.report(HOST, mappings("vm-1", NVME, 0x0L, 0xffffffffL));
        Alert msi = fired(AlertKind.RESERVED_CONFLICT, NVME);
        assertThat(msi.getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(msi.getDevices()).containsExactly(NVME);
        assertThat(msi.getEvidence())
                .containsEntry(String.format("region 0x%016x 0x%016x msi", MSI_BASE, MSI_END), "mapping 0x0-0xffffffff")
                .containsEntry("group", Integer.toString(kernelGroupOf(NVME)))
                .hasSize(2);

        // unbound from vm-1's container, the device no longer uses vm-1's mappings, withdrawn or not
        t.report(HOST, new DriverUnbound(NVME, "vfio-pci"));
        resolved(msi);
        t.report(HOST, vfio(NVME, "vm-1"));
        Alert again = fired(AlertKind.RESERVED_CONFLICT, NVME);
        assertThat(again.getFingerprint()).isEqualTo(msi.getFingerprint());

        // guest RAM below the 32-bit hole and above 4 GiB: nothing reserved is mapped any more
        t.report(HOST, mappings("vm-1", NVME, 0x0L, 0xbfffffffL, 0x100000000L, 0x13fffffffL));
        resolved(again);

        // the BMC NIC's RMRR is a direct (not relaxable) region: mapping over it conflicts as well
        t.report(HOST, vfio(BMC_NIC, "vm-2"), mappings("vm-2", BMC_NIC, 0x0L, 0x7fffffffL));
        Alert rmrr = fired(AlertKind.RESERVED_CONFLICT, BMC_NIC);
        assertThat(rmrr.getEvidence()).containsEntry(
                String.format("region 0x%016x 0x%016x direct", BMC_RMRR_BASE, BMC_RMRR_END), "mapping 0x0-0x7fffffff");

        // the VMM withdraws every mapping of vm-2
        t.report(HOST, new DmaMappingsReported("vm-2", List.of(BMC_NIC), List.of()));
        resolved(rmrr);
        assertThat(t.firing(AlertKind.RESERVED_CONFLICT)).isEmpty();
        assertThat(t.alertRecords(AlertKind.RESERVED_CONFLICT)).extracting(Alert::getStatus).containsExactly(
                AlertStatus.FIRING, AlertStatus.RESOLVED, AlertStatus.FIRING, AlertStatus.RESOLVED, AlertStatus.FIRING,
                AlertStatus.RESOLVED);
    }

    @Test
    void requireDirectFiresForAnRmrrNicInAVmButNotForRelaxableUsbAndResolvesWhenTheHostTakesItBack() {
        boot();
        // the xHCI's RMRR is relaxable (device_rmrr_is_relaxable()): assigning it needs no identity map
        t.report(HOST, vfio(XHCI, "vm-7"));
        assertThat(t.firing(AlertKind.REQUIRE_DIRECT)).isEmpty();

        t.report(HOST, vfio(BMC_NIC, "vm-7"));
        Alert a = fired(AlertKind.REQUIRE_DIRECT, BMC_NIC);
        assertThat(a.getSeverity()).isEqualTo(Severity.WARNING);
        assertThat(a.getDevices()).containsExactly(BMC_NIC);
        assertThat(a.getSummary()).contains("vm-7");
        assertThat(a.getEvidence()).containsEntry("requireDirect", "true")
                .containsEntry("directRegions", String.format("0x%016x 0x%016x direct", BMC_RMRR_BASE, BMC_RMRR_END));
        // the owned group's usable IOVA leaves the RMRR and the interrupt window out
        IommuChange iova = t.changes().stream().filter(c -> c.getKind() == ChangeKind.IOVA_CHANGED
                && c.getGroups().contains(kernelGroupOf(BMC_NIC))).findFirst().orElseThrow();
        assertThat(String.join(" ", iova.getAfter())).doesNotContain(String.format("0x%x", BMC_RMRR_BASE));

        t.report(HOST, new DriverUnbound(BMC_NIC, "vfio-pci"));
        resolved(a);
        t.report(HOST, new DriverBound(BMC_NIC, "igb", new Owner(OwnerKind.HOST, null)));
        assertThat(t.firing()).isEmpty();
    }

    @Test
    void unsafeMsiFiresWithoutInterruptIsolationAndResolvesOnUnassignOrWhenTheHostOptsIn() {
        HostDescribed noIr = HostDescribed.newBuilder(described()).setInterruptRemapping(false).setIsolatedMsi(false).build();
        t.report(HOST, IntelServer.boot(noIr).toArray());
        assertThat(t.firing()).isEmpty();

        t.report(HOST, vfio(NVME, "vm-1"));
        Alert first = fired(AlertKind.UNSAFE_MSI, NVME);
        assertThat(first.getSeverity()).isEqualTo(Severity.WARNING);
        assertThat(first.getDevices()).containsExactly(NVME);
        assertThat(first.getEvidence()).containsEntry("allowUnsafeInterrupts", "false")
                .containsEntry("group", Integer.toString(kernelGroupOf(NVME)));

        t.report(HOST, new DriverUnbound(NVME, "vfio-pci"));
        resolved(first);

        // assigned again: the same alert (same fingerprint) fires anew, with a new firstSeen
        t.report(HOST, vfio(NVME, "vm-1"));
        Alert second = fired(AlertKind.UNSAFE_MSI, NVME);
        assertThat(second.getFingerprint()).isEqualTo(first.getFingerprint());
        assertThat(second.getFirstSeen()).isAfter(first.getFirstSeen());

        // vfio_iommu_type1.allow_unsafe_interrupts=1: the operator accepted the risk
        t.report(HOST, HostDescribed.newBuilder(noIr).setAllowUnsafeInterrupts(true).build());
        resolved(second);
        assertThat(t.deadLetters()).isEmpty();
    }

    @Test
    void p2pHazardFiresWhenAVmMapsIovaRoutedToAPeerThroughAnAcsLessSwitchPortAndResolvesWithItsCause() {
        boot();
        t.report(HOST, vfio(GPU_A, "vm-1"), vfio(GPU_B, "vm-1"));
        // 3 GiB of guest RAM mapped 1:1 for GPU A: it spans GPU B's BAR, harmless while the port redirects upstream
        t.report(HOST, mappings("vm-1", GPU_A, 0x0L, 0xbfffffffL));
        assertThat(t.firing(AlertKind.P2P_HAZARD)).isEmpty();
        assertThat(t.view(HOST).getHazards()).allMatch(h -> h.getOverlap() == null);

        // setpci clears RR|UF on GPU A's downstream port: DMA to GPU B's window now turns in the switch
        t.report(HOST, new AcsControlChanged(SWITCH_PORT_A, ACS_SV_ONLY));
        String subject = GPU_A + "->" + SWITCH_PORT_B;
        Alert a = fired(AlertKind.P2P_HAZARD, subject);
        assertThat(a.getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.getDevices()).containsExactly(GPU_A, SWITCH_PORT_B);
        String window = String.format("0x%x-0x%x", PORT_B_WINDOW_BASE, PORT_B_WINDOW_LIMIT);
        assertThat(a.getEvidence()).containsEntry("window", window).containsEntry("overlap", window);
        assertThat(GPU_B_BAR).isBetween(PORT_B_WINDOW_BASE, PORT_B_WINDOW_LIMIT - GPU_BAR_SIZE + 1);
        assertThat(t.view(HOST).getHazards()).anyMatch(h -> h.getDevice().equals(GPU_A) && h.getPeer().equals(SWITCH_PORT_B)
                && h.getOverlap() != null);

        // ACS restored
        t.report(HOST, new AcsControlChanged(SWITCH_PORT_A, ACS_ON));
        resolved(a);

        // cleared again, then the VMM remaps guest RAM above 4 GiB: nothing routes to the peer any more
        t.report(HOST, new AcsControlChanged(SWITCH_PORT_A, ACS_SV_ONLY));
        Alert again = fired(AlertKind.P2P_HAZARD, subject);
        assertThat(again.getFingerprint()).isEqualTo(a.getFingerprint());
        t.report(HOST, mappings("vm-1", GPU_A, 0x100000000L, 0x1bfffffffL));
        resolved(again);

        // back over the window, then GPU A leaves the VM: an unassigned device is no hazard to a guest
        t.report(HOST, mappings("vm-1", GPU_A, 0x80000000L, 0x8fffffffL));
        Alert third = fired(AlertKind.P2P_HAZARD, subject);
        assertThat(third.getEvidence()).containsEntry("overlap", window);
        t.report(HOST, new DriverUnbound(GPU_A, "vfio-pci"));
        resolved(third);
        assertThat(t.firing(AlertKind.P2P_HAZARD)).isEmpty();
    }

    @Test
    void iommuBypassFiresForDevicesOutsideTheIommuMapAndResolvesWhenTheMapIsFixed() {
        // an Arm server whose IORT maps only RIDs 0x0000-0x1fff (buses 0x00-0x1f) to the SMMU
        HostDescribed arm = HostDescribed.newBuilder(described()).setArch("aarch64").setPlatform(IommuPlatform.ARM_SMMU_V3)
                .setRmrrs(List.of()).setCommandLine("").setIommuMap(List.of(new RidRange(0, 0x0000, 0x1fff))).build();
        t.report(HOST, IntelServer.boot(arm).toArray());
        assertThat(t.deadLetters()).isEmpty();
        // each fires when its device appears
        Alert nvme = fired(AlertKind.IOMMU_BYPASS, NVME, addedAt(NVME));
        Alert bmc = fired(AlertKind.IOMMU_BYPASS, BMC_NIC, addedAt(BMC_NIC));
        assertThat(t.firing(AlertKind.IOMMU_BYPASS)).hasSize(2);
        assertThat(nvme.getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(nvme.getDevices()).containsExactly(NVME);
        assertThat(nvme.getEvidence()).containsEntry("rid", "0x2000").containsEntry("segment", "0")
                .containsEntry("iommuMap", "0:0x0000-0x1fff");
        assertThat(bmc.getEvidence()).containsEntry("rid", "0x3000");

        // corrected firmware: the map covers every bus
        t.report(HOST, HostDescribed.newBuilder(arm).setIommuMap(List.of(new RidRange(0, 0x0000, 0xffff))).build());
        resolved(nvme);
        resolved(bmc);
        assertThat(t.firing()).isEmpty();
    }

    @Test
    void telemetryGapDegradesTheViewUntilAHostSnapshotResynchronisesIt() {
        boot();
        long last = t.view(HOST).getSequence();
        // events last+1 and last+2 never arrive (one of them unplugged the second NIC function)
        t.reportAt(HOST, last + 3, new Heartbeat());
        Alert gap = fired(AlertKind.TELEMETRY_GAP, "host");
        assertThat(gap.getSeverity()).isEqualTo(Severity.WARNING);
        assertThat(gap.getDevices()).isEmpty();
        assertThat(gap.getEvidence()).containsEntry("expected", Long.toString(last + 1)).containsEntry("got", Long.toString(last + 3));
        assertThat(t.view(HOST).getDegraded()).isTrue();

        // more events while degraded: the alert holds, nothing new is emitted for it
        t.report(HOST, vfio(NVME, "vm-1"));
        assertThat(t.history(gap.getFingerprint())).hasSize(1);
        assertThat(t.view(HOST).getDegraded()).isTrue();
        t.changes();

        List<PciDeviceInfo> captured = IntelServer.devices().stream().filter(d -> !d.getBdf().equals(NIC1)).toList();
        t.report(HOST, new HostSnapshot(described(), captured));
        resolved(gap);
        HostView v = t.view(HOST);
        assertThat(v.getDegraded()).isFalse();
        assertThat(v.getDeviceCount()).isEqualTo(captured.size());
        assertThat(v.getDevices()).noneMatch(d -> d.getBdf().equals(NIC1));
        // the snapshot is the host's capture: NIC1 is gone, and the NIC's group lost it
        assertThat(t.changes()).anyMatch(c -> c.getView() == ViewKind.KERNEL && c.getDevices().contains(NIC1));
    }

    @Test
    void hostSilentFiresInStreamTimeAfterTheTimeoutAndResolvesWhenTheHostReportsAgain() {
        boot();
        long lastHeard = t.now();
        t.advance(SILENT_AFTER.plusMinutes(2));
        t.report("other", IntelServer.described());
        Alert a = t.latest(Fingerprints.of(AlertKind.HOST_SILENT, HOST, "host"));
        assertThat(a.getStatus()).isEqualTo(AlertStatus.FIRING);
        assertThat(a.getSeverity()).isEqualTo(Severity.WARNING);
        assertThat(a.getDevices()).isEmpty();
        // timestamped from the last event, not from when the punctuation ran
        assertThat(a.getFirstSeen().toEpochMilli()).isEqualTo(lastHeard + SILENT_AFTER.toMillis());
        assertThat(a.getEvidence()).containsEntry("lastEventAt", java.time.Instant.ofEpochMilli(lastHeard).toString());
        assertThat(t.firing(AlertKind.HOST_SILENT)).extracting(Alert::getHostId).containsExactly(HOST);

        t.report(HOST, new Heartbeat());
        resolved(a);
        assertThat(t.firing()).isEmpty();
    }

    @Test
    void replayingTheSameEventLogIntoAFreshTopologyGivesIdenticalAlertsAndChanges() {
        t.report(HOST, IntelServer.boot().toArray());
        t.report(HOST, vfio(NIC0, "vm-1"), vfio(GPU_A, "vm-1"), vfio(BMC_NIC, "vm-2"),
                mappings("vm-1", GPU_A, 0x0L, 0xffffffffL), new AcsControlChanged(SWITCH_PORT_A, ACS_SV_ONLY));
        long last = t.view(HOST).getSequence();
        t.reportAt(HOST, last + 2, vfio(NVME, "vm-3"));
        t.advance(SILENT_AFTER.plusMinutes(1));
        t.report("other", IntelServer.boot().toArray());
        t.report(HOST, new HostSnapshot(described(), IntelServer.devices()), new AcsControlChanged(SWITCH_PORT_A, ACS_ON),
                new DriverUnbound(NIC0, "vfio-pci"));
        List<Alert> alerts = t.alertRecords();
        List<IommuChange> changes = t.changes();
        assertThat(alerts).extracting(Alert::getKind).contains(AlertKind.ISOLATION, AlertKind.STALE_GROUP,
                AlertKind.REQUIRE_DIRECT, AlertKind.RESERVED_CONFLICT, AlertKind.P2P_HAZARD, AlertKind.TELEMETRY_GAP,
                AlertKind.HOST_SILENT);
        assertThat(alerts).extracting(Alert::getStatus).contains(AlertStatus.RESOLVED);

        try (TrackerTestDriver replay = new TrackerTestDriver(EmulatorEngine.INSTANCE, SILENT_AFTER, replayDir)) {
            t.eventLog().forEach(replay::pipe);
            assertThat(replay.alertRecords()).isEqualTo(alerts);
            assertThat(replay.changes()).isEqualTo(changes);
            assertThat(replay.view(HOST)).isEqualTo(t.view(HOST));
        }
    }
}

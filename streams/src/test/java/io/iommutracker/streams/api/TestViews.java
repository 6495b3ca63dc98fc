package io.iommutracker.streams.api;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.AlertKind;
import io.iommutracker.avro.AlertStatus;
import io.iommutracker.avro.AssignApi;
import io.iommutracker.avro.DeviceView;
import io.iommutracker.avro.GroupIova;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.P2pHazard;
import io.iommutracker.avro.ResvRegion;
import io.iommutracker.avro.ResvType;
import io.iommutracker.avro.Severity;
import io.iommutracker.avro.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * HostView and Alert fixtures: a small host whose root port and GPU share a kernel group that the live view splits
 * (ACS enabled after probe), with MSI and direct regions, precomputed usable IOVA and one P2P hazard. Version 1 is
 * the host at {@link #T1}; version 2 at {@link #T2} hands the NVMe drive to VFIO and hot-adds a NIC as group 3.
 */
final class TestViews {

    static final Instant T1 = Instant.parse("2026-03-01T10:00:00Z");
    static final Instant T2 = Instant.parse("2026-03-01T11:00:00Z");

    static final String ROOT_PORT = "0000:00:1c.0";
    static final String GPU = "0000:01:00.0";
    static final String GPU_AUDIO = "0000:01:00.1";
    static final String NVME = "0000:02:00.0";
    static final String NIC = "0000:03:00.0";

    static final ResvRegion MSI = new ResvRegion(0xfee00000L, 0xfeefffffL, ResvType.MSI);
    static final ResvRegion RMRR = new ResvRegion(0xe8000L, 0xe8fffL, ResvType.DIRECT);
    static final ResvRegion HT = new ResvRegion(0xfd00000000L, 0xffffffffffL, ResvType.RESERVED);

    private TestViews() {
    }

    static String host(int i) {
        return String.format("host-%03d", i);
    }

    static IommuPlatform platform(int i) {
        return i % 2 == 0 ? IommuPlatform.INTEL_VT_D : IommuPlatform.AMD_VI;
    }

    static boolean degraded(int i) {
        return i % 5 == 0;
    }

    static GroupView group(int id, List<String> devices, ResvRegion... regions) {
        return GroupView.newBuilder().setId(id).setDevices(devices).setReservedRegions(List.of(regions)).build();
    }

    static DeviceView device(String bdf, int kernel, int live, String driver, Owner owner, Verdict... verdicts) {
        return DeviceView.newBuilder().setBdf(bdf).setKernelGroup(kernel).setLiveGroup(live).setDriver(driver)
                .setOwner(owner).setVerdicts(List.of(verdicts)).build();
    }

    static Owner owner(OwnerKind k, String id) {
        return Owner.newBuilder().setKind(k).setId(id).build();
    }

    static HostView view(int i, int version) {
        List<GroupView> kernel = new ArrayList<>(List.of(
                group(1, List.of(ROOT_PORT, GPU, GPU_AUDIO), RMRR, MSI),
                group(2, List.of(NVME), MSI)));
        List<GroupView> live = new ArrayList<>(List.of(
                group(1, List.of(ROOT_PORT), RMRR, MSI),
                group(5, List.of(GPU, GPU_AUDIO), MSI),
                group(2, List.of(NVME), MSI)));
        if (platform(i) == IommuPlatform.AMD_VI) {
            kernel.set(1, group(2, List.of(NVME), MSI, HT));
            live.set(2, group(2, List.of(NVME), MSI, HT));
        }
        Owner host = owner(OwnerKind.HOST, null);
        List<DeviceView> devices = new ArrayList<>(List.of(
                device(ROOT_PORT, 1, 1, "pcieport", host),
                device(GPU, 1, 5, "nvidia", host,
                        new Verdict(AssignApi.VFIO, false, "EPERM", "group 1 holds a host-owned device"),
                        new Verdict(AssignApi.IOMMUFD, false, "EPERM", "group 1 holds a host-owned device")),
                device(GPU_AUDIO, 1, 5, "snd_hda_intel", host),
                version == 1 ? device(NVME, 2, 2, "nvme", host, new Verdict(AssignApi.VFIO, true, null, ""))
                        : device(NVME, 2, 2, "vfio-pci", owner(OwnerKind.VFIO, "vm-7"), new Verdict(AssignApi.VFIO, true, null, ""))));
        if (version == 2) {
            kernel.add(group(3, List.of(NIC), MSI));
            live.add(group(3, List.of(NIC), MSI));
            devices.add(device(NIC, 3, 3, "ixgbe", host));
        }
        List<GroupIova> iova = List.of(
                new GroupIova(2, AssignApi.VFIO, List.of(new IovaRange(0L, 0xfedfffffL), new IovaRange(0xfef00000L, 0xffffffffffffL))),
                new GroupIova(2, AssignApi.IOMMUFD, List.of(new IovaRange(0L, 0xfedfffffL), new IovaRange(0xfef00000L, 0xffffffffffffL))));
        List<P2pHazard> hazards = List.of(new P2pHazard(GPU_AUDIO, GPU, new IovaRange(0xe0000000L, 0xefffffffL), null));
        return HostView.newBuilder().setHostId(host(i)).setSequence(version == 1 ? 10 : 14)
                .setUpdatedAt(version == 1 ? T1 : T2).setPlatform(platform(i)).setDegraded(degraded(i))
                .setDeviceCount(devices.size()).setKernelGroups(kernel).setLiveGroups(live).setDevices(devices)
                .setUsableIova(iova).setHazards(hazards).build();
    }

    /** Host i has a firing STALE_GROUP warning when i % 3 == 0; host 1 a firing ISOLATION critical; host 2 a resolved one. */
    static List<Alert> alerts(int hosts) {
        List<Alert> out = new ArrayList<>();
        for (int i = 0; i < hosts; i++) {
            if (i % 3 == 0) {
                out.add(alert("stale-" + host(i), AlertKind.STALE_GROUP, AlertStatus.FIRING, Severity.WARNING, host(i)));
            }
        }
        out.add(alert("iso-" + host(1), AlertKind.ISOLATION, AlertStatus.FIRING, Severity.CRITICAL, host(1)));
        out.add(alert("gap-" + host(2), AlertKind.TELEMETRY_GAP, AlertStatus.RESOLVED, Severity.WARNING, host(2)));
        return out;
    }

    static Alert alert(String fp, AlertKind kind, AlertStatus status, Severity sev, String host) {
        return Alert.newBuilder().setFingerprint(fp).setKind(kind).setStatus(status).setSeverity(sev).setHostId(host)
                .setDevices(List.of(GPU)).setSummary(kind + " on " + host).setEvidence(Map.of("group", "1"))
                .setFirstSeen(T1).setLastSeen(T2).setResolvedAt(status == AlertStatus.RESOLVED ? T2 : null).build();
    }
}

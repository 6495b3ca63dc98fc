package io.iommutracker.emulator.view;

import io.iommutracker.avro.AssignApi;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.CommandChanged;
import io.iommutracker.avro.DeviceView;
import io.iommutracker.avro.GroupIova;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.Heartbeat;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.MsiConfigured;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.P2pHazard;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.ResvRegion;
import io.iommutracker.avro.ResvType;
import io.iommutracker.avro.Verdict;
import io.iommutracker.emulator.RuleSet;
import io.iommutracker.emulator.acs.AcsPolicy;
import io.iommutracker.emulator.group.LiveClusters;
import io.iommutracker.emulator.group.LiveGroups;
import io.iommutracker.emulator.group.ProbeOrder;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.p2p.P2pHazards;
import io.iommutracker.emulator.resv.Region;
import io.iommutracker.emulator.resv.ReservedRegions;
import io.iommutracker.emulator.state.DmaReport;
import io.iommutracker.emulator.state.HostModel;
import io.iommutracker.emulator.state.Platforms;
import io.iommutracker.emulator.vfio.Assignment;
import io.iommutracker.emulator.vfio.GroupFacts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the Avro {@link HostView}: both group views with their reserved regions, per-device verdicts, usable IOVA of
 * owned groups and P2P hazards. The kernel view is always the host's own kernel; {@code rules} picks the live view's.
 */
public final class HostViewBuilder {

    private final HostModel m;
    private final HostDescribed host;
    private final ViewMemo memo;
    private final Map<Bdf, List<Region>> regionCache = new HashMap<>();

    /** What a memo entry is: a device's regions, a kernel or live group, a device's verdicts or view, a group's IOVA. */
    private enum Piece { REGIONS, KERNEL_GROUP, LIVE_GROUP, VERDICTS, DEVICE, IOVA }

    private record Key(Piece piece, Object id) {
    }

    /** A kernel group's facts and its view, made together from the same inputs. */
    private record KernelGroup(GroupFacts facts, GroupView view) {
    }

    private HostViewBuilder(HostModel m, ViewMemo memo) {
        this.m = m;
        this.host = m.host() == null ? HostDescribed.newBuilder().build() : m.host();
        this.memo = memo;
    }

    public static HostView build(HostModel m, RuleSet rules) {
        return build(m, rules, new ViewMemo());
    }

    /**
     * The view, reusing from {@code memo} every group, device and region piece whose inputs are the same objects as
     * when it was made (the emulator's states share every unchanged Device and description), and leaving in it the
     * pieces of this view for the next build. The pieces are shared, never changed, so equal lists compare fast.
     */
    public static HostView build(HostModel m, RuleSet rules, ViewMemo memo) {
        synchronized (memo) {
            try {
                return new HostViewBuilder(m, memo).build(rules);
            } finally {
                memo.endBuild();
            }
        }
    }

    /**
     * Whether applying {@code event} to {@code before} can change the view (beyond its sequence and time stamp). The
     * view reads no command register and no MSI state; BARs only as P2P peer windows, which matter only once some
     * device has reported DMA mappings. Everything else is answered "may differ".
     */
    public static boolean mayDiffer(HostModel before, PciEvent event) {
        Object p = event.getPayload();
        if (p instanceof Heartbeat || p instanceof CommandChanged || p instanceof MsiConfigured) {
            return false;
        }
        if (p instanceof BarProgrammed) {
            return !before.dmaReports().isEmpty();
        }
        return true;
    }

    /** The live groups under {@code rules}, each in probe order; reuses the state's cache for the host's own rules. */
    public static List<List<Device>> liveGroups(HostModel m, RuleSet rules) {
        return liveGroups(m, rules, ProbeOrder.of(m.topology()));
    }

    private static List<List<Device>> liveGroups(HostModel m, RuleSet rules, List<Device> probeOrder) {
        AcsPolicy policy = m.policy(rules);
        LiveClusters clusters = rules == m.hostRules() ? m.liveClusters() : LiveClusters.compute(m.topology(), policy);
        return new LiveGroups(m.topology(), policy, clusters).groups(probeOrder, d -> Platforms.eligible(m.host(), d));
    }

    private HostView build(RuleSet rules) {
        List<GroupView> kernelGroups = new ArrayList<>();
        Map<Integer, GroupFacts> facts = new LinkedHashMap<>();
        for (int id : m.kernelGroups().ids()) {
            List<Device> devs = devices(m.kernelGroups().members(id));
            Object[] devIds = devs.toArray();
            Object[] regionIds = regionLists(devs);
            KernelGroup g = memo.get(new Key(Piece.KERNEL_GROUP, id), host, devIds, regionIds);
            if (g == null) {
                GroupFacts f = facts(id, devs);
                g = memo.put(new Key(Piece.KERNEL_GROUP, id), new KernelGroup(f, groupView(id, devs, f.regions())),
                        host, devIds, regionIds);
            }
            facts.put(id, g.facts());
            kernelGroups.add(g.view());
        }
        List<Device> probeOrder = ProbeOrder.of(m.topology());
        Map<Bdf, Integer> liveIds = new HashMap<>();
        List<GroupView> liveGroups = new ArrayList<>();
        for (Map.Entry<Integer, List<Device>> e : liveIdentities(liveGroups(m, rules, probeOrder)).entrySet()) {
            List<Device> devs = e.getValue();
            devs.forEach(d -> liveIds.put(d.bdf(), e.getKey()));
            Object[] devIds = devs.toArray();
            Object[] regionIds = regionLists(devs);
            Key key = new Key(Piece.LIVE_GROUP, e.getKey());
            GroupView g = memo.get(key, host, devIds, regionIds);
            if (g == null) {
                g = memo.put(key, groupView(e.getKey(), devs, groupRegions(devs)), host, devIds, regionIds);
            }
            liveGroups.add(g);
        }
        List<DeviceView> devices = new ArrayList<>();
        List<P2pHazard> hazards = new ArrayList<>();
        AcsPolicy livePolicy = m.policy(rules);
        for (Device d : probeOrder) {
            int kg = m.kernelGroups().groupOf(d.bdf());
            DmaReport dma = m.dma(d);
            List<IovaRange> mappings = dma == null ? List.of() : dma.mappings();
            List<Verdict> verdicts = kg < 0 ? List.of() : verdicts(d, facts.get(kg), mappings);
            Integer lg = liveIds.get(d.bdf());
            Key key = new Key(Piece.DEVICE, d.bdf());
            DeviceView dv = memo.get(key, d, kg, lg, verdicts);
            if (dv == null) {
                dv = memo.put(key, DeviceView.newBuilder().setBdf(d.bdf().toString()).setKernelGroup(kg < 0 ? null : kg)
                        .setLiveGroup(lg).setDriver(d.info().getDriver()).setOwner(owner(d)).setVerdicts(verdicts).build(),
                        d, kg, lg, verdicts);
            }
            devices.add(dv);
            if (dma != null) {
                hazards.addAll(P2pHazards.of(d, m.topology(), livePolicy, mappings, host.getHostBridgeWindows()));
            }
        }
        return HostView.newBuilder().setHostId(m.hostId()).setSequence(m.lastSequence())
                .setUpdatedAt(Instant.ofEpochMilli(m.lastObservedAt())).setPlatform(host.getPlatform())
                .setDegraded(m.degraded()).setDeviceCount(m.topology().size()).setKernelGroups(kernelGroups)
                .setLiveGroups(liveGroups).setDevices(devices).setUsableIova(usableIova(facts)).setHazards(hazards).build();
    }

    private List<Verdict> verdicts(Device d, GroupFacts f, List<IovaRange> mappings) {
        Key key = new Key(Piece.VERDICTS, d.bdf());
        List<Verdict> v = memo.get(key, host, f, mappings);
        return v != null ? v : memo.put(key, Assignment.verdicts(host, f, d.bdf().toString(), mappings), host, f, mappings);
    }

    /** The identities of each device's region list: a group's regions are the same when these are. */
    private Object[] regionLists(List<Device> devs) {
        Object[] out = new Object[devs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = deviceRegions(devs.get(i));
        }
        return out;
    }

    /**
     * Live group ids: the smallest kernel id among the members when no earlier live group took it, else a fresh id
     * above every kernel id. Groups are visited by that candidate id, then by first member.
     */
    private Map<Integer, List<Device>> liveIdentities(List<List<Device>> groups) {
        List<int[]> order = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            int min = Integer.MAX_VALUE;
            for (Device d : groups.get(i)) {
                int k = m.kernelGroups().groupOf(d.bdf());
                if (k >= 0) {
                    min = Math.min(min, k);
                }
            }
            order.add(new int[] {min, i});
        }
        order.sort((a, b) -> a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]));
        Set<Integer> taken = new HashSet<>();
        int fresh = m.kernelGroups().highWater();
        Map<Integer, List<Device>> out = new LinkedHashMap<>();
        for (int[] o : order) {
            int id = o[0] != Integer.MAX_VALUE && taken.add(o[0]) ? o[0] : fresh++;
            out.put(id, groups.get(o[1]));
        }
        return out;
    }

    private List<Device> devices(List<Bdf> bdfs) {
        List<Device> out = new ArrayList<>(bdfs.size());
        for (Bdf b : bdfs) {
            Device d = m.topology().device(b);
            if (d != null) {
                out.add(d);
            }
        }
        return out;
    }

    private List<Region> deviceRegions(Device d) {
        return regionCache.computeIfAbsent(d.bdf(), b -> {
            List<PciDeviceInfo> upstream = new ArrayList<>();
            for (Device u : m.topology().upstream(d)) {
                upstream.add(u.info());
            }
            Key key = new Key(Piece.REGIONS, b);
            Object[] up = upstream.toArray();
            List<Region> r = memo.get(key, host, d.info(), up);
            return r != null ? r : memo.put(key, ReservedRegions.forDevice(host, d.info(), upstream), host, d.info(), up);
        });
    }

    private List<Region> groupRegions(List<Device> devs) {
        List<List<Region>> per = new ArrayList<>();
        for (Device d : devs) {
            per.add(deviceRegions(d));
        }
        return ReservedRegions.forGroup(per);
    }

    private GroupFacts facts(int id, List<Device> devs) {
        Map<String, List<Region>> perDevice = new LinkedHashMap<>();
        Map<String, Owner> owners = new LinkedHashMap<>();
        Map<String, String> drivers = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (Device d : devs) {
            String n = d.bdf().toString();
            names.add(n);
            perDevice.put(n, deviceRegions(d));
            owners.put(n, owner(d));
            if (d.info().getDriver() != null) {
                drivers.put(n, d.info().getDriver());
            }
        }
        return new GroupFacts(id, names, groupRegions(devs), perDevice, owners, drivers, host.getIsolatedMsi());
    }

    private GroupView groupView(int id, List<Device> devs, List<Region> regions) {
        List<ResvRegion> rs = new ArrayList<>();
        boolean direct = false;
        for (Region r : regions) {
            rs.add(new ResvRegion(r.start(), r.end(), r.type()));
        }
        for (Device d : devs) {
            for (Region r : deviceRegions(d)) {
                direct |= r.type() == ResvType.DIRECT;
            }
        }
        List<String> names = new ArrayList<>();
        devs.forEach(d -> names.add(d.bdf().toString()));
        return GroupView.newBuilder().setId(id).setDevices(names).setReservedRegions(rs).setRequireDirect(direct)
                .setIsolatedMsi(host.getIsolatedMsi()).build();
    }

    private List<GroupIova> usableIova(Map<Integer, GroupFacts> facts) {
        List<GroupIova> out = new ArrayList<>();
        for (GroupFacts f : facts.values()) {
            Key key = new Key(Piece.IOVA, f.groupId());
            List<GroupIova> memoised = memo.get(key, host, f);
            if (memoised != null) {
                out.addAll(memoised);
                continue;
            }
            List<GroupIova> mine = new ArrayList<>();
            for (AssignApi api : AssignApi.values()) {
                OwnerKind kind = api == AssignApi.VFIO ? OwnerKind.VFIO : OwnerKind.IOMMUFD;
                if (f.owners().values().stream().anyMatch(o -> o.getKind() == kind)) {
                    mine.add(new GroupIova(f.groupId(), api, Assignment.usableIova(host, List.of(f), api)));
                }
            }
            out.addAll(memo.put(key, mine, host, f));
        }
        return out;
    }

    private static Owner owner(Device d) {
        Owner o = d.info().getOwner();
        return o == null ? Owner.newBuilder().setKind(OwnerKind.NONE).setId(null).build() : o;
    }
}

package io.iommutracker.emulator.view;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.AssignApi;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.CommandChanged;
import io.iommutracker.avro.DeviceView;
import io.iommutracker.avro.DmaMappingsReported;
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
import io.iommutracker.emulator.model.Topology;
import io.iommutracker.emulator.p2p.P2pHazards;
import io.iommutracker.emulator.resv.Region;
import io.iommutracker.emulator.resv.ReservedRegions;
import io.iommutracker.emulator.state.DmaReport;
import io.iommutracker.emulator.state.HostModel;
import io.iommutracker.emulator.state.NoOpWrites;
import io.iommutracker.emulator.state.Platforms;
import io.iommutracker.emulator.vfio.Assignment;
import io.iommutracker.emulator.vfio.GroupFacts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the Avro {@link HostView}: both group views with their reserved regions, per-device verdicts, usable IOVA of
 * owned groups and P2P hazards. The kernel view is always the host's own kernel; {@code rules} picks the live view's.
 */
public final class HostViewBuilder {

    /** What a host with no description yet is viewed with. */
    static final HostDescribed NO_HOST = HostDescribed.newBuilder().build();

    private final HostModel m;
    private final HostDescribed host;
    private final Map<Bdf, List<Region>> regionCache = new HashMap<>();

    private HostViewBuilder(HostModel m) {
        this.m = m;
        this.host = m.host() == null ? NO_HOST : m.host();
    }

    /** The view built from scratch: the reference every incremental build must equal. */
    public static HostView build(HostModel m, RuleSet rules) {
        return new HostViewBuilder(m).build(rules);
    }

    /**
     * The view, derived from the last view built with {@code memo} by recomputing only the pieces whose inputs differ
     * between the two host versions (see {@link IncrementalView}); equal to {@link #build(HostModel, RuleSet)}.
     */
    public static HostView build(HostModel m, RuleSet rules, ViewMemo memo) {
        if (rules != m.hostRules()) {
            return build(m, rules);
        }
        synchronized (memo) {
            IncrementalView v = IncrementalView.next(memo.last, m, rules);
            memo.last = v;
            return v.view();
        }
    }

    /**
     * Whether applying {@code event} to {@code before} can change the view (beyond its sequence and time stamp). The
     * view reads no command register and no MSI state; BARs only as P2P peer windows, which matter only once some
     * device has reported DMA mappings. A write of what the device already holds (an ACS control word, a BAR, a DMA
     * report) changes nothing but the degraded flag, so it is skipped only while the host stays undegraded: a view
     * made since would show the flag the host has then. Everything else is answered "may differ".
     */
    public static boolean mayDiffer(HostModel before, PciEvent event) {
        Object p = event.getPayload();
        if (p instanceof Heartbeat || p instanceof CommandChanged || p instanceof MsiConfigured) {
            return false;
        }
        if (p instanceof BarProgrammed b) {
            return !before.dmaReports().isEmpty() && !(staysUndegraded(before, event) && NoOpWrites.sameBar(before, b));
        }
        if (p instanceof AcsControlChanged a) {
            return !(staysUndegraded(before, event) && NoOpWrites.sameAcsCtrl(before, a));
        }
        if (p instanceof DmaMappingsReported r) {
            return !(staysUndegraded(before, event) && NoOpWrites.sameReports(before, r));
        }
        return true;
    }

    /** Not degraded before, and the event leaves no gap in the sequence (which would degrade the host). */
    private static boolean staysUndegraded(HostModel before, PciEvent event) {
        return !before.degraded() && (before.lastSequence() == 0 || event.getSequence() == before.lastSequence() + 1);
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
            List<List<Region>> regs = regionLists(devs);
            GroupFacts f = facts(host, id, devs, regs);
            facts.put(id, f);
            kernelGroups.add(groupView(host, id, devs, regs, f.regions()));
        }
        List<Device> probeOrder = ProbeOrder.of(m.topology());
        Map<Bdf, Integer> liveIds = new HashMap<>();
        List<GroupView> liveGroups = new ArrayList<>();
        for (Map.Entry<Integer, List<Device>> e : liveIdentities(liveGroups(m, rules, probeOrder)).entrySet()) {
            List<Device> devs = e.getValue();
            devs.forEach(d -> liveIds.put(d.bdf(), e.getKey()));
            List<List<Region>> regs = regionLists(devs);
            liveGroups.add(groupView(host, e.getKey(), devs, regs, ReservedRegions.forGroup(regs)));
        }
        List<DeviceView> devices = new ArrayList<>();
        List<P2pHazard> hazards = new ArrayList<>();
        AcsPolicy livePolicy = m.policy(rules);
        for (Device d : probeOrder) {
            int kg = m.kernelGroups().groupOf(d.bdf());
            DmaReport dma = m.dma(d);
            List<IovaRange> mappings = dma == null ? List.of() : dma.mappings();
            List<Verdict> verdicts = kg < 0 ? List.of() : Assignment.verdicts(host, facts.get(kg), d.bdf().toString(), mappings);
            devices.add(deviceView(d, d.bdf().toString(), kg, liveIds.get(d.bdf()), verdicts));
            if (dma != null) {
                hazards.addAll(P2pHazards.of(d, m.topology(), livePolicy, mappings, host.getHostBridgeWindows()));
            }
        }
        List<GroupIova> iova = new ArrayList<>();
        for (GroupFacts f : facts.values()) {
            iova.addAll(usableIova(host, f));
        }
        return HostView.newBuilder().setHostId(m.hostId()).setSequence(m.lastSequence())
                .setUpdatedAt(Instant.ofEpochMilli(m.lastObservedAt())).setPlatform(host.getPlatform())
                .setDegraded(m.degraded()).setDeviceCount(m.topology().size()).setKernelGroups(kernelGroups)
                .setLiveGroups(liveGroups).setDevices(devices).setUsableIova(iova).setHazards(hazards).build();
    }

    private List<List<Region>> regionLists(List<Device> devs) {
        List<List<Region>> out = new ArrayList<>(devs.size());
        for (Device d : devs) {
            out.add(deviceRegions(d));
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
        return regionCache.computeIfAbsent(d.bdf(), b -> regions(host, m.topology(), d));
    }

    /** What the host's IOMMU driver reserves for one device, which depends on the bridges above it. */
    static List<Region> regions(HostDescribed host, Topology topo, Device d) {
        List<PciDeviceInfo> upstream = new ArrayList<>();
        for (Device u : topo.upstream(d)) {
            upstream.add(u.info());
        }
        return ReservedRegions.forDevice(host, d.info(), upstream);
    }

    /**
     * {@link ReservedRegions#forGroup} with each distinct device list inserted once: inserting a region again merges it
     * into the region of its type that already covers it (iommu_insert_resv_region() merges every overlapping region
     * of the inserted type), so a repeated list leaves the group's list as it was. Groups of like functions repeat.
     */
    static List<Region> groupRegions(List<List<Region>> perDeviceInGroupOrder) {
        List<List<Region>> distinct = new ArrayList<>(2);
        for (List<Region> rs : perDeviceInGroupOrder) {
            if (!containsSame(distinct, rs) && !distinct.contains(rs)) {
                distinct.add(rs);
            }
        }
        return ReservedRegions.forGroup(distinct);
    }

    private static boolean containsSame(List<List<Region>> lists, List<Region> rs) {
        for (List<Region> l : lists) {
            if (l == rs) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether two versions of a bridge (or any device) look the same to {@link #regions} of a device below it: the
     * platforms' region rules read of the bridges above a device only their addresses and bus ranges
     * (is_downstream_to_pci_bridge() against an RMRR's scope), so an ACS or window change above leaves them as they were.
     */
    static boolean sameRegionInputs(Device was, Device now) {
        PciDeviceInfo a = was.info();
        PciDeviceInfo b = now.info();
        if (!java.util.Objects.equals(a.getBdf(), b.getBdf())) {
            return false;
        }
        if (a.getBridge() == null || b.getBridge() == null) {
            return a.getBridge() == b.getBridge();
        }
        return a.getBridge().getSecondary() == b.getBridge().getSecondary()
                && a.getBridge().getSubordinate() == b.getBridge().getSubordinate();
    }

    /** The facts VFIO and iommufd look at in one kernel group, from its devices (list order) and their regions. */
    static GroupFacts facts(HostDescribed host, int id, List<Device> devs, List<List<Region>> regs) {
        Map<String, List<Region>> perDevice = new LinkedHashMap<>();
        Map<String, Owner> owners = new LinkedHashMap<>();
        Map<String, String> drivers = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < devs.size(); i++) {
            Device d = devs.get(i);
            String n = d.bdf().toString();
            names.add(n);
            perDevice.put(n, regs.get(i));
            owners.put(n, owner(d));
            if (d.info().getDriver() != null) {
                drivers.put(n, d.info().getDriver());
            }
        }
        return new GroupFacts(id, names, ReservedRegions.forGroup(regs), perDevice, owners, drivers, host.getIsolatedMsi());
    }

    static GroupView groupView(HostDescribed host, int id, List<Device> devs, List<List<Region>> regs, List<Region> regions) {
        List<String> names = new ArrayList<>(devs.size());
        devs.forEach(d -> names.add(d.bdf().toString()));
        return groupView(host, id, names, regs, regions);
    }

    /** As {@link #groupView(HostDescribed, int, List, List, List)}, with the devices' names already made. */
    static GroupView groupView(HostDescribed host, int id, Collection<String> names, List<List<Region>> regs,
                               List<Region> regions) {
        List<ResvRegion> rs = new ArrayList<>(regions.size());
        for (Region r : regions) {
            rs.add(new ResvRegion(r.start(), r.end(), r.type()));
        }
        boolean direct = false;
        for (List<Region> dr : regs) {
            for (Region r : dr) {
                direct |= r.type() == ResvType.DIRECT;
            }
        }
        // the constructor: a builder would validate and flag every field, all of which are set here
        return new GroupView(id, new ArrayList<>(names), rs, direct, host.getIsolatedMsi());
    }

    /** The usable IOVA of one kernel group, per API that has a device of the group. */
    static List<GroupIova> usableIova(HostDescribed host, GroupFacts f) {
        List<GroupIova> mine = new ArrayList<>();
        for (AssignApi api : AssignApi.values()) {
            OwnerKind kind = api == AssignApi.VFIO ? OwnerKind.VFIO : OwnerKind.IOMMUFD;
            if (anyOwned(f, kind)) {
                mine.add(new GroupIova(f.groupId(), api, Assignment.usableIova(host, List.of(f), api)));
            }
        }
        return mine;
    }

    private static boolean anyOwned(GroupFacts f, OwnerKind kind) {
        for (Owner o : f.owners().values()) {
            if (o.getKind() == kind) {
                return true;
            }
        }
        return false;
    }

    static DeviceView deviceView(Device d, String name, int kg, Integer lg, List<Verdict> verdicts) {
        return new DeviceView(name, kg < 0 ? null : kg, lg, d.info().getDriver(), owner(d), verdicts);
    }

    static Owner owner(Device d) {
        Owner o = d.info().getOwner();
        return o == null ? Owner.newBuilder().setKind(OwnerKind.NONE).setId(null).build() : o;
    }
}

package io.iommutracker.emulator.view;

import io.iommutracker.avro.DeviceView;
import io.iommutracker.avro.GroupIova;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.P2pHazard;
import io.iommutracker.avro.Verdict;
import io.iommutracker.emulator.RuleSet;
import io.iommutracker.emulator.acs.AcsPolicy;
import io.iommutracker.emulator.group.KernelGroups;
import io.iommutracker.emulator.group.LiveClusters;
import io.iommutracker.emulator.group.LiveGroups;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Keys;
import io.iommutracker.emulator.model.LongMap;
import io.iommutracker.emulator.model.LongSet;
import io.iommutracker.emulator.model.LongTrie;
import io.iommutracker.emulator.model.Topology;
import io.iommutracker.emulator.p2p.P2pHazards;
import io.iommutracker.emulator.persist.PTree;
import io.iommutracker.emulator.resv.Region;
import io.iommutracker.emulator.state.DmaReport;
import io.iommutracker.emulator.state.HostModel;
import io.iommutracker.emulator.state.Platforms;
import io.iommutracker.emulator.vfio.Assignment;
import io.iommutracker.emulator.vfio.GroupFacts;
import io.iommutracker.emulator.view.IncrementalView.Dev;
import io.iommutracker.emulator.view.IncrementalView.Hazards;
import io.iommutracker.emulator.view.IncrementalView.KernelGroup;
import io.iommutracker.emulator.view.IncrementalView.Live;
import io.iommutracker.emulator.view.IncrementalView.LiveKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * One derivation of {@link IncrementalView}: the previous pieces, what changed since (noted on each touched device's
 * record), and the new pieces as they are made. Each phase visits only the devices and groups the dependency rules
 * mark from the differences between the two host versions.
 */
final class ViewStep {
    // what changed about a device in this derivation, on its record (Dev.flags)
    /** Its record differs in any way, or it is new. */
    private static final int DEVICE = 1;
    /** It changed in more than who owns it (or is new): regions, anchors and hazards read it. */
    private static final int HARDWARE = 1 << 1;
    /** Its driver or owner changed (or it is new): the facts of its group and its view read them. */
    private static final int OWNER = 1 << 2;
    /** Below a bridge that changed, in the old hierarchy or the new: its chain of bridges may differ. */
    private static final int CHAIN = 1 << 3;
    /** Its cluster representative, or that of a device above it, changed: its anchor may differ. */
    private static final int CLUSTER = 1 << 4;
    private static final int PKEY = 1 << 5;
    private static final int REGIONS = 1 << 6;
    private static final int KERNEL = 1 << 7;
    private static final int DMA = 1 << 8;
    /** Its kernel group's facts are new: its verdicts read them. */
    private static final int FACTS = 1 << 9;
    /** Something its view shows may differ. */
    private static final int VIEW = 1 << 10;
    /** A device whose hardware changed sits on its bus or on the bus of a port above it: its hazards read them. */
    private static final int PEERS = 1 << 11;

    private final IncrementalView p;
    private final boolean fresh;
    private final HostModel m;
    private final RuleSet rules;
    private final HostDescribed host;
    private final Topology t;
    private final Topology pt;
    private final KernelGroups k;
    private final KernelGroups pk;
    // made on first use: most steps of a small event need neither
    private Map<Long, int[]> busPaths;
    private Map<List<Region>, List<Region>> regionLists;

    /** Devices copied for this step, with what changed about them (null: removed). */
    private final LongMap<Dev> work = new LongMap<>();
    private final LongSet removed = new LongSet();
    /**
     * Some device changed what the regions of the devices below it read of it (address, bus range), or some bus
     * changed hands: the regions of {@link #CHAIN} devices are made again. Otherwise only their own inputs count.
     */
    private boolean hierarchyChanged;
    /** The buses ({@code Keys.bus}) of devices whose hardware changed, for the P2P hazards that read them. */
    private final LongSet hardwareBuses = new LongSet();
    private final LongSet liveDirty = new LongSet();
    /** Per live-group anchor: the devices that joined it in this step. */
    private final LongMap<List<Dev>> arrivals = new LongMap<>();
    /** Kernel groups whose facts this step made again, ascending. */
    private final LongSet newFacts = new LongSet();

    private LongTrie<KernelGroup> kernel;
    private PTree<Integer, GroupView> kernelViews;
    private PTree<Integer, List<GroupIova>> iova;
    private LiveGroups liveGroups;
    private LongTrie<Live> liveNow;

    ViewStep(IncrementalView p, boolean fresh, HostModel m, RuleSet rules) {
        this.p = p;
        this.fresh = fresh;
        this.m = m;
        this.rules = rules;
        this.host = m.host() == null ? HostViewBuilder.NO_HOST : m.host();
        this.t = m.topology();
        this.pt = fresh ? Topology.empty() : p.model.topology();
        this.k = m.kernelGroups();
        this.pk = fresh ? KernelGroups.empty() : p.model.kernelGroups();
        this.kernel = p.kernel;
        this.kernelViews = p.kernelViews;
        this.iova = p.iova;
    }

    private Map<Long, int[]> busPaths() {
        if (busPaths == null) {
            busPaths = new HashMap<>();
        }
        return busPaths;
    }

    /** The device's record as this step has it: copied and changed, or the previous one; null when gone. */
    private Dev cur(long key) {
        int i = work.indexOf(key);
        return i >= 0 ? work.valueAt(i) : p.devs.get(key);
    }

    /** The device's record for this step (the device is present), copied from the previous one on first touch. */
    private Dev touch(long key) {
        int n = work.size();
        int i = work.slot(key);
        if (i < n) {
            return work.valueAt(i);
        }
        Dev old = p.devs.get(key);
        Dev d;
        if (old != null) {
            d = old.copy();
            d.was = old;
        } else {
            d = new Dev();
            Device dev = t.deviceAt(key);
            d.device = dev;
            d.name = dev.bdf().toString();
            d.kernel = k.groupAt(key);
            d.flags = KERNEL;
        }
        work.setValueAt(i, d);
        return d;
    }

    private static boolean any(Dev d, int flags) {
        return d != null && (d.flags & flags) != 0;
    }

    IncrementalView run() {
        changes();
        devices();
        kernelIds();
        anchors();
        kernelGroups();
        verdicts();
        LiveResult lr = liveGroups();
        PTree<ProbeKey, DeviceView> order = deviceViews();
        PTree<ProbeKey, Hazards> hz = hazards();
        // the new records, each written once into the trie; what this step noted on them goes
        int n = work.size();
        long[] keys = new long[n];
        long[] packed = new long[n];
        boolean pack = n < 1 << 16;
        for (int i = 0; i < n; i++) {
            keys[i] = work.keyAt(i);
            pack &= keys[i] < 1L << 47;
            packed[i] = keys[i] << 16 | i;
            Dev d = work.valueAt(i);
            if (d != null) {
                d.flags = 0;
                d.was = null;
            }
        }
        List<Dev> values = new ArrayList<>(n);
        if (pack) {
            // key and insertion index in one long: sorted together, no lookup per key afterwards
            java.util.Arrays.sort(packed);
            for (int i = 0; i < n; i++) {
                keys[i] = packed[i] >>> 16;
                values.add(work.valueAt((int) (packed[i] & 0xffff)));
            }
        } else {
            java.util.Arrays.sort(keys);
            for (long key : keys) {
                values.add(work.get(key));
            }
        }
        LongTrie<Dev> devs = p.devs.putAll(keys, values);
        HostView v = assemble(order, hz, lr.order());
        return new IncrementalView(m, v, true, devs, order, hz, kernel, kernelViews, iova, lr.byAnchor(),
                lr.order(), lr.losers());
    }

    // ------------------------------------------------------------ which devices changed

    private void changes() {
        boolean sameBuses = t.sameBridgeIndex(pt);
        hierarchyChanged = !sameBuses;
        LongSet changed = new LongSet();
        t.changedDevices(pt, changed::add);
        for (int c = 0; c < changed.size(); c++) {
            long key = changed.at(c);
            Device now = t.deviceAt(key);
            Device was = pt.deviceAt(key);
            if (now == null) {
                removed.add(key);
                work.put(key, null);
            } else {
                Dev d = touch(key);
                d.flags |= DEVICE;
                if (was == null || !OwnershipChange.sameOwner(was, now)) {
                    d.flags |= OWNER;
                }
            }
            boolean ownership = now != null && was != null && OwnershipChange.only(was, now);
            if (ownership) {
                continue;
            }
            hardwareBuses.add(Keys.bus(now != null ? now.bdf() : was.bdf()));
            if (now != null) {
                touch(key).flags |= HARDWARE;
            }
            // the bridges above every device below a changed bridge differ, in the old hierarchy or the new
            if (now != null && now.secondary() >= 0) {
                // room for a few functions per bus the bridge claims: the records are made one by one below
                work.ensureCapacity(work.size() + 4 * Math.min(64, Math.max(1, now.subordinate() - now.secondary() + 1)));
                markBelow(t, now, CHAIN, 0);
            }
            // with the same bus->self index the old subtree's devices that remain are the new subtree's
            if (was != null && was.secondary() >= 0 && !(sameBuses && now != null && now.secondary() == was.secondary())) {
                markBelow(pt, was, CHAIN, 0);
            }
            if (now == null || was == null || !HostViewBuilder.sameRegionInputs(was, now)) {
                hierarchyChanged = true;
            }
        }
        // a bus can change hands without either bridge changing (two claim it; a rebuilt index picks another)
        t.changedBusSelves(pt, bus -> {
            int domain = (int) (bus >>> 8);
            int b = (int) bus & 0xff;
            for (Topology topo : List.of(t, pt)) {
                for (Device d : topo.onBus(domain, b)) {
                    mark(d, topo, CHAIN, 0);
                }
            }
        });
    }

    /**
     * Marks every device below {@code bridge} in {@code topo} that this version has, in probe order (a bus, then
     * below each of its bridges), which leaves the lists later sorted by place nearly sorted already.
     */
    private void markBelow(Topology topo, Device bridge, int flag, int depth) {
        Device self = topo.busSelf(bridge.bdf().domain(), bridge.secondary());
        if (self == null || !self.bdf().equals(bridge.bdf()) || depth > 256) {
            return;
        }
        List<Device> bridges = new ArrayList<>(4);
        topo.forEachOnBus(bridge.bdf().domain(), bridge.secondary(), child -> {
            if (topo == t || t.deviceAt(child.key()) != null) {
                touch(child.key()).flags |= flag;
            }
            if (child.secondary() >= 0) {
                bridges.add(child);
            }
        });
        for (Device child : bridges) {
            markBelow(topo, child, flag, depth + 1);
        }
    }

    private void mark(Device d, Topology topo, int flag, int depth) {
        if (topo == t || t.deviceAt(d.key()) != null) {
            touch(d.key()).flags |= flag;
        }
        if (d.secondary() >= 0) {
            markBelow(topo, d, flag, depth + 1);
        }
    }

    // ------------------------------------------------------------ per device

    /** The device record, place in probe order and regions of every changed device and every one below a change. */
    private void devices() {
        boolean sameBuses = t.sameBridgeIndex(pt);
        for (int i = 0; i < work.size(); i++) {
            Dev d = work.valueAt(i);
            if (!any(d, DEVICE | CHAIN)) {
                continue;
            }
            Dev old = d.was;
            boolean chain = any(d, CHAIN);
            if (any(d, DEVICE)) {
                // a device the diff did not name is the same object in both versions
                d.device = t.deviceAt(work.keyAt(i));
            }
            // with the same bus->self index every device keeps its chain of bridges, so its place
            if (old == null || (chain && !sameBuses)) {
                d.pkey = ProbeKey.of(t, d.device, busPaths());
                if (old == null || !d.pkey.equals(old.pkey)) {
                    d.flags |= PKEY;
                } else {
                    d.pkey = old.pkey;
                }
            }
            if (old == null || any(d, HARDWARE) || (hierarchyChanged && chain)) {
                List<Region> r = HostViewBuilder.regions(host, t, d.device);
                if (old != null && r.equals(old.regions)) {
                    d.regions = old.regions;
                } else {
                    // equal lists made in one step are one object: a group's merge then skips repeats by identity
                    if (regionLists == null) {
                        regionLists = new HashMap<>();
                    }
                    List<Region> same = regionLists.putIfAbsent(r, r);
                    d.regions = same == null ? r : same;
                    d.flags |= REGIONS;
                }
            }
        }
    }

    private void kernelIds() {
        if (k == pk) {
            return;
        }
        k.changedProbes(pk, key -> {
            if (t.deviceAt(key) == null) {
                return;
            }
            int g = k.groupAt(key);
            Dev now = cur(key);
            if (now == null || now.kernel != g) {
                Dev d = touch(key);
                d.kernel = g;
                d.flags |= KERNEL;
            }
        });
    }

    /**
     * Eligibility and live-group anchor of each device that may have a new one. An anchor depends on the device,
     * the bridges above it and the cluster representative of the device its climb stops at: devices below (or at)
     * one whose representative changed are made again. Marks the live groups whose members may differ.
     */
    private void anchors() {
        LiveClusters pc = fresh ? LiveClusters.empty() : p.model.liveClusters();
        if (m.liveClusters() != pc) {
            m.liveClusters().changedRepresentatives(pc, key -> {
                Device d = t.deviceAt(key);
                if (d != null) {
                    mark(d, t, CLUSTER, 0);
                }
            });
        }
        // devices come bus by bus, so neighbours mostly leave and join the same groups: each noted once per run
        long lastLeft = -1;
        long lastJoined = -1;
        List<Dev> joined = null;
        for (int i = 0; i < work.size(); i++) {
            Dev d = work.valueAt(i);
            if (!any(d, DEVICE | CHAIN | CLUSTER)) {
                continue;
            }
            Dev old = d.was;
            boolean e = Platforms.eligible(m.host(), d.device);
            long a = -1;
            if (e && old != null && old.eligible && !any(d, HARDWARE | CHAIN | CLUSTER)) {
                a = old.anchor;
            } else if (e) {
                if (liveGroups == null) {
                    liveGroups = new LiveGroups(t, m.policy(rules), m.liveClusters());
                }
                a = liveGroups.anchor(d.device);
            }
            d.eligible = e;
            d.anchor = a;
            if (old != null && old.eligible && (!e || old.anchor != a)) {
                if (old.anchor != lastLeft) {
                    lastLeft = old.anchor;
                    liveDirty.add(old.anchor);
                }
                d.flags |= VIEW;
            }
            if (e && (old == null || !old.eligible || old.anchor != a)) {
                if (a != lastJoined || joined == null) {
                    lastJoined = a;
                    liveDirty.add(a);
                    joined = arrivals.get(a);
                    if (joined == null) {
                        joined = new ArrayList<>();
                        arrivals.put(a, joined);
                    }
                }
                joined.add(d);
                d.flags |= VIEW;
            }
        }
        for (int i = 0; i < removed.size(); i++) {
            Dev old = p.devs.get(removed.at(i));
            if (old != null && old.eligible) {
                liveDirty.add(old.anchor);
            }
        }
        // a group's members' order, regions and kernel ids make its view and its place
        for (int i = 0; i < work.size(); i++) {
            Dev d = work.valueAt(i);
            if (any(d, PKEY | REGIONS | KERNEL) && d.eligible) {
                liveDirty.add(d.anchor);
            }
        }
    }

    // ------------------------------------------------------------ kernel groups

    private void kernelGroups() {
        LongSet dirtySet = new LongSet();
        if (k != pk) {
            k.changedGroups(pk, dirtySet::add);
        }
        for (int i = 0; i < work.size(); i++) {
            Dev d = work.valueAt(i);
            Dev old = d == null ? p.devs.get(work.keyAt(i)) : d.was;
            if (d != null && !any(d, OWNER | REGIONS | KERNEL)) {
                continue;
            }
            if (d != null && d.kernel >= 0) {
                dirtySet.add(d.kernel);
            }
            if (old != null && old.kernel >= 0) {
                dirtySet.add(old.kernel);
            }
        }
        int[] dirty = new int[dirtySet.size()];
        for (int i = 0; i < dirty.length; i++) {
            dirty[i] = (int) dirtySet.at(i);
        }
        java.util.Arrays.sort(dirty);
        for (int id : dirty) {
            KernelGroup old = kernel.get(id);
            List<Bdf> bdfs = k.members(id);
            if (bdfs.isEmpty()) {
                if (old != null) {
                    kernel = kernel.remove(id);
                    kernelViews = kernelViews.remove(id);
                    iova = iova.remove(id);
                }
                continue;
            }
            List<Device> devices = new ArrayList<>(bdfs.size());
            List<List<Region>> rs = new ArrayList<>(bdfs.size());
            for (Bdf b : bdfs) {
                Dev d = cur(Keys.device(b));
                if (d != null) {
                    devices.add(d.device);
                    rs.add(d.regions);
                }
            }
            GroupFacts f = HostViewBuilder.facts(host, id, devices, rs);
            if (old != null && old.facts().equals(f)) {
                continue;
            }
            GroupView gv = HostViewBuilder.groupView(host, id, f.devices(), rs, f.regions());
            List<GroupIova> io = HostViewBuilder.usableIova(host, f);
            if (old != null) {
                gv = gv.equals(old.view()) ? old.view() : gv;
                io = io.equals(old.iova()) ? old.iova() : io;
            }
            kernel = kernel.put(id, new KernelGroup(f, gv, io));
            kernelViews = kernelViews.put(id, gv);
            iova = io.isEmpty() ? iova.remove(id) : iova.put(id, io);
            newFacts.add(id);
        }
    }

    // ------------------------------------------------------------ verdicts

    private void verdicts() {
        LongTrie<DmaReport> pdma = fresh ? LongTrie.empty() : p.model.dmaReports();
        if (m.dmaReports() != pdma) {
            m.dmaReports().diff(pdma, key -> {
                if (t.deviceAt(key) != null) {
                    touch(key).flags |= DMA;
                }
            });
        }
        for (int f = 0; f < newFacts.size(); f++) {
            for (Bdf b : k.members((int) newFacts.at(f))) {
                long key = Keys.device(b);
                if (t.deviceAt(key) != null) {
                    touch(key).flags |= FACTS;
                }
            }
        }
        for (int i = 0; i < work.size(); i++) {
            Dev d = work.valueAt(i);
            if (!any(d, KERNEL | DMA | FACTS)) {
                continue;
            }
            Dev old = d.was;
            List<Verdict> v = List.of();
            if (d.kernel >= 0) {
                DmaReport dma = m.dmaReports().get(work.keyAt(i));
                List<IovaRange> mappings = dma == null ? List.of() : dma.mappings();
                KernelGroup g = kernel.get(d.kernel);
                v = Assignment.verdicts(host, g == null ? null : g.facts(), d.name, mappings);
            }
            d.verdicts = old != null && v.equals(old.verdicts) ? old.verdicts : v;
            if (old == null || d.verdicts != old.verdicts) {
                d.flags |= VIEW;
            }
        }
    }

    // ------------------------------------------------------------ live groups

    private record LiveResult(LongTrie<Live> byAnchor, PTree<LiveKey, Live> order, PTree<LiveKey, Live> losers) {
    }

    /**
     * The live groups whose members may differ made again, with ids as {@link HostViewBuilder#liveGroups} gives
     * them: the smallest kernel id among the members when no group before it (by that id, then first device) took
     * it, else a fresh id above every kernel id in visit order. Only the groups sharing a smallest id with a
     * changed one can change status, and only fresh ids from the first change on can move.
     */
    private LiveResult liveGroups() {
        PTree<LiveKey, Live> lorder = p.liveOrder;
        LongSet gone = new LongSet();
        PTree<LiveKey, Live> losers = p.losers;
        LongMap<Live> pending = new LongMap<>();
        LongSet mins = new LongSet();
        // the ids whose old winner (the first group with it) is among the groups made again
        LongSet winnerLeft = new LongSet();
        List<LiveKey> loserEdits = new ArrayList<>();
        // every old place goes before any new one is taken: a new key may be another group's old one
        List<LiveKey> leaving = new ArrayList<>();
        Live[] olds = new Live[liveDirty.size()];
        for (int i = 0; i < olds.length; i++) {
            Live old = p.live.get(liveDirty.at(i));
            olds[i] = old;
            if (old != null) {
                leaving.add(old.key());
                if (old.loser) {
                    losers = losers.remove(old.key());
                    loserEdits.add(old.key());
                } else {
                    winnerLeft.add(old.min);
                }
                mins.add(old.min);
            }
        }
        leaving.sort(null);
        lorder = lorder.removeAll(leaving);
        for (int j = 0; j < liveDirty.size(); j++) {
            long anchor = liveDirty.at(j);
            Live old = olds[j];
            List<Dev> in = arrivals.get(anchor);
            Dev[] ds = new Dev[(old == null ? 0 : old.members.length) + (in == null ? 0 : in.size())];
            int n = 0;
            if (old != null) {
                for (long key : old.members) {
                    Dev d = cur(key);
                    if (d != null && d.eligible && d.anchor == anchor) {
                        ds[n++] = d;
                    }
                }
            }
            if (in != null) {
                for (Dev d : in) {
                    ds[n++] = d;
                }
            }
            if (n == 0) {
                gone.add(anchor);
                continue;
            }
            if (n < ds.length) {
                ds = java.util.Arrays.copyOf(ds, n);
            }
            java.util.Arrays.sort(ds, (a, b) -> a.pkey.compareTo(b.pkey));
            Live g = old == null ? new Live() : old.copy();
            g.anchor = anchor;
            g.members = new long[ds.length];
            g.min = Integer.MAX_VALUE;
            for (int i = 0; i < ds.length; i++) {
                g.members[i] = ds[i].device.key();
                if (ds[i].kernel >= 0) {
                    g.min = Math.min(g.min, ds[i].kernel);
                }
            }
            g.first = ds[0].pkey;
            g.devs = ds;
            g.loser = g.min == Integer.MAX_VALUE;
            pending.put(anchor, g);
            lorder = lorder.put(g.key(), g);
            mins.add(g.min);
        }
        // who gets the candidate id: the first group visited with it; the others of that id get fresh ones
        LongMap<List<Live>> madeByMin = winnerLeft.size() == 0 ? null : byMin(pending);
        for (int mi = 0; mi < mins.size(); mi++) {
            int min = (int) mins.at(mi);
            if (min == Integer.MAX_VALUE) {
                continue;
            }
            List<Live> same = new ArrayList<>(4);
            BiPredicate<LiveKey, Live> collect = (key, g) -> {
                if (key.min() != min) {
                    return false;
                }
                same.add(g);
                return true;
            };
            if (winnerLeft.contains(min)) {
                // the old winner is being made again, so every other old group with this id was a loser: the groups
                // with it now are the losers kept (a short scan of a small tree) and the groups made in this step
                losers.forEachFrom(new LiveKey(min, null), collect);
                List<Live> made = madeByMin.get(min);
                if (made != null) {
                    same.addAll(made);
                }
                same.sort((a, b) -> a.first.compareTo(b.first));
            } else {
                lorder.forEachFrom(new LiveKey(min, null), collect);
            }
            for (int i = 0; i < same.size(); i++) {
                Live g = same.get(i);
                boolean loser = i > 0;
                Live mine = pending.get(g.anchor);
                if (mine == null) {
                    if (g.loser == loser) {
                        continue;
                    }
                    mine = g.copy();
                    pending.put(g.anchor, mine);
                    if (g.loser) {
                        losers = losers.remove(g.key());
                        loserEdits.add(g.key());
                    }
                }
                mine.loser = loser;
            }
        }
        for (int i = 0; i < pending.size(); i++) {
            Live g = pending.valueAt(i);
            if (g.loser) {
                losers = losers.put(g.key(), g);
                loserEdits.add(g.key());
            } else {
                g.id = g.min;
            }
        }
        // fresh ids from the first loser that moved on; all of them when the kernel's high water moved
        int hw = k.highWater();
        int from = fresh || hw != pk.highWater() ? 0 : losers.size();
        for (LiveKey key : loserEdits) {
            from = Math.min(from, losers.rank(key));
        }
        if (from < losers.size()) {
            int[] rank = {from};
            List<Live> renumber = new ArrayList<>();
            List<Integer> ids = new ArrayList<>();
            losers.forEachFrom(losers.keyAt(from), (key, g) -> {
                int id = hw + rank[0]++;
                if (g.id != id) {
                    renumber.add(g);
                    ids.add(id);
                }
                return true;
            });
            for (int i = 0; i < renumber.size(); i++) {
                Live g = renumber.get(i);
                Live mine = pending.get(g.anchor);
                if (mine == null) {
                    mine = g.copy();
                    pending.put(g.anchor, mine);
                }
                mine.id = ids.get(i);
            }
        }
        for (int i = 0; i < pending.size(); i++) {
            Live g = pending.valueAt(i);
            Live old = p.live.get(g.anchor);
            boolean sameMembers = old != null && java.util.Arrays.equals(old.members, g.members);
            if (sameMembers) {
                for (long key : g.members) {
                    if (any(cur(key), REGIONS)) {
                        sameMembers = false;
                        break;
                    }
                }
            }
            g.view = old != null && sameMembers && old.id == g.id ? old.view : liveView(g);
            g.devs = null;
            if (old == null || old.id != g.id) {
                for (long key : g.members) {
                    touch(key).flags |= VIEW;
                }
            }
            lorder = lorder.put(g.key(), g);
            if (g.loser) {
                losers = losers.put(g.key(), g);
            }
        }
        // the groups by anchor, written in one batch: emptied ones unbound
        long[] anchors = new long[pending.size() + gone.size()];
        for (int i = 0; i < pending.size(); i++) {
            anchors[i] = pending.keyAt(i);
        }
        for (int i = 0; i < gone.size(); i++) {
            anchors[pending.size() + i] = gone.at(i);
        }
        java.util.Arrays.sort(anchors);
        List<Live> groups = new ArrayList<>(anchors.length);
        for (long a : anchors) {
            groups.add(pending.get(a));
        }
        LongTrie<Live> byAnchor = p.live.putAll(anchors, groups);
        liveNow = byAnchor;
        return new LiveResult(byAnchor, lorder, losers);
    }

    private static LongMap<List<Live>> byMin(LongMap<Live> groups) {
        LongMap<List<Live>> out = new LongMap<>();
        for (int i = 0; i < groups.size(); i++) {
            Live g = groups.valueAt(i);
            List<Live> same = out.get(g.min);
            if (same == null) {
                same = new ArrayList<>(2);
                out.put(g.min, same);
            }
            same.add(g);
        }
        return out;
    }

    private GroupView liveView(Live g) {
        List<String> names = new ArrayList<>(g.members.length);
        List<List<Region>> rs = new ArrayList<>(g.members.length);
        for (int i = 0; i < g.members.length; i++) {
            Dev d = g.devs != null ? g.devs[i] : cur(g.members[i]);
            names.add(d.name);
            rs.add(d.regions);
        }
        return HostViewBuilder.groupView(host, g.id, names, rs, HostViewBuilder.groupRegions(rs));
    }

    // ------------------------------------------------------------ devices and hazards

    private PTree<ProbeKey, DeviceView> deviceViews() {
        PTree<ProbeKey, DeviceView> out = p.order;
        // every old place goes before any new one is taken: a moved device may take another's old key
        for (int i = 0; i < removed.size(); i++) {
            out = out.remove(p.devs.get(removed.at(i)).pkey);
        }
        for (int i = 0; i < work.size(); i++) {
            Dev d = work.valueAt(i);
            if (any(d, PKEY) && d.was != null) {
                out = out.remove(d.was.pkey);
            }
        }
        List<Dev> changedViews = new ArrayList<>(work.size());
        // devices of one group come one after another: the last group's id is the next device's, mostly
        long lastAnchor = -1;
        Integer lastId = null;
        for (int i = 0; i < work.size(); i++) {
            Dev d = work.valueAt(i);
            if (!any(d, VIEW | OWNER | KERNEL | PKEY)) {
                continue;
            }
            Dev old = d.was;
            Integer lg = null;
            if (d.eligible) {
                if (d.anchor != lastAnchor) {
                    lastAnchor = d.anchor;
                    lastId = liveNow.get(d.anchor).id;
                }
                lg = lastId;
            }
            DeviceView ov = old == null ? null : old.view;
            boolean sameIds = ov != null && java.util.Objects.equals(lg, ov.getLiveGroup())
                    && java.util.Objects.equals(d.kernel < 0 ? null : d.kernel, ov.getKernelGroup());
            if (sameIds && d.verdicts == old.verdicts
                    && (d.device == old.device || OwnershipChange.sameOwner(old.device, d.device))) {
                // what a device view reads is as it was: no record to make and compare
                d.view = ov;
            } else {
                DeviceView dv = HostViewBuilder.deviceView(d.device, d.name, d.kernel, lg, d.verdicts);
                // a view showing other group ids differs: the record-wide comparison is for the other fields
                d.view = sameIds && dv.equals(ov) ? ov : dv;
            }
            if (old == null || any(d, PKEY)) {
                out = out.put(d.pkey, d.view);
            } else if (d.view != old.view) {
                changedViews.add(d);
            }
        }
        // views replaced in place, in one pass over the tree
        changedViews.sort((a, b) -> a.pkey.compareTo(b.pkey));
        List<ProbeKey> keys = new ArrayList<>(changedViews.size());
        List<DeviceView> views = new ArrayList<>(changedViews.size());
        for (Dev d : changedViews) {
            keys.add(d.pkey);
            views.add(d.view);
        }
        return out.replaceAll(keys, views);
    }

    /**
     * P2P hazards of each device with reported mappings. They read the device's bus, the ports above it and the
     * buses those ports sit on: made again when the mappings or the hierarchy changed, or the hardware of a
     * device on one of those buses, that is, for the devices on or below such a bus.
     */
    private PTree<ProbeKey, Hazards> hazards() {
        PTree<ProbeKey, Hazards> out = p.hazards;
        if (out.isEmpty() && m.dmaReports().isEmpty()) {
            return out;
        }
        for (int i = 0; i < removed.size(); i++) {
            long key = removed.at(i);
            Dev old = p.devs.get(key);
            Hazards h = old == null ? null : out.get(old.pkey);
            if (h != null && h.device() == key) {
                out = out.remove(old.pkey);
            }
        }
        for (int i = 0; i < hardwareBuses.size(); i++) {
            long bus = hardwareBuses.at(i);
            int domain = (int) (bus >>> 8);
            int b = (int) bus & 0xff;
            for (Topology topo : List.of(t, pt)) {
                ProbeKey prefix;
                try {
                    prefix = ProbeKey.bus(topo, domain, b, topo == t ? busPaths() : new HashMap<>());
                } catch (ProbeKey.Unrooted e) {
                    continue;
                }
                List<Long> below = new ArrayList<>();
                p.hazards.forEachFrom(prefix, (key, h) -> {
                    if (!key.below(prefix)) {
                        return false;
                    }
                    below.add(h.device());
                    return true;
                });
                for (long key : below) {
                    if (t.deviceAt(key) != null) {
                        touch(key).flags |= PEERS;
                    }
                }
            }
        }
        int redo = DMA | CHAIN | DEVICE | PEERS;
        // every old place goes before any new one is taken: a moved device may take another's old key
        for (int i = 0; i < work.size(); i++) {
            Dev d = work.valueAt(i);
            if (any(d, redo) && any(d, PKEY) && d.was != null) {
                Hazards h = out.get(d.was.pkey);
                if (h != null && h.device() == work.keyAt(i)) {
                    out = out.remove(d.was.pkey);
                }
            }
        }
        AcsPolicy policy = null;
        for (int i = 0; i < work.size(); i++) {
            Dev d = work.valueAt(i);
            if (!any(d, redo)) {
                continue;
            }
            long key = work.keyAt(i);
            Dev old = d.was;
            DmaReport dma = m.dmaReports().get(key);
            if (dma == null) {
                Hazards h = out.get(d.pkey);
                if (h != null && h.device() == key) {
                    out = out.remove(d.pkey);
                }
                continue;
            }
            policy = policy == null ? m.policy(rules) : policy;
            List<P2pHazard> hz = P2pHazards.of(d.device, t, policy, dma.mappings(), host.getHostBridgeWindows());
            Hazards was = old == null ? null : p.hazards.get(old.pkey);
            if (was != null && was.device() != key) {
                was = null;
            }
            boolean moved = any(d, PKEY);
            if (was != null && was.list().equals(hz) && !moved) {
                continue;
            }
            out = out.put(d.pkey, new Hazards(key, was != null && was.list().equals(hz) ? was.list() : hz));
        }
        return out;
    }

    // ------------------------------------------------------------ the view

    private HostView assemble(PTree<ProbeKey, DeviceView> order, PTree<ProbeKey, Hazards> hz,
                              PTree<LiveKey, Live> lorder) {
        HostView pv = p.view;
        List<GroupView> kv = pv != null && kernelViews == p.kernelViews ? pv.getKernelGroups()
                : kernelViews.values(g -> g);
        List<GroupIova> io = pv != null && iova == p.iova ? pv.getUsableIova() : iova.flat(l -> l);
        List<GroupView> lv = pv != null && lorder == p.liveOrder ? pv.getLiveGroups() : lorder.values(g -> g.view);
        List<DeviceView> dv = pv != null && order == p.order ? pv.getDevices() : order.values(d -> d);
        List<P2pHazard> hl = pv != null && hz == p.hazards ? pv.getHazards() : hz.flat(Hazards::list);
        return new HostView(m.hostId(), m.lastSequence(), Instant.ofEpochMilli(m.lastObservedAt()), host.getPlatform(),
                m.degraded(), t.size(), kv, lv, dv, io, hl);
    }
}

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
import io.iommutracker.emulator.group.LiveGroups;
import io.iommutracker.emulator.group.ProbeOrder;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Keys;
import io.iommutracker.emulator.model.Topology;
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
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One host's view together with the pieces it was made of (per device in probe order, per kernel and live group),
 * so that the view of another version of the host recomputes only the pieces whose inputs differ. What differs is
 * found by comparing the two versions' persistent tries, which skips every subtree they share: the cost follows
 * the change, not the size of the host (ARCHITECTURE section 6). Unchanged pieces, and lists of them, are the same
 * objects as in the last view, so comparing two views costs an identity check where nothing changed. Immutable.
 */
final class IncrementalView {

    private static final int NO_GROUP = -1;

    private final HostModel model;
    private final HostView view;
    // per device, in probe order
    private final Device[] order;
    private final KeyIndex index;
    private final List<Region>[] regions;
    private final int[] kernelOf;
    private final boolean[] eligible;
    private final long[] anchor;
    private final int[] liveOf;
    private final int[] liveSlot;
    private final List<Verdict>[] verdicts;
    private final DeviceView[] devices;
    /** The P2P hazards of each device with reported DMA mappings, null for the others. */
    private final List<P2pHazard>[] hazardsOf;
    // kernel groups by ascending id; live groups in view order
    private final int[] kernelIds;
    private final KernelGroup[] kernel;
    private final LiveGroup[] live;

    /** A kernel group's facts, view and usable IOVA, made together from the same inputs. */
    private record KernelGroup(GroupFacts facts, GroupView view, List<GroupIova> iova) {
    }

    /** A live group: its id, its members (probe-order indices), its view. */
    private record LiveGroup(int id, int[] members, GroupView view) {
    }

    @SuppressWarnings("checkstyle:ParameterNumber")
    private IncrementalView(HostModel model, HostView view, Device[] order, KeyIndex index,
                            List<Region>[] regions, int[] kernelOf, boolean[] eligible, long[] anchor, int[] liveOf,
                            int[] liveSlot, List<Verdict>[] verdicts, DeviceView[] devices, List<P2pHazard>[] hazardsOf,
                            int[] kernelIds,
                            KernelGroup[] kernel, LiveGroup[] live) {
        this.model = model;
        this.view = view;
        this.order = order;
        this.index = index;
        this.regions = regions;
        this.kernelOf = kernelOf;
        this.eligible = eligible;
        this.anchor = anchor;
        this.liveOf = liveOf;
        this.liveSlot = liveSlot;
        this.verdicts = verdicts;
        this.devices = devices;
        this.hazardsOf = hazardsOf;
        this.kernelIds = kernelIds;
        this.kernel = kernel;
        this.live = live;
    }

    HostView view() {
        return view;
    }

    /**
     * The view of {@code m} under the host's own rules, reusing from {@code prev} (the derivation of any version of
     * the same host, or null) every piece whose inputs are unchanged.
     */
    static IncrementalView next(IncrementalView prev, HostModel m, RuleSet rules) {
        return new Step(prev != null && prev.model.host() == m.host() && prev.model.hostRules() == rules ? prev : null,
                m, rules).run();
    }

    /** One derivation: the previous pieces, what changed since, and the new pieces as they are made. */
    private static final class Step {
        private final IncrementalView p;
        private final HostModel m;
        private final RuleSet rules;
        private final HostDescribed host;
        private final Topology t;
        private final KernelGroups k;

        private Device[] order;
        private KeyIndex index;
        private int n;
        /** The previous probe-order index of each device, -1 for a device the previous version lacked. */
        private int[] from;
        private boolean structural;
        private final List<Long> changedKeys = new ArrayList<>();
        private boolean[] dDevice;
        /** The device changed in more than who owns it (driver, owner), which only groups' facts and its view read. */
        private boolean[] dHardware;
        /** The device's driver or owner changed (or it is new): the facts of its group and its view read them. */
        private boolean[] dOwner;
        private boolean hardwareChanged;
        private boolean[] dChain;
        private boolean[] dRegions;
        private boolean[] dKernel;
        private boolean[] dVerdictInputs;
        private boolean[] dDma;
        /** The buses ({@code Keys.bus}) of devices whose hardware changed, for the P2P hazards that read them. */
        private final Set<Long> hardwareBuses = new HashSet<>();

        Step(IncrementalView p, HostModel m, RuleSet rules) {
            this.p = p;
            this.m = m;
            this.rules = rules;
            this.host = m.host() == null ? HostViewBuilder.NO_HOST : m.host();
            this.t = m.topology();
            this.k = m.kernelGroups();
        }

        IncrementalView run() {
            shape();
            List<Region>[] regs = regions();
            int[] kernelOf = kernelIds();
            boolean[] eligible = new boolean[n];
            long[] anchor = new long[n];
            boolean liveChanged = anchors(eligible, anchor, kernelOf);
            // kernel groups
            KernelGroupsResult kg = kernelGroups(regs, kernelOf);
            // live groups
            int[] liveOf;
            int[] liveSlot;
            LiveGroup[] live;
            if (liveChanged) {
                liveOf = new int[n];
                liveSlot = new int[n];
                live = regroup(eligible, anchor, kernelOf, regs, liveOf, liveSlot);
            } else {
                liveOf = p.liveOf;
                liveSlot = p.liveSlot;
                live = refreshLive(regs);
            }
            // devices
            List<Verdict>[] verdicts = verdicts(kernelOf, kg);
            DeviceView[] views = deviceViews(kernelOf, liveOf, verdicts);
            @SuppressWarnings("unchecked")
            List<P2pHazard>[] hazardsOf = new List[n];
            List<P2pHazard> hazards = hazards(hazardsOf);
            HostView v = assemble(views, kg, live, hazards);
            return new IncrementalView(m, v, order, index, regs, kernelOf, eligible, anchor, liveOf, liveSlot, verdicts,
                    views, hazardsOf, kg.ids, kg.groups, live);
        }

        // ------------------------------------------------------------ which devices changed, in which order

        private void shape() {
            if (p != null) {
                Topology pt = p.model.topology();
                t.changedDevices(pt, key -> changedKeys.add(key));
                structural = !t.sameBridgeIndex(pt);
                for (long key : changedKeys) {
                    structural |= t.deviceAt(key) == null || pt.deviceAt(key) == null;
                }
            }
            if (p == null || structural) {
                order = reorder();
                n = order.length;
                index = KeyIndex.of(order);
                from = new int[n];
                for (int i = 0; i < n; i++) {
                    from[i] = p == null ? -1 : p.index.get(order[i].key());
                }
            } else {
                order = p.order.clone();
                index = p.index;
                n = order.length;
                from = new int[n];
                for (int i = 0; i < n; i++) {
                    from[i] = i;
                }
                for (long key : changedKeys) {
                    order[index.get(key)] = t.deviceAt(key);
                }
            }
            dDevice = new boolean[n];
            dHardware = new boolean[n];
            dOwner = new boolean[n];
            dChain = new boolean[n];
            for (int i = 0; i < n; i++) {
                dDevice[i] = from[i] < 0;
                dOwner[i] = from[i] < 0;
                dHardware[i] = from[i] < 0;
                dChain[i] = from[i] < 0;
            }
            if (p == null) {
                return;
            }
            Topology pt = p.model.topology();
            for (long key : changedKeys) {
                int i = index.get(key);
                Device now = t.deviceAt(key);
                Device was = pt.deviceAt(key);
                boolean ownership = now != null && was != null && OwnershipChange.only(was, now);
                hardwareChanged |= !ownership;
                if (!ownership) {
                    hardwareBuses.add(Keys.bus(now != null ? now.bdf() : was.bdf()));
                }
                if (i >= 0) {
                    dDevice[i] = true;
                    dHardware[i] = !ownership;
                    dOwner[i] = was == null || !OwnershipChange.sameOwner(was, now);
                }
                if (ownership) {
                    continue;
                }
                // the bridges above every device below a changed bridge differ, in the old hierarchy or the new
                if (now != null && now.secondary() >= 0) {
                    markBelow(t, now, dChain, 0);
                }
                if (was != null && was.secondary() >= 0) {
                    markBelow(pt, was, dChain, 0);
                }
            }
        }

        /**
         * The probe order of this version: the previous one with a leaf function added or removed where a bus already
         * has devices (a bus's devices are one run of the order, by devfn), else {@link ProbeOrder} from scratch.
         */
        private Device[] reorder() {
            if (p == null || changedKeys.size() != 1 || !t.sameBridgeIndex(p.model.topology())) {
                return ProbeOrder.of(t).toArray(new Device[0]);
            }
            long key = changedKeys.get(0);
            Device added = t.deviceAt(key);
            Device removed = p.model.topology().deviceAt(key);
            Device[] old = p.order;
            if (removed != null && added == null && removed.secondary() < 0) {
                int at = p.index.get(key);
                Device[] out = new Device[old.length - 1];
                System.arraycopy(old, 0, out, 0, at);
                System.arraycopy(old, at + 1, out, at, old.length - at - 1);
                return out;
            }
            if (added != null && removed == null && added.secondary() < 0) {
                List<Device> bus = t.onBus(added.bdf().domain(), added.bdf().bus());
                int self = bus.indexOf(added);
                int at = -1;
                if (self + 1 < bus.size()) {
                    at = p.index.get(bus.get(self + 1).key());
                } else if (self > 0) {
                    int before = p.index.get(bus.get(self - 1).key());
                    at = before < 0 ? -1 : before + 1;
                }
                if (at >= 0) {
                    Device[] out = new Device[old.length + 1];
                    System.arraycopy(old, 0, out, 0, at);
                    out[at] = added;
                    System.arraycopy(old, at, out, at + 1, old.length - at);
                    return out;
                }
            }
            return ProbeOrder.of(t).toArray(new Device[0]);
        }

        /** Marks every device below {@code bridge} in {@code topo} that this version has. */
        private void markBelow(Topology topo, Device bridge, boolean[] flags, int depth) {
            Device self = topo.busSelf(bridge.bdf().domain(), bridge.secondary());
            if (self == null || !self.bdf().equals(bridge.bdf()) || depth > 256) {
                return;
            }
            for (Device child : topo.onBus(bridge.bdf().domain(), bridge.secondary())) {
                mark(child, topo, flags, depth);
            }
        }

        private void mark(Device d, Topology topo, boolean[] flags, int depth) {
            int i = index.get(d.key());
            if (i >= 0) {
                flags[i] = true;
            }
            if (d.secondary() >= 0) {
                markBelow(topo, d, flags, depth + 1);
            }
        }

        // ------------------------------------------------------------ per device

        @SuppressWarnings("unchecked")
        private List<Region>[] regions() {
            List<Region>[] out = new List[n];
            dRegions = new boolean[n];
            for (int i = 0; i < n; i++) {
                List<Region> old = from[i] < 0 ? null : p.regions[from[i]];
                if (old != null && !dHardware[i] && !dChain[i]) {
                    out[i] = old;
                    continue;
                }
                List<Region> r = HostViewBuilder.regions(host, t, order[i]);
                if (r.equals(old)) {
                    out[i] = old;
                } else {
                    out[i] = r;
                    dRegions[i] = true;
                }
            }
            return out;
        }

        private int[] kernelIds() {
            int[] out = new int[n];
            dKernel = new boolean[n];
            for (int i = 0; i < n; i++) {
                if (from[i] < 0) {
                    out[i] = k.groupAt(order[i].key());
                    dKernel[i] = true;
                } else {
                    out[i] = p.kernelOf[from[i]];
                }
            }
            if (p != null && k != p.model.kernelGroups()) {
                k.changedProbes(p.model.kernelGroups(), key -> {
                    int i = index.get(key);
                    if (i >= 0) {
                        int g = k.groupAt(key);
                        if (g != out[i]) {
                            out[i] = g;
                            dKernel[i] = true;
                        }
                    }
                });
            }
            return out;
        }

        /**
         * Eligibility and live-group anchor of each device; true when the live partition or its ids may differ. An
         * anchor depends on the device, the bridges above it and the cluster representative of the device its climb
         * stops at: devices below (or at) one whose representative changed are made again.
         */
        private boolean anchors(boolean[] eligible, long[] anchor, int[] kernelOf) {
            boolean changed = p == null || structural || k.highWater() != p.model.kernelGroups().highWater();
            // made only when some cluster representative may have changed
            boolean[] dCluster = p != null && m.liveClusters() != p.model.liveClusters() ? new boolean[n] : null;
            if (dCluster != null) {
                m.liveClusters().changedRepresentatives(p.model.liveClusters(), key -> {
                    Device d = t.deviceAt(key);
                    if (d != null) {
                        mark(d, t, dCluster, 0);
                    }
                });
            }
            LiveGroups groups = null;
            for (int i = 0; i < n; i++) {
                changed |= dKernel[i];
                int f = from[i];
                boolean cluster = dCluster != null && dCluster[i];
                if (f >= 0 && !dDevice[i] && !dChain[i] && !cluster) {
                    eligible[i] = p.eligible[f];
                    anchor[i] = p.anchor[f];
                    continue;
                }
                eligible[i] = Platforms.eligible(m.host(), order[i]);
                if (eligible[i] && f >= 0 && p.eligible[f] && !dHardware[i] && !dChain[i] && !cluster) {
                    anchor[i] = p.anchor[f];
                } else if (eligible[i]) {
                    if (groups == null) {
                        groups = new LiveGroups(t, m.policy(rules), m.liveClusters());
                    }
                    anchor[i] = groups.anchor(order[i]);
                } else {
                    anchor[i] = -1;
                }
                changed |= f < 0 || eligible[i] != p.eligible[f] || anchor[i] != p.anchor[f];
            }
            return changed;
        }

        // ------------------------------------------------------------ kernel groups

        private record KernelGroupsResult(int[] ids, KernelGroup[] groups, boolean changed, Set<Integer> newFacts) {
        }

        private KernelGroupsResult kernelGroups(List<Region>[] regs, int[] kernelOf) {
            Set<Integer> dirty = new TreeSet<>();
            boolean idsChanged = p == null;
            if (p != null && k != p.model.kernelGroups()) {
                k.changedGroups(p.model.kernelGroups(), id -> dirty.add((int) id));
            }
            for (int i = 0; i < n; i++) {
                if (dOwner[i] || dRegions[i] || dKernel[i]) {
                    if (kernelOf[i] >= 0) {
                        dirty.add(kernelOf[i]);
                    }
                    if (from[i] >= 0 && p.kernelOf[from[i]] >= 0) {
                        dirty.add(p.kernelOf[from[i]]);
                    }
                }
            }
            int[] ids;
            KernelGroup[] groups;
            if (p == null) {
                ids = k.ids().stream().mapToInt(Integer::intValue).toArray();
                groups = new KernelGroup[ids.length];
                for (int id : ids) {
                    dirty.add(id);
                }
            } else {
                ids = p.kernelIds;
                groups = p.kernel;
                for (int id : dirty) {
                    boolean had = Arrays.binarySearch(p.kernelIds, id) >= 0;
                    boolean has = !k.members(id).isEmpty();
                    idsChanged |= had != has;
                }
                if (idsChanged) {
                    ids = k.ids().stream().mapToInt(Integer::intValue).toArray();
                    groups = new KernelGroup[ids.length];
                    for (int j = 0; j < ids.length; j++) {
                        int at = Arrays.binarySearch(p.kernelIds, ids[j]);
                        groups[j] = at >= 0 ? p.kernel[at] : null;
                    }
                } else if (!dirty.isEmpty()) {
                    groups = groups.clone();
                }
            }
            Set<Integer> newFacts = new HashSet<>();
            boolean changed = idsChanged;
            for (int id : dirty) {
                int j = Arrays.binarySearch(ids, id);
                if (j < 0) {
                    continue;
                }
                List<Device> devs = new ArrayList<>();
                List<List<Region>> rs = new ArrayList<>();
                for (Bdf b : k.members(id)) {
                    int i = index.get(Keys.device(b));
                    if (i >= 0) {
                        devs.add(order[i]);
                        rs.add(regs[i]);
                    }
                }
                GroupFacts f = HostViewBuilder.facts(host, id, devs, rs);
                KernelGroup old = groups[j];
                if (old != null && old.facts().equals(f)) {
                    continue;
                }
                GroupView gv = HostViewBuilder.groupView(host, id, f.devices(), rs, f.regions());
                List<GroupIova> iova = HostViewBuilder.usableIova(host, f);
                if (old != null) {
                    gv = gv.equals(old.view()) ? old.view() : gv;
                    iova = iova.equals(old.iova()) ? old.iova() : iova;
                }
                groups[j] = new KernelGroup(f, gv, iova);
                newFacts.add(id);
                changed |= old == null || gv != old.view() || iova != old.iova();
            }
            return new KernelGroupsResult(ids, groups, changed, newFacts);
        }

        private GroupFacts factsOf(KernelGroupsResult kg, int id) {
            int j = Arrays.binarySearch(kg.ids, id);
            return j < 0 ? null : kg.groups[j].facts();
        }

        // ------------------------------------------------------------ live groups

        /**
         * The live partition from the anchors (groups ordered by first device in probe order, members in probe order),
         * with ids as {@link HostViewBuilder#liveGroups} gives them: the smallest kernel id among the members when no
         * earlier group took it, else a fresh id above every kernel id, visiting groups by that candidate id.
         */
        private LiveGroup[] regroup(boolean[] eligible, long[] anchor, int[] kernelOf, List<Region>[] regs, int[] liveOf,
                                    int[] liveSlot) {
            // group the eligible devices by anchor, groups in order of their first device (probe order), without
            // boxing: an open-addressing table from anchor to group slot
            int[] slotOf = new int[n];
            int groupCount = 0;
            int cap = Integer.highestOneBit(Math.max(4, n) * 2) * 2;
            long[] keys = new long[cap];
            int[] slots = new int[cap];
            Arrays.fill(slots, -1);
            for (int i = 0; i < n; i++) {
                liveOf[i] = NO_GROUP;
                liveSlot[i] = -1;
                slotOf[i] = -1;
                if (!eligible[i]) {
                    continue;
                }
                long a = anchor[i];
                int h = Long.hashCode(a * 0x9E3779B97F4A7C15L) & (cap - 1);
                while (slots[h] >= 0 && keys[h] != a) {
                    h = (h + 1) & (cap - 1);
                }
                if (slots[h] < 0) {
                    keys[h] = a;
                    slots[h] = groupCount++;
                }
                slotOf[i] = slots[h];
            }
            int[] size = new int[groupCount];
            int[] min = new int[groupCount];
            Arrays.fill(min, Integer.MAX_VALUE);
            for (int i = 0; i < n; i++) {
                int g = slotOf[i];
                if (g >= 0) {
                    size[g]++;
                    if (kernelOf[i] >= 0) {
                        min[g] = Math.min(min[g], kernelOf[i]);
                    }
                }
            }
            int[][] groups = new int[groupCount][];
            for (int g = 0; g < groupCount; g++) {
                groups[g] = new int[size[g]];
                size[g] = 0;
            }
            for (int i = 0; i < n; i++) {
                int g = slotOf[i];
                if (g >= 0) {
                    groups[g][size[g]++] = i;
                }
            }
            // visit by (smallest kernel id, first device): both non-negative, packed into one sortable long
            long[] visit = new long[groupCount];
            for (int g = 0; g < groupCount; g++) {
                visit[g] = ((long) min[g] << 32) | g;
            }
            Arrays.sort(visit);
            // the previous live groups by id: (id << 32 | place), sorted
            long[] before = new long[p == null ? 0 : p.live.length];
            for (int j = 0; j < before.length; j++) {
                before[j] = ((long) p.live[j].id() << 32) | j;
            }
            Arrays.sort(before);
            int fresh = k.highWater();
            int lastMin = -1;
            LiveGroup[] out = new LiveGroup[groupCount];
            for (int s = 0; s < groupCount; s++) {
                int m = (int) (visit[s] >>> 32);
                int g = (int) visit[s];
                // visited by ascending smallest id: that id was taken already iff the previous group had it too
                int id = m != Integer.MAX_VALUE && m != lastMin ? m : fresh++;
                lastMin = m;
                int[] members = groups[g];
                for (int i : members) {
                    liveOf[i] = id;
                    liveSlot[i] = s;
                }
                LiveGroup old = previousLive(before, id);
                if (old != null && sameMembers(old.members(), members, regs)) {
                    out[s] = Arrays.equals(old.members(), members) ? old : new LiveGroup(id, members, old.view());
                } else {
                    out[s] = new LiveGroup(id, members, liveView(id, members, regs));
                }
            }
            return out;
        }

        /** The previous live group with this id (the last listed, as a map filled in order would keep), or null. */
        private LiveGroup previousLive(long[] before, int id) {
            LiveGroup found = null;
            int lo = 0;
            int hi = before.length - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int at = (int) (before[mid] >>> 32);
                if (at < id) {
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            for (int j = lo; j < before.length && (int) (before[j] >>> 32) == id; j++) {
                found = p.live[(int) before[j]];
            }
            return found;
        }

        /** Whether a previous group had exactly these devices, in this order, with the same regions. */
        private boolean sameMembers(int[] was, int[] now, List<Region>[] regs) {
            if (was.length != now.length) {
                return false;
            }
            for (int j = 0; j < now.length; j++) {
                int i = now[j];
                if (from[i] != was[j] || dRegions[i]) {
                    return false;
                }
            }
            return true;
        }

        /** The previous live groups, with the view of each group some member's regions changed in made again. */
        private LiveGroup[] refreshLive(List<Region>[] regs) {
            LiveGroup[] out = p.live;
            for (int i = 0; i < n; i++) {
                int s = p.liveSlot[i];
                if (!dRegions[i] || s < 0 || (out != p.live && out[s] != p.live[s])) {
                    continue;
                }
                if (out == p.live) {
                    out = out.clone();
                }
                LiveGroup g = out[s];
                out[s] = new LiveGroup(g.id(), g.members(), liveView(g.id(), g.members(), regs));
            }
            return out;
        }

        private GroupView liveView(int id, int[] members, List<Region>[] regs) {
            List<String> names = new ArrayList<>(members.length);
            List<List<Region>> rs = new ArrayList<>(members.length);
            for (int i : members) {
                names.add(order[i].bdf().toString());
                rs.add(regs[i]);
            }
            return HostViewBuilder.groupView(host, id, names, rs, ReservedRegions.forGroup(rs));
        }

        // ------------------------------------------------------------ devices and hazards

        @SuppressWarnings("unchecked")
        private List<Verdict>[] verdicts(int[] kernelOf, KernelGroupsResult kg) {
            dDma = new boolean[n];
            if (p != null && m.dmaReports() != p.model.dmaReports()) {
                m.dmaReports().diff(p.model.dmaReports(), key -> {
                    int i = index.get(key);
                    if (i >= 0) {
                        dDma[i] = true;
                    }
                });
            }
            List<Verdict>[] out = new List[n];
            dVerdictInputs = new boolean[n];
            for (int i = 0; i < n; i++) {
                int g = kernelOf[i];
                List<Verdict> old = from[i] < 0 ? null : p.verdicts[from[i]];
                boolean newFacts = g >= 0 && !kg.newFacts().isEmpty() && kg.newFacts().contains(g);
                if (old != null && !dKernel[i] && !dDma[i] && !newFacts) {
                    out[i] = old;
                    continue;
                }
                List<Verdict> v = List.of();
                if (g >= 0) {
                    DmaReport dma = m.dmaReports().get(order[i].key());
                    List<IovaRange> mappings = dma == null ? List.of() : dma.mappings();
                    v = Assignment.verdicts(host, factsOf(kg, g), name(i), mappings);
                }
                out[i] = v.equals(old) ? old : v;
                dVerdictInputs[i] = out[i] != old;
            }
            return out;
        }

        private String name(int i) {
            return from[i] >= 0 ? p.devices[from[i]].getBdf() : order[i].bdf().toString();
        }

        private DeviceView[] deviceViews(int[] kernelOf, int[] liveOf, List<Verdict>[] verdicts) {
            DeviceView[] out = p != null && !structural ? p.devices : new DeviceView[n];
            for (int i = 0; i < n; i++) {
                DeviceView old = from[i] < 0 ? null : p.devices[from[i]];
                boolean same = old != null && !dOwner[i] && !dKernel[i] && !dVerdictInputs[i]
                        && liveOf[i] == p.liveOf[from[i]];
                DeviceView dv = same ? old : HostViewBuilder.deviceView(order[i], name(i), kernelOf[i],
                        liveOf[i] == NO_GROUP ? null : liveOf[i], verdicts[i]);
                if (!same && dv.equals(old)) {
                    dv = old;
                }
                if (out[i] != dv) {
                    if (p != null && out == p.devices) {
                        out = out.clone();
                    }
                    out[i] = dv;
                }
            }
            return out;
        }

        /**
         * P2P hazards of each device with reported mappings. They read the device's bus, the ports above it and the
         * buses those ports sit on: made again when the mappings, the hierarchy or the hardware of a device on one of
         * those buses changed.
         */
        private List<P2pHazard> hazards(List<P2pHazard>[] out) {
            boolean same = p != null && !structural && !hardwareChanged && m.dmaReports() == p.model.dmaReports();
            if (same) {
                System.arraycopy(p.hazardsOf, 0, out, 0, n);
                return p.view.getHazards();
            }
            if (m.dmaReports().isEmpty()) {
                return List.of();
            }
            List<Integer> withDma = new ArrayList<>();
            m.dmaReports().forEach((key, r) -> {
                int i = index.get(key);
                if (i >= 0) {
                    withDma.add(i);
                }
            });
            withDma.sort(null);
            AcsPolicy policy = null;
            List<P2pHazard> all = new ArrayList<>();
            for (int i : withDma) {
                List<P2pHazard> old = p == null || structural || from[i] < 0 ? null : p.hazardsOf[from[i]];
                if (old != null && !dDma[i] && !onPath(order[i])) {
                    out[i] = old;
                } else {
                    policy = policy == null ? m.policy(rules) : policy;
                    out[i] = P2pHazards.of(order[i], t, policy, m.dmaReports().get(order[i].key()).mappings(),
                            host.getHostBridgeWindows());
                }
                all.addAll(out[i]);
            }
            return p != null && sameElements(all, p.view.getHazards()) ? p.view.getHazards() : all;
        }

        /** Whether a device whose hardware changed sits on the bus of {@code d} or of a bridge above it. */
        private boolean onPath(Device d) {
            if (hardwareBuses.isEmpty()) {
                return false;
            }
            int guard = 0;
            for (Device x = d; x != null && guard++ < 256; x = t.parent(x)) {
                if (hardwareBuses.contains(Keys.bus(x.bdf()))) {
                    return true;
                }
            }
            return false;
        }

        // ------------------------------------------------------------ the view

        private HostView assemble(DeviceView[] views, KernelGroupsResult kg, LiveGroup[] live, List<P2pHazard> hazards) {
            List<GroupView> kernelViews;
            List<GroupIova> iova;
            if (p != null && !kg.changed()) {
                kernelViews = p.view.getKernelGroups();
                iova = p.view.getUsableIova();
            } else {
                kernelViews = new ArrayList<>(kg.groups().length);
                iova = new ArrayList<>();
                for (KernelGroup g : kg.groups()) {
                    kernelViews.add(g.view());
                    if (!g.iova().isEmpty()) {
                        iova.addAll(g.iova());
                    }
                }
                if (p != null && sameElements(kernelViews, p.view.getKernelGroups())) {
                    kernelViews = p.view.getKernelGroups();
                }
                if (p != null && sameElements(iova, p.view.getUsableIova())) {
                    iova = p.view.getUsableIova();
                }
            }
            List<GroupView> liveViews;
            if (p != null && live == p.live) {
                liveViews = p.view.getLiveGroups();
            } else {
                liveViews = new ArrayList<>(live.length);
                for (LiveGroup g : live) {
                    liveViews.add(g.view());
                }
                if (p != null && sameElements(liveViews, p.view.getLiveGroups())) {
                    liveViews = p.view.getLiveGroups();
                }
            }
            List<DeviceView> deviceViews = p != null && views == p.devices ? p.view.getDevices() : Arrays.asList(views);
            return new HostView(m.hostId(), m.lastSequence(), Instant.ofEpochMilli(m.lastObservedAt()), host.getPlatform(),
                    m.degraded(), t.size(), kernelViews, liveViews, deviceViews, iova, hazards);
        }

        /** The same objects in the same order: the old list can stand for the new one, and compares by identity. */
        private static boolean sameElements(List<?> a, List<?> b) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i) != b.get(i)) {
                    return false;
                }
            }
            return true;
        }
    }
}

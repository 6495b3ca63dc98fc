package io.iommutracker.emulator.group;

import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Keys;
import io.iommutracker.emulator.model.LongTrie;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The kernel view's bookkeeping: which group each probed device joined, each group's device list in probe order,
 * and the ida that hands out group ids (iommu_group_alloc: lowest free id, freed when the group empties).
 */
public final class KernelGroups {

    private static final KernelGroups EMPTY = new KernelGroups(LongTrie.empty(), LongTrie.empty(), 0, new int[0], 0);

    private final LongTrie<Probe> probes;
    private final LongTrie<List<Bdf>> members;
    private final int highWater;
    private final int[] freed;
    private final long nextOrder;

    private KernelGroups(LongTrie<Probe> probes, LongTrie<List<Bdf>> members, int highWater, int[] freed, long nextOrder) {
        this.probes = probes;
        this.members = members;
        this.highWater = highWater;
        this.freed = freed;
        this.nextOrder = nextOrder;
    }

    public static KernelGroups empty() {
        return EMPTY;
    }

    /** The device's group id, or -1 when it has none. */
    public int groupOf(Bdf bdf) {
        Probe p = probes.get(Keys.device(bdf));
        return p == null ? -1 : p.group();
    }

    /** {@link #groupOf} by device key ({@link Keys#device}). */
    public int groupAt(long deviceKey) {
        Probe p = probes.get(deviceKey);
        return p == null ? -1 : p.group();
    }

    public Probe probe(Bdf bdf) {
        return probes.get(Keys.device(bdf));
    }

    /** Visits the device key of every device whose probe (group, order) differs between {@code other} and this. */
    public void changedProbes(KernelGroups other, LongConsumer changed) {
        probes.diff(other.probes, changed);
    }

    /** Visits every group id whose member list differs (by identity) between {@code other} and this. */
    public void changedGroups(KernelGroups other, LongConsumer changed) {
        members.diff(other.members, changed);
    }

    /** The group's devices in list (probe) order; empty for an unused id. */
    public List<Bdf> members(int group) {
        List<Bdf> m = members.get(group);
        return m == null ? List.of() : m;
    }

    /** Live group ids, ascending. */
    public List<Integer> ids() {
        List<Integer> out = new ArrayList<>();
        members.forEach((k, v) -> out.add(k.intValue()));
        return out;
    }

    public int groupCount() {
        return members.size();
    }

    /** One above the highest id ever handed out; fresh live-view ids start here. */
    public int highWater() {
        return highWater;
    }

    // ida_alloc(): the lowest free id.
    public int nextFreeId() {
        return freed.length > 0 ? freed[0] : highWater;
    }

    /** iommu_group_add_device(): {@code group} < 0 allocates a new group. Returns the new state. */
    public KernelGroups add(Bdf bdf, int group, int acsCtrlAtProbe) {
        int id = group;
        int hw = highWater;
        int[] fr = freed;
        if (id < 0) {
            id = nextFreeId();
            if (fr.length > 0) {
                fr = Arrays.copyOfRange(fr, 1, fr.length);
            } else {
                hw++;
            }
        }
        List<Bdf> old = members(id);
        List<Bdf> now = new ArrayList<>(old.size() + 1);
        now.addAll(old);
        now.add(bdf);
        return new KernelGroups(probes.put(Keys.device(bdf), new Probe(id, acsCtrlAtProbe, nextOrder)),
                members.put(id, List.copyOf(now)), hw, fr, nextOrder + 1);
    }

    /** iommu_release_device(): leaves the group; an emptied group frees its id. */
    public KernelGroups remove(Bdf bdf) {
        Probe p = probe(bdf);
        if (p == null) {
            return this;
        }
        List<Bdf> now = new ArrayList<>(members(p.group()));
        now.remove(bdf);
        LongTrie<List<Bdf>> m;
        int[] fr = freed;
        if (now.isEmpty()) {
            m = members.remove(p.group());
            fr = Arrays.copyOf(freed, freed.length + 1);
            fr[fr.length - 1] = p.group();
            Arrays.sort(fr);
        } else {
            m = members.put(p.group(), List.copyOf(now));
        }
        return new KernelGroups(probes.remove(Keys.device(bdf)), m, highWater, fr, nextOrder);
    }

    /** For the state codec: rebuilds exactly, including freed ids and the probe counter. */
    public static KernelGroups restore(List<Bdf> devicesInProbeOrder, List<Probe> probesInOrder, int highWater, int[] freed, long nextOrder) {
        LongTrie<Probe> p = LongTrie.empty();
        LongTrie<List<Bdf>> m = LongTrie.empty();
        java.util.Map<Integer, List<Bdf>> lists = new java.util.TreeMap<>();
        for (int i = 0; i < devicesInProbeOrder.size(); i++) {
            Bdf b = devicesInProbeOrder.get(i);
            Probe pr = probesInOrder.get(i);
            p = p.put(Keys.device(b), pr);
            lists.computeIfAbsent(pr.group(), k -> new ArrayList<>()).add(b);
        }
        for (var e : lists.entrySet()) {
            m = m.put(e.getKey(), List.copyOf(e.getValue()));
        }
        return new KernelGroups(p, m, highWater, freed.clone(), nextOrder);
    }

    /** Probed devices in probe order (for the codec and the view). */
    public List<Bdf> probedInOrder() {
        List<long[]> keyed = new ArrayList<>();
        probes.forEach((k, v) -> keyed.add(new long[] {v.order(), k}));
        keyed.sort((a, b) -> Long.compare(a[0], b[0]));
        List<Bdf> out = new ArrayList<>(keyed.size());
        for (long[] kv : keyed) {
            out.add(Keys.bdf(kv[1]));
        }
        return out;
    }

    public int[] freedIds() {
        return freed.clone();
    }

    public long nextOrder() {
        return nextOrder;
    }
}

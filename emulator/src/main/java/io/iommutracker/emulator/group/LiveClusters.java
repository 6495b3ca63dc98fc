package io.iommutracker.emulator.group;

import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.acs.Acs;
import io.iommutracker.emulator.acs.AcsFlags;
import io.iommutracker.emulator.acs.AcsPolicy;
import io.iommutracker.emulator.acs.SwitchIsolation;
import io.iommutracker.emulator.alias.DmaAlias;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Keys;
import io.iommutracker.emulator.model.LongTrie;
import io.iommutracker.emulator.model.Topology;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The same-bus part of the live grouping, cached per bus: which devices of one bus are tied together by DMA aliases
 * (steps 3 of pci_device_group) or by being ACS-less functions of one multifunction slot (step 4), and, under the
 * posted series, how isolated a switch's interior bus is ({@link SwitchIsolation}): its downstream ports share one
 * cluster when they are not isolated from each other, and each device on the bus carries the bus's flags (its group
 * is a non-isolated one; it joins the upstream port's group). Kept in the host state and recomputed only for the buses
 * an event touches; a change of flags shows as a changed representative, so whoever re-derives what sits below changed
 * representatives also re-derives what a flag change moves.
 */
public final class LiveClusters {

    /** Bus flag: the device's group is a non-isolated one (series: it sits on a switch bus that does not isolate). */
    static final int NON_ISOLATED_GROUP = 1;
    /** Bus flag: the device joins the group of its bus's bridge (series: PCIE_NON_ISOLATED below an upstream port). */
    static final int JOINS_BRIDGE = 2;

    /** How many bus partitions were computed, process-wide: lets tests check incrementality without timing. */
    public static final AtomicLong BUS_RECOMPUTATIONS = new AtomicLong();

    private final LongTrie<int[]> byBus;

    private LiveClusters(LongTrie<int[]> byBus) {
        this.byBus = byBus;
    }

    public static LiveClusters empty() {
        return new LiveClusters(LongTrie.empty());
    }

    /** Every bus computed from scratch. */
    public static LiveClusters compute(Topology topo, AcsPolicy policy) {
        LiveClusters c = empty();
        long last = -1;
        for (Device d : topo.all()) {
            long bus = Keys.bus(d.bdf());
            if (bus != last) {
                c = c.recompute(topo, policy, d.bdf().domain(), d.bdf().bus());
                last = bus;
            }
        }
        return c;
    }

    /** A new cache with one bus recomputed from the given topology. */
    public LiveClusters recompute(Topology topo, AcsPolicy policy, int domain, int bus) {
        long key = Keys.bus(domain, bus);
        List<Device> devs = topo.onBus(domain, bus);
        if (devs.isEmpty()) {
            return byBus.containsKey(key) ? new LiveClusters(byBus.remove(key)) : this;
        }
        return new LiveClusters(byBus.put(key, partition(devs, topo, policy)));
    }

    /**
     * Visits the key ({@link Keys#device}) of every device whose cluster representative or bus flags differ between
     * {@code other} and this cache (including devices only one of them knows): live-group anchors below any other
     * device are as they were.
     */
    public void changedRepresentatives(LiveClusters other, LongConsumer changed) {
        byBus.diff(other.byBus, bus -> {
            int[] now = byBus.get(bus);
            int[] was = other.byBus.get(bus);
            if (!ascending(now) || !ascending(was)) {
                int[] repNow = reps(now);
                int[] repWas = reps(was);
                for (int devfn = 0; devfn < 256; devfn++) {
                    if (repNow[devfn] != repWas[devfn]) { // representative and flags
                        changed.accept((bus << 8) | devfn);
                    }
                }
                return;
            }
            // both in devfn order: one merge walk, by ascending devfn (a devfn only one side has differs)
            int a = 0;
            int b = 0;
            int na = now == null ? 0 : now.length;
            int nb = was == null ? 0 : was.length;
            while (a < na || b < nb) {
                int da = a < na ? now[a] >>> 16 : 256;
                int db = b < nb ? was[b] >>> 16 : 256;
                if (da == db) {
                    if ((now[a] & 0xffff) != (was[b] & 0xffff)) {
                        changed.accept((bus << 8) | da);
                    }
                    a++;
                    b++;
                } else if (da < db) {
                    changed.accept((bus << 8) | da);
                    a++;
                } else {
                    changed.accept((bus << 8) | db);
                    b++;
                }
            }
        });
    }

    private static boolean ascending(int[] packed) {
        if (packed != null) {
            for (int i = 1; i < packed.length; i++) {
                if (packed[i] >>> 16 <= packed[i - 1] >>> 16) {
                    return false;
                }
            }
        }
        return true;
    }

    /** devfn -> flags and representative devfn, -1 for a devfn not on the bus. */
    private static int[] reps(int[] packed) {
        int[] out = new int[256];
        java.util.Arrays.fill(out, -1);
        if (packed != null) {
            for (int p : packed) {
                out[p >>> 16] = p & 0xffff;
            }
        }
        return out;
    }

    /** The devfn of the smallest device clustered with {@code d} on its bus. */
    public int rep(Device d) {
        int p = packed(d);
        return p < 0 ? d.bdf().devfn() : p & 0xff;
    }

    /** The packed clusters of one bus ({@link Keys#bus}), or null: for a caller reading many devices of one bus. */
    int[] packedBus(long bus) {
        return byBus.get(bus);
    }

    /** {@link #rep(Device)} for a device on the bus whose {@link #packedBus} is {@code packed}. */
    static int rep(int[] packed, Device d) {
        int p = entry(packed, d.bdf().devfn());
        return p < 0 ? d.bdf().devfn() : p & 0xff;
    }

    /** Series: the device's group is non-isolated, so everything below it joins it (BUS_DATA_PCI_NON_ISOLATED). */
    public boolean inNonIsolatedGroup(Device d) {
        int p = packed(d);
        return p >= 0 && (p >>> 8 & NON_ISOLATED_GROUP) != 0;
    }

    /** Series: the device joins its bus's bridge's group (its bus is PCIE_NON_ISOLATED below an upstream port). */
    public boolean joinsBridge(Device d) {
        int p = packed(d);
        return p >= 0 && (p >>> 8 & JOINS_BRIDGE) != 0;
    }

    private int packed(Device d) {
        return entry(byBus.get(Keys.bus(d.bdf())), d.bdf().devfn());
    }

    private static int entry(int[] packed, int devfn) {
        if (packed != null) {
            for (int p : packed) {
                if (p >>> 16 == devfn) {
                    return p;
                }
            }
        }
        return -1;
    }

    /** Union-find over one bus; packed as (devfn << 16 | bus flags << 8 | representative devfn), devfn order. */
    static int[] partition(List<Device> devs, Topology topo, AcsPolicy policy) {
        BUS_RECOMPUTATIONS.incrementAndGet();
        int n = devs.size();
        int[] parent = new int[n];
        boolean[] acsOk = new boolean[n];
        boolean anyAlias = false;
        for (int i = 0; i < n; i++) {
            parent[i] = i;
            Device d = devs.get(i);
            acsOk[i] = Acs.enabled(d, AcsFlags.REQ_ACS_FLAGS, topo, policy);
            anyAlias |= d.hasAliasMask();
        }
        for (int i = 0; i < n; i++) {
            Device a = devs.get(i);
            // get_pci_function_alias_group(): ACS-less functions of one multifunction slot.
            if (a.multifunction() && !acsOk[i]) {
                for (int j = i + 1; j < n && devs.get(j).slot() == a.slot(); j++) {
                    if (!acsOk[j]) {
                        union(parent, i, j);
                    }
                }
            }
        }
        if (anyAlias) {
            int[] byDevfn = new int[256];
            java.util.Arrays.fill(byDevfn, -1);
            for (int i = 0; i < n; i++) {
                byDevfn[devs.get(i).bdf().devfn()] = i;
            }
            for (int i = 0; i < n; i++) {
                Device a = devs.get(i);
                if (!a.hasAliasMask()) {
                    continue;
                }
                for (int devfn = 0; devfn < 256; devfn++) {
                    if (byDevfn[devfn] >= 0 && DmaAlias.devsAreDmaAliases(a, devs.get(byDevfn[devfn]))) {
                        union(parent, i, byDevfn[devfn]);
                    }
                }
            }
        }
        int flags = policy.series() ? seriesEdges(devs, topo, policy, parent) : 0;
        int[] packed = new int[n];
        for (int i = 0; i < n; i++) {
            packed[i] = (devs.get(i).bdf().devfn() << 16) | (flags << 8) | devs.get(find(parent, i)).bdf().devfn();
        }
        return packed;
    }

    /**
     * The posted series (pci_device_group() over pci_bus_isolated()): on a switch's interior bus that does not isolate,
     * all the downstream ports share one group, the USP's when the bus is PCIE_NON_ISOLATED; the devices behind a
     * PCIe-to-PCI bridge form one group of their own. Returns the bus flags.
     */
    private static int seriesEdges(List<Device> devs, Topology topo, AcsPolicy policy, int[] parent) {
        Device self = topo.parent(devs.get(0));
        if (SwitchIsolation.isUpstreamPort(self)) {
            switch (SwitchIsolation.of(devs, topo, policy)) {
                case DSP_NON_ISOLATED -> {
                    for (int i = 1; i < devs.size(); i++) {
                        union(parent, 0, i);
                    }
                    return NON_ISOLATED_GROUP;
                }
                case NON_ISOLATED -> {
                    return NON_ISOLATED_GROUP | JOINS_BRIDGE;
                }
                default -> {
                    return 0;
                }
            }
        }
        if (self != null && self.isPcie() && self.pcieType() == PcieType.PCIE_TO_PCI_BRIDGE) {
            for (int i = 1; i < devs.size(); i++) {
                union(parent, 0, i);
            }
        }
        return 0;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a);
        int rb = find(parent, b);
        if (ra != rb) {
            // The smaller index (smaller devfn) stays the representative.
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }
}

package io.iommutracker.emulator.group;

import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.acs.Acs;
import io.iommutracker.emulator.acs.AcsFlags;
import io.iommutracker.emulator.acs.AcsPolicy;
import io.iommutracker.emulator.alias.DmaAlias;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Keys;
import io.iommutracker.emulator.model.LongMap;
import io.iommutracker.emulator.model.Topology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The live view: the partition pci_device_group() would give if every device were probed now, in boot order, with
 * the current ACS control bits. A device's group is found by climbing from its same-bus cluster
 * ({@link LiveClusters}) through every bridge that does not isolate (pci_acs_path_enabled fails) or that takes over
 * the requester ID (a DMA alias bridge), so one query costs O(depth) and nothing needs recomputing below a change.
 */
public final class LiveGroups {

    private final Topology topo;
    private final AcsPolicy policy;
    private final LiveClusters clusters;
    // memos per device key (bridges: keys ending in devfn 0, which LongMap hashes apart, unlike a boxed HashMap)
    private final LongMap<Boolean> acsFail = new LongMap<>();
    private final LongMap<Boolean> aliasAbove = new LongMap<>();
    private final LongMap<Boolean> nonIsolatedGroup = new LongMap<>();
    /** Per bus key: the device a climb from that bus ends at, once it left the bus; {@link #STAYS} when it stays. */
    private final LongMap<Device> climbs = new LongMap<>();
    private long lastBus = -1;
    /** The climb from {@link #lastBus}: null when it stays on the bus. */
    private Device lastTop;
    /** The same-bus clusters of the bus last read by {@link #anchor}. */
    private long repBus = -1;
    private int[] repPacked;
    /** In {@link #climbs}: the climb from that bus stays on it (a marker, never a device of the host). */
    private static final Device STAYS = new Device(Bdf.of(0, 0, 0), null, 0, null);

    public LiveGroups(Topology topo, AcsPolicy policy, LiveClusters clusters) {
        this.topo = topo;
        this.policy = policy;
        this.clusters = clusters;
    }

    /** The live groups of the eligible devices, each listed in probe order, groups ordered by their first device. */
    public List<List<Device>> groups(Predicate<Device> eligible) {
        return groups(ProbeOrder.of(topo), eligible);
    }

    /** The same, over a probe order the caller already has ({@link ProbeOrder#of} of this topology). */
    public List<List<Device>> groups(List<Device> probeOrder, Predicate<Device> eligible) {
        Map<Long, List<Device>> byAnchor = new LinkedHashMap<>();
        for (Device d : probeOrder) {
            if (eligible.test(d)) {
                byAnchor.computeIfAbsent(anchor(d), k -> new ArrayList<>()).add(d);
            }
        }
        return new ArrayList<>(byAnchor.values());
    }

    /** A key shared by exactly the devices of one live group: the device key of the group's top cluster representative. */
    public long anchor(Device d) {
        Device cur = policy.series() ? climb(d) : climbFromBus(d);
        long bus = Keys.bus(cur.bdf().domain(), cur.bdf().bus());
        if (bus != repBus) {
            repBus = bus;
            repPacked = clusters.packedBus(bus);
        }
        return Keys.device(cur.bdf().domain(), cur.bdf().bus(), LiveClusters.rep(repPacked, cur));
    }

    /**
     * Mainline and override rules: whether a climb goes on from a device depends only on the bridge above it, so every
     * device of a bus climbs to the same device once it leaves the bus (or none does); that device is memoised per bus,
     * the last bus asked about also in two fields, as callers ask about a bus's devices one after another.
     */
    private Device climbFromBus(Device d) {
        long bus = Keys.bus(d.bdf().domain(), d.bdf().bus());
        if (bus == lastBus) {
            return lastTop == null ? d : lastTop;
        }
        Device top = climbs.get(bus);
        if (top == null) {
            // the climb from a bus that joins its bridge is the climb from the bridge's own bus, memoised there too
            Device p = topo.parent(d);
            if (p == null || !joinsParent(p)) {
                top = STAYS;
            } else {
                top = climbFromBusOf(p, 0);
                // deeper than any hierarchy: a bus-number loop, climbed step by step as the guard in climb() has it
                top = top != null ? top : climb(p);
            }
            climbs.put(bus, top);
        }
        lastBus = bus;
        lastTop = top == STAYS ? null : top;
        return lastTop == null ? d : lastTop;
    }

    /**
     * Where a climb from {@code d} ends, through the memo of its bus (without touching the one-bus cache); null, and
     * nothing memoised, when it goes deeper than a domain's buses allow.
     */
    private Device climbFromBusOf(Device d, int depth) {
        long bus = Keys.bus(d.bdf().domain(), d.bdf().bus());
        Device top = climbs.get(bus);
        if (top == null) {
            if (depth > 256) {
                return null;
            }
            Device p = topo.parent(d);
            if (p == null || !joinsParent(p)) {
                top = STAYS;
            } else {
                top = climbFromBusOf(p, depth + 1);
                if (top == null) {
                    return null;
                }
            }
            climbs.put(bus, top);
        }
        return top == STAYS ? d : top;
    }

    private Device climb(Device d) {
        Device cur = d;
        int guard = 0;
        while (guard++ < 256) {
            Device p = topo.parent(cur);
            // series: a device on a switch bus that is PCIE_NON_ISOLATED joins the upstream port's group
            if (p == null || !(joinsParent(p) || policy.series() && clusters.joinsBridge(cur))) {
                break;
            }
            if (policy.series() && p.isPcie() && p.pcieType() == PcieType.PCIE_TO_PCI_BRIDGE && !attachesUp(p)) {
                // The series drops the PCIe-to-PCI bridge from its children's group.
                break;
            }
            cur = p;
        }
        return cur;
    }

    /** Whether a device directly below bridge {@code p} lands in p's group. */
    private boolean joinsParent(Device p) {
        return acsFail(p) || aliasAbove(p) || policy.series() && nonIsolatedGroup(p);
    }

    /**
     * Series: p's group carries BUS_DATA_PCI_NON_ISOLATED, so pci_hierarchy_group() puts everything below p in it:
     * p sits on a switch bus that does not isolate, or p itself joined the group of the bridge above it.
     */
    private boolean nonIsolatedGroup(Device p) {
        Boolean v = nonIsolatedGroup.get(p.key());
        if (v == null) {
            Device up = topo.parent(p);
            v = clusters.inNonIsolatedGroup(p) || (up != null && joinsParent(up));
            nonIsolatedGroup.put(p.key(), v);
        }
        return v;
    }

    private boolean attachesUp(Device d) {
        Device p = topo.parent(d);
        return p != null && joinsParent(p);
    }

    // !pci_acs_path_enabled(p, NULL, REQ_ACS_FLAGS), memoised per bridge.
    private boolean acsFail(Device p) {
        Boolean v = acsFail.get(p.key());
        if (v == null) {
            Device up = topo.parent(p);
            v = !Acs.enabled(p, AcsFlags.REQ_ACS_FLAGS, topo, policy) || (up != null && acsFail(up));
            acsFail.put(p.key(), v);
        }
        return v;
    }

    // A bridge at or above p, below any BRIDGE_XLATE_ROOT, puts its own requester ID on DMA from below.
    private boolean aliasAbove(Device p) {
        Boolean v = aliasAbove.get(p.key());
        if (v == null) {
            if (p.hasFlag(Device.FLAG_BRIDGE_XLATE_ROOT)) {
                v = false;
            } else {
                Device up = topo.parent(p);
                v = DmaAlias.bridgeAlias(p) != null || (up != null && aliasAbove(up));
            }
            aliasAbove.put(p.key(), v);
        }
        return v;
    }
}

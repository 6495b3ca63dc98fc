package io.iommutracker.emulator.group;

import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Keys;
import io.iommutracker.emulator.model.Topology;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The order device_add() (and so the IOMMU probe) sees devices at boot: each root bus is enumerated fully, then the
 * scan recurses depth-first into each bridge in devfn order, so a bridge always comes before what is below it.
 */
public final class ProbeOrder {

    private ProbeOrder() {
    }

    public static List<Device> of(Topology topo) {
        List<Device> out = new ArrayList<>(topo.size());
        Set<Long> scanned = new HashSet<>();
        for (Device d : topo.all()) {
            int domain = d.bdf().domain();
            int bus = d.bdf().bus();
            if (topo.isRootBus(domain, bus)) {
                scan(topo, domain, bus, out, scanned);
            }
        }
        // Buses reachable from no root (a bus-number loop in bad data) go last, in address order.
        for (Device d : topo.all()) {
            scan(topo, d.bdf().domain(), d.bdf().bus(), out, scanned);
        }
        return out;
    }

    private static void scan(Topology topo, int domain, int bus, List<Device> out, Set<Long> scanned) {
        if (!scanned.add(Keys.bus(domain, bus))) {
            return;
        }
        List<Device> onBus = topo.onBus(domain, bus);
        out.addAll(onBus);
        for (Device d : onBus) {
            Device self = d.secondary() >= 0 ? topo.busSelf(domain, d.secondary()) : null;
            if (self != null && self.bdf().equals(d.bdf())) {
                scan(topo, domain, d.secondary(), out, scanned);
            }
        }
    }
}

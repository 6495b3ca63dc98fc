package io.iommutracker.connectors.diff;

import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.emulator.model.Bdf;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * How deep each device sits below bridges, from the bus ranges of a snapshot's bridges. Removals go deepest first and
 * additions shallowest first, so that no event names a device whose upstream bridge is not (or no longer) there.
 */
final class BusTree {

    private record Range(int domain, int secondary, int subordinate) {
    }

    private final List<Range> ranges = new ArrayList<>();

    BusTree(Collection<PciDeviceInfo> devices) {
        for (PciDeviceInfo d : devices) {
            BridgeInfo b = d.getBridge();
            if (b != null && b.getSecondary() > 0 && b.getSubordinate() >= b.getSecondary()) {
                ranges.add(new Range(Bdf.parse(d.getBdf()).domain(), b.getSecondary(), b.getSubordinate()));
            }
        }
    }

    /** The number of bridges whose secondary..subordinate range holds the device's bus. */
    int depth(String bdf) {
        Bdf a = Bdf.parse(bdf);
        int depth = 0;
        for (Range r : ranges) {
            if (r.domain == a.domain() && r.secondary <= a.bus() && a.bus() <= r.subordinate) {
                depth++;
            }
        }
        return depth;
    }
}

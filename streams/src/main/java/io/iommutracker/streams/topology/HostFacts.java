package io.iommutracker.streams.topology;

import io.iommutracker.avro.DmaMappingsReported;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.avro.RidRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Facts the alert rules need that a {@code HostView} does not carry: the host's interrupt isolation switches,
 * its {@code iommu-map} coverage and the DMA mappings each VMM last reported.
 *
 * @param iommuMap RID ranges the IOMMU translates; empty = every RID
 * @param dma      owner id (VM / tenant) → the devices and IOVA ranges of its latest report
 */
public record HostFacts(boolean isolatedMsi, boolean allowUnsafeInterrupts, List<Rid> iommuMap,
                        Map<String, Mappings> dma) {

    public static final HostFacts NONE = new HostFacts(false, false, List.of(), Map.of());

    /** One iommu-map entry. */
    public record Rid(int segment, int first, int last) {
    }

    /** One inclusive IOVA range. */
    public record Span(long start, long end) {
        boolean overlaps(long s, long e) {
            return Long.compareUnsigned(start, e) <= 0 && Long.compareUnsigned(s, end) <= 0;
        }
    }

    /** One VMM report: which devices, which IOVA ranges. */
    public record Mappings(List<String> devices, List<Span> ranges) {
    }

    /** The facts after an event; events that do not carry facts return this. */
    public HostFacts after(PciEvent event) {
        Object p = event.getPayload();
        if (p instanceof HostDescribed d) {
            return described(d);
        }
        if (p instanceof HostSnapshot s && s.getHost() != null) {
            return described(s.getHost());
        }
        if (p instanceof DmaMappingsReported r) {
            Map<String, Mappings> next = new TreeMap<>(dma);
            if (r.getMappings().isEmpty() || r.getDevices().isEmpty()) {
                next.remove(r.getOwnerId());
            } else {
                List<Span> spans = new ArrayList<>();
                for (IovaRange range : r.getMappings()) {
                    spans.add(new Span(range.getStart(), range.getEnd()));
                }
                next.put(r.getOwnerId(), new Mappings(List.copyOf(r.getDevices()), List.copyOf(spans)));
            }
            return new HostFacts(isolatedMsi, allowUnsafeInterrupts, iommuMap, Map.copyOf(next));
        }
        return this;
    }

    private HostFacts described(HostDescribed d) {
        List<Rid> map = new ArrayList<>();
        for (RidRange r : d.getIommuMap()) {
            map.add(new Rid(r.getSegment(), r.getFirstRid(), r.getLastRid()));
        }
        return new HostFacts(d.getIsolatedMsi(), d.getAllowUnsafeInterrupts(), List.copyOf(map), dma);
    }

    /** The IOVA ranges reported for one device, over every owner's report that names it. */
    public List<Span> mappingsOf(String bdf) {
        List<Span> out = new ArrayList<>();
        for (Mappings m : new TreeMap<>(dma).values()) {
            if (m.devices().contains(bdf)) {
                out.addAll(m.ranges());
            }
        }
        return out;
    }

    /** Whether the iommu-map translates this requester id (an empty map translates everything). */
    public boolean covers(int segment, int rid) {
        if (iommuMap.isEmpty()) {
            return true;
        }
        for (Rid r : iommuMap) {
            if (r.segment() == segment && rid >= r.first() && rid <= r.last()) {
                return true;
            }
        }
        return false;
    }
}

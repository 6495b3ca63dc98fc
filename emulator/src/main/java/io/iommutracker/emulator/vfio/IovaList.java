package io.iommutracker.emulator.vfio;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.ResvType;
import io.iommutracker.emulator.resv.Region;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** An ordered list of inclusive IOVA ranges, as vfio_iommu_type1 keeps its iova_list. All comparisons are unsigned. */
record IovaList(List<Span> spans) {

    /** One inclusive range [start, end]. */
    record Span(long start, long end) {
        boolean overlaps(long otherStart, long otherEnd) {
            return Long.compareUnsigned(start, otherEnd) <= 0 && Long.compareUnsigned(otherStart, end) <= 0;
        }

        boolean within(long lo, long hi) {
            return Long.compareUnsigned(start, lo) >= 0 && Long.compareUnsigned(end, hi) <= 0;
        }
    }

    IovaList {
        spans = List.copyOf(spans);
    }

    /** The domain aperture [0, 2^apertureBits - 1]; 64 bits or more is the whole u64 space. */
    static long apertureEnd(HostDescribed host) {
        int bits = host.getApertureBits();
        if (bits >= 64) {
            return -1L;
        }
        return bits <= 0 ? 0 : (1L << bits) - 1;
    }

    static IovaList of(long start, long end) {
        return new IovaList(List.of(new Span(start, end)));
    }

    // vfio_iommu_resv_exclude(): every region but DIRECT_RELAXABLE is cut out, splitting the node it falls in.
    IovaList exclude(Collection<Region> regions) {
        List<Span> list = new ArrayList<>(spans);
        for (Region region : regions) {
            if (region.type() == ResvType.DIRECT_RELAXABLE) {
                continue;
            }
            list = cut(list, region.start(), region.end());
        }
        return new IovaList(list);
    }

    /** Cuts [start, end] out of every span it overlaps. */
    IovaList cut(long start, long end) {
        return new IovaList(cut(spans, start, end));
    }

    private static List<Span> cut(List<Span> in, long start, long end) {
        List<Span> out = new ArrayList<>(in.size() + 1);
        for (Span node : in) {
            if (!node.overlaps(start, end)) {
                out.add(node);
                continue;
            }
            if (Long.compareUnsigned(start, node.start()) > 0) {
                out.add(new Span(node.start(), start - 1));
            }
            if (Long.compareUnsigned(end, node.end()) < 0) {
                out.add(new Span(end + 1, node.end()));
            }
        }
        return out;
    }

    boolean isEmpty() {
        return spans.isEmpty();
    }

    List<IovaRange> toAvro() {
        List<IovaRange> out = new ArrayList<>(spans.size());
        for (Span span : spans) {
            out.add(new IovaRange(span.start(), span.end()));
        }
        return out;
    }
}

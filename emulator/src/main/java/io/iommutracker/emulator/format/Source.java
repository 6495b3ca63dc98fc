package io.iommutracker.emulator.format;

import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.emulator.model.Bdf;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** What one capture file (or capture directory) says about its host; {@link Captures} merges several. */
final class Source {

    final String file;
    CaptureFormat format;
    /** Rank among sources describing the same function; higher wins. */
    int richness;
    final Map<Bdf, PciDeviceInfo> devices = new TreeMap<>();
    final HostFacts facts = new HostFacts();
    /** The kernel's own answer: function to group number. Never copied into the snapshot. */
    final Map<Bdf, Integer> groups = new LinkedHashMap<>();
    /** True when this source lists groups at all, so a function missing from {@link #groups} has none. */
    boolean groupsReported;

    Source(String file, CaptureFormat format) {
        this.file = file;
        this.format = format;
        this.richness = format.ordinal();
    }
}

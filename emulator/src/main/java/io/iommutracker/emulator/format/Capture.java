package io.iommutracker.emulator.format;

import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.emulator.model.Bdf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A host capture read into two separate things: the {@link HostSnapshot} the emulator computes
 * from, and the groups the host's kernel reported. The snapshot never carries group ids: the
 * emulator must compute groups itself; tests compare its answer with {@link #reportedGroups()}.
 *
 * @param snapshot        devices and host facts, no group ids anywhere
 * @param reportedGroups  function to the kernel's group number ({@code IOMMU group:} lines,
 *                        {@code iommu_group} links, dmesg {@code Adding ... group N}, listings)
 * @param groupsReported  true when the capture shows the kernel's grouping at all, so that a
 *                        function absent from {@code reportedGroups} had no group
 * @param formats         the format each file was read as, in the order given
 */
public record Capture(HostSnapshot snapshot, SortedMap<Bdf, Integer> reportedGroups, boolean groupsReported,
                      Map<String, CaptureFormat> formats) {

    public Capture {
        reportedGroups = Collections.unmodifiableSortedMap(new TreeMap<>(reportedGroups));
        formats = Collections.unmodifiableMap(new java.util.LinkedHashMap<>(formats));
    }

    /** The kernel's group number for {@code bdf}, when the capture reports one. */
    public Optional<Integer> reportedGroup(Bdf bdf) {
        return Optional.ofNullable(reportedGroups.get(bdf));
    }

    /** Functions of the snapshot the kernel put in no group (empty when groups were not reported). */
    public SortedSet<Bdf> reportedUngrouped() {
        SortedSet<Bdf> out = new TreeSet<>();
        if (!groupsReported) return out;
        for (PciDeviceInfo d : snapshot.getDevices()) {
            Bdf bdf = Bdf.parse(d.getBdf());
            if (!reportedGroups.containsKey(bdf)) out.add(bdf);
        }
        return out;
    }

    /** The reported groups without their numbers (which follow probe order): one sorted set per group. */
    public List<SortedSet<Bdf>> reportedPartition() {
        Map<Integer, SortedSet<Bdf>> byGroup = new TreeMap<>();
        reportedGroups.forEach((bdf, g) -> byGroup.computeIfAbsent(g, k -> new TreeSet<>()).add(bdf));
        List<SortedSet<Bdf>> out = new ArrayList<>(byGroup.values());
        out.sort((a, b) -> a.first().compareTo(b.first()));
        return List.copyOf(out);
    }

    /** The snapshot's device with address {@code bdf}. */
    public Optional<PciDeviceInfo> device(Bdf bdf) {
        String key = bdf.toString();
        return snapshot.getDevices().stream().filter(d -> d.getBdf().equals(key)).findFirst();
    }

    /** Number of distinct reported groups. */
    public int reportedGroupCount() {
        return Set.copyOf(reportedGroups.values()).size();
    }
}

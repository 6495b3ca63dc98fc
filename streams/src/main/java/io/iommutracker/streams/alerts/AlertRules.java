package io.iommutracker.streams.alerts;

import io.iommutracker.avro.AlertKind;
import io.iommutracker.avro.DeviceView;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.P2pHazard;
import io.iommutracker.avro.ResvRegion;
import io.iommutracker.avro.ResvType;
import io.iommutracker.avro.Severity;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.streams.topology.HostFacts;
import io.iommutracker.streams.topology.HostRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The alert rules: every condition that holds for a host right now, derived only from its view, its facts and its
 * sequencing state, so a replay of the same events yields the same conditions.
 */
public final class AlertRules {

    private AlertRules() {
    }

    /** Drivers vfio tolerates in a viable group: bridges and stubs do no DMA of their own (vfio_dev_driver_allowed()). */
    private static final Set<String> VIABLE_DRIVERS = Set.of("pcieport", "pci-stub", "shpchp");

    /**
     * @param view        the host's current view, or null when nothing is known yet
     * @param silentSince the last event time when the host has gone silent, or null
     * @return unmodifiable; for a host with neither gap nor silence, the same list object as the last evaluation of
     *         that host on this thread while its conditions did not change
     */
    public static List<Condition> evaluate(String hostId, HostView view, HostFacts facts, HostRecord.Gap gap, Long silentSince) {
        if (view != null && gap == null && silentSince == null) {
            // the common case, memoised: the same list object again while the conditions are unchanged
            return ViewConditions.sortedOf(hostId, view, facts);
        }
        List<Condition> out = new ArrayList<>();
        if (view != null) {
            out.addAll(ViewConditions.of(hostId, view, facts));
        }
        if (gap != null) {
            out.add(new Condition(AlertKind.TELEMETRY_GAP, hostId, "host", Severity.WARNING, List.of(),
                    "telemetry gap: expected sequence " + gap.expected() + ", got " + gap.got()
                            + "; views are degraded until a HostSnapshot resynchronises the host",
                    Map.of("expected", Long.toString(gap.expected()), "got", Long.toString(gap.got()))));
        }
        if (silentSince != null) {
            out.add(new Condition(AlertKind.HOST_SILENT, hostId, "host", Severity.WARNING, List.of(),
                    "no telemetry since " + java.time.Instant.ofEpochMilli(silentSince),
                    Map.of("lastEventAt", java.time.Instant.ofEpochMilli(silentSince).toString())));
        }
        return byFingerprint(out);
    }

    /** Sorted by fingerprint, each fingerprint made once. */
    static List<Condition> byFingerprint(List<Condition> conditions) {
        if (conditions.size() < 2) {
            return conditions;
        }
        List<Map.Entry<String, Condition>> keyed = new ArrayList<>(conditions.size());
        for (Condition c : conditions) {
            keyed.add(Map.entry(c.fingerprint(), c));
        }
        keyed.sort(Map.Entry.comparingByKey());
        List<Condition> out = new ArrayList<>(keyed.size());
        for (Map.Entry<String, Condition> e : keyed) {
            out.add(e.getValue());
        }
        return out;
    }

    /** The conditions a view and the facts give, every rule over every piece: the reference for {@link ViewConditions}. */
    static List<Condition> fromScratch(String hostId, HostView view, HostFacts facts) {
        List<Condition> out = new ArrayList<>();
        Map<String, DeviceView> devices = new LinkedHashMap<>();
        for (DeviceView d : view.getDevices()) {
            devices.put(d.getBdf(), d);
        }
        Map<Integer, GroupView> kernel = new HashMap<>();
        for (GroupView g : view.getKernelGroups()) {
            kernel.put(g.getId(), g);
        }
        for (GroupView g : view.getLiveGroups()) {
            isolation(hostId, g, devices, out);
        }
        for (GroupView g : view.getLiveGroups()) {
            staleGroup(hostId, g, devices, out);
        }
        for (GroupView g : view.getKernelGroups()) {
            reservedConflicts(hostId, g, devices, facts, out);
        }
        for (DeviceView d : devices.values()) {
            device(hostId, d, d.getKernelGroup() == null ? null : kernel.get(d.getKernelGroup()), facts, out);
        }
        p2pHazards(hostId, view, devices, out);
        return out;
    }

    /** The rules about one device and its kernel group. */
    static void device(String hostId, DeviceView d, GroupView g, HostFacts facts, List<Condition> out) {
        requireDirect(hostId, d, g, out);
        unsafeMsi(hostId, d, g, facts, out);
        bypass(hostId, d, facts, out);
    }

    static boolean assigned(Owner o) {
        return (o.getKind() == OwnerKind.VFIO || o.getKind() == OwnerKind.IOMMUFD) && o.getId() != null;
    }

    private static String ownerText(DeviceView d) {
        Owner o = d.getOwner();
        return o.getKind() + (o.getId() == null ? "" : ":" + o.getId()) + (d.getDriver() == null ? "" : " (" + d.getDriver() + ")");
    }

    /** An assigned device sharing a live group with anything owned by the host or by another VM / tenant. */
    static void isolation(String host, GroupView g, Map<String, DeviceView> devices, List<Condition> out) {
        {
            for (String bdf : g.getDevices()) {
                DeviceView d = devices.get(bdf);
                if (d == null || !assigned(d.getOwner())) {
                    continue;
                }
                List<String> others = new ArrayList<>();
                for (String peerBdf : g.getDevices()) {
                    DeviceView p = devices.get(peerBdf);
                    if (p == null || p == d) {
                        continue;
                    }
                    boolean sameTenant = assigned(p.getOwner()) && Objects.equals(p.getOwner().getId(), d.getOwner().getId());
                    boolean harmless = p.getOwner().getKind() == OwnerKind.NONE
                            || (p.getDriver() != null && VIABLE_DRIVERS.contains(p.getDriver()));
                    if (!sameTenant && !harmless) {
                        others.add(peerBdf);
                    }
                }
                if (!others.isEmpty()) {
                    List<String> involved = new ArrayList<>(List.of(bdf));
                    involved.addAll(others.stream().sorted().toList());
                    Map<String, String> evidence = new LinkedHashMap<>();
                    evidence.put("liveGroup", Integer.toString(g.getId()));
                    evidence.put("owner", ownerText(d));
                    for (String o : others) {
                        evidence.put("peer " + o, ownerText(devices.get(o)));
                    }
                    out.add(new Condition(AlertKind.ISOLATION, host, bdf, Severity.CRITICAL, involved,
                            bdf + " (" + d.getOwner().getId() + ") shares live group " + g.getId() + " with "
                                    + String.join(", ", others.stream().sorted().toList()), evidence));
                }
            }
        }
    }

    /** Devices the kernel put in different groups that the hardware no longer isolates from each other. */
    static void staleGroup(String host, GroupView g, Map<String, DeviceView> devices, List<Condition> out) {
        {
            TreeSet<Integer> kernelIds = new TreeSet<>();
            boolean anyAssigned = false;
            for (String bdf : g.getDevices()) {
                DeviceView d = devices.get(bdf);
                if (d != null && d.getKernelGroup() != null) {
                    kernelIds.add(d.getKernelGroup());
                    anyAssigned |= assigned(d.getOwner());
                }
            }
            if (kernelIds.size() > 1) {
                String ids = kernelIds.stream().map(String::valueOf).collect(Collectors.joining(","));
                out.add(new Condition(AlertKind.STALE_GROUP, host, "kernel-groups:" + ids,
                        anyAssigned ? Severity.CRITICAL : Severity.WARNING, g.getDevices().stream().sorted().toList(),
                        "kernel groups " + ids + " are no longer isolated from each other (live group " + g.getId() + ")",
                        Map.of("liveGroup", Integer.toString(g.getId()), "kernelGroups", ids,
                                "members", String.join(" ", g.getDevices()))));
            }
        }
    }

    /**
     * DMA mappings of an assigned device's owner that land in a reserved region of the device's group (only relaxable
     * direct maps are allowed). Only the current owner's report counts: a VM's mappings stop applying to a device once
     * it is unbound from that VM's container, even if the VMM never withdraws them.
     */
    static void reservedConflicts(String host, GroupView g, Map<String, DeviceView> devices, HostFacts facts,
                                  List<Condition> out) {
        {
            for (String bdf : g.getDevices()) {
                DeviceView d = devices.get(bdf);
                HostFacts.Mappings report = d == null || !assigned(d.getOwner()) ? null : facts.dma().get(d.getOwner().getId());
                if (report == null || !report.devices().contains(bdf)) {
                    continue;
                }
                List<HostFacts.Span> maps = report.ranges();
                Map<String, String> evidence = new LinkedHashMap<>();
                for (ResvRegion r : g.getReservedRegions()) {
                    if (r.getType() == ResvType.DIRECT_RELAXABLE) {
                        continue;
                    }
                    for (HostFacts.Span m : maps) {
                        if (Long.compareUnsigned(m.start(), r.getEnd()) <= 0 && Long.compareUnsigned(r.getStart(), m.end()) <= 0) {
                            evidence.put("region " + Regions.sysfsLine(r), "mapping " + span(m.start(), m.end()));
                        }
                    }
                }
                if (!evidence.isEmpty()) {
                    evidence.put("group", Integer.toString(g.getId()));
                    out.add(new Condition(AlertKind.RESERVED_CONFLICT, host, bdf, Severity.CRITICAL, List.of(bdf),
                            bdf + " has DMA mappings inside reserved regions of group " + g.getId(), evidence));
                }
            }
        }
    }

    /** An assigned device whose group needs identity-mapped firmware regions (iommu_group's require_direct). */
    private static void requireDirect(String host, DeviceView d, GroupView g, List<Condition> out) {
        if (g == null || !assigned(d.getOwner())) {
            return;
        }
        List<String> direct = g.getReservedRegions().stream().filter(r -> r.getType() == ResvType.DIRECT)
                .map(Regions::sysfsLine).toList();
        if (g.getRequireDirect() || !direct.isEmpty()) {
            out.add(new Condition(AlertKind.REQUIRE_DIRECT, host, d.getBdf(), Severity.WARNING, List.of(d.getBdf()),
                    d.getBdf() + " is assigned to " + d.getOwner().getId() + " but group " + g.getId()
                            + " requires direct mapping", Map.of("group", Integer.toString(g.getId()),
                    "requireDirect", Boolean.toString(g.getRequireDirect()), "directRegions", String.join("; ", direct))));
        }
    }

    /** An assigned device whose interrupts are not isolated, on a host that did not opt into unsafe interrupts. */
    private static void unsafeMsi(String host, DeviceView d, GroupView g, HostFacts facts, List<Condition> out) {
        if (!assigned(d.getOwner()) || facts.allowUnsafeInterrupts()) {
            return;
        }
        boolean isolated = facts.isolatedMsi() || (g != null && g.getIsolatedMsi());
        if (!isolated) {
            out.add(new Condition(AlertKind.UNSAFE_MSI, host, d.getBdf(), Severity.WARNING, List.of(d.getBdf()),
                    d.getBdf() + " is assigned to " + d.getOwner().getId() + " without isolated MSI",
                    Map.of("allowUnsafeInterrupts", "false", "group", g == null ? "" : Integer.toString(g.getId()))));
        }
    }

    /** A device outside the RIDs the IOMMU translates: its DMA bypasses translation entirely. */
    private static void bypass(String host, DeviceView d, HostFacts facts, List<Condition> out) {
        if (facts.iommuMap().isEmpty() || !Bdf.isValid(d.getBdf())) {
            return;
        }
        Bdf b = Bdf.parse(d.getBdf());
        int rid = (b.bus() << 8) | b.devfn();
        if (!facts.covers(b.domain(), rid)) {
            out.add(new Condition(AlertKind.IOMMU_BYPASS, host, d.getBdf(), Severity.CRITICAL, List.of(d.getBdf()),
                    d.getBdf() + " (RID 0x" + Integer.toHexString(rid) + ") is not covered by the iommu-map",
                    Map.of("rid", String.format("0x%04x", rid), "segment", Integer.toString(b.domain()),
                            "iommuMap", facts.iommuMap().stream()
                                    .map(r -> r.segment() + ":" + String.format("0x%04x-0x%04x", r.first(), r.last()))
                                    .collect(Collectors.joining(" ")))));
        }
    }

    /** Peer windows reachable without the IOMMU that overlap what an assigned device maps. */
    static void p2pHazards(String host, HostView view, Map<String, DeviceView> devices, List<Condition> out) {
        for (P2pHazard h : view.getHazards()) {
            DeviceView d = devices.get(h.getDevice());
            if (h.getOverlap() == null || d == null || !assigned(d.getOwner())) {
                continue;
            }
            out.add(new Condition(AlertKind.P2P_HAZARD, host, h.getDevice() + "->" + h.getPeer(), Severity.CRITICAL,
                    List.of(h.getDevice(), h.getPeer()),
                    h.getDevice() + " maps IOVA that routes peer-to-peer to " + h.getPeer(),
                    Map.of("window", span(h.getWindow().getStart(), h.getWindow().getEnd()),
                            "overlap", span(h.getOverlap().getStart(), h.getOverlap().getEnd()))));
        }
    }

    /** {@code 0xSTART-0xEND} in unpadded hex, as the evidence has always shown ranges (String.format cost more than the rule). */
    static String span(long start, long end) {
        return "0x" + Long.toHexString(start) + "-0x" + Long.toHexString(end);
    }
}

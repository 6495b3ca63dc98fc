package io.iommutracker.emulator.state;

import static io.iommutracker.emulator.EventRejectedException.Reason.BAR_OUTSIDE_WINDOW;
import static io.iommutracker.emulator.EventRejectedException.Reason.DUPLICATE_DEVICE;
import static io.iommutracker.emulator.EventRejectedException.Reason.HOST_DECOMMISSIONED;
import static io.iommutracker.emulator.EventRejectedException.Reason.IMPOSSIBLE_PORT_TYPE;
import static io.iommutracker.emulator.EventRejectedException.Reason.INVALID_VALUE;
import static io.iommutracker.emulator.EventRejectedException.Reason.MALFORMED_BDF;
import static io.iommutracker.emulator.EventRejectedException.Reason.NO_BRIDGE_FOR_BUS;
import static io.iommutracker.emulator.EventRejectedException.Reason.STALE_SEQUENCE;
import static io.iommutracker.emulator.EventRejectedException.Reason.UNKNOWN_DEVICE;
import static io.iommutracker.emulator.EventRejectedException.Reason.WRONG_HOST;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.BridgeBusNumbersChanged;
import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.BridgeWindowChanged;
import io.iommutracker.avro.CommandChanged;
import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.DmaMappingsReported;
import io.iommutracker.avro.DriverBound;
import io.iommutracker.avro.DriverUnbound;
import io.iommutracker.avro.Heartbeat;
import io.iommutracker.avro.HostDecommissioned;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.MsiConfigured;
import io.iommutracker.avro.MsiKind;
import io.iommutracker.avro.MsiState;
import io.iommutracker.avro.MsixState;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.avro.PcieType;
import io.iommutracker.avro.Window;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.emulator.acs.AcsEnabling;
import io.iommutracker.emulator.acs.AcsPolicy;
import io.iommutracker.emulator.acs.UnknownCapabilities;
import io.iommutracker.emulator.group.KernelGroups;
import io.iommutracker.emulator.group.LiveClusters;
import io.iommutracker.emulator.group.PciDeviceGroup;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Infos;
import io.iommutracker.emulator.model.LongTrie;
import io.iommutracker.emulator.model.Topology;
import io.iommutracker.emulator.quirks.AliasQuirks;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The host state machine (iommu-model.md section 7b): validates one event against the current state and returns the
 * next state, recomputing only what the event can change.
 */
public final class EventApplier {

    private EventApplier() {
    }

    public static HostModel apply(HostModel m, PciEvent event) throws EventRejectedException {
        if (m.decommissioned) {
            throw new EventRejectedException(HOST_DECOMMISSIONED, "host " + m.hostId + " was decommissioned");
        }
        if (!Objects.equals(event.getHostId(), m.hostId)) {
            throw new EventRejectedException(WRONG_HOST, "event for " + event.getHostId() + " applied to " + m.hostId);
        }
        if (event.getSequence() <= m.lastSequence) {
            throw new EventRejectedException(STALE_SEQUENCE, "sequence " + event.getSequence() + " <= last " + m.lastSequence);
        }
        boolean gap = m.lastSequence > 0 && event.getSequence() != m.lastSequence + 1;
        Object p = event.getPayload();
        HostModel next;
        boolean resync = false;
        if (p instanceof HostDescribed h) {
            next = describe(m, h);
        } else if (p instanceof DeviceAdded a) {
            next = add(m, a.getDevice());
        } else if (p instanceof DeviceRemoved r) {
            next = remove(m, device(m, r.getBdf()));
        } else if (p instanceof BarProgrammed b) {
            next = programBar(m, device(m, b.getBdf()), b.getBar());
        } else if (p instanceof BridgeWindowChanged w) {
            next = changeWindow(m, bridge(m, w.getBdf()), w);
        } else if (p instanceof BridgeBusNumbersChanged n) {
            next = changeBusNumbers(m, bridge(m, n.getBdf()), n.getSecondary(), n.getSubordinate());
        } else if (p instanceof CommandChanged c) {
            Device d = device(m, c.getBdf());
            next = replace(m, d, Infos.edit(d.info(), i -> i.setCommand(c.getCommand())), false);
        } else if (p instanceof MsiConfigured msi) {
            next = configureMsi(m, device(m, msi.getBdf()), msi);
        } else if (p instanceof AcsControlChanged acs) {
            next = changeAcs(m, device(m, acs.getBdf()), acs.getCtrl());
        } else if (p instanceof DriverBound b) {
            next = bind(m, device(m, b.getBdf()), b.getDriver(), b.getOwner());
        } else if (p instanceof DriverUnbound u) {
            Device d = device(m, u.getBdf());
            next = replace(m, d, Infos.edit(d.info(), i -> {
                i.setDriver(null);
                i.setOwner(Owner.newBuilder().setKind(OwnerKind.NONE).setId(null).build());
            }), false);
        } else if (p instanceof DmaMappingsReported r) {
            next = reportMappings(m, r);
        } else if (p instanceof HostSnapshot s) {
            next = snapshot(m, s);
            resync = true;
        } else if (p instanceof Heartbeat) {
            next = m;
        } else if (p instanceof HostDecommissioned) {
            next = m.stamped(m.lastSequence, m.lastObservedAt, m.degraded, true);
        } else {
            throw new EventRejectedException(INVALID_VALUE, "unknown payload " + (p == null ? "null" : p.getClass().getSimpleName()));
        }
        boolean degraded = !resync && (m.degraded || gap);
        return next.stamped(event.getSequence(), event.getObservedAt().toEpochMilli(), degraded, next.decommissioned);
    }

    // ---------------------------------------------------------------- lookups

    static Bdf bdf(String text) throws EventRejectedException {
        try {
            return Bdf.parse(text);
        } catch (IllegalArgumentException e) {
            throw new EventRejectedException(MALFORMED_BDF, e.getMessage());
        }
    }

    private static Device device(HostModel m, String text) throws EventRejectedException {
        Device d = m.topo.device(bdf(text));
        if (d == null) {
            throw new EventRejectedException(UNKNOWN_DEVICE, "no device " + text + " on host " + m.hostId);
        }
        return d;
    }

    private static Device bridge(HostModel m, String text) throws EventRejectedException {
        Device d = device(m, text);
        if (d.bridge() == null) {
            throw new EventRejectedException(INVALID_VALUE, text + " is not a bridge");
        }
        return d;
    }

    // ---------------------------------------------------------------- enumeration

    /**
     * What enumeration makes of a reported function: header quirks (aliases, flags) and the dev_flags the Intel PCH
     * enable quirk leaves behind. The control word stays as reported: telemetry observes the hardware after the
     * kernel's pci_enable_acs, so it is what the live view must use. Only a capture that could not read the ACS
     * registers observed nothing, and then the kernel's enabling of the assumed capability is the best guess.
     */
    static Device enumerate(Bdf bdf, PciDeviceInfo info, Device parent, Topology known, HostModel m, HostDescribed host) {
        Device d = AliasQuirks.apply(bdf, UnknownCapabilities.assume(info, parent, known), parent, 0);
        Device enabled = AcsEnabling.enable(d, host, m.cmdline);
        return info.getCapabilitiesKnown() ? d.withFlags(enabled.flags()) : enabled;
    }

    /**
     * The device as the kernel held it when it probed it after enumerating it (boot or hot-add): pci_enable_acs applied
     * to the observed word. On a port nobody touched since, that is the observed word itself (the enabling is
     * idempotent); a port changed between probe and capture cannot be told apart, and the kernel's enabling wins
     * because that is what ran before the probe.
     */
    static Device atProbe(Device observed, HostModel m) {
        return AcsEnabling.enable(observed, m.host, m.cmdline);
    }

    private static HostModel add(HostModel m, PciDeviceInfo info) throws EventRejectedException {
        Bdf b = bdf(info.getBdf());
        Topology topo = m.topo;
        if (topo.contains(b)) {
            throw new EventRejectedException(DUPLICATE_DEVICE, b + " is already present");
        }
        checkBridgeNumbers(b, info.getBridge());
        checkBus(topo, b);
        Device parent = topo.busSelf(b.domain(), b.bus());
        checkPortType(b, info, parent);
        checkBars(b, info.getBars(), parent);
        PciDeviceInfo canonical = Infos.edit(info, i -> i.setBdf(b.toString()));
        Device d = enumerate(b, canonical, parent, topo, m, m.host);
        Topology t = topo.with(d);
        AcsPolicy policy = m.hostPolicy();
        LiveClusters c = m.clusters.recompute(t, policy, b.domain(), b.bus());
        if (d.secondary() >= 0) {
            // The secondary bus stops being a root bus: devices there may now answer quirks differently.
            c = c.recompute(t, policy, b.domain(), d.secondary());
        }
        // The hot-added device is probed with its enumeration-time ACS; the ports above it with what they hold now.
        Device probed = atProbe(d, m);
        KernelGroups k = Platforms.eligible(m.host, d) ? probe(t.with(probed), policy, m.kernel, probed) : m.kernel;
        return m.with(m.host, t, k, c, m.dma);
    }

    /** iommu_probe_device() → pci_device_group() against the groups the kernel holds now. */
    static KernelGroups probe(Topology t, AcsPolicy policy, KernelGroups k, Device d) {
        int g = new PciDeviceGroup(t, policy, x -> k.groupOf(x.bdf())).groupFor(d);
        return k.add(d.bdf(), g, d.hasAcsCap() ? d.acsCtrl() : -1);
    }

    private static void checkBridgeNumbers(Bdf b, BridgeInfo br) throws EventRejectedException {
        if (br != null && (br.getSecondary() <= b.bus() || br.getSecondary() > 0xff
                || br.getSubordinate() < br.getSecondary() || br.getSubordinate() > 0xff)) {
            throw new EventRejectedException(INVALID_VALUE, b + ": bus numbers secondary=" + br.getSecondary()
                    + " subordinate=" + br.getSubordinate() + " impossible below bus " + b.bus());
        }
    }

    /**
     * A bus no bridge covers is taken as a root bus (captures of arm64 hosts show endpoints on root buses with no
     * visible root port; x86 hosts have several root buses). It is rejected only when its number lies inside the
     * numbering span an existing hierarchy of its domain already claims: a bridge on a lower bus whose secondary bus
     * is above it, so a bridge between them must be missing.
     */
    private static void checkBus(Topology topo, Bdf b) throws EventRejectedException {
        if (topo.covered(b.domain(), b.bus()) || !topo.onBus(b.domain(), b.bus()).isEmpty()) {
            return;
        }
        for (Device br : topo.bridges(b.domain())) {
            if (br.bdf().bus() < b.bus() && br.secondary() > b.bus()) {
                throw new EventRejectedException(NO_BRIDGE_FOR_BUS, b + ": bus " + String.format("%02x", b.bus())
                        + " lies inside the hierarchy of " + br.bdf() + " but no bridge covers it");
            }
        }
    }

    private static void checkPortType(Bdf b, PciDeviceInfo info, Device parent) throws EventRejectedException {
        PcieType t = info.getPcieType();
        if (t == PcieType.DOWNSTREAM_PORT) {
            if (parent == null) {
                throw new EventRejectedException(IMPOSSIBLE_PORT_TYPE, b + ": a switch downstream port on a root bus");
            }
            if (known(parent) && parent.pcieType() != PcieType.UPSTREAM_PORT) {
                throw new EventRejectedException(IMPOSSIBLE_PORT_TYPE, b + ": a downstream port below " + parent.pcieType());
            }
        } else if (t == PcieType.UPSTREAM_PORT) {
            if (parent == null || (known(parent) && parent.pcieType() != PcieType.ROOT_PORT
                    && parent.pcieType() != PcieType.DOWNSTREAM_PORT)) {
                throw new EventRejectedException(IMPOSSIBLE_PORT_TYPE, b + ": a switch upstream port not below a root or downstream port");
            }
        }
    }

    private static boolean known(Device d) {
        return d.info().getPcieType() != PcieType.UNKNOWN;
    }

    private static void checkBars(Bdf b, List<Bar> bars, Device parent) throws EventRejectedException {
        if (parent == null || parent.bridge() == null) {
            return;
        }
        for (Bar bar : bars) {
            checkBar(b, bar, parent.bridge());
        }
    }

    private static void checkBar(Bdf b, Bar bar, BridgeInfo up) throws EventRejectedException {
        if (bar.getSize() <= 0) {
            return;
        }
        long start = bar.getBase();
        long end = start + bar.getSize() - 1;
        boolean ok;
        if (bar.getKind() == BarKind.IO) {
            ok = inside(up.getIoWindow(), start, end);
        } else {
            ok = inside(up.getMemWindow(), start, end)
                    || ((bar.getPrefetchable() || bar.getIndex() == 6) && inside(up.getPrefWindow(), start, end));
        }
        if (!ok) {
            throw new EventRejectedException(BAR_OUTSIDE_WINDOW, String.format("%s BAR %d [%#x-%#x] outside the upstream bridge windows",
                    b, bar.getIndex(), start, end));
        }
    }

    private static boolean inside(Window w, long start, long end) {
        return w != null && Long.compareUnsigned(w.getBase(), start) <= 0 && Long.compareUnsigned(end, w.getLimit()) <= 0;
    }

    // ---------------------------------------------------------------- removal

    private static HostModel remove(HostModel m, Device d) {
        // Unplugging a bridge removes everything below it first (pci_stop_and_remove_bus_device).
        List<Device> doomed = new ArrayList<>();
        collectSubtree(m.topo, d, doomed, new HashSet<>());
        Topology t = m.topo;
        KernelGroups k = m.kernel;
        LongTrie<DmaReport> dma = m.dma;
        Set<Long> buses = new HashSet<>();
        for (Device x : doomed) {
            t = t.without(x.bdf());
            k = k.remove(x.bdf());
            dma = dma.remove(x.key());
            buses.add(((long) x.bdf().domain() << 8) | x.bdf().bus());
            if (x.secondary() >= 0) {
                buses.add(((long) x.bdf().domain() << 8) | x.secondary());
            }
        }
        LiveClusters c = m.clusters;
        AcsPolicy policy = m.hostPolicy();
        for (long bus : buses) {
            c = c.recompute(t, policy, (int) (bus >>> 8), (int) (bus & 0xff));
        }
        return m.with(m.host, t, k, c, dma);
    }

    private static void collectSubtree(Topology t, Device d, List<Device> out, Set<Bdf> seen) {
        if (!seen.add(d.bdf())) {
            return;
        }
        if (d.secondary() >= 0) {
            Device self = t.busSelf(d.bdf().domain(), d.secondary());
            if (self != null && self.bdf().equals(d.bdf())) {
                for (Device child : t.onBus(d.bdf().domain(), d.secondary())) {
                    collectSubtree(t, child, out, seen);
                }
            }
        }
        out.add(d);
    }

    // ---------------------------------------------------------------- in-place changes

    /** Swaps the device's facts; {@code clusters} says whether the live same-bus partition can change. */
    private static HostModel replace(HostModel m, Device d, PciDeviceInfo info, boolean clusters) {
        Device nd = d.withInfo(info);
        Topology t = m.topo.with(nd);
        LiveClusters c = clusters ? m.clusters.recompute(t, m.hostPolicy(), d.bdf().domain(), d.bdf().bus()) : m.clusters;
        return m.with(m.host, t, m.kernel, c, m.dma);
    }

    private static HostModel programBar(HostModel m, Device d, Bar bar) throws EventRejectedException {
        if (bar.getIndex() < 0 || bar.getIndex() > 12 || bar.getSize() < 0) {
            throw new EventRejectedException(INVALID_VALUE, d.bdf() + ": BAR index " + bar.getIndex() + " size " + bar.getSize());
        }
        Device parent = m.topo.parent(d);
        if (parent != null && parent.bridge() != null) {
            checkBar(d.bdf(), bar, parent.bridge());
        }
        if (NoOpWrites.holdsBar(d, bar)) {
            return m;
        }
        List<Bar> bars = new ArrayList<>(d.info().getBars().size() + 1);
        boolean replaced = false;
        for (Bar old : d.info().getBars()) {
            if (old.getIndex() == bar.getIndex()) {
                bars.add(bar);
                replaced = true;
            } else {
                bars.add(old);
            }
        }
        if (!replaced) {
            bars.add(bar);
            bars.sort((x, y) -> Integer.compare(x.getIndex(), y.getIndex()));
        }
        return replace(m, d, Infos.edit(d.info(), i -> i.setBars(bars)), false);
    }

    private static HostModel changeWindow(HostModel m, Device d, BridgeWindowChanged w) throws EventRejectedException {
        Window range = w.getRange();
        if (range != null && Long.compareUnsigned(range.getBase(), range.getLimit()) > 0) {
            throw new EventRejectedException(INVALID_VALUE, d.bdf() + ": window base above limit");
        }
        BridgeInfo.Builder br = BridgeInfo.newBuilder(d.bridge());
        switch (w.getWindow()) {
            case IO -> br.setIoWindow(range);
            case MEM -> br.setMemWindow(range);
            case PREFMEM -> br.setPrefWindow(range);
            default -> throw new EventRejectedException(INVALID_VALUE, "window kind " + w.getWindow());
        }
        BridgeInfo nb = br.build();
        return replace(m, d, Infos.edit(d.info(), i -> i.setBridge(nb)), false);
    }

    private static HostModel changeBusNumbers(HostModel m, Device d, int secondary, int subordinate) throws EventRejectedException {
        BridgeInfo nb = BridgeInfo.newBuilder(d.bridge()).setSecondary(secondary).setSubordinate(subordinate).build();
        checkBridgeNumbers(d.bdf(), nb);
        int oldSecondary = d.secondary();
        Device nd = d.withInfo(Infos.edit(d.info(), i -> i.setBridge(nb)));
        Topology t = m.topo.with(nd);
        AcsPolicy policy = m.hostPolicy();
        LiveClusters c = m.clusters.recompute(t, policy, d.bdf().domain(), oldSecondary)
                .recompute(t, policy, d.bdf().domain(), secondary);
        return m.with(m.host, t, m.kernel, c, m.dma);
    }

    private static HostModel configureMsi(HostModel m, Device d, MsiConfigured msi) throws EventRejectedException {
        if (msi.getVectors() < 0) {
            throw new EventRejectedException(INVALID_VALUE, d.bdf() + ": negative vector count");
        }
        Consumer<PciDeviceInfo> change;
        if (msi.getKind() == MsiKind.MSI) {
            MsiState old = d.info().getMsi();
            MsiState.Builder b = old == null ? MsiState.newBuilder() : MsiState.newBuilder(old);
            MsiState ns = b.setEnabled(msi.getEnabled()).setVectors(msi.getVectors())
                    .setMaxVectors(Math.max(msi.getVectors(), old == null ? 1 : old.getMaxVectors()))
                    .setAddress(msi.getDoorbell()).build();
            change = i -> i.setMsi(ns);
        } else {
            MsixState old = d.info().getMsix();
            MsixState.Builder b = old == null ? MsixState.newBuilder() : MsixState.newBuilder(old);
            MsixState ns = b.setEnabled(msi.getEnabled())
                    .setTableSize(Math.max(msi.getVectors(), old == null ? 1 : old.getTableSize())).build();
            change = i -> i.setMsix(ns);
        }
        return replace(m, d, Infos.edit(d.info(), change), false);
    }

    /** A setpci write: the hardware isolates differently now (live view); the kernel view keeps its groups. */
    private static HostModel changeAcs(HostModel m, Device d, int ctrl) throws EventRejectedException {
        if (!d.hasAcsCap()) {
            throw new EventRejectedException(INVALID_VALUE, d.bdf() + " has no ACS capability");
        }
        if (ctrl < 0 || ctrl > 0xffff) {
            throw new EventRejectedException(INVALID_VALUE, d.bdf() + ": ACS control " + ctrl);
        }
        if (NoOpWrites.holdsAcsCtrl(d, ctrl)) {
            return m; // the same word again: the state keeps its pieces, so whoever compares versions sees no change
        }
        AcsCapability acs = AcsCapability.newBuilder(d.info().getAcs()).setCtrl(ctrl).build();
        return replace(m, d, Infos.edit(d.info(), i -> i.setAcs(acs)), clustersReadAcs(m, d));
    }

    /**
     * Whether the same-bus partition ({@link LiveClusters}) can read the ACS controls of {@code d}: a device's own
     * controls tie it only to other functions of its slot (ACS-less multifunction grouping), and the series' switch
     * isolation reads the ports of a bus together. A device alone in its slot under other rules leaves its bus's
     * partition as it was, and keeping the cache object says so to whoever compares versions.
     */
    private static boolean clustersReadAcs(HostModel m, Device d) {
        if (m.hostPolicy().series()) {
            return true;
        }
        Bdf b = d.bdf();
        for (int fn = 0; fn < 8; fn++) {
            int devfn = (d.slot() << 3) | fn;
            if (devfn != b.devfn() && m.topo.device(b.domain(), b.bus(), devfn) != null) {
                return true;
            }
        }
        return false;
    }

    private static HostModel bind(HostModel m, Device d, String driver, Owner owner) {
        Device nd = d.withInfo(Infos.edit(d.info(), i -> {
            i.setDriver(driver);
            i.setOwner(owner == null ? Owner.newBuilder().setKind(OwnerKind.NONE).setId(null).build() : owner);
        }));
        Topology t = m.topo.with(nd);
        KernelGroups k = m.kernel;
        // fwspec IOMMUs create the group at the first driver probe (dma_configure).
        if (Platforms.eligible(m.host, nd) && k.groupOf(nd.bdf()) < 0) {
            k = probe(t, m.hostPolicy(), k, nd);
        }
        return m.with(m.host, t, k, m.clusters, m.dma);
    }

    private static HostModel reportMappings(HostModel m, DmaMappingsReported r) throws EventRejectedException {
        for (IovaRange range : r.getMappings()) {
            if (Long.compareUnsigned(range.getStart(), range.getEnd()) > 0) {
                throw new EventRejectedException(INVALID_VALUE, "mapping start above end");
            }
        }
        LongTrie<DmaReport> dma = m.dma;
        DmaReport report = new DmaReport(r.getOwnerId(), r.getMappings());
        for (String text : r.getDevices()) {
            long key = device(m, text).key();
            // an equal report again keeps the old one, so the trie (and whoever diffs it) sees no change
            if (!report.equals(dma.get(key))) {
                dma = dma.put(key, report);
            }
        }
        return m.with(m.host, m.topo, m.kernel, m.clusters, dma);
    }

    // ---------------------------------------------------------------- whole-host events

    /**
     * New platform facts. If the grouping-relevant ones change while devices are known, the host is taken as rebooted
     * with them: devices are re-enumerated (ACS enabling, quirks) and probed again from scratch. The reboot reset the
     * ACS registers and the new kernel enabled them again, so until a snapshot reports the hardware the live view
     * takes the new kernel's enabling of the last observed words.
     */
    private static HostModel describe(HostModel m, HostDescribed h) {
        HostDescribed copy = HostDescribed.newBuilder(h).build();
        if (m.topo.size() == 0 || !groupingChanged(m.host, copy)) {
            return m.with(copy, m.topo, m.kernel, m.clusters, m.dma);
        }
        List<PciDeviceInfo> infos = new ArrayList<>();
        for (Device d : m.topo.all()) {
            infos.add(d.info());
        }
        return Resync.boot(m, copy, infos, m.dma, true);
    }

    static boolean groupingChanged(HostDescribed a, HostDescribed b) {
        if (a == null) {
            return true;
        }
        return a.getPlatform() != b.getPlatform() || a.getFirmware() != b.getFirmware()
                || !Objects.equals(a.getCommandLine(), b.getCommandLine()) || a.getIntelPchAcsQuirk() != b.getIntelPchAcsQuirk()
                || !Objects.equals(a.getDmarUnits(), b.getDmarUnits());
    }

    /**
     * A complete capture. The host's first one, or one whose platform facts re-enumerate, is a boot; any other
     * resynchronises a host whose kernel kept running (see {@link Resync}).
     */
    private static HostModel snapshot(HostModel m, HostSnapshot s) throws EventRejectedException {
        Set<Bdf> seen = new HashSet<>();
        for (PciDeviceInfo info : s.getDevices()) {
            Bdf b = bdf(info.getBdf());
            if (!seen.add(b)) {
                throw new EventRejectedException(DUPLICATE_DEVICE, "snapshot lists " + b + " twice");
            }
            checkBridgeNumbers(b, info.getBridge());
        }
        HostDescribed host = s.getHost() == null ? m.host : HostDescribed.newBuilder(s.getHost()).build();
        LongTrie<DmaReport> dma = LongTrie.empty();
        for (Bdf b : seen) {
            DmaReport r = m.dma.get(io.iommutracker.emulator.model.Keys.device(b));
            if (r != null) {
                dma = dma.put(io.iommutracker.emulator.model.Keys.device(b), r);
            }
        }
        boolean boot = m.topo.size() == 0 || (s.getHost() != null && groupingChanged(m.host, host));
        return boot ? Resync.boot(m, host, s.getDevices(), dma, false) : Resync.resync(m, host, s.getDevices(), dma);
    }
}

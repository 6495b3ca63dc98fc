package io.iommutracker.connectors.diff;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.BridgeBusNumbersChanged;
import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.BridgeWindowChanged;
import io.iommutracker.avro.CommandChanged;
import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.DriverBound;
import io.iommutracker.avro.DriverUnbound;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.MsiConfigured;
import io.iommutracker.avro.MsiKind;
import io.iommutracker.avro.MsiState;
import io.iommutracker.avro.MsixState;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.Window;
import io.iommutracker.avro.WindowKind;
import io.iommutracker.emulator.model.Bdf;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The fine-grained events that take a host from one capture to the next. Pure: no I/O, no clock.
 *
 * <p>Order: a changed {@link HostDescribed} first; then removals (deepest device first); then, per surviving device in
 * topology order, DriverUnbound, bus numbers, bridge windows, BARs, ACS control, MSI / MSI-X, command, DriverBound; then
 * additions (shallowest first). A device whose change has no event of its own (new vendor/device id, a capability that
 * appeared, ...) is removed and added again when it is an endpoint; when it is a bridge, the diff is one
 * {@link HostSnapshot} that resynchronises the host, because re-adding a bridge would orphan what is below it.
 *
 * <p>Raw config-space bytes are not compared: status bits change between any two captures and every field the
 * tracker uses is decoded into its own field.
 */
public final class SnapshotDiff {

    private SnapshotDiff() {
    }

    /** The payloads (PciEvent.payload values) from {@code before} to {@code after}; empty when nothing changed. */
    public static List<Object> diff(HostSnapshot before, HostSnapshot after) {
        Map<Bdf, PciDeviceInfo> was = byBdf(before);
        Map<Bdf, PciDeviceInfo> now = byBdf(after);
        BusTree beforeTree = new BusTree(was.values());
        BusTree afterTree = new BusTree(now.values());

        List<PciDeviceInfo> removed = new ArrayList<>();
        List<PciDeviceInfo> added = new ArrayList<>();
        List<Object> changes = new ArrayList<>();

        TreeSet<Bdf> all = new TreeSet<>(was.keySet());
        all.addAll(now.keySet());
        List<Bdf> surviving = all.stream().filter(b -> was.containsKey(b) && now.containsKey(b))
                .sorted(byDepth(afterTree)).toList();
        for (Bdf b : all) {
            if (!now.containsKey(b)) {
                removed.add(was.get(b));
            } else if (!was.containsKey(b)) {
                added.add(now.get(b));
            }
        }
        for (Bdf b : surviving) {
            PciDeviceInfo p = was.get(b);
            PciDeviceInfo n = now.get(b);
            if (!expressible(p, n)) {
                if (p.getBridge() != null || n.getBridge() != null) {
                    return List.of(after);
                }
                removed.add(p);
                added.add(n);
                continue;
            }
            changes.addAll(deviceChanges(p, n));
        }

        List<Object> out = new ArrayList<>();
        HostDescribed host = after.getHost();
        if (host != null && !host.equals(before.getHost())) {
            out.add(host);
        }
        removed.stream().sorted(Comparator.comparingInt((PciDeviceInfo d) -> beforeTree.depth(d.getBdf())).reversed()
                        .thenComparing(d -> Bdf.parse(d.getBdf()), Comparator.reverseOrder()))
                .forEach(d -> out.add(new DeviceRemoved(d.getBdf())));
        out.addAll(changes);
        added.stream().sorted(Comparator.comparingInt((PciDeviceInfo d) -> afterTree.depth(d.getBdf()))
                        .thenComparing(d -> Bdf.parse(d.getBdf())))
                .forEach(d -> out.add(new DeviceAdded(d)));
        return out;
    }

    private static Comparator<Bdf> byDepth(BusTree tree) {
        return Comparator.comparingInt((Bdf b) -> tree.depth(b.toString())).thenComparing(Comparator.naturalOrder());
    }

    private static Map<Bdf, PciDeviceInfo> byBdf(HostSnapshot s) {
        Map<Bdf, PciDeviceInfo> m = new TreeMap<>();
        for (PciDeviceInfo d : s.getDevices()) {
            m.put(Bdf.parse(d.getBdf()), d);
        }
        return m;
    }

    /** Whether every difference between the two has an event: true when the rest of the record is equal. */
    static boolean expressible(PciDeviceInfo p, PciDeviceInfo n) {
        PciDeviceInfo.Builder rest = PciDeviceInfo.newBuilder(n)
                .setBdf(p.getBdf())
                .setBars(p.getBars())
                .setCommand(p.getCommand())
                .setDriver(p.getDriver())
                .setOwner(p.getOwner())
                .setConfigSpace(p.getConfigSpace());
        if (p.getBridge() != null && n.getBridge() != null) {
            rest.setBridge(p.getBridge());
        }
        if (p.getAcs() != null && n.getAcs() != null && p.getAcs().getCap() == n.getAcs().getCap()) {
            rest.setAcs(p.getAcs());
        }
        if (p.getMsi() != null && n.getMsi() != null && p.getMsi().getMaxVectors() == n.getMsi().getMaxVectors()) {
            rest.setMsi(p.getMsi());
        }
        if (p.getMsix() != null && n.getMsix() != null) {
            rest.setMsix(p.getMsix());
        }
        return rest.build().equals(p);
    }

    private static List<Object> deviceChanges(PciDeviceInfo p, PciDeviceInfo n) {
        String bdf = n.getBdf();
        List<Object> out = new ArrayList<>();
        boolean rebind = !Objects.equals(p.getDriver(), n.getDriver()) || !Objects.equals(p.getOwner(), n.getOwner());
        if (rebind && p.getDriver() != null) {
            out.add(new DriverUnbound(bdf, p.getDriver()));
        }
        BridgeInfo pb = p.getBridge();
        BridgeInfo nb = n.getBridge();
        if (pb != null && nb != null) {
            if (pb.getSecondary() != nb.getSecondary() || pb.getSubordinate() != nb.getSubordinate()) {
                out.add(new BridgeBusNumbersChanged(bdf, nb.getSecondary(), nb.getSubordinate()));
            }
            window(out, bdf, WindowKind.IO, pb.getIoWindow(), nb.getIoWindow());
            window(out, bdf, WindowKind.MEM, pb.getMemWindow(), nb.getMemWindow());
            window(out, bdf, WindowKind.PREFMEM, pb.getPrefWindow(), nb.getPrefWindow());
        }
        bars(out, bdf, p.getBars(), n.getBars());
        AcsCapability pa = p.getAcs();
        AcsCapability na = n.getAcs();
        if (pa != null && na != null && pa.getCtrl() != na.getCtrl()) {
            out.add(new AcsControlChanged(bdf, na.getCtrl()));
        }
        MsiState pm = p.getMsi();
        MsiState nm = n.getMsi();
        if (pm != null && nm != null && (pm.getEnabled() != nm.getEnabled() || pm.getVectors() != nm.getVectors()
                || !Objects.equals(pm.getAddress(), nm.getAddress()))) {
            out.add(new MsiConfigured(bdf, MsiKind.MSI, nm.getEnabled(), nm.getVectors(), nm.getAddress()));
        }
        MsixState px = p.getMsix();
        MsixState nx = n.getMsix();
        // the MSI-X function mask flips while drivers reprogram vectors: only enable and size are events
        if (px != null && nx != null && (px.getEnabled() != nx.getEnabled() || px.getTableSize() != nx.getTableSize())) {
            out.add(new MsiConfigured(bdf, MsiKind.MSIX, nx.getEnabled(), nx.getTableSize(), null));
        }
        if (p.getCommand() != n.getCommand()) {
            out.add(new CommandChanged(bdf, n.getCommand()));
        }
        if (rebind && n.getDriver() != null) {
            out.add(new DriverBound(bdf, n.getDriver(), n.getOwner()));
        }
        return out;
    }

    private static void window(List<Object> out, String bdf, WindowKind kind, Window was, Window now) {
        if (!Objects.equals(was, now)) {
            out.add(new BridgeWindowChanged(bdf, kind, now));
        }
    }

    private static void bars(List<Object> out, String bdf, List<Bar> was, List<Bar> now) {
        Map<Integer, Bar> p = new TreeMap<>();
        was.forEach(b -> p.put(b.getIndex(), b));
        Map<Integer, Bar> n = new TreeMap<>();
        now.forEach(b -> n.put(b.getIndex(), b));
        TreeSet<Integer> indexes = new TreeSet<>(p.keySet());
        indexes.addAll(n.keySet());
        for (int i : indexes) {
            Bar before = p.get(i);
            Bar after = n.get(i);
            if (after == null) {
                // the BAR is gone from the capture: the kernel released it, which the event language says as size 0
                if (before.getSize() != 0) {
                    out.add(new BarProgrammed(bdf, Bar.newBuilder(before).setBase(0).setSize(0).build()));
                }
            } else if (!after.equals(before)) {
                out.add(new BarProgrammed(bdf, after));
            }
        }
    }
}

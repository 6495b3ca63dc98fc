package io.iommutracker.emulator.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.BridgeBusNumbersChanged;
import io.iommutracker.avro.BridgeWindowChanged;
import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.DmaMappingsReported;
import io.iommutracker.avro.DriverBound;
import io.iommutracker.avro.DriverUnbound;
import io.iommutracker.avro.HostBridgeWindow;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.avro.Window;
import io.iommutracker.avro.WindowKind;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.synth.PciDevices;
import io.iommutracker.emulator.synth.SyntheticHost;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * Random event streams on synthetic hosts (hot-plug and unplug of leaves and bridges, ACS flips, bus renumbering,
 * windows, BARs, binds, DMA reports, descriptions and snapshots): after every event the incremental view equals the
 * view built from scratch, as a record, as lists (both ways, with equal hashes) and as Avro bytes. Every few events
 * the view of an older version is derived from the newer one, since a memo may be asked for any version.
 */
class IncrementalViewEquivalenceTest {

    private static final String HOST = "eq";
    /** Live groups seen with a fresh id (no kernel id of their own): the id competition was exercised. */
    private static final long[] FRESH_IDS = {0};

    @Test
    void incrementalViewsEqualFreshBuildsOnASmallHost() throws Exception {
        long freshBefore = FRESH_IDS[0];
        int steps = run(new Random(7), 130, 1500);
        assertThat(steps).isGreaterThan(700);
        assertThat(FRESH_IDS[0] - freshBefore).as("live groups with fresh ids").isGreaterThan(200);
    }

    @Test
    void incrementalViewsEqualFreshBuildsOnAHostOfTwoDomains() throws Exception {
        int steps = run(new Random(11), 1100, 250);
        assertThat(steps).isGreaterThan(150);
    }

    @Test
    void incrementalViewsEqualFreshBuildsOnHostsWithDmaAndOverrides() throws Exception {
        int total = 0;
        for (int seed = 0; seed < 6; seed++) {
            total += run(new Random(100 + seed), 48 + seed * 20, 400);
        }
        assertThat(total).isGreaterThan(1500);
    }

    /** Applies random events, comparing every accepted one; returns how many were compared. */
    private static int run(Random rnd, int devices, int events) throws Exception {
        HostState s = HostState.empty(HOST);
        for (PciEvent e : SyntheticHost.events(HOST, devices)) {
            s = s.apply(e);
        }
        ViewMemo memo = new ViewMemo();
        check(s, memo);
        s = splitSomeGroups(rnd, s, memo);
        Map<String, PciDeviceInfo> unplugged = new HashMap<>();
        List<HostState> history = new ArrayList<>();
        int compared = 0;
        int changed = 0;
        HostView last = null;
        for (int i = 0; i < events; i++) {
            Object payload = payload(rnd, s, unplugged);
            if (payload == null) {
                continue;
            }
            RECENT.addLast(payload);
            if (RECENT.size() > 4) {
                RECENT.removeFirst();
            }
            HostState next;
            try {
                next = s.apply(SyntheticHost.event(HOST, s.lastSequence() + 1, payload));
            } catch (EventRejectedException ex) {
                continue;
            }
            if (payload instanceof DeviceRemoved r) {
                s.device(r.getBdf()).ifPresent(info -> unplugged.put(r.getBdf(), info));
            }
            if (payload instanceof DeviceAdded a) {
                unplugged.remove(a.getDevice().getBdf());
            }
            history.add(s);
            s = next;
            HostView v = check(s, memo);
            changed += last != null && !content(v).equals(content(last)) ? 1 : 0;
            int highWater = s.model().kernelGroups().highWater();
            FRESH_IDS[0] += v.getLiveGroups().stream().filter(g -> g.getId() >= highWater).count();
            last = v;
            compared++;
            if (rnd.nextInt(9) == 0 && !history.isEmpty()) {
                // an older version from the newer one, then on from there
                HostState old = history.get(rnd.nextInt(history.size()));
                ViewMemo branch = memo.copy();
                RECENT.addLast("back to " + old.lastSequence());
                check(old, branch);
                RECENT.addLast("forth to " + s.lastSequence());
                check(s, branch);
            }
        }
        // the stream changed the view, not only its sequence
        assertThat(changed).isGreaterThan(compared / 3);
        return compared;
    }

    /**
     * Functions re-probed below ports with ACS off share kernel groups; ACS back on splits them in the live view, where
     * all but one part get fresh ids: the id competition the live view resolves.
     */
    private static HostState splitSomeGroups(Random rnd, HostState s, ViewMemo memo) throws Exception {
        List<PciDeviceInfo> ports = s.devices().stream()
                .filter(d -> d.getPcieType() == io.iommutracker.avro.PcieType.DOWNSTREAM_PORT).toList();
        for (PciDeviceInfo port : ports) {
            if (rnd.nextInt(3) != 0) {
                continue;
            }
            List<Object> steps = new ArrayList<>();
            steps.add(new AcsControlChanged(port.getBdf(), 0));
            String below = port.getBdf().substring(0, 5) + String.format("%02x:", port.getBridge().getSecondary());
            List<PciDeviceInfo> functions = s.devices().stream().filter(d -> d.getBdf().startsWith(below)).toList();
            functions.forEach(f -> steps.add(new DeviceRemoved(f.getBdf())));
            functions.forEach(f -> steps.add(new DeviceAdded(f)));
            steps.add(new AcsControlChanged(port.getBdf(), PciDevices.ACS_REQ));
            for (Object payload : steps) {
                s = s.apply(SyntheticHost.event(HOST, s.lastSequence() + 1, payload));
                check(s, memo);
            }
        }
        return s;
    }

    private static HostView check(HostState s, ViewMemo memo) throws IOException {
        HostView expected = HostViewBuilder.build(s.model(), s.hostRules());
        HostView actual = HostViewBuilder.build(s.model(), s.hostRules(), memo);
        if (!actual.equals(expected)) {
            throw new AssertionError("view at " + s.lastSequence() + " after " + RECENT.stream().map(o -> o.getClass().getSimpleName() + " "
                    + o.toString().substring(0, Math.min(160, o.toString().length()))).toList() + ": " + firstDifference(actual, expected));
        }
        sameList(actual.getDevices(), expected.getDevices());
        sameList(actual.getKernelGroups(), expected.getKernelGroups());
        sameList(actual.getLiveGroups(), expected.getLiveGroups());
        sameList(actual.getUsableIova(), expected.getUsableIova());
        sameList(actual.getHazards(), expected.getHazards());
        assertThat(bytes(actual)).isEqualTo(bytes(expected));
        return actual;
    }

    private static final java.util.Deque<Object> RECENT = new java.util.ArrayDeque<>();

    private static String firstDifference(HostView a, HostView e) {
        List<List<?>> as = List.of(a.getKernelGroups(), a.getLiveGroups(), a.getDevices(), a.getUsableIova(), a.getHazards());
        List<List<?>> es = List.of(e.getKernelGroups(), e.getLiveGroups(), e.getDevices(), e.getUsableIova(), e.getHazards());
        String[] names = {"kernelGroups", "liveGroups", "devices", "usableIova", "hazards"};
        for (int l = 0; l < as.size(); l++) {
            List<?> x = as.get(l);
            List<?> y = es.get(l);
            for (int i = 0; i < Math.max(x.size(), y.size()); i++) {
                Object xi = i < x.size() ? x.get(i) : null;
                Object yi = i < y.size() ? y.get(i) : null;
                if (!java.util.Objects.equals(xi, yi)) {
                    return names[l] + "[" + i + "]: was " + xi + " expected " + yi;
                }
            }
        }
        return "scalars: was " + content(a).getDeviceCount() + " expected " + e.getDeviceCount();
    }

    private static void sameList(List<?> actual, List<?> expected) {
        assertThat(actual.size()).isEqualTo(expected.size());
        assertThat(actual.equals(expected)).isTrue();
        assertThat(expected.equals(actual)).isTrue();
        assertThat(actual.hashCode()).isEqualTo(expected.hashCode());
        for (int i = 0; i < expected.size(); i += 1 + expected.size() / 16) {
            assertThat(actual.get(i)).isEqualTo(expected.get(i));
        }
    }

    private static byte[] bytes(HostView v) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(HostView.class).write(v, enc);
        enc.flush();
        return out.toByteArray();
    }

    private static HostView content(HostView v) {
        return HostView.newBuilder(v).setSequence(0).setUpdatedAt(java.time.Instant.EPOCH).build();
    }

    private static <T> T pick(Random rnd, List<T> xs) {
        return xs.get(rnd.nextInt(xs.size()));
    }

    private static Object payload(Random rnd, HostState s, Map<String, PciDeviceInfo> unplugged) {
        List<PciDeviceInfo> devs = s.devices();
        if (devs.isEmpty()) {
            return null;
        }
        PciDeviceInfo d = pick(rnd, devs);
        List<PciDeviceInfo> bridges = devs.stream().filter(x -> x.getBridge() != null).toList();
        List<PciDeviceInfo> leaves = devs.stream().filter(x -> x.getBridge() == null).toList();
        int kind = rnd.nextInt(100);
        if (kind < 14) {
            return new DeviceRemoved((rnd.nextInt(4) == 0 || leaves.isEmpty() ? d : pick(rnd, leaves)).getBdf());
        }
        if (kind < 28 && !unplugged.isEmpty()) {
            return new DeviceAdded(pick(rnd, new ArrayList<>(unplugged.values())));
        }
        if (kind < 40 && !bridges.isEmpty()) {
            int[] ctrls = {0, PciDevices.ACS_REQ, 0x11, 0x5, 0x1c};
            return new AcsControlChanged(pick(rnd, bridges).getBdf(), ctrls[rnd.nextInt(ctrls.length)]);
        }
        if (kind < 44 && !bridges.isEmpty()) {
            PciDeviceInfo b = pick(rnd, bridges);
            int sec = b.getBridge().getSecondary() + rnd.nextInt(5) - 2;
            sec = Math.max(1, Math.min(250, sec));
            return new BridgeBusNumbersChanged(b.getBdf(), sec, Math.max(sec, b.getBridge().getSubordinate()));
        }
        if (kind < 48 && !bridges.isEmpty()) {
            long base = 0x40_0000_0000L + (long) rnd.nextInt(64) * 0x100_0000L;
            return new BridgeWindowChanged(pick(rnd, bridges).getBdf(), WindowKind.MEM,
                    rnd.nextInt(5) == 0 ? null : new Window(base, base + 0xff_ffffL));
        }
        if (kind < 58 && !leaves.isEmpty()) {
            PciDeviceInfo l = pick(rnd, leaves);
            if (l.getBars().isEmpty()) {
                return null;
            }
            Bar bar = l.getBars().get(0);
            return new BarProgrammed(l.getBdf(), Bar.newBuilder(bar)
                    .setBase(0x40_0000_0000L + (long) rnd.nextInt(256) * 0x10_0000L).build());
        }
        if (kind < 68) {
            OwnerKind ok = rnd.nextBoolean() ? OwnerKind.VFIO : OwnerKind.IOMMUFD;
            return new DriverBound(d.getBdf(), ok == OwnerKind.VFIO ? "vfio-pci" : "vfio-pci-core",
                    new Owner(ok, "vm-" + rnd.nextInt(3)));
        }
        if (kind < 73) {
            return new DriverUnbound(d.getBdf(), d.getDriver());
        }
        if (kind < 85) {
            List<String> targets = new ArrayList<>();
            for (int i = rnd.nextInt(3); i >= 0; i--) {
                targets.add(pick(rnd, devs).getBdf());
            }
            List<IovaRange> maps = new ArrayList<>();
            for (int i = rnd.nextInt(3); i > 0; i--) {
                long start = rnd.nextBoolean() ? 0x40_0000_0000L + (long) rnd.nextInt(64) * 0x80_0000L
                        : (long) rnd.nextInt(0x10000) << 16;
                maps.add(new IovaRange(start, start + 0xff_ffffL));
            }
            return new DmaMappingsReported("vm-" + rnd.nextInt(3), targets, maps);
        }
        if (kind < 89) {
            HostDescribed.Builder h = HostDescribed.newBuilder(SyntheticHost.intel());
            int c = rnd.nextInt(5);
            if (c == 4 || c == 0) {
                // RMRRs scoped to bridges: regions of the devices below read the bridges' bus ranges
                List<String> scopes = new ArrayList<>();
                for (int i = 0; i < 3 && !bridges.isEmpty(); i++) {
                    scopes.add(pick(rnd, bridges).getBdf());
                }
                h.setRmrrs(List.of(new io.iommutracker.avro.Rmrr(0x7000_0000L, 0x7000_ffffL, scopes)));
            }
            if (c == 1) {
                h.setCommandLine("pcie_acs_override=downstream,multifunction");
            } else if (c == 2) {
                h.setHostBridgeWindows(List.of(new HostBridgeWindow(0, 0, 0x40_0000_0000L, 0x40_ffff_ffffL, 0x1000_0000L)));
            } else if (c == 3) {
                h.setIsolatedMsi(false);
            }
            return h.build();
        }
        if (kind < 92) {
            List<PciDeviceInfo> snap = new ArrayList<>(devs);
            snap.remove(rnd.nextInt(snap.size()));
            return new HostSnapshot(s.platform().orElse(null), snap);
        }
        if (kind < 96) {
            // a new switch port with an endpoint below it, on a bus of its own
            PciDeviceInfo usp = bridges.stream().filter(b -> b.getPcieType() == io.iommutracker.avro.PcieType.UPSTREAM_PORT)
                    .findFirst().orElse(null);
            if (usp == null) {
                return null;
            }
            int bus = usp.getBridge().getSecondary();
            int slot = 8 + rnd.nextInt(20);
            int sec = 200 + rnd.nextInt(50);
            String dom = usp.getBdf().substring(0, 5);
            if (rnd.nextBoolean()) {
                return new DeviceAdded(PciDevices.at(dom + String.format("%02x:%02x.0", bus, slot))
                        .downstreamPort(sec, sec).acsOn().memWindow(0x50_0000_0000L, 0x50_00ff_ffffL).build());
            }
            return new DeviceAdded(PciDevices.at(dom + String.format("%02x:00.0", sec)).endpoint()
                    .bar(0, 0x50_0000_0000L + (long) rnd.nextInt(16) * 0x10_0000L, 0x10_0000L).build());
        }
        return new DmaMappingsReported("vm-0", List.of(d.getBdf()), List.of());
    }
}

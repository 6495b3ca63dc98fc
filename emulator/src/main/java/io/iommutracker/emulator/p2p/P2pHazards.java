package io.iommutracker.emulator.p2p;

import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.HostBridgeWindow;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.P2pHazard;
import io.iommutracker.avro.Window;
import io.iommutracker.emulator.acs.Acs;
import io.iommutracker.emulator.acs.AcsFlags;
import io.iommutracker.emulator.acs.AcsPolicy;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Topology;
import java.util.ArrayList;
import java.util.List;

/**
 * Peer-to-peer hazards (iommu-model.md section 6): address ranges a device's DMA can reach without passing the IOMMU.
 * Climbing from the device, every ingress port (downstream or root port) that does not redirect requests upstream
 * (RR and UF in its current control, or a quirk saying so) routes a request that hits a sibling's window or BAR
 * straight there; a multifunction device without ACS can do the same between its functions. BARs and windows are
 * known by CPU address (sysfs, lspci) while DMA carries bus addresses, so each range is moved by the offset of the
 * host-bridge window holding it (pcibios_resource_to_bus(); iommu-model.md section 6) before it is reported and
 * intersected with the mappings; without a known window bus address = CPU address.
 */
public final class P2pHazards {

    private static final int REDIRECT = AcsFlags.RR | AcsFlags.UF;

    private P2pHazards() {
    }

    /** Hazards of one device on a host whose bus addresses equal its CPU addresses. */
    public static List<P2pHazard> of(Device dev, Topology topo, AcsPolicy policy, List<IovaRange> mappings) {
        return of(dev, topo, policy, mappings, List.of());
    }

    /**
     * Hazards of one device, each intersected with the device's reported mappings (overlap null when none meet).
     *
     * @param windows the host-bridge windows that translate (HostDescribed.hostBridgeWindows)
     */
    public static List<P2pHazard> of(Device dev, Topology topo, AcsPolicy policy, List<IovaRange> mappings,
            List<HostBridgeWindow> windows) {
        List<P2pHazard> out = new ArrayList<>();
        Sink sink = new Sink(out, dev, mappings, windows);
        if (dev.multifunction() && !Acs.enabled(dev, REDIRECT, topo, policy)) {
            for (Device sib : topo.onBus(dev.bdf().domain(), dev.bdf().bus())) {
                if (sib != dev && sib.slot() == dev.slot() && !sib.bdf().equals(dev.bdf())) {
                    addBars(sink, sib);
                }
            }
        }
        int guard = 0;
        for (Device port = topo.parent(dev); port != null && guard++ < 256; port = topo.parent(port)) {
            boolean ingress = port.isPcie() && switch (port.pcieType()) {
                case DOWNSTREAM_PORT, ROOT_PORT -> true;
                default -> false;
            };
            if (!ingress || Acs.enabled(port, REDIRECT, topo, policy)) {
                continue;
            }
            for (Device peer : topo.onBus(port.bdf().domain(), port.bdf().bus())) {
                if (peer.bdf().equals(port.bdf())) {
                    continue;
                }
                if (peer.bridge() != null) {
                    addWindows(sink, peer, peer.bridge());
                } else {
                    addBars(sink, peer);
                }
            }
        }
        return out;
    }

    private static void addBars(Sink sink, Device peer) {
        for (Bar bar : peer.info().getBars()) {
            if (bar.getSize() > 0 && bar.getKind() != io.iommutracker.avro.BarKind.IO) {
                sink.add(peer, bar.getBase(), bar.getBase() + bar.getSize() - 1);
            }
        }
    }

    private static void addWindows(Sink sink, Device peer, BridgeInfo br) {
        for (Window w : new Window[] {br.getMemWindow(), br.getPrefWindow()}) {
            if (w != null && Long.compareUnsigned(w.getBase(), w.getLimit()) <= 0) {
                sink.add(peer, w.getBase(), w.getLimit());
            }
        }
    }

    /** Collects one device's hazards in bus addresses. */
    private record Sink(List<P2pHazard> out, Device dev, List<IovaRange> mappings, List<HostBridgeWindow> windows) {

        void add(Device peer, long cpuStart, long cpuEnd) {
            long offset = offset(peer, cpuStart);
            long start = cpuStart - offset;
            long end = cpuEnd - offset;
            IovaRange window = new IovaRange(start, end);
            boolean any = false;
            for (IovaRange m : mappings) {
                long s = Long.compareUnsigned(m.getStart(), start) > 0 ? m.getStart() : start;
                long e = Long.compareUnsigned(m.getEnd(), end) < 0 ? m.getEnd() : end;
                if (Long.compareUnsigned(s, e) <= 0) {
                    out.add(new P2pHazard(dev.bdf().toString(), peer.bdf().toString(), window, new IovaRange(s, e)));
                    any = true;
                }
            }
            if (!any) {
                out.add(new P2pHazard(dev.bdf().toString(), peer.bdf().toString(), window, null));
            }
        }

        // pcibios_resource_to_bus(): the offset of the host bridge's window that holds the address. A host bridge is
        // known by its root bus; the peer belongs to the one with the highest root bus not above its own bus.
        private long offset(Device peer, long cpu) {
            HostBridgeWindow best = null;
            for (HostBridgeWindow w : windows) {
                if (w.getDomain() == peer.bdf().domain() && w.getRootBus() <= peer.bdf().bus()
                        && Long.compareUnsigned(w.getCpuStart(), cpu) <= 0 && Long.compareUnsigned(cpu, w.getCpuEnd()) <= 0
                        && (best == null || w.getRootBus() > best.getRootBus())) {
                    best = w;
                }
            }
            return best == null ? 0 : best.getCpuStart() - best.getBusStart();
        }
    }
}

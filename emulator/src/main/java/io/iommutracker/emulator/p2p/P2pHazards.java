package io.iommutracker.emulator.p2p;

import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BridgeInfo;
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
 * straight there; a multifunction device without ACS can do the same between its functions. Addresses are CPU
 * addresses: no host-bridge offset is known, so bus address = CPU address is assumed.
 */
public final class P2pHazards {

    private static final int REDIRECT = AcsFlags.RR | AcsFlags.UF;

    private P2pHazards() {
    }

    /** Hazards of one device, each intersected with the device's reported mappings (overlap null when none meet). */
    public static List<P2pHazard> of(Device dev, Topology topo, AcsPolicy policy, List<IovaRange> mappings) {
        List<P2pHazard> out = new ArrayList<>();
        if (dev.multifunction() && !Acs.enabled(dev, REDIRECT, topo, policy)) {
            for (Device sib : topo.onBus(dev.bdf().domain(), dev.bdf().bus())) {
                if (sib != dev && sib.slot() == dev.slot() && !sib.bdf().equals(dev.bdf())) {
                    addBars(out, dev, sib, mappings);
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
                    addWindows(out, dev, peer, peer.bridge(), mappings);
                } else {
                    addBars(out, dev, peer, mappings);
                }
            }
        }
        return out;
    }

    private static void addBars(List<P2pHazard> out, Device dev, Device peer, List<IovaRange> mappings) {
        for (Bar bar : peer.info().getBars()) {
            if (bar.getSize() > 0 && bar.getKind() != io.iommutracker.avro.BarKind.IO) {
                add(out, dev, peer, bar.getBase(), bar.getBase() + bar.getSize() - 1, mappings);
            }
        }
    }

    private static void addWindows(List<P2pHazard> out, Device dev, Device peer, BridgeInfo br, List<IovaRange> mappings) {
        for (Window w : new Window[] {br.getMemWindow(), br.getPrefWindow()}) {
            if (w != null && Long.compareUnsigned(w.getBase(), w.getLimit()) <= 0) {
                add(out, dev, peer, w.getBase(), w.getLimit(), mappings);
            }
        }
    }

    private static void add(List<P2pHazard> out, Device dev, Device peer, long start, long end, List<IovaRange> mappings) {
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
}

package io.iommutracker.emulator.format;

import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.emulator.model.Bdf;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Bridge bus numbers for captures that do not print them ({@code lspci -nnk}, a plain listing): without them every
 * bus would look like a root bus and nothing below a port would be grouped with it. Firmware and the kernel
 * (pci_scan_bridge_extend() on a bus it numbers itself) number buses depth first in device order, each bridge taking
 * the next number for its secondary bus, an empty port included. The numbering is used only when it is consistent
 * with the capture: every bus that holds devices is reached, and no bus is given twice; otherwise the capture is left
 * as it is.
 */
final class BusNumbers {

    private BusNumbers() {
    }

    static void infer(Map<Bdf, PciDeviceInfo> devices) {
        Map<Integer, List<Bdf>> domains = new TreeMap<>();
        for (Map.Entry<Bdf, PciDeviceInfo> e : devices.entrySet()) {
            if (isBridge(e.getValue()) && e.getValue().getBridge() != null) {
                return; // the capture has bus numbers: nothing to infer
            }
            domains.computeIfAbsent(e.getKey().domain(), k -> new ArrayList<>()).add(e.getKey());
        }
        Map<Bdf, BridgeInfo> out = new HashMap<>();
        for (Map.Entry<Integer, List<Bdf>> d : domains.entrySet()) {
            Map<Integer, List<Bdf>> byBus = new TreeMap<>();
            d.getValue().forEach(b -> byBus.computeIfAbsent(b.bus(), k -> new ArrayList<>()).add(b));
            int root = byBus.keySet().iterator().next();
            int[] next = {root + 1};
            Set<Integer> reached = new HashSet<>();
            reached.add(root);
            if (!number(root, byBus, devices, next, reached, out) || !reached.containsAll(byBus.keySet())) {
                return;
            }
        }
        out.forEach((b, br) -> devices.put(b, PciDeviceInfo.newBuilder(devices.get(b)).setBridge(br).build()));
    }

    private static boolean number(int bus, Map<Integer, List<Bdf>> byBus, Map<Bdf, PciDeviceInfo> devices, int[] next,
            Set<Integer> reached, Map<Bdf, BridgeInfo> out) {
        for (Bdf b : byBus.getOrDefault(bus, List.of())) {
            if (!isBridge(devices.get(b))) {
                continue;
            }
            int secondary = next[0]++;
            if (secondary > 0xff || !reached.add(secondary)) {
                return false;
            }
            if (!number(secondary, byBus, devices, next, reached, out)) {
                return false;
            }
            out.put(b, new BridgeInfo(bus, secondary, next[0] - 1, null, null, null));
        }
        return true;
    }

    private static boolean isBridge(PciDeviceInfo d) {
        return d.getBridge() != null || (d.getHeaderType() & 0x7f) == 1 || d.getClassCode() >> 8 == 0x0604;
    }
}
